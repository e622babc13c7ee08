# End to end: the flight recorder and rotation. Each trigger (SIGUSR1, a
# slow call, a tracepoint, a failing command) writes a dump that holds the
# triggering call or event and what came before it; the hold-off makes one
# storm one dump; --after and --last shape the window; what the window
# overwrote is not a loss; --keep bounds the files; --rotate writes files
# of at most SIZE that read alone and as one trace; nothing is left in
# tracefs, also when a dump is interrupted. Workload: workload flight SECS
# (a() 10 times a ms, s() every 100 ms, slow(30) at 1.5 s, a child that
# exits at 2.5 s). A slow call that fires while it runs is dumped when it
# returns, whole; one that outlasts --after is dumped running. Triggers
# held off say so; the recorder says when its probes are armed.
. "$(dirname "$0")/lib.sh"
TESTS="flight_usr1_dump flight_usr1_meta flight_usr1_before flight_armed_writes_nothing
flight_recording_line flight_usr1_held_off recording_line_normal
flight_whole_one_dump flight_whole_meta flight_whole_call flight_whole_min_duration flight_whole_summary
flight_whole_info flight_slow_whole flight_holdoff_said flight_info_overwritten_per_cpu
flight_slow_one_dump flight_slow_call_in_dump flight_slow_history flight_slow_info
flight_hang_one_dump flight_hang_meta flight_hang_fired_running flight_hang_call_in_dump
flight_last_call_fires
flight_event_dump flight_event_in_dump flight_event_calls_before
flight_holdoff_one_dump flight_holdoff_counted flight_after_window flight_last_window
flight_command_fails flight_command_status flight_overwrite_not_lost flight_overwrite_counted
flight_keep flight_term_in_dump flight_term_clean flight_kill_in_dump_readable
flight_kill_cleaned flight_errors flight_clean
rotate_sizes rotate_keep rotate_each_alone rotate_set_exact rotate_set_order
rotate_set_refuses_foreign rotate_clean"
why=$(cannot_trace); [ -n "$why" ] && skip_all "$why" $TESTS
cd "$TMP"
A="-f $WL:a -f $WL:slow"

# meta KEY of a trace
meta() { sql "$1" "SELECT value FROM meta WHERE key = '$2'"; }
# the recorder in the background (its pid in RPID), until it is armed
start_flight() {
	local log=$1; shift
	"$REC" "$@" 2>"$log" &
	RPID=$!
	for _ in $(seq 200); do
		grep -q "^uktrace-record: recording: " "$log" && return 0
		sleep 0.05
	done
	return 1
}

# -- SIGUSR1: a dump of what came before it
start_flight usr1.log $A --flight 16M -o usr1.ukt -- "$WL" flight 3
sleep 1.2
check flight_armed_writes_nothing "" "$(ls usr1*.ukt 2>/dev/null)"
kill -USR1 $RPID
sleep 0.3
kill -USR1 $RPID	# within --holdoff (10 s): held off, and said
wait $RPID
has flight_recording_line "^uktrace-record: recording: 4 probes on [0-9]* CPUs\?, until the command exits, Ctrl-C to stop$" "$(cat usr1.log)"
has flight_usr1_held_off "trigger held off until [0-9:]* (--holdoff 10 s after dump 1): SIGUSR1 from pid" "$(cat usr1.log)"
check flight_usr1_dump "usr1-0001.ukt" "$(ls usr1-*.ukt 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
has flight_usr1_meta "^SIGUSR1" "$(meta usr1-0001.ukt trigger)"
# a() ran from the start: the dump goes back about 1 s before the signal
trig=$(meta usr1-0001.ukt trigger_ts)
n=$(sql usr1-0001.ukt "SELECT COUNT(*) FROM calls WHERE func = 'a' AND entry_ts < $trig - 800000000")
if [ "${n:-0}" -gt 1000 ]; then ok flight_usr1_before; else fail flight_usr1_before "$n calls of a more than 0.8 s before the signal"; fi

# -- a slow call: one dump, holding the call. The watch reads whole pages:
# when slow()'s return is not readable yet as it passes 10 ms, the call
# fires as still running (the hang rule) rather than as returned; either
# way the trigger's time minus its duration is the call's entry (and the
# dump holds it, returned or not)
"$REC" -q $A --flight 16M --trigger 'slow>10ms' -o slow.ukt -- "$WL" flight 3
check flight_slow_one_dump "slow-0001.ukt" "$(ls slow-*.ukt 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
tid=$(meta slow-0001.ukt trigger_tid)
check flight_slow_call_in_dump 1 "$(sql slow-0001.ukt "SELECT COUNT(*) FROM calls WHERE func = 'slow'
	AND tid = $tid AND ABS(entry_ts - ($(meta slow-0001.ukt trigger_ts) - $(meta slow-0001.ukt trigger_duration_ns))) < 100000")"
trig=$(meta slow-0001.ukt trigger_ts)
n=$(sql slow-0001.ukt "SELECT COUNT(*) FROM calls WHERE func = 'a' AND entry_ts < $trig - 1000000000")
if [ "${n:-0}" -gt 1000 ]; then ok flight_slow_history; else fail flight_slow_history "$n calls of a more than 1 s before the trigger"; fi
has flight_slow_info "trigger     slow>10ms: a call of slow \(took\|has run for\)" "$("$REP" info slow-0001.ukt)"
# fired while running or when it returned, the call is whole in the dump
check flight_slow_whole "1" "$(sql slow-0001.ukt "SELECT COUNT(*) FROM calls WHERE func = 'slow' AND complete
	AND tid = $tid AND duration_ns >= 30000000")"

# -- a call far longer than its threshold (slow(400) > 50 ms) fires while it
# runs; the recorder waits for its return: the dump holds it whole
"$REC" $A --flight 16M --trigger 'slow>50ms' -o whole.ukt -- "$WL" hang 400 2>whole.log
check flight_whole_one_dump "whole-0001.ukt" "$(ls whole-*.ukt 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
check flight_whole_meta "0,1" "$(meta whole-0001.ukt trigger_running),$(meta whole-0001.ukt trigger_duration_ns | awk '{print ($1 >= 400000000 && $1 < 1000000000)}')"
check flight_whole_call "1,1" "$(sql whole-0001.ukt "SELECT COUNT(*), MIN(ABS(duration_ns - $(meta whole-0001.ukt trigger_duration_ns)) < 1000000)
	FROM calls WHERE func = 'slow' AND complete AND duration_ns >= 400000000
	AND tid = $(meta whole-0001.ukt trigger_tid) AND ABS(entry_ts - $(meta whole-0001.ukt trigger_entry_ts)) < 1000000")"
has flight_whole_min_duration "^ *[0-9.]* *4[0-9][0-9]\.[0-9]* ms .* complete$" "$("$REP" calls whole-0001.ukt slow --min-duration 50ms -q 2>&1)"
check flight_whole_summary "1" "$("$REP" summary whole-0001.ukt --format csv -q | awk -F, '$1 == "slow" {print $2}')"
if grep -q "recording until the call returns (at most 10 s" whole.log &&
	"$REP" info whole-0001.ukt | grep -q "it returned after 4[0-9][0-9]\.[0-9]* ms" &&
	"$REP" info whole-0001.ukt | grep -q "^call  *entered at [0-9.]*, returned 4[0-9][0-9]\.[0-9]* ms later"
then ok flight_whole_info; else fail flight_whole_info "$(cat whole.log; "$REP" info whole-0001.ukt | grep -A1 "^trigger\|^call")"; fi

# -- a tracepoint: the child's exit
"$REC" -q $A --flight 16M --trigger-event sched:sched_process_exit -o ev.ukt -- "$WL" flight 3
check flight_event_dump "ev-0001.ukt" "$(ls ev-*.ukt 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
tid=$(meta ev-0001.ukt trigger_tid)
check flight_event_in_dump 1 "$(sql ev-0001.ukt "SELECT COUNT(*) FROM events e JOIN probes p ON p.id = e.probe_id
	WHERE p.name = 'sched_process_exit' AND e.tid = $tid")"
trig=$(meta ev-0001.ukt trigger_ts)
n=$(sql ev-0001.ukt "SELECT COUNT(*) FROM calls WHERE func = 'a' AND entry_ts < $trig - 2000000000")
if [ "${n:-0}" -gt 1000 ]; then ok flight_event_calls_before; else fail flight_event_calls_before "$n calls of a more than 2 s before the exit"; fi

# -- a storm: every call of a fires; one dump in the hold-off
"$REC" -f "$WL:a" --flight 16M --trigger 'a>0' --holdoff 30 -o storm.ukt -- "$WL" flight 2 2>storm.log
check flight_holdoff_one_dump 1 "$(ls storm-*.ukt 2>/dev/null | wc -l)"
# said, at most once a second: a 2 s storm says it 1 to 3 times
n=$(grep -c "trigger held off until [0-9:]* (--holdoff 30 s after dump 1): a>0: a call of a" storm.log)
if [ "$n" -ge 1 ] && [ "$n" -le 3 ]; then ok flight_holdoff_said; else fail flight_holdoff_said "$n lines: $(grep "held off" storm.log | head -3)"; fi
# and the next dump says how many it held off
start_flight storm2.log -f "$WL:a" --flight 16M --trigger 'a>0' --holdoff 1 -o storm2.ukt -- "$WL" flight 2.5
wait $RPID
n=$(meta storm2-0002.ukt triggers_held_off)
if [ "${n:-0}" -gt 0 ]; then ok flight_holdoff_counted; else fail flight_holdoff_counted "the second dump held off '$n' triggers"; fi

# -- --after and --last shape the window around the slow call (at 1.5 s)
"$REC" -q $A --flight 16M --trigger 'slow>10ms' --after 0.5 --last 0.5 -o win.ukt -- "$WL" flight 3
trig=$(meta win-0001.ukt trigger_ts)
span=$(sql win-0001.ukt "SELECT (MAX(ts) - $trig) / 1000000, ($trig - MIN(ts)) / 1000000,
	SUM(ts < $trig - 700000000), COUNT(*) FROM events")
IFS=, read -r after before old all <<< "$span"
if [ "$after" -ge 450 ]; then ok flight_after_window; else fail flight_after_window "events until $after ms after the trigger"; fi
# whole pages: a busy CPU's first page starts a little before the window, a
# quiet CPU's may be older, but then it holds few events
if [ "$before" -ge 300 ] && [ $((old * 100)) -le "$all" ]; then ok flight_last_window
else fail flight_last_window "events from $before ms before the trigger, $old of $all older than 0.7 s"; fi

# -- the command fails: its last moments are dumped; its status is ours
"$REC" -q $A --flight 16M -o fail.ukt -- "$WL" exit 3
check flight_command_status 3 "$?"
has flight_command_fails "exited with status 3" "$(meta fail-0001.ukt trigger 2>&1)"

# -- a small window that overwrites: counted as overwritten, not lost
start_flight ow.log -f "$WL:a" --flight 1M -o ow.ukt -- "$WL" flight 4
sleep 2
kill -USR1 $RPID
wait $RPID
check flight_overwrite_not_lost "0" "$(sql ow-0001.ukt "SELECT SUM(lost_events) FROM cpus")"
n=$(sql ow-0001.ukt "SELECT SUM(overwritten) FROM cpus")
if [ "${n:-0}" -gt 0 ] && ! "$REP" ow-0001.ukt 2>&1 | grep -q "lost"; then ok flight_overwrite_counted
else fail flight_overwrite_counted "overwritten '$n'; summary: $("$REP" ow-0001.ukt 2>&1 | grep lost)"; fi
# info: one line per CPU, as many as the dump has CPUs, and the sum is the table's
info=$("$REP" info ow-0001.ukt)
lines=$(echo "$info" | grep -cE "^(overwritten| +)  ?cpu[0-9]+ +[0-9]+ events before the window$")
sum=$(echo "$info" | grep -E "cpu[0-9]+ +[0-9]+ events before the window$" | awk '{s += $(NF - 4)} END {print s}')
check flight_info_overwritten_per_cpu "$(sql ow-0001.ukt "SELECT COUNT(*) FROM cpus"),$n" "$lines,$sum"

# -- the command's last call meets the trigger, and the command exits
# right after it: the end reads what the last poll did not (missed one
# run in eight before, when the exit was seen first)
"$REC" -q -f "$WL:slow" --flight 4M --trigger 'slow>0' -o last.ukt -- "$WL" lastslow 0
check flight_last_call_fires "1" "$(sql last-0001.ukt "SELECT COUNT(*) FROM calls WHERE func = 'slow' AND complete" 2>&1)"

# -- a call that hangs fires while it runs, once, with its entry in the
# dump however short --last; past --after (the wait's cap) it is dumped
# running
"$REC" -q $A --flight 16M --trigger 'slow>300ms' --after 0.5 --holdoff 0 --last 0.1 -o hang.ukt -- "$WL" hang 1500
check flight_hang_one_dump "hang-0001.ukt" "$(ls hang-*.ukt 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
check flight_hang_meta "1" "$(meta hang-0001.ukt trigger_running)"
d=$(meta hang-0001.ukt trigger_duration_ns)
if [ "${d:-0}" -gt 300000000 ] && [ "${d:-0}" -lt 1200000000 ] &&
	meta hang-0001.ukt trigger | grep -q "not returned"; then ok flight_hang_fired_running
else fail flight_hang_fired_running "fired after ${d:-?} ns: $(meta hang-0001.ukt trigger)"; fi
check flight_hang_call_in_dump "1" "$(sql hang-0001.ukt "SELECT COUNT(*) FROM calls WHERE func = 'slow'
	AND NOT complete AND tid = $(meta hang-0001.ukt trigger_tid)
	AND entry_ts <= $(meta hang-0001.ukt trigger_ts) - 300000000")"

# -- --keep: the newest N dumps stay
"$REC" -q -f "$WL:a" --flight 4M --trigger 'a>0' --holdoff 0.3 --keep 2 -o keep.ukt -- "$WL" flight 2.5
n=$(ls keep-*.ukt | wc -l); last=$(ls keep-*.ukt | tail -1)
if [ "$n" = 2 ] && [ "$last" != keep-0002.ukt ]; then ok flight_keep; else fail flight_keep "$n files, the last $last"; fi

# -- SIGTERM during a dump: the dump completes, then everything goes
start_flight term.log $A --flight 64M -o term.ukt -- "$WL" flight 30
sleep 1.5
kill -USR1 $RPID; sleep 0.01; kill -TERM $RPID
wait $RPID
has flight_term_in_dump "complete" "$("$REP" info term-0001.ukt 2>&1 | head -1)"
check flight_term_clean "" "$(leftovers)"
# SIGKILL during a dump: what it wrote reads; the next start cleans up
start_flight kill.log $A --flight 64M -o kill.ukt -- "$WL" flight 30
sleep 1.5
kill -USR1 $RPID; sleep 0.05; kill -KILL $RPID
wait $RPID 2>/dev/null
pkill -f "$WL flight 30"
if [ -f kill-0001.ukt ] && "$REP" info kill-0001.ukt >/dev/null 2>&1; then ok flight_kill_in_dump_readable
else fail flight_kill_in_dump_readable "$(ls kill* 2>&1; "$REP" info kill-0001.ukt 2>&1 | tail -2)"; fi
"$REC" --cleanup -q
check flight_kill_cleaned "" "$(leftovers)"

# the line scripts wait for, without --flight too
"$REC" -f "$WL:a" -o plain.ukt -- "$WL" flight 1 2>plain.log
has recording_line_normal "^uktrace-record: recording: 2 probes on [0-9]* CPUs\?, until the command exits, Ctrl-C to stop$" "$(cat plain.log)"

errs=$("$REC" -f "$WL:a" --flight --trigger 'nosuch>1ms' -d 1 2>&1)
errs="$errs$("$REC" -f "$WL:a" --trigger 'a>1ms' -d 1 2>&1)"
errs="$errs$("$REC" -f "$WL:a" --flight --trigger 'a' -d 1 2>&1)"
if echo "$errs" | grep -q "not a function recorded with -f" && echo "$errs" | grep -q "add --flight" &&
   echo "$errs" | grep -q "FUNC>DURATION"; then ok flight_errors; else fail flight_errors "$errs"; fi
check flight_clean "" "$(leftovers)"

# -- rotation: files of at most SIZE, each alone, all as one trace
E="-e syscalls:sys_enter_getppid -e syscalls:sys_exit_getppid"
# (-b 16M: a file's rotation must not stall the capture past the buffers;
# at W2's rate 4M last about 0.1 s on a busy machine)
"$REC" -q -b 16384 $E --rotate 512K -o rot.ukt -- "$WL" w2 1000000
big=$(find . -name 'rot-*.ukt' -size +524288c | wc -l)
n=$(ls rot-*.ukt | wc -l)
if [ "$n" -ge 3 ] && [ "$big" = 0 ]; then ok rotate_sizes; else fail rotate_sizes "$n files, $big larger than 512K"; fi
bad=0
for f in rot-*.ukt; do
	"$REP" info "$f" | head -1 | grep -q "complete)" || bad=$((bad + 1))
	[ "$(sql "$f" "SELECT COUNT(*) > 0 FROM calls WHERE complete")" = 1 ] || bad=$((bad + 1))
done
check rotate_each_alone 0 "$bad"
# every call, none lost or cut at a boundary
check rotate_set_exact "1000000,1000000" "$("$REP" summary rot-*.ukt --format csv -q | awk -F, '$1 == "syscall:getppid" {print $2 "," 1000000 - $3}')"
# the order on the command line does not matter
check rotate_set_order "1000000" "$("$REP" summary $(ls rot-*.ukt | sort -r) --format csv -q | awk -F, '$1 == "syscall:getppid" {print $2}')"
has rotate_set_refuses_foreign "not files of one recording" "$("$REP" summary rot-0001.ukt "$ROOT/tests/fixtures/calls.ukt" 2>&1)"
"$REC" -q $E --rotate 128K --keep 3 -o keep3.ukt -- "$WL" w2 1000000
check rotate_keep 3 "$(ls keep3-*.ukt | wc -l)"
check rotate_clean "" "$(leftovers)"
