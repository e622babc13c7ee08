# End to end: one truth about processes. The threads of a process are of
# that process in every mode; a fork child's calls before its exec are
# named from its parent's maps and under the name it had then; a thread's
# calls carry its name as of each call; the recorder never records itself.
. "$(dirname "$0")/lib.sh"
TESTS="procs_cmd_threads_one_process procs_cmd_summary_pid procs_cmd_by_tid
procs_cmd_perfetto_one_process procs_pid_threads_one_process
procs_systemwide_threads_one_process procs_fork_callers procs_fork_callers_pid
procs_fork_comm procs_fork_comm_pid
procs_fork_by_comm procs_rename_comm procs_rename_comm_filter procs_rename_dump
procs_not_self_systemwide procs_not_self_control procs_not_self_pid
procs_no_leftovers"
why=$(cannot_trace); [ -n "$why" ] && skip_all "$why" $TESTS

cd "$TMP"
# -- COMMAND: three threads made during the recording, one process
"$REC" -q -f "$WL:a" -o ct.ukt -- sh -c "echo \$\$ > main.pid; exec \"$WL\" threads 3 1000"
MAIN=$(cat main.pid)
check procs_cmd_threads_one_process "3,1,$MAIN" \
	"$(sql ct.ukt "SELECT COUNT(DISTINCT tid), COUNT(DISTINCT pid), MIN(pid) FROM calls")"
check procs_cmd_summary_pid 3000 \
	"$("$REP" summary ct.ukt --pid "$MAIN" --format csv -q | grep '^a,' | cut -d, -f2)"
check procs_cmd_by_tid "3,3000" \
	"$("$REP" summary ct.ukt --by tid --format csv -q | awk -F, '$1 == "a" { n++; c += $3 } END { print n "," c }')"
"$REP" export ct.ukt --perfetto ct.json -q
check procs_cmd_perfetto_one_process "1 $MAIN" \
	"$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1])); ev = d["traceEvents"] if isinstance(d, dict) else d
p = sorted({e["pid"] for e in ev if e.get("name") == "process_name"}); print(len(p), *p)' ct.json)"

# -P and system-wide: threads started after the recording began
"$WL" threads 3 1000 2 &
TGT=$!
BG_PIDS+=($TGT)
timeout 60 "$REC" -q -f "$WL:a" -P $TGT -o pt.ukt
check procs_pid_threads_one_process "3,$TGT" \
	"$(sql pt.ukt "SELECT COUNT(DISTINCT tid), GROUP_CONCAT(DISTINCT pid) FROM calls")"
"$WL" threads 3 1000 1 &
TGT=$!
BG_PIDS+=($TGT)
timeout 60 "$REC" -q -f "$WL:a" -d 3 -o st.ukt
check procs_systemwide_threads_one_process "3,$TGT" \
	"$(sql st.ukt "SELECT COUNT(DISTINCT tid), GROUP_CONCAT(DISTINCT pid) FROM calls WHERE tid IN (SELECT tid FROM threads WHERE pid = $TGT) OR pid = $TGT")"

# fork children before their exec: their parent's maps and name
"$REC" -q -f "$WL:a" -o fk.ukt -- "$WL" forkexec 50
check procs_fork_callers "50,50" \
	"$(sql fk.ukt "SELECT COUNT(*), COUNT(DISTINCT pid) FROM calls WHERE caller_symbol LIKE 'caller_one+%'")"
check procs_fork_comm "workload,50" "$(sql fk.ukt "SELECT comm, COUNT(*) FROM calls GROUP BY comm")"
# -P: no ptrace stop holds the child while the recorder reads its fork
sh -c "sleep 1; exec \"$WL\" forkexec 50" &
TGT=$!
BG_PIDS+=($TGT)
timeout 60 "$REC" -q -f "$WL:a" -P $TGT -o fp.ukt
check procs_fork_callers_pid "50" \
	"$(sql fp.ukt "SELECT COUNT(*) FROM calls WHERE caller_symbol LIKE 'caller_one+%'")"
check procs_fork_comm_pid "workload,50" "$(sql fp.ukt "SELECT comm, COUNT(*) FROM calls GROUP BY comm")"
check procs_fork_by_comm "a,workload,50" \
	"$("$REP" summary fk.ukt --by comm --format csv -q | tail -n +2 | cut -d, -f1-3)"

# a thread that renames itself: each call under the name it had then
"$REC" -q -f "$WL:a" -o rn.ukt -- "$WL" renames 100
check procs_rename_comm "wl-renamed,100;workload,100" \
	"$(sql rn.ukt "SELECT comm, COUNT(*) FROM calls GROUP BY comm ORDER BY comm" | tr '\n' ';' | sed 's/;$//')"
check procs_rename_comm_filter 100 \
	"$("$REP" summary rn.ukt --comm workload --format csv -q | grep '^a,' | cut -d, -f2)"
check procs_rename_dump "100,100" \
	"$("$REP" dump rn.ukt -q | awk '/ a: / { if ($1 ~ /^workload-/) w++; else if ($1 ~ /^wl-renamed-/) r++ } END { print w "," r }')"

# the recorder's own calls are never recorded: system-wide, and with -P of
# the shell it runs under (its parent: it is one of the shell's children)
POLLER='import select
p = select.poll()
for _ in range(400): p.poll(5)'
python3 -c "$POLLER" &
CTL=$!
BG_PIDS+=($CTL)
"$REC" -q -f libc:poll -d 2 -o self.ukt &
RP=$!
sleep 1
RT=$(ls /proc/$RP/task 2>/dev/null | tr '\n' ',' | sed 's/,$//')
wait $RP
check procs_not_self_systemwide "0" \
	"$(sql self.ukt "SELECT COUNT(*) FROM calls WHERE tid IN ($RT) OR pid = $RP")"
n=$(sql self.ukt "SELECT COUNT(*) FROM calls WHERE pid = $CTL")
if [ "${n:-0}" -gt 0 ]; then ok procs_not_self_control
else fail procs_not_self_control "no poll() of the control process $CTL was recorded (recorder tasks: $RT)"; fi
python3 -c "$POLLER" &
BG_PIDS+=($!)
"$REC" -q -f libc:poll -P $$ -d 2 -o selfp.ukt &
RP=$!
sleep 1
RT=$(ls /proc/$RP/task 2>/dev/null | tr '\n' ',' | sed 's/,$//')
wait $RP
check procs_not_self_pid "0" \
	"$(sql selfp.ukt "SELECT COUNT(*) FROM calls WHERE tid IN ($RT) OR pid = $RP")"
# (only ours: other recorders may be running on this machine)
check procs_no_leftovers "" "$(grep -F "$WL:" $T/uprobe_events 2>/dev/null | head -3)"
