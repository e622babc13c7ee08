# The report's commands and options on the checked-in fixture (no root, no
# tracefs): workload calls 200 with -f a, -f r and three tracepoints.
. "$(dirname "$0")/lib.sh"
F=$TMP/calls.ukt
cp "$ROOT/tests/fixtures/calls.ukt" "$F"

out=$("$REP" "$F" -q)
has rep_default_is_summary "^a  *200 " "$out"
check rep_summary_sort_calls "a" "$("$REP" summary "$F" --sort calls --format csv -q | sed -n 2p | cut -d, -f1)"
check rep_summary_limit 2 "$("$REP" summary "$F" --limit 1 --format csv -q | wc -l)"
check rep_summary_by_comm "a,fixture-workloa,200" "$("$REP" summary "$F" --by comm --format csv -q | grep '^a,' | cut -d, -f1-3)"
pid=$(sql "$F" "SELECT pid FROM calls LIMIT 1")
check rep_summary_pid 200 "$("$REP" summary "$F" --pid "$pid" --format csv -q | grep '^a,' | cut -d, -f2)"
# a probed function without calls in the selection shows 0, never nothing
check rep_summary_pid_other "a,0,0" "$("$REP" summary "$F" --pid 1 --format csv -q | grep '^a,' | cut -d, -f1-3)"
check rep_summary_comm_glob 200 "$("$REP" summary "$F" --comm 'fixture*' --format csv -q | grep '^a,' | cut -d, -f2)"
n=$("$REP" summary "$F" --since +1000 --format csv -q | awk -F, 'NR > 1 && $2 != 0' | wc -l)
check rep_summary_since_empty 0 "$n"
has rep_json "\"function\": \"a\"" "$("$REP" summary "$F" --format json -q)"
has rep_hist_log2 "|\*" "$("$REP" hist "$F" a -q)"
check rep_hist_linear_total 200 "$("$REP" hist "$F" a --linear --buckets 5 --format csv -q | tail -n +2 | awk -F, '{s += $3} END {print s}')"
# each bucket's label ends where the next one's starts
labels=$("$REP" hist "$F" a -q | awk -F' : ' '/->/ {print $1}' | sed 's/^ *//')
bad=$(echo "$labels" | awk -F' -> ' 'NR > 1 && $1 != prev {print prev " / " $1} {prev = $2}')
if [ -n "$labels" ] && [ -z "$bad" ]; then ok rep_hist_labels_meet; else fail rep_hist_labels_meet "labels do not meet: $bad"; fi
n=$("$REP" hist "$F" a --linear --buckets 5 --format csv -q | tail -n +2 | wc -l)
if [ "$n" -ge 1 ] && [ "$n" -le 5 ]; then ok rep_hist_linear_buckets_max; else fail rep_hist_linear_buckets_max "$n buckets for --buckets 5"; fi
has rep_callers "caller_one" "$("$REP" callers "$F" a -q)"
check rep_calls_limit 3 "$("$REP" calls "$F" a --limit 3 --format csv -q | tail -n +2 | wc -l)"
check rep_calls_min_duration 0 "$("$REP" calls "$F" a --min-duration 10s --format csv -q | tail -n +2 | wc -l)"
has rep_unknown_func "no calls of 'nosuch'" "$("$REP" hist "$F" nosuch -q 2>&1)"
check rep_dump_count "$(sql "$F" "SELECT COUNT(*) FROM events")" "$("$REP" dump "$F" -q | grep -vc 'EVENTS DROPPED')"
check rep_dump_event_filter 200 "$("$REP" dump "$F" --event a__return -q | wc -l)"
check rep_dump_event_glob 400 "$("$REP" dump "$F" --event 'a*' -q | wc -l)"
cpu=$(sql "$F" "SELECT cpu FROM events LIMIT 1")
check rep_dump_cpu "$(sql "$F" "SELECT COUNT(*) FROM events WHERE cpu = $cpu")" "$("$REP" dump "$F" --cpu "$cpu" -q | wc -l)"
check rep_dump_until_empty 0 "$("$REP" dump "$F" --until 0.000001 -q | wc -l)"
has rep_info_probes "definition  p:uktrace_" "$("$REP" info "$F")"
has rep_info_integrity "blocks good, 0 damaged" "$("$REP" info "$F")"
has rep_sql_error "syntax error" "$("$REP" sql "$F" 'SELEC 1' -q 2>&1)"
has rep_sql_readonly "only reads" "$("$REP" sql "$F" 'DROP TABLE meta' -q 2>&1)"
"$REP" db "$F" -o "$TMP/out.db" -q
check rep_db_out 200 "$(sqlite3 "$TMP/out.db" "SELECT calls FROM call_stats WHERE func = 'a'")"
has rep_db_refuses_overwrite "exists" "$("$REP" db "$F" -o "$TMP/out.db" -q 2>&1)"
# the cache (made by a command that imports: calls): reused while the
# trace is unchanged, rebuilt when it changes
"$REP" calls "$F" a --limit 1 -q >/dev/null
m1=$(stat -c %Y "$F.db")
sleep 1.1
"$REP" calls "$F" a --limit 1 -q >/dev/null
check rep_cache_reused "$m1" "$(stat -c %Y "$F.db")"
touch "$F"
"$REP" calls "$F" a --limit 1 -q >/dev/null
if [ "$(stat -c %Y "$F.db")" != "$m1" ]; then ok rep_cache_rebuilt; else fail rep_cache_rebuilt "db not rebuilt after the trace changed"; fi
"$REP" "$F" --no-cache -q >/dev/null
check rep_no_cache_leaves_nothing "" "$(ls /tmp/uktrace-*.db 2>/dev/null | grep -v "$TMP")"
# a cut file: imported as far as readable, with a warning on every command
head -c 30000 "$F" > "$TMP/cut.ukt"
has rep_cut_warns "warning: file cut short" "$("$REP" "$TMP/cut.ukt" 2>&1 >/dev/null)"
has rep_not_a_trace "not a uktrace trace file" "$("$REP" info /etc/hostname 2>&1)"
has rep_front_command "calls" "$("$ROOT/$B/uktrace" report "$F" -q)"
# each command takes its own options: one it does not is refused, naming
# the commands that do (it used to be silently ignored)
out=$("$REP" summary "$F" --svg "$TMP/x.svg" 2>&1); rc=$?
has rep_foreign_option_named "summary does not take --svg: it is an option of hist" "$out"
check rep_foreign_option_status 2 "$rc"
check rep_foreign_option_no_file "" "$(ls "$TMP/x.svg" 2>/dev/null)"
has rep_foreign_option_dump "calls does not take --cpu: it is an option of dump" \
	"$("$REP" calls "$F" a --cpu 0 2>&1)"
has rep_own_options_taken "a" "$("$REP" calls "$F" a --min-duration 1us --limit 1 -q --format csv)"
# db writes -o: a cache path or --no-cache would be ignored, so refused
has rep_db_refuses_cache_path "db does not take --db" \
	"$("$REP" db "$F" -o "$TMP/o.db" --db "$TMP/c.db" 2>&1)"
has rep_db_refuses_no_cache "db does not take --no-cache" \
	"$("$REP" db "$F" -o "$TMP/o2.db" --no-cache 2>&1)"
check rep_db_refused_wrote_nothing "" "$(ls "$TMP/o.db" "$TMP/c.db" "$TMP/o2.db" 2>/dev/null)"
# clickhouse reads a trace.dat like any command: --symbols names its
# callers there too (no server here: the option passes, the connection fails)
mkdir -p "$TMP/bin"
out=$("$REP" clickhouse "$F" --symbols "$TMP/bin" --url http://127.0.0.1:1 --database d \
	--host-label h --password-file /dev/null --cacert /dev/null -q 2>&1)
if [ -n "$out" ] && ! echo "$out" | grep -q "does not take"; then ok rep_clickhouse_takes_symbols
else fail rep_clickhouse_takes_symbols "$out"; fi
# asking a server, a trace file's options have nothing to act on; reading
# files, the server's options neither: refused, not silently ignored
has rep_server_refuses_file_option "summary --clickhouse asks a server, and does not take --by" \
	"$("$REP" summary --clickhouse http://127.0.0.1:1 --by pid 2>&1)"
has rep_file_refuses_server_option "summary of trace files does not take --host-label" \
	"$("$REP" summary "$F" --host-label web1 2>&1)"
has rep_server_summary_no_trace "takes no trace files" \
	"$("$REP" "$F" --clickhouse http://127.0.0.1:1 2>&1)"
# folding events into their calls changes nothing that a query sees
same_views rep_fold_same_views "$F"
