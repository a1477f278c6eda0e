#!/usr/bin/env bash
# Durable donations over HTTP from wrk (a C load generator, far cheaper per
# request than Go's net/http client), against a fresh `welfare-ledger serve`
# on a temporary data directory. It prints wrk's rate and latencies, the
# server's own CPU per request and group commits (from its /metrics), and
# checks that the donations the funds count are the 201s wrk received, plus
# at most one in flight per connection when wrk stopped.
#
#   apt-get install wrk
#   go build -o /tmp/welfare-ledger ./cmd/welfare-ledger
#   tools/wrk/donations.sh /tmp/welfare-ledger [FUNDS=13] [DURATION=10s] [CONNECTIONS=64]
set -euo pipefail
bin=$1 funds=${2:-13} duration=${3:-10s} conns=${4:-64}
here=$(cd "$(dirname "$0")" && pwd)
data=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
api=http://127.0.0.1:$port
"$bin" serve --addr 127.0.0.1:$port --data "$data" --rate-limit 0 >"$data/stdout.log" 2>"$data/stderr.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 100); do curl -sf $api/readyz >/dev/null && break; sleep 0.1; done
token=$(cat "$data/admin.token")
auth=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json')
curl -sf "${auth[@]}" -X POST $api/v1/units -d '{"unit_id":"wrk","name":"wrk"}' >/dev/null
ids=()
for i in $(seq "$funds"); do
	id=$(python3 -c 'import uuid; print(uuid.uuid4())')
	curl -sf "${auth[@]}" -X POST $api/v1/funds \
		-d "{\"fund_id\":\"$id\",\"unit_id\":\"wrk\",\"name\":\"Quỹ $i\",\"kind\":\"social\",\"opened_on\":\"2026-01-01\"}" >/dev/null
	ids+=("$id")
done
metric() { curl -s $api/metrics | awk -v name="$1" '$1 == name {print $2}'; }
cpu0=$(metric process_cpu_seconds_total) appends0=$(metric welfare_ledger_store_batch_appends_sum) commits0=$(metric welfare_ledger_store_batch_appends_count)
FUNDS=$(IFS=,; echo "${ids[*]}") TOKEN=$token wrk -t2 -c"$conns" -d"$duration" -s "$here/donations.lua" $api >"$data/wrk.out"
cpu1=$(metric process_cpu_seconds_total) appends1=$(metric welfare_ledger_store_batch_appends_sum) commits1=$(metric welfare_ledger_store_batch_appends_count)
cat "$data/wrk.out"
requests=$(awk '/requests in/ {print $1}' "$data/wrk.out")
non2xx=$(awk '/Non-2xx/ {print $NF}' "$data/wrk.out")
recorded=0
for id in "${ids[@]}"; do
	n=$(curl -s "${auth[@]}" $api/v1/funds/$id | python3 -c 'import json, sys; print(json.load(sys.stdin)["counts"]["donations"])')
	recorded=$((recorded + n))
done
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
