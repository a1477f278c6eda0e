#!/usr/bin/env bash
# Durable donations over HTTP from wrk (a C load generator, far cheaper per
# request than Go's net/http client), against `welfare-ledger serve`. It
# prints wrk's rate and latencies, the server's own CPU per request and
# group commits (from its /metrics), and checks that the donations the
# funds count went up by the 201s wrk received, plus at most one in flight
# per connection when wrk stopped.
#
#   apt-get install wrk
#   go build -o /tmp/welfare-ledger ./cmd/welfare-ledger
#   tools/wrk/donations.sh /tmp/welfare-ledger [FUNDS=13] [DURATION=10s] [CONNECTIONS=64]
#
# By default the server starts on a fresh temporary directory with FUNDS new
# social funds. With WL_DATA=DIR it starts on that existing data directory
# instead (e.g. a copy of a 10 M-event ledger; the donations it records stay
# there), loads the first FUNDS social funds of its ledger, and first runs
# wrk for WL_WARMUP (default 15s) unmeasured: the first write to each fund
# after a start reads that fund's whole stream.
set -euo pipefail
bin=$1 funds=${2:-13} duration=${3:-10s} conns=${4:-64}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
data=${WL_DATA:-}
fresh=0
if [ -z "$data" ]; then
	data=$(mktemp -d)
	fresh=1
fi
port=$((20000 + RANDOM % 20000))
api=http://127.0.0.1:$port
"$bin" serve --addr 127.0.0.1:$port --data "$data" --rate-limit 0 >"$out/stdout.log" 2>"$out/stderr.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; [ $fresh = 0 ] || rm -rf "$data"; rm -rf "$out"' EXIT
# A large ledger without a checkpoint replays its log first: minutes.
for _ in $(seq 6000); do curl -sf $api/readyz >/dev/null && break; sleep 0.1; done
token=$(cat "$data/admin.token")
auth=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json')
ids=()
if [ $fresh = 1 ]; then
	curl -sf "${auth[@]}" -X POST $api/v1/units -d '{"unit_id":"wrk","name":"wrk"}' >/dev/null
	for i in $(seq "$funds"); do
		id=$(python3 -c 'import uuid; print(uuid.uuid4())')
		curl -sf "${auth[@]}" -X POST $api/v1/funds \
			-d "{\"fund_id\":\"$id\",\"unit_id\":\"wrk\",\"name\":\"Quỹ $i\",\"kind\":\"social\",\"opened_on\":\"2026-01-01\"}" >/dev/null
		ids+=("$id")
	done
else
	read -r -a ids < <(curl -sf "${auth[@]}" "$api/v1/funds?kind=social&limit=$funds" |
		python3 -c 'import json, sys; print(" ".join(f["fund_id"] for f in json.load(sys.stdin)["items"]))')
	FUNDS=$(IFS=,; echo "${ids[*]}") TOKEN=$token wrk -t2 -c"$conns" -d"${WL_WARMUP:-15s}" -s "$here/donations.lua" $api >/dev/null
fi
donations() {
	local sum=0 n
	for id in "${ids[@]}"; do
		n=$(curl -s "${auth[@]}" $api/v1/funds/$id | python3 -c 'import json, sys; print(json.load(sys.stdin)["counts"]["donations"])')
		sum=$((sum + n))
	done
	echo $sum
}
metric() { curl -s $api/metrics | awk -v name="$1" '$1 == name {print $2}'; }
# The count to start from once no write is in flight (the warm-up's last
# requests may still be waiting when wrk stops).
before=$(donations)
while sleep 1 && now=$(donations) && [ "$now" != "$before" ]; do before=$now; done
cpu0=$(metric process_cpu_seconds_total) appends0=$(metric welfare_ledger_store_batch_appends_sum) commits0=$(metric welfare_ledger_store_batch_appends_count)
FUNDS=$(IFS=,; echo "${ids[*]}") TOKEN=$token wrk -t2 -c"$conns" -d"$duration" -s "$here/donations.lua" $api >"$out/wrk.out"
cpu1=$(metric process_cpu_seconds_total) appends1=$(metric welfare_ledger_store_batch_appends_sum) commits1=$(metric welfare_ledger_store_batch_appends_count)
cat "$out/wrk.out"
requests=$(awk '/requests in/ {print $1}' "$out/wrk.out")
non2xx=$(awk '/Non-2xx/ {print $NF}' "$out/wrk.out")
recorded=$(($(donations) - before))
python3 - "$requests" "${non2xx:-0}" "$recorded" "$conns" "$cpu0" "$cpu1" "$appends0" "$appends1" "$commits0" "$commits1" <<'PY'
import sys
requests, non2xx, recorded, conns = map(int, sys.argv[1:5])
cpu0, cpu1, a0, a1, c0, c1 = map(float, sys.argv[5:11])
acked = requests - non2xx
cpu = cpu1 - cpu0
print(f"server: {cpu:.1f} s of CPU for {requests:,} requests: {cpu / requests * 1e6:.0f} µs per request; "
      f"{a1 - a0:,.0f} appends in {c1 - c0:,.0f} commits ({(a1 - a0) / max(c1 - c0, 1):.1f} per commit)")
ok = non2xx == 0 and acked <= recorded <= acked + conns
print(f"acknowledged {acked:,}, refused {non2xx:,}, recorded {recorded:,}: "
      + ("OK" if ok else "MISMATCH"))
sys.exit(0 if ok else 1)
PY
