# Record-time filters (--filter): what the kernel keeps, with -f (the
# calls whose entry matches), with the pid filter of -- COMMAND, on
# tracepoints and USDT pairs; refusals with the kernel's reason; the
# filter in the trace file, info and the probes table.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
G="uktrace_[0-9]*"
PY=/usr/bin/python3.11
names="filter_dry_run filter_config filter_before_probe filter_twice filter_malloc_calls
	filter_malloc_sizes filter_malloc_only_calls filter_malloc_returns filter_probes_table
	filter_info filter_info_return filter_pid_combined filter_pid_other filter_task_fields_both
	filter_refused filter_refused_where filter_refused_fields filter_refused_no_file
	filter_syscall_pair filter_leftovers filter_usdt_return_open filter_usdt_pair
	filter_usdt_return_too"

why=$(cannot_trace)
if [ -n "$why" ]; then skip_all "$why" $names; fi

# what would be written, and where
out=$("$REC" --dry-run -f 'libc:malloc size=%di' --filter 'size >= 10000' -e 'sched:sched_switch' 2>&1)
has filter_dry_run "^filter instances/$G/events/$G/malloc/filter: size >= 10000$" "$out"
printf 'function libc:malloc size=%%di\nfilter size > 1\n' > f.conf
has filter_config "/malloc/filter: size > 1$" "$("$REC" --dry-run -c f.conf 2>&1)"
out=$("$REC" --filter 'size > 1' -f libc:malloc 2>&1); rc=$?
check filter_before_probe "2: --filter 'size > 1' comes before any probe" "$rc: $(echo "$out" | head -1 | sed 's/^uktrace-record: //' | cut -c1-42)"
has filter_twice "a second --filter for 'libc:malloc'" "$("$REC" -f libc:malloc --filter 'a > 1' --filter 'b > 2' 2>&1)"

# workload mallocs 1000: 1000 small blocks and 250 of 10000..10999 bytes
"$REC" -q -o m.ukt -f 'libc:malloc size=%di' --filter 'size >= 10000 && size < 11000' \
	-- "$WL" mallocs 1000 >/dev/null 2>&1
check filter_malloc_calls "250,250" "$(sql m.ukt "SELECT COUNT(*), SUM(complete) FROM calls WHERE func = 'malloc'")"
check filter_malloc_sizes "10000,10996" \
	"$(sql m.ukt "SELECT MIN(CAST(substr(args, 6) AS INTEGER)), MAX(CAST(substr(args, 6) AS INTEGER)) FROM calls")"
# the returns of the other 1000 are recorded (they carry no size to
# filter on) but are not calls
check filter_malloc_only_calls "complete" "$(sql m.ukt "SELECT DISTINCT status FROM calls")"
check filter_malloc_returns "250,1250" \
	"$(sql m.ukt "SELECT (SELECT events FROM probes WHERE name = 'malloc'), (SELECT events FROM probes WHERE name = 'malloc__return')")"
check filter_probes_table "malloc,size >= 10000 && size < 11000|malloc__return," \
	"$(sql m.ukt "SELECT name, filter FROM probes ORDER BY id" | tr '\n' '|' | sed 's/|$//')"
info=$("$REP" info m.ukt)
has filter_info "^      filter      size >= 10000 && size < 11000$" "$info"
has filter_info_return "^      filter      none: every return recorded; calls are those whose entry matched" "$info"

# the pid filter of -- COMMAND and the user's, both: another workload
# doing the same mallocs meanwhile leaves nothing in the trace
( while :; do "$WL" mallocs 1000; done ) &
BG_PIDS+=($!)
"$REC" -q -o p.ukt -f 'libc:malloc size=%di' --filter 'size >= 10000 && size < 11000' \
	-- "$WL" mallocs 2000 >/dev/null 2>&1
kill "${BG_PIDS[-1]}" 2>/dev/null
check filter_pid_combined "500,500" "$(sql p.ukt "SELECT COUNT(*), SUM(complete) FROM calls")"
check filter_pid_other "1" "$(sql p.ukt "SELECT COUNT(DISTINCT pid) FROM calls")"

# what is the same at entry and return filters both
"$REC" -q -o c.ukt -f 'libc:malloc' --filter 'comm == "workload"' -- "$WL" mallocs 100 >/dev/null 2>&1
sql c.ukt "SELECT 1" >/dev/null
check filter_task_fields_both 'malloc=comm == "workload"|malloc__return=comm == "workload"' \
	"$(sqlite3 c.ukt.db "SELECT name || '=' || filter FROM probes ORDER BY id" | tr '\n' '|' | sed 's/|$//')"

# a filter the kernel refuses: its reason, the expression, the fields
"$REC" -q -o bad.ukt -f 'libc:malloc size=%di' --filter 'bytes > 10' -- "$WL" mallocs 10 > bad.out 2>&1 &
rec=$!
wait $rec; rc=$?
out=$(cat bad.out)
has filter_refused "the kernel refused filter 'bytes > 10' on $G:malloc: Field not found" "$out"
has filter_refused_where "^  Command: bytes > 10$" "$out"
has filter_refused_fields "the fields of $G:malloc: __probe_ip, size, caller, sp, comm, common_pid)" "$out"
check filter_refused_no_file "1,no" "$rc,$([ -e bad.ukt ] && echo yes || echo no)"

# a syscall pair filtered at its entry: the exits of the other reads are
# not calls (dd reads 3 blocks of 12345 bytes; the loader reads others)
"$REC" -q -o r.ukt -e 'syscalls:sys_enter_read' --filter 'count == 12345' -e 'syscalls:sys_exit_read' \
	-- dd if=/dev/zero of=/dev/null bs=12345 count=3 >/dev/null 2>&1
check filter_syscall_pair "syscall:read,complete,3" \
	"$(sql r.ukt "SELECT func, status, COUNT(*) FROM calls GROUP BY 1, 2" | tr '\n' '|' | sed 's/|$//')"
# the refused recorder removed what it had created (others may be running)
check filter_leftovers "" "$(grep -hw "uktrace_$rec" $T/uprobe_events $T/kprobe_events 2>/dev/null; ls $T/instances | grep "^uktrace_$rec\(_\|$\)")"

# a USDT pair whose return lacks the field: job__begin(i, i * 2) and
# job__end(i); the return records all, the calls are the 34 that match
SDT=$ROOT/$B/tests/sdt_workload
if [ ! -x "$SDT" ]; then
	echo "skip filter_usdt_return_open: no $SDT (needs <sys/sdt.h>: apt-get install systemtap-sdt-dev)"
else
	"$REC" -q -o j.ukt -f "usdt:$SDT:ukt:job" --filter 'arg2 > 10' -- "$SDT" 40 >/dev/null 2>&1
	check filter_usdt_return_open "complete,34,12|34,40" \
		"$(sql j.ukt "SELECT status, COUNT(*), MIN(CAST(substr(args, instr(args, 'arg2=') + 5) AS INTEGER)) FROM calls GROUP BY 1")|$(sql j.ukt "SELECT (SELECT events FROM probes WHERE filter IS NOT NULL), (SELECT events FROM probes WHERE filter IS NULL)")"
fi

# a USDT pair: both halves carry the function's name, so both are filtered
if [ ! -x "$PY" ] || ! readelf -n "$PY" 2>/dev/null | grep -q 'Name: function__entry'; then
	for n in filter_usdt_pair filter_usdt_return_too; do echo "skip $n: no $PY with USDT probes here"; done
else
	cat > calls.py <<'EOF'
import sys
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
def leaf():
    pass
sys.setprofile(slice)
for i in range(50):
    leaf()
fib(10)
sys.setprofile(None)
EOF
	"$REC" -q -o py.ukt -f "usdt:$PY:python:function arg2:string" --filter 'arg2 == "fib"' \
		-- "$PY" -S calls.py >/dev/null 2>&1
	check filter_usdt_pair "complete,177" "$(sql py.ukt "SELECT status, COUNT(*) FROM calls GROUP BY 1")"
	check filter_usdt_return_too "177 177" "$(sqlite3 py.ukt.db "SELECT events FROM probes WHERE filter = 'arg2 == \"fib\"'" | tr '\n' ' ' | sed 's/ $//')"
fi
