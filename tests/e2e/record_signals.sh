# End to end: the recorder removes exactly what it created on every way out
# (exit, SIGINT, SIGTERM, SIGHUP, errors), leaves a readable file when
# killed, cleans up after a killed recorder on the next start, and two
# recorders run side by side without touching each other.
. "$(dirname "$0")/lib.sh"
TESTS="sig_int_clean sig_int_file_complete sig_term_clean sig_hup_clean
sig_kill_leaves_readable_file sig_kill_restart_cleans sig_kill_restart_says_so
two_recorders_apart two_recorders_both_complete two_recorders_clean
others_probe_untouched error_path_clean kernel_rejection_reason
kernel_rejection_definition
cmd_term_at_duration cmd_term_file_complete cmd_signal_forwarded
cmd_kill_after_grace cmd_group_stop_kept cmd_stopped_then_ended cmd_clean
cmd_tree_signalled cmd_tree_child_status"
why=$(cannot_trace); [ -n "$why" ] && skip_all "$why" $TESTS

cd "$TMP"
# a recorder in the background; wait until it says its probes are armed
start_rec() {
	local out=$1; shift
	"$REC" -o "$out" "$@" 2>"$out.log" &
	RPID=$!
	for _ in $(seq 100); do
		grep -q "^uktrace-record: recording: " "$out.log" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

bg "$WL" sleep 30
WPID=${BG_PIDS[-1]}

for sig in INT TERM HUP; do
	start_rec s_$sig.ukt -f "$WL:a" -P "$WPID"
	sleep 0.3
	kill -$sig $RPID
	wait $RPID
	name=$(echo sig_${sig}_clean | tr 'A-Z' 'a-z')
	check "$name" "" "$(left_by $RPID)"
done
check sig_int_file_complete "complete" "$("$REP" info s_INT.ukt | sed -n 's/^file.*(.*, \(complete\)).*/\1/p')"

start_rec k.ukt -f "$WL:a" -P "$WPID"
sleep 2
kill -9 $RPID; wait $RPID 2>/dev/null
# readable up to the last block; the report says the file is incomplete
n=$(sql k.ukt "SELECT COUNT(*) FROM events")
info=$("$REP" info k.ukt)
if [ "${n:-0}" -gt 0 ] && echo "$info" | grep -q INCOMPLETE; then ok sig_kill_leaves_readable_file
else fail sig_kill_leaves_readable_file "events=$n; info: $(echo "$info" | head -1)"; fi
stale=$(left_by $RPID)
[ -n "$stale" ] || echo "# note: nothing was left to clean"
msg=$("$REC" -o r.ukt -e sched:sched_process_exit -d 0.2 2>&1 >/dev/null)
check sig_kill_restart_cleans "" "$(left_by $RPID)"
if echo "$msg" | grep -q "removed stale"; then ok sig_kill_restart_says_so
elif [ -z "$stale" ]; then
	# another recorder starting on the machine cleaned it first: ours
	# had nothing to say
	echo "skip sig_kill_restart_says_so: another recorder cleaned the killed one's probes first"
else fail sig_kill_restart_says_so "no message about the cleanup: $msg"; fi

# two recorders at once, on the same function
start_rec one.ukt -f "$WL:a" -P "$WPID"; P1=$RPID
start_rec two.ukt -f "$WL:a" -P "$WPID"; P2=$RPID
sleep 0.5
check two_recorders_apart 2 "$(grep -c "uktrace_\($P1\|$P2\)/a " $T/uprobe_events)"
kill -INT $P1; wait $P1
sleep 0.3
kill -INT $P2; wait $P2
a=$(sql one.ukt "SELECT COUNT(*) > 0 FROM calls WHERE func='a'")
b=$(sql two.ukt "SELECT COUNT(*) > 0 FROM calls WHERE func='a'")
check two_recorders_both_complete "1,1" "$a,$b"
check two_recorders_clean "" "$(leftovers)"

# someone else's probe in uprobe_events stays exactly as it was
echo "p:other_tool/mine $WL:0x$(printf '%x' 4096)" >> $T/uprobe_events 2>/dev/null
before=$(grep other_tool $T/uprobe_events)
"$REC" -q -o o.ukt -f "$WL:a" -d 0.3 2>/dev/null
after=$(grep other_tool $T/uprobe_events)
echo "-:other_tool/mine" >> $T/uprobe_events 2>/dev/null
if [ -n "$before" ] && [ "$before" = "$after" ]; then ok others_probe_untouched
else fail others_probe_untouched "before '$before' after '$after'"; fi

# an error after some probes are in: a bad fetcharg on the second probe
out=$("$REC" -q -o err.ukt -f "$WL:a" -p "$WL:r bogus=%nosuchreg" -d 1 2>&1)
check error_path_clean "" "$(leftovers)"
if echo "$out" | grep -qi "rejected" && echo "$out" | grep -qi "error\|invalid\|bad\|unknown"; then
	ok kernel_rejection_reason
else fail kernel_rejection_reason "message: $out"; fi
# the definition written, and the kernel's echo of it with its caret
if echo "$out" | grep -q "rejected probe 'p:uktrace_[0-9]*/r $WL:0x[0-9a-f]* bogus=%nosuchreg'" &&
   echo "$out" | grep -q "^  Command: p:uktrace_[0-9]*/r $WL:0x[0-9a-f]* bogus=%nosuchreg" &&
   echo "$out" | grep -q "^ *^$"; then ok kernel_rejection_definition
else fail kernel_rejection_definition "message: $out"; fi

# a launched command outlived by the recording: asked to end with SIGTERM
# (or the recorder's own stop signal), then SIGKILLed after a grace period;
# the recorder exits with the command's status
# wait_handlers RPID: until the recorder's command (CPID) catches SIGHUP
# and SIGTERM, so a signal cannot beat its handlers in
wait_handlers() {
	local m
	for _ in $(seq 200); do
		CPID=$(pgrep -P "$1" | head -1)
		m=$([ -n "$CPID" ] && awk '/^SigCgt/ {print $2}' /proc/"$CPID"/status 2>/dev/null)
		[ -n "$m" ] && [ $((0x$m & 0x4001)) = $((0x4001)) ] && return 0
		sleep 0.05
	done
	return 1
}
"$REC" -q -o ct.ukt -f "$WL:a" -d 1 -- "$WL" graceful 30 2>/dev/null
check cmd_term_at_duration 115 "$?"
check cmd_term_file_complete "complete" "$("$REP" info ct.ukt | sed -n 's/^file.*(.*, \(complete\)).*/\1/p')"
"$REC" -q -o ch.ukt -f "$WL:a" -- "$WL" graceful 30 2>/dev/null &
RPID=$!
wait_handlers $RPID
kill -HUP $RPID; wait $RPID
check cmd_signal_forwarded 101 "$?"
"$REC" -q -o cs.ukt -f "$WL:a" -d 1 -- "$WL" stubborn 30 2>/dev/null
check cmd_kill_after_grace 137 "$?"
# Ctrl-Z (here SIGSTOP) keeps a traced command stopped, as it would be
# untraced; the recorder's SIGTERM still ends it
"$REC" -q -o cz.ukt -f "$WL:a" -- "$WL" graceful 30 2>/dev/null &
RPID=$!
wait_handlers $RPID
kill -STOP "$CPID"; sleep 0.5
state=$(awk '{print $3}' /proc/"$CPID"/stat 2>/dev/null)
case $state in [tT]) ok cmd_group_stop_kept ;; *) fail cmd_group_stop_kept "state '$state' after SIGSTOP" ;; esac
kill -TERM $RPID; wait $RPID
check cmd_stopped_then_ended 115 "$?"
check cmd_clean "" "$(leftovers)"
# the command's children get the signal too: a shell script's server
# (the shell ignores SIGTERM, so it lives to write its child's status)
"$REC" -q -o ctree.ukt -f "$WL:a" -d 1 -- sh -c "trap '' TERM; \"$WL\" graceful 30; echo \$? > $TMP/child.status" 2>/dev/null
for _ in $(seq 40); do [ -s "$TMP/child.status" ] && break; sleep 0.05; done
check cmd_tree_signalled "" "$(pgrep -f "$WL graceful 30")"
check cmd_tree_child_status 115 "$(cat "$TMP/child.status" 2>/dev/null)"
