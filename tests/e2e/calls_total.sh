# End to end: the total time of a recursive function counts each call
# once, at its outermost frame for that function (perf's children,
# uftrace's total), in call_summary, the call_stats view, the filtered
# summary and the callers; self time is as it was. Program: unwind
# recurse MS (tests/e2e/unwind.c): f recursing 60 deep, the innermost
# call sleeping MS, so every one of the 60 calls takes about MS.
. "$(dirname "$0")/lib.sh"
TESTS="total_is_outermost total_within_wall_time total_view_same total_filtered_same
total_self_adds_up total_callers_add_up total_recursive_marked"
why=$(cannot_trace); [ -n "$why" ] && skip_all "$why" $TESTS
UW=$ROOT/$B/tests/unwind
cd "$TMP"

"$REC" -q -f "$UW:f" -o rec.ukt -- "$UW" recurse 200
total=$(sql rec.ukt "SELECT total_ns FROM call_summary WHERE func = 'f'")
check total_is_outermost "$total" "$(sql rec.ukt "SELECT duration_ns FROM calls WHERE func = 'f' AND depth = 0")"
# 60 nested calls of 200 ms each would add up to 12 s: more than the
# whole recording, which the one outermost call fits in
span=$(sql rec.ukt "SELECT MAX(CAST(value AS INTEGER)) - MIN(CAST(value AS INTEGER)) FROM meta WHERE key IN ('start_ns', 'stop_ns')")
if [ "${total:-0}" -ge 200000000 ] && [ "$total" -le "${span:-0}" ]; then ok total_within_wall_time
else fail total_within_wall_time "total $total ns, the recording ${span:-?} ns, the call slept 200 ms"; fi
check total_view_same "$total" "$(sql rec.ukt "SELECT total_ns FROM call_stats WHERE func = 'f'")"
check total_filtered_same "$total" "$("$REP" summary rec.ukt --comm 'unwind*' --format csv -q | awk -F, '$1 == "f" {print $4}')"
check total_self_adds_up "$total" "$(sql rec.ukt "SELECT SUM(self_ns) FROM calls WHERE func = 'f' AND complete")"
check total_callers_add_up "$total" "$(sql rec.ukt "SELECT SUM(total_ns) FROM callers WHERE func = 'f'")"
check total_recursive_marked "59,0" "$(sql rec.ukt "SELECT SUM(recursive), MIN(depth) FILTER (WHERE NOT recursive) FROM calls WHERE func = 'f'")"
