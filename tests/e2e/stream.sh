# End to end: summary, hist and callers on a trace with no database yet
# answer from one pass over the trace (report/query/stream.h), and must
# say exactly what the database says: every output format, --by, --sort,
# --limit, the selections (--pid, --comm, --since, --until), on traces
# with threads, renamed threads, forks, recursion, syscalls, C++
# exceptions, a trace without pairs and a hostile fixture. Then: the
# answer leaves the database to a process of its own, which the next
# command finds; --no-cache and --db keep their meaning.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
CXX=$ROOT/$B/tests/cxx_workload

# same NAME ARGS...: the command's output (and exit status) streamed and
# from the database are the same
same() {
	local name=$1; shift
	local a b db="$TMP/db.$(basename "$2")"
	a=$("$REP" "$@" --no-cache -q 2>&1; echo "exit $?")
	b=$("$REP" "$@" --db "$db" -q 2>&1; echo "exit $?")
	if [ "$a" = "$b" ]; then
		ok "$name"
	else
		fail "$name" "streamed and database answers differ: $(diff <(echo "$b") <(echo "$a") | head -6 | tr '\n' '|')"
	fi
}

# every check of a trace with calls of FUNC (and thread TID's process PID)
checks() {
	local t=$1 f=$2 pid=$3 comm=$4
	same "${t}_summary" summary "$t.ukt"
	same "${t}_summary_csv" summary "$t.ukt" --format csv
	same "${t}_summary_json" summary "$t.ukt" --format json
	for by in pid tid comm; do
		same "${t}_summary_by_$by" summary "$t.ukt" --by $by --format csv
	done
	for key in calls avg max p99 self incomplete name; do
		same "${t}_summary_sort_$key" summary "$t.ukt" --sort $key --limit 3
	done
	same "${t}_summary_pid" summary "$t.ukt" --pid "$pid" --format csv
	same "${t}_summary_comm" summary "$t.ukt" --comm "$comm" --by tid --format csv
	same "${t}_summary_nocomm" summary "$t.ukt" --comm 'no-such-name*'
	same "${t}_summary_since" summary "$t.ukt" --since +0.001 --format csv
	same "${t}_summary_until" summary "$t.ukt" --until +0.01 --by pid --format csv
	same "${t}_hist" hist "$t.ukt" "$f"
	same "${t}_hist_csv" hist "$t.ukt" "$f" --format csv
	same "${t}_hist_linear" hist "$t.ukt" "$f" --linear --buckets 7
	same "${t}_hist_pid" hist "$t.ukt" "$f" --pid "$pid" --format json
	same "${t}_callers" callers "$t.ukt" "$f"
	same "${t}_callers_csv" callers "$t.ukt" "$f" --format csv --limit 2
	same "${t}_callers_since" callers "$t.ukt" "$f" --since +0.002 --format json
	same "${t}_no_such_func" hist "$t.ukt" no_such_function
}

# the fixture: no tracing needed
cp "$ROOT/tests/fixtures/calls.ukt" fixture.ukt
fpid=$("$REP" sql fixture.ukt "SELECT pid FROM calls WHERE pid IS NOT NULL LIMIT 1" --format csv -q | tail -1)
ffunc=$("$REP" sql fixture.ukt "SELECT func FROM calls GROUP BY func ORDER BY COUNT(*) DESC LIMIT 1" --format csv -q | tail -1)
rm -f fixture.ukt.db
checks fixture "$ffunc" "${fpid:-1}" '*'

LIVE="threads renames fork recurse syscalls cxx nopairs"
why=$(cannot_trace)
if [ -n "$why" ]; then
	for t in $LIVE; do echo "skip ${t}_stream: $why"; done
	echo "skip stream_background_cache: $why"
	exit 0
fi

"$REC" -q -f "$WL:a" -o threads.ukt -- "$WL" threads 8 300
"$REC" -q -f "$WL:a" -o renames.ukt -- "$WL" renames 200
"$REC" -q -f "$WL:caller_one" -f "$WL:a" -o fork.ukt -- "$WL" forkexec 20
"$REC" -q -f "$WL:r" -o recurse.ukt -- "$WL" recurse 6 40
"$REC" -q -e syscalls:sys_enter_getppid -e syscalls:sys_exit_getppid -o syscalls.ukt -- "$WL" w2 12345
"$REC" -q -f "$CXX:app::*" -o cxx.ukt -- "$CXX" throw 20 2>/dev/null
"$REC" -q -e sched:sched_process_exit -e syscalls:sys_enter_getppid -o nopairs.ukt -- "$WL" forkexec 5

wlpid() { "$REP" sql "$1.ukt" "SELECT pid FROM calls GROUP BY pid ORDER BY COUNT(*) DESC LIMIT 1" --format csv -q --db "$TMP/pid.db" | tail -1; rm -f "$TMP/pid.db"; }
checks threads a "$(wlpid threads)" 'work*'
checks renames a "$(wlpid renames)" 'wl-renamed'
checks fork caller_one "$(wlpid fork)" 'true'
checks recurse r "$(wlpid recurse)" '*'
checks syscalls syscall:getppid "$(wlpid syscalls)" 'work*'
cxxf=$("$REP" sql cxx.ukt "SELECT func FROM calls GROUP BY func ORDER BY COUNT(*) DESC LIMIT 1" --format csv -q --db "$TMP/pid.db" | tail -1)
checks cxx "$cxxf" "$(wlpid cxx)" 'cxx*'
same nopairs_summary summary nopairs.ukt
same nopairs_summary_csv summary nopairs.ukt --format csv
same nopairs_hist hist nopairs.ukt syscall:getppid

# the answer's database, built afterwards by a process of its own, is the
# next command's; --no-cache leaves none
rm -f threads.ukt.db
"$REP" summary threads.ukt --no-cache -q >/dev/null
check stream_nocache_no_db "" "$(ls threads.ukt.db* 2>/dev/null)"
# (from a terminal: script(1) gives the command one)
script -qec "'$REP' summary threads.ukt -q" /dev/null >/dev/null
for _ in $(seq 300); do [ -f threads.ukt.db ] && ! compgen -G 'threads.ukt.db.tmp-*' >/dev/null && break; sleep 0.1; done
if [ -f threads.ukt.db ] && ! "$REP" calls threads.ukt a --limit 1 2>&1 >/dev/null | grep -q importing; then
	ok stream_background_cache
else
	fail stream_background_cache "no database beside the trace after the streamed summary, or it was not used: $(ls threads.ukt.db* 2>&1)"
fi
# a command that needs the database while the background import runs
# waits for it (or imports, when it comes first)
rm -f syscalls.ukt.db
script -qec "'$REP' summary syscalls.ukt -q" /dev/null >/dev/null
out=$("$REP" sql syscalls.ukt "SELECT COUNT(*) FROM calls" --format csv 2>&1 | tail -1)
check stream_cache_next_command 12345 "$out"
# from a script: nothing left running, no database
rm -f renames.ukt.db
"$REP" summary renames.ukt -q >/dev/null
sleep 0.5
check stream_script_no_background "" "$(ls renames.ukt.db* 2>/dev/null)"
