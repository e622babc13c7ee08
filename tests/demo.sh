#!/usr/bin/env bash
# The main job on a demo workload: record function latencies with
# uktrace-record, then analyze the file with uktrace-report.
set -eu
cd "$(dirname "$0")/.."
B=${B:-build}
APP=$PWD/$B/tests/workload
OUT=${DEMO_OUT:-$PWD/demo.ukt}
echo "== uktrace-record -f workload:a -f workload:r -f workload:s -- workload calls 2000"
"$B/uktrace-record" --force -o "$OUT" -f "$APP:a" -f "$APP:r" -f "$APP:s" -- "$APP" calls 2000
echo
echo "== uktrace-report $OUT"
"$B/uktrace-report" "$OUT"
echo
echo "== uktrace-report hist $OUT s"
"$B/uktrace-report" hist "$OUT" s -q
echo
echo "== uktrace-report callers $OUT a"
"$B/uktrace-report" callers "$OUT" a -q
echo
echo "== uktrace-report sql $OUT 'SELECT func, calls, p50_ns, p99_ns FROM call_stats'"
"$B/uktrace-report" sql "$OUT" 'SELECT func, calls, p50_ns, p99_ns FROM call_stats' -q
echo
echo "== uktrace-report html $OUT -o ${OUT%.ukt}.html"
"$B/uktrace-report" html "$OUT" -o "${OUT%.ukt}.html"
echo
echo "The database is $OUT.db: try  sqlite3 $OUT.db 'SELECT * FROM callers'"
echo "Open ${OUT%.ukt}.html in a browser (offline) for the pictures."
