# End to end: calls that do not return the ordinary way. Frames a longjmp
# or a siglongjmp unwinds past are closed as abandoned, not left open
# under every later call of their thread; the kernel's limit of 64
# pending uretprobe returns still counts the returns it holds for them;
# a tail call, whose frame is its caller's, still pairs; the flight
# recorder's trigger judges them as the report does. Programs:
# tests/e2e/unwind.c.
. "$(dirname "$0")/lib.sh"
TESTS="unwind_jump_abandoned unwind_jump_after_depth unwind_jump_nothing_open
unwind_jump_flame unwind_jump_summary_note unwind_jump_no_fold_same
unwind_sigjump_abandoned unwind_sigjump_after_depth
unwind_deep_kernel_limit unwind_deep_after_unarmed
unwind_tail_pairs unwind_tail_after_depth
unwind_trigger_never_returns"
why=$(cannot_trace); [ -n "$why" ] && skip_all "$why" $TESTS
UW=$ROOT/$B/tests/unwind
cd "$TMP"
statuses() { sql "$1" "SELECT func, status, COUNT(*) FROM calls GROUP BY 1, 2 ORDER BY 1, 2" | tr '\n' ';' | sed 's/;$//'; }

# -- longjmp out of two probed frames, 100 times, then after() 100 times
"$REC" -q -f "$UW:jumper" -f "$UW:thrower" -f "$UW:after" -o jump.ukt -- "$UW" jump 100
check unwind_jump_abandoned "after,complete,100;jumper,abandoned,100;thrower,abandoned,100" "$(statuses jump.ukt)"
# after() runs where main called it: depth 0, no parent
check unwind_jump_after_depth "0,0,0" "$(sql jump.ukt "SELECT MIN(depth), MAX(depth), COUNT(parent_id) FROM calls WHERE func = 'after'")"
# and the jumper/thrower pairs nest as they ran, one level each
check unwind_jump_nothing_open "0,1" "$(sql jump.ukt "SELECT MAX(depth) FILTER (WHERE func = 'jumper'), MAX(depth) FILTER (WHERE func = 'thrower') FROM calls")"
# the flame graph has after() at the root, not under 100 jumpers
check unwind_jump_flame "after" "$("$REP" flamegraph jump.ukt --folded -q | cut -d' ' -f1 | sed 's/^[^;]*;//' | sort -u | tr '\n' ' ' | sed 's/ $//')"
has unwind_jump_summary_note "200 calls were unwound past (longjmp" "$("$REP" summary jump.ukt -q)"
same_views unwind_jump_no_fold_same jump.ukt

# -- siglongjmp from a signal handler that interrupted a probed call
"$REC" -q -f "$UW:sigjumper" -f "$UW:spinner" -f "$UW:after" -o sig.ukt -- "$UW" sigjump 30
check unwind_sigjump_abandoned "after,complete,30;sigjumper,abandoned,30;spinner,abandoned,30" "$(statuses sig.ukt)"
check unwind_sigjump_after_depth "0,0" "$(sql sig.ukt "SELECT MAX(depth), COUNT(parent_id) FROM calls WHERE func = 'after'")"

# -- a longjmp out of 70 nested frames: the kernel armed returns for the
# outer 64 and keeps their instances (it cleans up only when it has room
# to arm another), so it arms none for after(): no after__return event
"$REC" -q -f "$UW:deep" -f "$UW:after" -o deep.ukt -- "$UW" deepjump 20
check unwind_deep_kernel_limit "deep,abandoned,64;deep,no_return_depth,6" \
	"$(sql deep.ukt "SELECT func, status, COUNT(*) FROM calls WHERE func = 'deep' GROUP BY 1, 2 ORDER BY 1, 2" | tr '\n' ';' | sed 's/;$//')"
check unwind_deep_after_unarmed "20,0,0" "$(sql deep.ukt "SELECT COUNT(*), MAX(depth), (SELECT COUNT(*) FROM events e JOIN probes p ON p.id = e.probe_id WHERE p.name = 'after__return') FROM calls WHERE func = 'after' AND status = 'no_return_depth'")"

# -- a tail call: tailer() jumps to tailee(), whose frame is the same; the
# kernel reports both returns at once, tailee's first
"$REC" -q -f "$UW:tailer" -f "$UW:tailee" -f "$UW:after" -o tail.ukt -- "$UW" tail 50
check unwind_tail_pairs "after,complete,50;tailee,complete,50;tailer,complete,50" "$(statuses tail.ukt)"
check unwind_tail_after_depth "0,1" "$(sql tail.ukt "SELECT MAX(depth) FILTER (WHERE func = 'after'), MIN(depth) FILTER (WHERE func = 'tailee') FROM calls")"

# -- the flight recorder's duration trigger pairs by the same engine: it
# knows rt_sigreturn never returns (the report always did), so a handled
# signal does not leave a call "still running" while the program sleeps a
# second after it (no dump)
"$REC" -q -e syscalls:sys_enter_rt_sigreturn -e syscalls:sys_exit_rt_sigreturn --flight 4M \
	--trigger 'syscall:rt_sigreturn>50ms' --holdoff 0 -o trig.ukt -- "$UW" signal 3 1000 2>trig.log
check unwind_trigger_never_returns "" "$(ls trig-*.ukt 2>/dev/null; grep -i "not returned" trig.log)"
