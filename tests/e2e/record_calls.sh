# End to end: record a workload with exactly known calls through uprobes and
# uretprobes, import, and check counts, callers, recursion, latency,
# arguments and names with SQL.
. "$(dirname "$0")/lib.sh"
TESTS="calls_exit_status calls_a_count calls_events_per_probe calls_callers_exact
calls_recursion_depth calls_recursion_count calls_sleep_median calls_views_agree
calls_args_sum calls_thread_names calls_no_leftovers calls_exit_status_passthrough
calls_pid_resolved calls_threads_count calls_report_on_copy"
why=$(cannot_trace); [ -n "$why" ] && skip_all "$why" $TESTS

cd "$TMP"
"$REC" -q -f "$WL:a" -f "$WL:r" -f "$WL:s" -p "$WL:caller_one x=%di" -o c.ukt -- "$WL" calls 1000
check calls_exit_status 0 $?
check calls_a_count 1000 "$(sql c.ukt "SELECT COUNT(*) FROM calls WHERE func='a' AND complete")"
check calls_events_per_probe "1000,1000" \
	"$(sql c.ukt "SELECT (SELECT COUNT(*) FROM probe_a),(SELECT COUNT(*) FROM probe_a__return)")"
check calls_callers_exact "caller_one,750;caller_two,250" \
	"$(sql c.ukt "SELECT substr(caller_symbol,1,instr(caller_symbol,'+')-1), calls FROM callers WHERE func='a' ORDER BY 1" | tr '\n' ';' | sed 's/;$//')"
# r(5) once per 16 iterations: 63 times, 5 nested calls each, depths 0..4
check calls_recursion_depth "0,4" "$(sql c.ukt "SELECT MIN(depth), MAX(depth) FROM calls WHERE func='r'")"
check calls_recursion_count 315 "$(sql c.ukt "SELECT COUNT(*) FROM calls WHERE func='r' AND complete")"
med=$(sql c.ukt "SELECT p50_ns FROM call_stats WHERE func='s'")
if [ -n "$med" ] && [ "$med" -ge 2000000 ] && [ "$med" -le 200000000 ]; then ok calls_sleep_median
else fail calls_sleep_median "median of s() is '$med' ns, expected 2 ms .. 200 ms"; fi
# the command's numbers are the view's numbers
a=$("$REP" summary c.ukt --format csv -q | grep '^a,' | cut -d, -f2-)
b=$(sql c.ukt "SELECT calls, incomplete, total_ns, self_ns, min_ns, avg_ns, p50_ns, p90_ns, p99_ns, max_ns FROM call_stats WHERE func='a'")
check calls_views_agree "$b" "$a"
check calls_args_sum 374250 "$(sql c.ukt "SELECT SUM(x) FROM probe_caller_one")"
check calls_thread_names "workload" "$(sql c.ukt "SELECT DISTINCT comm FROM calls WHERE func='a'")"
check calls_no_leftovers "" "$(leftovers)"
"$REC" -q -p "$WL:a" -o e.ukt -- "$WL" exit 7
check calls_exit_status_passthrough 7 $?
check calls_pid_resolved 1 "$(sql c.ukt "SELECT COUNT(DISTINCT pid) FROM calls WHERE pid IS NOT NULL")"
"$REC" -q -f "$WL:a" -o t.ukt -- "$WL" threads 4 500
check calls_threads_count "4,2000" "$(sql t.ukt "SELECT COUNT(DISTINCT tid), COUNT(*) FROM calls WHERE func='a' AND complete")"
# the report needs nothing but the file: a copy elsewhere, the binary gone
mkdir other && cp c.ukt other/moved.ukt
check calls_report_on_copy "caller_one,750" \
	"$(sql other/moved.ukt "SELECT substr(caller_symbol,1,instr(caller_symbol,'+')-1), calls FROM callers WHERE func='a' ORDER BY 1 LIMIT 1")"
