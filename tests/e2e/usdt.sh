# USDT probes: a program built with <sys/sdt.h> (sdt_workload: semaphores,
# every kind of operand, an entry/return pair) and python3.11's own
# probes, recorded and checked in the database; definitions against perf
# probe's; --list.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
G="uktrace_[0-9]*"
SDT=$ROOT/$B/tests/sdt_workload
PY=/usr/bin/python3.11
sdt_names="usdt_list usdt_dry_forms usdt_dry_perf_form usdt_dry_glob usdt_dry_pair usdt_vs_perf
	usdt_err_no_probe usdt_err_unpaired usdt_err_no_notes usdt_semaphore_off usdt_semaphore_on
	usdt_err_refctr_mismatch
	usdt_events usdt_types_signed usdt_types_constant usdt_types_u64 usdt_types_s16
	usdt_types_u8 usdt_types_rip usdt_types_stack usdt_pairs usdt_pairs_nested
	usdt_pair_probes usdt_leftovers"
py_names="usdt_python_entries usdt_python_calls usdt_python_pairs_by_name usdt_python_info"

why=$(cannot_trace)
if [ -n "$why" ]; then skip_all "$why" $sdt_names $py_names; fi

if [ ! -x "$SDT" ]; then
	for n in $sdt_names; do echo "skip $n: no $SDT (needs <sys/sdt.h>: apt-get install systemtap-sdt-dev, or make deps)"; done
else
	# --list shows the probes, their semaphores, arguments and pairs
	out=$("$REC" --list "$SDT")
	has usdt_list "^ukt:work__start .* semaphore 0x[0-9a-f]*  -8@%rdi  (-f ukt:work: entry with work__done)" "$out"

	dry() { "$REC" --dry-run "$@" 2>&1; }
	out=$(dry -p "usdt:$SDT:ukt:guarded" -p "usdt:$SDT:plain")
	has usdt_dry_forms "^p:$G/ukt_plain $SDT:0x[0-9a-f]*(0x[0-9a-f]*) arg1=%[a-z0-9]*:s32 arg2=\\\\-5:s32 arg3=%[a-z0-9]*:u64 arg4=%[a-z0-9]*:s16 arg5=\\\\120:u8 >> uprobe_events" "$out"
	has usdt_dry_perf_form "^p:$G/ukt_guarded $SDT:0x[0-9a-f]*(0x[0-9a-f]*) arg1=" "$(dry -p "$SDT:sdt_ukt:guarded")"
	check usdt_dry_glob 8 "$(dry -p "usdt:$SDT:ukt:*" | grep -c '^p:.*uprobe_events')"
	out=$(dry -f "usdt:$SDT:ukt:work")
	check usdt_dry_pair "ukt_work__start ukt_work__done " \
		"$(echo "$out" | sed -n "s|^p:$G/\([^ ]*\) .*uprobe_events|\1|p" | tr '\n' ' ')"

	# the same sites, reference counters and argument fetches as perf
	# probe's (which leaves out constants and %rip-relative operands:
	# each argument perf gives must be ours)
	if command -v perf >/dev/null; then
		# perf probe finds SDT notes in its build-id cache, $HOME/.debug:
		# one of our own
		HOME=$TMP perf buildid-cache -a "$SDT" >/dev/null 2>&1
		theirs=$(HOME=$TMP perf probe -v --dry-run -x "$SDT" 'sdt_ukt:*' 2>&1 | sed -n 's/^Writing event: p:sdt_ukt\///p' | sort)
		ours=$(dry -p "usdt:$SDT:ukt:*" | sed -n "s|^p:$G/ukt_\(.*\) >> uprobe_events|\1|p" | sort)
		bad=""
		while read -r name loc args; do
			mine=$(echo "$ours" | awk -v n="$name" '$1 == n')
			[ "$(echo "$mine" | awk '{print $2}')" = "$loc" ] || bad="$bad $name:location"
			for a in $args; do
				echo "$mine" | grep -qF -- " $a" || bad="$bad $name:$a"
			done
		done <<< "$theirs"
		if [ -z "$theirs" ]; then echo "skip usdt_vs_perf: perf probe lists no SDT probes here"
		elif [ -z "$bad" ]; then ok usdt_vs_perf
		else fail usdt_vs_perf "differ from perf probe's:$bad"; fi
	else
		echo "skip usdt_vs_perf: perf is not installed"
	fi

	has usdt_err_no_probe "no USDT probe in '$SDT' matches 'ukt:guardd' (did you mean 'guarded'?)" \
		"$(dry -p "usdt:$SDT:ukt:guardd")"
	has usdt_err_unpaired "has no entry/return pair for 'ukt:guarded'" "$(dry -f "usdt:$SDT:ukt:guarded")"
	has usdt_err_no_notes "'$WL' has no USDT probes" "$(dry -p "usdt:$WL:ukt:x")"

	# the guarded probe: its site is reached only while the semaphore is
	# up. A uprobe on it without the reference counter never fires; the
	# USDT probe raises it, and the program counts the guarded rounds.
	off=$(dry -p "usdt:$SDT:ukt:guarded" | sed -n "s|^p:$G/ukt_guarded $SDT:\(0x[0-9a-f]*\)(.*|\1|p")
	out=$("$REC" -q -o off.ukt -p "p:guarded $SDT:$off" -- "$SDT" 40 2>&1)
	check usdt_semaphore_off "guarded 0,0" "$out,$(sql off.ukt "SELECT events FROM probes")"
	"$REC" -q -o sdt.ukt -p "usdt:$SDT:ukt:*" -p "usdt:$SDT:ukt:guarded arg2:x64" \
		-f "usdt:$SDT:ukt:work" -- "$SDT" 40 > sdt.out 2>&1 &
	rec=$!
	wait $rec
	out=$(cat sdt.out)
	check usdt_semaphore_on "guarded 40,40" "$out,$(sql sdt.ukt "SELECT events FROM probes WHERE name = 'ukt_guarded'")"
	check usdt_events "40 50 50 40 40 40 40 40 40 50 50" \
		"$(sql sdt.ukt "SELECT events FROM probes ORDER BY id" | tr '\n' ' ' | sed 's/ $//')"
	# a uprobe on the site without the semaphore, and one with it: the
	# kernel refuses the second and says why only in dmesg
	has usdt_err_refctr_mismatch "'Reference counter offset mismatch' in dmesg" \
		"$("$REC" -q -o mm.ukt -p "p:guarded $SDT:$off" -p "usdt:$SDT:ukt:guarded" -- "$SDT" 1 2>&1)"
	# (note order: stack, work__start, work__done, plain, global, job__begin,
	# job__end, guarded;
	# then guarded again and the -f pair)
	# typed arguments: plain(i, -5, 0xfedcba9876543210, (short)-i, 'x')
	check usdt_types_signed "0,39,780" "$(sql sdt.ukt "SELECT MIN(arg1), MAX(arg1), SUM(arg1) FROM probe_ukt_plain")"
	check usdt_types_constant "-5" "$(sql sdt.ukt "SELECT DISTINCT arg2 FROM probe_ukt_plain")"
	check usdt_types_u64 "fedcba9876543210" "$(sql sdt.ukt "SELECT DISTINCT printf('%x', arg3) FROM probe_ukt_plain")"
	check usdt_types_s16 "-39,0" "$(sql sdt.ukt "SELECT MIN(arg4), MAX(arg4) FROM probe_ukt_plain")"
	check usdt_types_u8 "120" "$(sql sdt.ukt "SELECT DISTINCT arg5 FROM probe_ukt_plain")"
	# global(counter): 7 more each round, through counter(%rip)
	check usdt_types_rip "7,280,40" "$(sql sdt.ukt "SELECT MIN(arg1), MAX(arg1), COUNT(DISTINCT arg1) FROM probe_ukt_global")"
	check usdt_types_stack "0,78" "$(sql sdt.ukt "SELECT MIN(arg1), MAX(arg1) FROM probe_ukt_stack")"
	# work__start/work__done with -f: calls, one level deeper every 4th
	# round; the -p probes on the same sites stay events
	check usdt_pairs "ukt:work,50,50" "$(sql sdt.ukt "SELECT func, COUNT(*), SUM(complete) FROM calls GROUP BY func")"
	check usdt_pairs_nested "0,40|1,10" "$(sql sdt.ukt "SELECT depth, COUNT(*) FROM calls WHERE complete GROUP BY depth" | tr '\n' '|' | sed 's/|$//')"
	check usdt_pair_probes "entry,ukt:work|return,ukt:work" \
		"$(sql sdt.ukt "SELECT role, func FROM probes WHERE role IS NOT NULL ORDER BY id" | tr '\n' '|' | sed 's/|$//')"
	# what that recorder created is gone (other recorders may be running)
	check usdt_leftovers "" "$(grep -hw "uktrace_$rec" $T/uprobe_events $T/kprobe_events 2>/dev/null; ls $T/instances | grep "^uktrace_$rec\(_\|$\)")"
fi

# python3.11 (Debian's: its own probes, each behind a semaphore). This
# CPython fires function__entry only while a profile or trace function is
# set (ceval.c: DTRACE_FUNCTION_ENTRY sits in its tracing path): the
# script sets a C one (slice: no Python frame of its own) and calls fib(10)
# (177 calls) and leaf() 50 times.
if [ ! -x "$PY" ] || ! readelf -n "$PY" 2>/dev/null | grep -q 'Name: function__entry'; then
	for n in $py_names; do echo "skip $n: no $PY with USDT probes here"; done
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
	"$REC" -q -o py.ukt -p "usdt:$PY:python:function__entry arg2:string" -- "$PY" -S calls.py >/dev/null 2>&1
	check usdt_python_entries "fib 177|leaf 50" \
		"$(sql py.ukt "SELECT arg2 || ' ' || COUNT(*) FROM probe_python_function__entry WHERE arg2 IN ('fib', 'leaf') GROUP BY arg2 ORDER BY arg2" | tr '\n' '|' | sed 's/|$//')"
	"$REC" -q -o pyf.ukt -f "usdt:$PY:python:function arg1:string arg2:string" -- "$PY" -S calls.py >/dev/null 2>&1
	check usdt_python_calls "python:function,177,177,9" \
		"$(sql pyf.ukt "SELECT func, COUNT(*), SUM(complete), MAX(depth) FROM calls WHERE args LIKE '%arg2=\"fib\"%'")"
	# each entry pairs with its own return, by nesting: the function's
	# name at both ends is the same
	check usdt_python_pairs_by_name "0" \
		"$(sql pyf.ukt "SELECT COUNT(*) FROM calls c JOIN events r ON r.id = c.return_event_id JOIN events e ON e.id = c.entry_event_id WHERE c.complete AND e.arg1 != r.arg1")"
	has usdt_python_info "spec        usdt:$PY:python:function arg1:string arg2:string" "$("$REP" info pyf.ukt)"
fi
