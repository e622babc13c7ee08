#!/usr/bin/env bash
# make bench (part): how late a flight recorder's duration trigger fires
# for a call still running. The workload's slow(200) runs far past the
# threshold; the recorder says "has run for X ms" when it fires: X minus
# the threshold is the detection latency. Target: within 10 ms of the
# threshold. Runs LAT_RUNS times per threshold (default 10); prints a
# markdown section on stdout, each run on stderr. Needs root, tracefs and
# the build (B, default build). A measurement, not a test: it never fails
# on a slow machine, it says MISSED.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
B=${B:-build}
REC=$ROOT/$B/uktrace-record
WL=$ROOT/$B/tests/workload
RUNS=${LAT_RUNS:-10}
W=$(mktemp -d /tmp/ukt-lat.XXXXXX)
trap 'rm -rf $W' EXIT

[ "$(id -u)" = 0 ] || { echo "trigger_latency: needs root" >&2; exit 1; }

echo "### Flight recorder: duration trigger latency (a running call, slow(200))"
echo
echo "| threshold | runs | fired after (median) | latency median | latency max | target: max ≤ 10 ms |"
echo "|---|---:|---:|---:|---:|---|"
for th in 10 50; do
	lat=()
	for r in $(seq "$RUNS"); do
		rm -f $W/lat*.ukt
		"$REC" -f "$WL:slow" --flight 4M --trigger "slow>${th}ms" -o $W/lat.ukt \
			-- "$WL" hang 200 2>$W/log >/dev/null
		x=$(sed -n 's/.*uktrace-record: trigger: .* has run for \([0-9.]*\) ms.*/\1/p' $W/log | head -1)
		if [ -z "$x" ]; then
			echo "trigger_latency: ${th} ms run $r: did not fire while running: $(grep trigger $W/log | head -1)" >&2
			continue
		fi
		echo "trigger_latency: slow>${th}ms run $r: fired after $x ms" >&2
		lat+=("$x")
	done
	n=${#lat[@]}
	if [ "$n" = 0 ]; then
		echo "| ${th} ms | 0 | - | - | - | MISSED (never fired while running) |"
		continue
	fi
	printf '%s\n' "${lat[@]}" | sort -n > $W/l
	med=$(awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}' $W/l)
	max=$(tail -1 $W/l)
	ok=$(echo "$max - $th <= 10" | bc -l)
	printf '| %s ms | %s | %.1f ms | %.1f ms | %.1f ms | %s |\n' "$th" "$n" "$med" \
		"$(echo "$med - $th" | bc -l)" "$(echo "$max - $th" | bc -l)" \
		"$( [ "$ok" = 1 ] && [ "$n" = "$RUNS" ] && echo met || echo MISSED)"
done
echo
echo "The watch reads its buffers at half the smallest threshold (2 to 100 ms) and wakes when the earliest open call crosses its threshold: a running call is judged by the clock, not when a later event arrives."
