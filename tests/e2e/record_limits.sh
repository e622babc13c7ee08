# End to end: stopping on time and size, a full disk, -P filtering, and
# system-wide recording of processes that come and go.
. "$(dirname "$0")/lib.sh"
TESTS="limit_duration_stops limit_duration_complete limit_max_size_stops limit_max_size_bounded
enospc_exit_nonzero enospc_message enospc_probes_removed enospc_file_readable
pid_filter_only_target pid_filter_stops_at_exit exists_refused tracepoint_counts
pid_filter_threads pid_filter_one_process pid_filter_children
system_new_process_callers system_exec_callers"
why=$(cannot_trace); [ -n "$why" ] && skip_all "$why" $TESTS
cd "$TMP"

start=$(date +%s.%N)
"$REC" -q -e sched:sched_switch -d 1 -o d.ukt
end=$(date +%s.%N)
el=$(echo "$end - $start" | bc)
if [ "$(echo "$el >= 0.9 && $el < 10" | bc)" = 1 ]; then ok limit_duration_stops
else fail limit_duration_stops "took $el s for -d 1"; fi
check limit_duration_complete complete "$("$REP" info d.ukt | sed -n 's/^file.*(.*, \(complete\)).*/\1/p')"

bg "$WL" w2 100000000
LOAD=${BG_PIDS[-1]}
timeout 60 "$REC" -q -e syscalls:sys_enter_getppid -e syscalls:sys_exit_getppid --max-size 256K -o m.ukt
rc=$?
size=$(stat -c %s m.ukt)
check limit_max_size_stops 0 $rc
# within the limit, and filled: the data stops at most 1/8 short of it
if [ "$size" -le 262144 ] && [ "$size" -gt $((262144 / 2)) ]; then ok limit_max_size_bounded
else fail limit_max_size_bounded "file is $size bytes for --max-size 256K"; fi

# a full disk: a 400 KiB tmpfs
mkdir full && mount -t tmpfs -o size=400k tmpfs full
out=$(timeout 60 "$REC" -e syscalls:sys_enter_getppid -e syscalls:sys_exit_getppid -o full/f.ukt 2>&1)
rc=$?
kill -9 $LOAD 2>/dev/null; wait $LOAD 2>/dev/null
if [ $rc -ne 0 ] && [ $rc -ne 124 ]; then ok enospc_exit_nonzero; else fail enospc_exit_nonzero "rc=$rc"; fi
if echo "$out" | grep -q "No space left on device" && echo "$out" | grep -q "readable"; then ok enospc_message
else fail enospc_message "$out"; fi
check enospc_probes_removed "" "$(leftovers)"
cp full/f.ukt f.ukt; umount full
n=$(sql f.ukt "SELECT COUNT(*) FROM events")
if [ "${n:-0}" -gt 1000 ]; then ok enospc_file_readable; else fail enospc_file_readable "events=$n"; fi

# -P: only the target process, and the recording ends when it does
bg "$WL" sleep 2
TGT=${BG_PIDS[-1]}
bg "$WL" sleep 3
OTHER=${BG_PIDS[-1]}
timeout 30 "$REC" -q -f "$WL:a" -P $TGT -o p.ukt
check pid_filter_only_target "$TGT" "$(sql p.ukt "SELECT GROUP_CONCAT(DISTINCT tid) FROM events")"
check pid_filter_stops_at_exit 1 "$(kill -0 $TGT 2>/dev/null; echo $?)" 
# (kill -0 fails once the target is gone: 1; 0 would mean we stopped early)
# -P of a multi-threaded process records all its threads (the kernel's
# filter is per thread), and its existing children
bg "$WL" tsleep 3 3
TGT=${BG_PIDS[-1]}
for _ in $(seq 100); do [ "$(ls /proc/$TGT/task 2>/dev/null | wc -l)" -ge 4 ] && break; sleep 0.05; done
"$REC" -q -f "$WL:a" -P $TGT -d 1 -o pt.ukt
check pid_filter_threads 3 "$(sql pt.ukt "SELECT COUNT(DISTINCT tid) FROM calls WHERE tid != $TGT")"
check pid_filter_one_process "$TGT" "$(sql pt.ukt "SELECT GROUP_CONCAT(DISTINCT pid) FROM calls")"
bg sh -c "\"$WL\" sleep 3; true"
SH=${BG_PIDS[-1]}
for _ in $(seq 100); do
	CH=$(pgrep -P $SH | head -1)
	[ -n "$CH" ] && [ "$(readlink /proc/$CH/exe)" = "$WL" ] && break
	sleep 0.05
done
"$REC" -q -f "$WL:a" -P $SH -d 1 -o pc.ukt
check pid_filter_children "$CH" "$(sql pc.ukt "SELECT GROUP_CONCAT(DISTINCT pid) FROM calls")"
has_msg=$("$REC" -q -e sched:sched_switch -d 1 -o p.ukt 2>&1)
if echo "$has_msg" | grep -q "exists"; then ok exists_refused; else fail exists_refused "$has_msg"; fi
"$REC" -q -e syscalls:sys_enter_getppid -e syscalls:sys_exit_getppid -o tp.ukt -- "$WL" w2 12345
check tracepoint_counts "12345,12345" "$(sql tp.ukt "SELECT (SELECT COUNT(*) FROM probe_sys_enter_getppid),(SELECT COUNT(*) FROM probe_sys_exit_getppid)")"

# system-wide: a process started during the recording and gone before its
# end, and one that execs the probed binary, get their callers symbolized:
# the periodic scans (every 2 s) read their maps while they live: each
# lives at least 3 s and is gone a few seconds before the end
( sleep 0.5; exec "$WL" sleep 4 ) &
EX=$!
"$REC" -q -f "$WL:a" -d 7 -o sw.ukt &
RP=$!
sleep 1
bg "$WL" sleep 4
NEWP=${BG_PIDS[-1]}
wait $RP
callers_of() { sql sw.ukt "SELECT GROUP_CONCAT(DISTINCT substr(caller_symbol, 1, instr(caller_symbol || '+', '+') - 1)) FROM calls WHERE pid = $1"; }
check system_new_process_callers main "$(callers_of $NEWP)"
check system_exec_callers main "$(callers_of $EX)"
