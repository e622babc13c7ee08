# End to end: calls that are right even when the kernel cuts corners, or
# that say they are not: the 64-frame uretprobe nesting limit, ring-buffer
# losses, syscalls that do not return, functions never called; and what
# the recorder tells a log (not only a terminal) and its size limit.
. "$(dirname "$0")/lib.sh"
TESTS="correct_depth_counts correct_depth_pairs_by_sp correct_depth_durations
correct_depth_note correct_depth_outer_nesting
correct_sys_never_returns correct_sys_fork_child correct_sys_flat correct_sys_nothing_else
correct_loss_recorded correct_loss_marked correct_loss_no_impossible_call correct_loss_log
correct_zero_calls_summary correct_zero_probe_events correct_zero_info
correct_summary_in_log correct_max_size_small correct_dump_idle
correct_fold_deep correct_fold_syscalls correct_fold_loss"
why=$(cannot_trace); [ -n "$why" ] && skip_all "$why" $TESTS
cd "$TMP"

# -- recursion 100 deep, 3 times: the kernel reports the outer 64 returns
"$REC" -q -f "$WL:r" -o deep.ukt -- "$WL" recurse 100 3
check correct_depth_counts "complete,192;no_return_depth,108" \
	"$(sql deep.ukt "SELECT status, COUNT(*) FROM calls GROUP BY status ORDER BY status" | tr '\n' ';' | sed 's/;$//')"
# every complete call pairs a return with its own entry: sp 8 apart
check correct_depth_pairs_by_sp 0 "$(sql deep.ukt "SELECT COUNT(*) FROM calls c
	JOIN probe_r e ON e.id = c.entry_event_id JOIN probe_r__return x ON x.id = c.return_event_id
	WHERE c.complete AND x.sp - e.sp != 8")"
check correct_depth_durations 0 "$(sql deep.ukt "SELECT COUNT(*) FROM calls c
	JOIN probe_r e ON e.id = c.entry_event_id JOIN probe_r__return x ON x.id = c.return_event_id
	WHERE c.complete AND c.duration_ns != x.ts - e.ts")"
has correct_depth_note "64 uretprobe returns pending" "$("$REP" summary deep.ukt -q)"
# the returned frames are the outer ones, depths 0..63, each with its parent
check correct_depth_outer_nesting "0,63,189" "$(sql deep.ukt "SELECT MIN(depth), MAX(depth),
	SUM(parent_id IS NOT NULL) FROM calls WHERE complete")"

# -- syscalls that do not return, and the child's side of fork
sc=""
for s in rt_sigreturn clone clone3 exit_group wait4 tgkill; do
	sc="$sc -e syscalls:sys_enter_$s -e syscalls:sys_exit_$s"
done
"$REC" -q $sc -o sys.ukt -- "$WL" syscalls 3
# 3 handled signals; 3 children and the workload itself exit
check correct_sys_never_returns "syscall:exit_group,4;syscall:rt_sigreturn,3" \
	"$(sql sys.ukt "SELECT func, COUNT(*) FROM calls WHERE status = 'never_returns' GROUP BY func ORDER BY func" | tr '\n' ';' | sed 's/;$//')"
check correct_sys_fork_child "3,3" "$(sql sys.ukt "SELECT SUM(status = 'fork_child'), SUM(status = 'complete')
	FROM calls WHERE func IN ('syscall:clone', 'syscall:clone3')")"
check correct_sys_flat 0 "$(sql sys.ukt "SELECT MAX(depth) FROM calls")"
check correct_sys_nothing_else "" "$(sql sys.ukt "SELECT status FROM calls
	WHERE status NOT IN ('complete', 'never_returns', 'fork_child')")"

# -- losses: a small buffer and a syscall per byte
"$REC" -b 64 -e syscalls:sys_enter_read -e syscalls:sys_exit_read \
	-e syscalls:sys_enter_write -e syscalls:sys_exit_write -o loss.ukt \
	-- dd if=/dev/zero of=/dev/null bs=1 count=500000 2>loss.log
lost=$(sql loss.ukt "SELECT SUM(lost_events) FROM cpus")
if [ "${lost:-0}" -eq 0 ]; then
	for n in correct_loss_recorded correct_loss_marked correct_loss_no_impossible_call correct_loss_log; do
		echo "skip $n: the kernel lost no events this time (nothing to check)"
	done
else
	check correct_loss_recorded 1 "$(sql loss.ukt "SELECT COUNT(*) > 0 FROM lost WHERE source = 'mark'")"
	# no complete call spans a loss on a CPU of its events
	check correct_loss_marked 0 "$(sql loss.ukt "SELECT COUNT(*) FROM calls c
		JOIN events e ON e.id = c.entry_event_id JOIN events x ON x.id = c.return_event_id
		JOIN lost l ON l.cpu IN (e.cpu, x.cpu) AND l.source = 'mark'
		 AND l.ts > c.entry_ts AND COALESCE(l.from_ts, l.ts) < c.return_ts
		WHERE c.complete")"
	# A loss need not split a call (a dropped page can end after an exit
	# and the next start with an entry), so "some call is lost" is not an
	# invariant. These are: no complete call is impossibly long (dd's
	# 1-byte read takes microseconds), and every call is complete, lost,
	# without an entry after a loss, or the one read that was running when
	# the recording began.
	max=$(sql loss.ukt "SELECT MAX(duration_ns) FROM calls WHERE complete")
	odd=$(sql loss.ukt "SELECT COUNT(*) FROM calls WHERE status NOT IN ('complete', 'lost', 'no_entry')")
	# (a return whose entry was lost on another CPU, the thread having
	# moved, is no_entry: its own CPU saw no loss; any CPU's loss before
	# it explains it)
	noent=$(sql loss.ukt "SELECT COUNT(*) FROM calls c WHERE status = 'no_entry'
		AND NOT EXISTS (SELECT 1 FROM lost l WHERE l.source = 'mark'
		AND COALESCE(l.from_ts, l.ts) <= c.return_ts)")
	if [ "$max" -lt 100000000 ] && [ "$odd" -eq 0 ] && [ "$noent" -le 1 ]; then ok correct_loss_no_impossible_call
	else fail correct_loss_no_impossible_call "longest complete call $max ns, $odd calls neither complete nor lost, $noent without entry"; fi
	has correct_loss_log "EVENTS WERE LOST" "$(cat loss.log)"
fi

# -- probed functions never called: 0 calls, 0 events, not absent
"$REC" -q -f "$WL:a" -f "$WL:s" -o zero.ukt -- "$WL" exit 0
check correct_zero_calls_summary "a,0;s,0" "$("$REP" summary zero.ukt --format csv -q | tail -n +2 | cut -d, -f1,2 | sort | tr '\n' ';' | sed 's/;$//')"
check correct_zero_probe_events "0,4" "$(sql zero.ukt "SELECT SUM(events), COUNT(*) FROM probes")"
has correct_zero_info "the probe never fired" "$("$REP" info zero.ukt)"

# -- the end summary reaches a log, not only a terminal
"$REC" -f "$WL:a" -o log.ukt -- "$WL" calls 100 2>log.txt
has correct_summary_in_log "wrote log.ukt" "$(cat log.txt)"

# -- a small size limit holds to the byte
"$REC" -q -e syscalls:sys_enter_read -e syscalls:sys_exit_read --max-size 1M -o max.ukt \
	-- dd if=/dev/zero of=/dev/null bs=1 count=3000000 2>/dev/null
size=$(stat -c %s max.ukt)
n=$(sql max.ukt "SELECT COUNT(*) FROM events")
if [ "$size" -le 1048576 ] && [ "${n:-0}" -gt 0 ]; then ok correct_max_size_small
else fail correct_max_size_small "$size bytes, $n events for --max-size 1M"; fi

# -- the idle task is shown as trace-cmd does
"$REC" -q -e sched:sched_wakeup -d 1 -o idle.ukt
if [ "$(sql idle.ukt "SELECT COUNT(*) FROM events WHERE tid = 0")" -gt 0 ]; then
	has correct_dump_idle "<idle>-0 " "$("$REP" dump idle.ukt -q)"
else
	echo "skip correct_dump_idle: no event came from the idle task this time"
fi
# folding events into their calls changes nothing a query sees
same_views correct_fold_deep deep.ukt
same_views correct_fold_syscalls sys.ukt
if [ -f loss.ukt ]; then same_views correct_fold_loss loss.ukt
else echo "skip correct_fold_loss: no loss trace"; fi
check_leftovers=$(leftovers)
[ -z "$check_leftovers" ] || fail correct_leftovers "$check_leftovers"
