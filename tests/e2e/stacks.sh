# Stacks recorded with events (-g, --stack): a kernel stack under a
# syscall tracepoint, the user stack of a known 5-deep call chain in a
# program built with frame pointers (whole), and in one built without
# (its first frames only, and said to be incomplete: unwinding a copy of
# the stack with the objects' CFI is not implemented); the stacks table,
# its frames, and the stacks of events and calls.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
G="uktrace_[0-9]*"
FP=$ROOT/$B/tests/stackchain_fp
NOFP=$ROOT/$B/tests/stackchain_nofp
names="stack_dry_run_kernel stack_dry_run_user stack_bad_which stack_dry_run_dwarf
	stack_kernel_syscall stack_kernel_complete stack_kernel_frames stack_kernel_one_per_event stack_kernel_not_uprobes
	stack_user_fp_chain stack_user_fp_complete stack_user_fp_calls stack_user_fp_frames
	stack_user_nofp_first stack_user_nofp_incomplete stack_none_without_g stack_leftovers
	stack_callers_depth stack_callers_depth_all stack_callers_nofp stack_callers_no_stacks
	stack_flame_folded stack_flame_svg stack_flame_kernel stack_flame_nofp
	stack_perfetto_slice stack_perfetto_instant stack_trampoline_nested stack_trampoline_syscall
	stack_dwarf_nofp_chain stack_dwarf_nofp_complete stack_dwarf_callers stack_dwarf_no_args
	stack_dwarf_nested stack_dwarf_fp stack_dump_frames stack_dump_no_window stack_dump_kernel
	stack_list_kernel_dwarf stack_info"

why=$(cannot_trace)
if [ -n "$why" ]; then skip_all "$why" $names; fi
[ -x "$FP" ] && [ -x "$NOFP" ] || skip_all "no $FP (make tests)" $names

out=$("$REC" --dry-run -g -e syscalls:sys_enter_getppid -f "$FP:level5" 2>&1)
has stack_dry_run_kernel "^1 > instances/$G/options/stacktrace$" "$out"
has stack_dry_run_user "^1 > instances/$G/options/userstacktrace$" "$out"
has stack_bad_which "--stack wants kernel, user, both or dwarf (or a list: 'kernel,dwarf'), not 'sideways'" \
	"$("$REC" --stack sideways -e syscalls:sys_enter_getppid 2>&1)"
has stack_dry_run_dwarf " __ustk_sp=%sp:x64 __ustk_bp=%bp:x64 __ustk0=+0(%sp):x64\[64\] __ustk1=+512(%sp):x64\[64\] >> uprobe_events$" \
	"$("$REC" --dry-run --stack dwarf -f "$FP:level5" 2>&1)"

# a kernel stack under the syscall tracepoint, for each of the 3 getppid()
"$REC" -q -o k.ukt --stack kernel -e syscalls:sys_enter_getppid -- "$FP" 3 >/dev/null 2>&1
mine="SELECT e.id FROM events e JOIN threads t ON t.tid = e.tid WHERE t.comm = 'stackchain_fp'"
check stack_kernel_syscall "3" "$(sql k.ukt "SELECT COUNT(*) FROM event_stacks es JOIN stacks k ON k.id = es.stack_id
	WHERE k.kind = 'kernel' AND es.event_id IN ($mine) AND k.frames LIKE '%do_syscall_64+0x%'")"
check stack_kernel_complete "1" "$(sql k.ukt "SELECT MIN(complete) FROM stacks k JOIN event_stacks es ON es.stack_id = k.id
	WHERE es.event_id IN ($mine)")"
# innermost frame first, named from the saved kallsyms
check stack_kernel_frames "[kernel]" "$(sql k.ukt "SELECT DISTINCT f.object FROM stack_frames f JOIN event_stacks es ON es.stack_id = f.stack_id
	WHERE es.event_id IN ($mine)")"
check stack_kernel_one_per_event "0" "$(sql k.ukt "SELECT COUNT(*) FROM (SELECT event_id FROM event_stacks GROUP BY event_id HAVING COUNT(*) > 1)")"
# with uprobes too: theirs are dropped (the breakpoint handler's, always)
"$REC" -q -o ku.ukt --stack kernel -e syscalls:sys_enter_getppid -f "$FP:level5" -- "$FP" 2 >/dev/null 2>&1
check stack_kernel_not_uprobes "2|0" "$(sql ku.ukt "SELECT COUNT(*) FROM event_stacks es JOIN stacks k ON k.id = es.stack_id
	WHERE k.kind = 'kernel' AND es.event_id IN ($mine)")|$(sql ku.ukt "SELECT COUNT(*) FROM call_stacks WHERE kind = 'kernel'")"

# with frame pointers: the whole chain, the caller at entry included
"$REC" -q -o fp.ukt -g -f "$FP:level5" -- "$FP" 3 >/dev/null 2>&1
chain="%main+0x%;level1+0x%;level2+0x%;level3+0x%;level4+0x%;level5+0x0"
check stack_user_fp_chain "3" "$(sql fp.ukt "SELECT COUNT(*) FROM calls c JOIN call_stacks cs ON cs.call_id = c.id
	JOIN stacks k ON k.id = cs.stack_id WHERE c.func = 'level5' AND k.kind = 'user' AND k.frames LIKE '$chain'")"
check stack_user_fp_complete "1" "$(sql fp.ukt "SELECT MIN(k.complete) FROM call_stacks cs JOIN stacks k ON k.id = cs.stack_id")"
# one distinct stack for the 3 calls' entries
check stack_user_fp_calls "1" "$(sql fp.ukt "SELECT COUNT(DISTINCT cs.stack_id) FROM calls c JOIN call_stacks cs ON cs.call_id = c.id WHERE c.func = 'level5'")"
check stack_user_fp_frames "level5+0x0|level4|level3|level2|level1|main" "$(sql fp.ukt "SELECT f.symbol FROM stack_frames f
	JOIN call_stacks cs ON cs.stack_id = f.stack_id WHERE f.depth < 6 GROUP BY f.depth ORDER BY f.depth" |
	sed 's/+0x[0-9a-f]*$//; 1s/^level5$/level5+0x0/' | paste -sd'|')"

# without frame pointers: the probed function and its caller (fetched at
# entry), and the walk stops there: not complete
"$REC" -q -o nofp.ukt -g -f "$NOFP:level5" -- "$NOFP" 3 >/dev/null 2>&1
check stack_user_nofp_first "level4;level5+0x0" "$(sql nofp.ukt "SELECT DISTINCT k.frames FROM calls c JOIN call_stacks cs ON cs.call_id = c.id
	JOIN stacks k ON k.id = cs.stack_id WHERE c.func = 'level5'" | sed 's/+0x[0-9a-f]*;/;/')"
check stack_user_nofp_incomplete "0" "$(sql nofp.ukt "SELECT MAX(complete) FROM stacks")"

"$REC" -q -o none.ukt -f "$FP:level5" -- "$FP" 3 >/dev/null 2>&1
check stack_none_without_g "0" "$(sql none.ukt "SELECT COUNT(*) FROM stacks")"

# call chains: the 5 frames above level5, innermost first; a stack cut
# short by missing frame pointers ends in '?'
check stack_callers_depth "level4+0x1c <- level3+0x1c <- level2+0x1c,3" \
	"$("$REP" callers fp.ukt level5 --depth 3 --format csv -q | tail -n +2 | cut -d, -f1,3)"
has stack_callers_depth_all "^level4+0x[0-9a-f]* <- level3+0x[0-9a-f]* <- level2+0x[0-9a-f]* <- level1+0x[0-9a-f]* <- main+0x[0-9a-f]* <- __libc_start_call_main+0x[0-9a-f]*,.*stackchain_fp,3," \
	"$("$REP" callers fp.ukt level5 --depth 10 --format csv -q)"
has stack_callers_nofp "^level4+0x[0-9a-f]* <- ?,.*stackchain_nofp,3," "$("$REP" callers nofp.ukt level5 --depth 3 --format csv -q)"
has stack_callers_no_stacks "this trace has no stacks: record with -g" "$("$REP" callers none.ukt level5 --depth 3 2>&1)"

# flame graphs of the real code paths, weighted by the calls' time
check stack_flame_folded "__libc_start_call_main;main;level1;level2;level3;level4;level5" \
	"$("$REP" flamegraph fp.ukt --stacks --folded -q | cut -d' ' -f1)"
"$REP" flamegraph fp.ukt level5 --stacks -o fp.svg -q
has stack_flame_svg "level3" "$(grep -o '<title>[^<]*' fp.svg)"
# a syscall's calls: the user stack below, the kernel stack on top
"$REC" -q -o sys.ukt -g -e 'syscalls:sys_*_getppid' -- "$FP" 3 >/dev/null 2>&1
has stack_flame_kernel ";getppid;entry_SYSCALL_64[a-z_]*_\[k\];do_syscall_64_\[k\];" \
	"$("$REP" flamegraph sys.ukt --stacks --folded -q --comm stackchain_fp)"
check stack_flame_nofp "level4;level5" "$("$REP" flamegraph nofp.ukt --stacks --folded -q | cut -d' ' -f1)"

# Perfetto: the stacks on the slices, innermost first
"$REP" export fp.ukt --perfetto fp.json -q
check stack_perfetto_slice "level5+0x0,level4+0x1c,level3+0x1c,level2+0x1c,level1+0x1c" "$(python3 -c '
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))["traceEvents"] if e.get("name") == "level5" and e.get("ph") == "X"]
print(",".join(ev[0]["args"]["user_stack"][:5]) if ev else "no slice")' fp.json)"
"$REC" -q -o ev.ukt --stack kernel -e syscalls:sys_enter_getppid -- "$FP" 2 >/dev/null 2>&1
"$REP" export ev.ukt --perfetto ev.json -q --comm stackchain_fp
check stack_perfetto_instant "2 do_syscall_64" "$(python3 -c '
import json, sys
ev = [e for e in json.load(open(sys.argv[1]))["traceEvents"] if e.get("ph") == "i" and "kernel_stack" in e.get("args", {})]
print(len(ev), [f.split("+")[0] for f in ev[0]["args"]["kernel_stack"] if f.startswith("do_syscall_64")][0] if ev else "")' ev.json)"

# inside calls whose return probes are armed, the stack holds the
# kernel's uretprobe trampoline for their return addresses: the report
# puts back what each entry fetched
"$REC" -q -o tr.ukt -g -f "$FP:level2" -f "$FP:level4" -f "$FP:level5" -- "$FP" 2 >/dev/null 2>&1
check stack_trampoline_nested "__libc_start_call_main;main;level1;level2;level3;level4;level5" \
	"$("$REP" sql tr.ukt "SELECT DISTINCT k.frames FROM calls c JOIN call_stacks cs ON cs.call_id = c.id
	JOIN stacks k ON k.id = cs.stack_id WHERE c.func = 'level5'" --format csv -q | tail -n +2 | sed 's/+0x[0-9a-f]*//g')"
"$REC" -q -o trs.ukt -g -e 'syscalls:sys_*_getppid' -f "$FP:level4" -- "$FP" 2 >/dev/null 2>&1
check stack_trampoline_syscall "0|level3;level4;getppid" \
	"$("$REP" sql trs.ukt "SELECT COUNT(*) FROM stack_frames WHERE object = '[uprobes]'" --format csv -q | tail -n +2)|$("$REP" sql trs.ukt "SELECT DISTINCT k.frames FROM calls c JOIN call_stacks cs ON cs.call_id = c.id
	JOIN stacks k ON k.id = cs.stack_id WHERE c.func = 'syscall:getppid' AND k.kind = 'user'" --format csv -q | tail -n +2 | sed 's/+0x[0-9a-f]*//g; s/.*;\(level3;\)/\1/')"

# --stack dwarf: the window each uprobe copies, unwound by .eh_frame:
# the whole chain of the program without frame pointers, to _start
"$REC" -q -o dw.ukt --stack dwarf -f "$NOFP:level5" -- "$NOFP" 3 >/dev/null 2>&1
dwq="SELECT k.frames, k.complete FROM calls c JOIN call_stacks cs ON cs.call_id = c.id JOIN stacks k ON k.id = cs.stack_id WHERE c.func = 'level5'"
check stack_dwarf_nofp_chain "3" "$(sql dw.ukt "SELECT COUNT(*) FROM ($dwq) WHERE frames LIKE '_start+0x%;%;main+0x%;level1+0x%;level2+0x%;level3+0x%;level4+0x%;level5+0x0'")"
check stack_dwarf_nofp_complete "1" "$(sql dw.ukt "SELECT MIN(complete) FROM ($dwq)")"
has stack_dwarf_callers "^level4+0x[0-9a-f]* <- level3+0x[0-9a-f]* <- level2+0x[0-9a-f]* <- level1+0x[0-9a-f]* <- main+0x[0-9a-f]*,.*stackchain_nofp,3," \
	"$("$REP" callers dw.ukt level5 --depth 5 --format csv -q)"
# the window is no argument of the probe's
check stack_dwarf_no_args "0" "$(sql dw.ukt "SELECT COUNT(*) FROM probes WHERE args LIKE '%ustk%'")"
# through calls whose return probes are armed (the trampoline's place)
"$REC" -q -o dwn.ukt --stack dwarf -f "$NOFP:level2" -f "$NOFP:level5" -- "$NOFP" 2 >/dev/null 2>&1
check stack_dwarf_nested "main;level1;level2;level3;level4;level5" \
	"$("$REP" sql dwn.ukt "SELECT DISTINCT k.frames FROM calls c JOIN call_stacks cs ON cs.call_id = c.id
	JOIN stacks k ON k.id = cs.stack_id WHERE c.func = 'level5'" --format csv -q | tail -n +2 | sed 's/+0x[0-9a-f]*//g; s/.*;main;/main;/')"
# and the program with frame pointers: the same chain
"$REC" -q -o dwf.ukt --stack dwarf -f "$FP:level5" -- "$FP" 2 >/dev/null 2>&1
check stack_dwarf_fp "2" "$(sql dwf.ukt "SELECT COUNT(*) FROM calls c JOIN call_stacks cs ON cs.call_id = c.id JOIN stacks k ON k.id = cs.stack_id
	WHERE c.func = 'level5' AND k.complete AND k.frames LIKE '%main+0x%;level1+0x%;level2+0x%;level3+0x%;level4+0x%;level5+0x0'")"

# dump shows each event's frames after it, and not the window's words
out=$("$REP" dump dw.ukt 2>&1)
has stack_dump_frames "^   => level3+0x[0-9a-f]* (.*stackchain_nofp)$" "$out"
check stack_dump_no_window "0" "$(echo "$out" | grep -c __ustk)"
has stack_dump_kernel "^   => do_syscall_64+0x[0-9a-f]* (\[kernel\])$" "$("$REP" dump k.ukt 2>&1)"

# a list: kernel stacks under the syscall, user stacks by CFI
"$REC" -q -o kd.ukt --stack kernel,dwarf -e syscalls:sys_enter_getppid -f "$NOFP:level5" -- "$NOFP" 2 >/dev/null 2>&1
check stack_list_kernel_dwarf "2|2" "$(sql kd.ukt "SELECT COUNT(*) FROM event_stacks es JOIN stacks k ON k.id = es.stack_id
	JOIN events e ON e.id = es.event_id JOIN threads t ON t.tid = e.tid WHERE k.kind = 'kernel' AND t.comm = 'stackchain_nofp'")|$(sql kd.ukt "SELECT COUNT(*) FROM call_stacks cs JOIN stacks k ON k.id = cs.stack_id
	WHERE k.kind = 'user' AND k.complete AND k.frames LIKE '%main+0x%;level1+0x%;level5+0x0'")"
has stack_info "^stacks      kernel,dwarf ([1-9][0-9]* unwind tables)$" "$("$REP" info kd.ukt)"
check stack_leftovers "" "$(leftovers)"
