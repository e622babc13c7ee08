# Cross-check with trace-cmd: while uktrace-record records, trace-cmd records
# the same events (our uprobes and a tracepoint) in its own buffer; for the
# workload's process both must see the same events with the same fields.
. "$(dirname "$0")/lib.sh"
TESTS="xcheck_counts xcheck_fields xcheck_tracepoint_counts"
why=$(cannot_trace); [ -n "$why" ] && skip_all "$why" $TESTS
command -v trace-cmd >/dev/null || skip_all "trace-cmd is not installed (make deps installs it)" $TESTS
SHIM=${UKT_SHARED:-$ROOT/../shared}/tools/tracecmd-eperm-shim.c
[ -f "$SHIM" ] || skip_all "no $SHIM to let trace-cmd run here" $TESTS
cc -O2 -shared -fPIC -o "$TMP/shim.so" "$SHIM" -ldl 2>/dev/null || skip_all "cannot build the trace-cmd shim" $TESTS
cd "$TMP"

"$REC" -o u.ukt -f "$WL:a" -p "$WL:caller_one x=%di" -e syscalls:sys_enter_getppid 2>u.log &
RPID=$!
# its probes are armed when it says so
for _ in $(seq 100); do grep -q "^uktrace-record: recording: " u.log 2>/dev/null && break; sleep 0.05; done
LD_PRELOAD=$TMP/shim.so trace-cmd record -q -o tc.dat -e "uktrace_$RPID:*" -e syscalls:sys_enter_getppid \
	"$WL" calls 300 > tc.out 2>&1 || echo "# trace-cmd: $(tail -2 tc.out)"
"$WL" w2 50	# after trace-cmd: only we see these
sleep 0.3
kill -INT $RPID; wait $RPID
WPID=$(trace-cmd report tc.dat 2>/dev/null | sed -n 's/^ *workload-\([0-9]*\) .*/\1/p' | head -1)
[ -n "$WPID" ] || { for n in $TESTS; do fail $n "trace-cmd recorded nothing: $(tail -2 tc.out)"; done; exit 0; }
# "event: fields" of the workload's process, in time order, from both tools
trace-cmd report tc.dat 2>/dev/null | grep -E "^ *workload-$WPID " |
	sed 's/^[^]]*\] *[0-9.]*: *//; s/ *$//; s/[[:space:]]\+/ /g' > tc.lines
"$REP" dump u.ukt --pid "$WPID" -q |
	sed 's/^[^]]*\] *[0-9.]*: *//; s/ *$//; s/[[:space:]]\+/ /g' > uk.lines
check xcheck_counts "$(wc -l < tc.lines)" "$(wc -l < uk.lines)"
if diff -q tc.lines uk.lines >/dev/null; then ok xcheck_fields
else fail xcheck_fields "first difference: $(diff tc.lines uk.lines | head -3 | tr '\n' ' ')"; fi
check xcheck_tracepoint_counts "$(grep -c '^sys_enter_getppid' tc.lines)" \
	"$(sql u.ukt "SELECT COUNT(*) FROM probe_sys_enter_getppid WHERE tid = $WPID")"
