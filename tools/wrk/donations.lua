-- wrk script for tools/wrk/donations.sh: POST /v1/funds/{id}/donations with a
-- fresh random UUID (v4) as transaction_id, round-robin over the funds in
-- $FUNDS (comma-separated), as the bearer token $TOKEN.
local funds = {}
for f in string.gmatch(os.getenv("FUNDS"), "[^,]+") do funds[#funds + 1] = f end
local token = os.getenv("TOKEN")
local counter = 0
local hex = "0123456789abcdef"
local function uuid4()
  local t = {}
  for i = 1, 32 do
    local r = math.random(1, 16)
    if i == 13 then r = 5 end           -- version 4
    if i == 17 then r = 9 + (r % 4) end -- variant 10xx
    t[#t + 1] = hex:sub(r, r)
  end
  local s = table.concat(t)
  return s:sub(1, 8) .. "-" .. s:sub(9, 12) .. "-" .. s:sub(13, 16) .. "-" .. s:sub(17, 20) .. "-" .. s:sub(21, 32)
end
function setup(thread)
  thread:set("seed", math.random(1, 2^31))
end
function init(args)
  math.randomseed(seed + os.time())
end
function request()
  counter = counter + 1
  local fund = funds[(counter % #funds) + 1]
  local body = '{"transaction_id":"' .. uuid4() .. '","amount":"' .. (100000 + counter) .. '","occurred_on":"2026-11-30","donor":{"kind":"member","name":"Nguyễn Văn A"}}'
  return wrk.format("POST", "/v1/funds/" .. fund .. "/donations",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
function done(summary, latency, requests)
  io.write(string.format("p50 %.1fms p99 %.1fms max %.1fms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
