#!/usr/bin/env bash
# Start-up of `welfare-ledger serve` on an existing data directory, end to
# end (DESIGN.md: a 10 M-event ledger serves within 15 s): the time from
# exec until GET /readyz answers 200 (polled every 50 ms), the process's CPU
# time (user + system, from /proc/<pid>/stat) and its RSS at that moment,
# and the load average beside them (the machine may be shared). Then a
# SIGTERM, which writes <data>/projections.ckpt on the way out: the first
# run on a directory without a checkpoint replays the log and leaves one,
# later runs load it.
#
#   go build -o /tmp/wlbench/wl ./cmd/welfare-ledger
#   tools/startup/measure.sh /tmp/wlbench/wl /tmp/wlbench/ck [RUNS=3]
#
# One line per run:
#   run=2 wall_s=9.83 cpu_s=14.21 rss_mib=3350 load="1.02 0.88 0.70" loaded_in=9.5s wrote: bytes=… took=… read_lock_held=…
# The server's log of each run is kept in <data>/startup-<run>.log.
set -euo pipefail
bin=$1 data=$2 runs=${3:-3}
tick=$(getconf CLK_TCK)
for run in $(seq "$runs"); do
	port=$((20000 + RANDOM % 20000))
	log="$data/startup-$run.log"
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	t0=$(date +%s.%N)
	"$bin" serve --data "$data" --addr 127.0.0.1:$port --rate-limit 0 >"$log" 2>&1 &
	pid=$!
	until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do
		if ! kill -0 $pid 2>/dev/null; then
			echo "run=$run: serve exited before ready, see $log" >&2
			exit 1
		fi
		sleep 0.05
	done
	t1=$(date +%s.%N)
	# utime and stime are fields 14 and 15 of /proc/<pid>/stat, in ticks;
	# the command name (field 2) has no spaces here.
	read -r ut st < <(awk '{print $14, $15}' /proc/$pid/stat)
	rss=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
	kill -TERM $pid
	wait $pid || true
	# How the projections started (the checkpoint's load time, or why the
	# log was replayed) and what the SIGTERM wrote.
	start=$(grep -o 'loaded checkpoint.*took=[^ ]*' "$log" | sed 's/.* took=/loaded_in=/' || true)
	[ -n "$start" ] || start=$(grep -o 'msg="[^"]*replaying[^"]*"' "$log" | sed 's/msg=/replayed=/' || true)
	written=$(grep -o 'bytes=[0-9]* took=[^ ]* read_lock_held=[^ ]*' "$log" || true)
	printf 'run=%d wall_s=%.2f cpu_s=%.2f rss_mib=%d load="%s" %s wrote: %s\n' \
		"$run" "$(echo "$t1 - $t0" | bc)" "$(echo "($ut + $st) / $tick" | bc -l)" $((rss / 1024)) "$load" "$start" "$written"
done
