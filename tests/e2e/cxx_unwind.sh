# End to end: C++ exceptions and return probes. The kernel's uretprobe
# replaces a function's return address by its trampoline; an exception
# unwinding through that function then finds no frame information and the
# program dies in std::terminate (SIGABRT). The recorder refuses the return
# probe of a function the ELF file says an exception unwinds through (its
# cleanups and handlers: an LSDA), says what to do instead, and with
# --allow-uretprobe-unwind does what it is told.
. "$(dirname "$0")/lib.sh"
TESTS="unwind_refused unwind_refused_says_why unwind_refused_nothing_ran
unwind_glob_skips unwind_glob_says_which unwind_glob_keeps_others unwind_entry_only
unwind_entry_only_demangled unwind_other_cxx_functions unwind_c_functions
unwind_override_installs unwind_override_kernel_behaviour unwind_no_leftovers"
why=$(cannot_trace); [ -n "$why" ] && skip_all "$why" $TESTS
CXX=$ROOT/$B/tests/cxx_workload

cd "$TMP"
# app::risky holds a std::string while app::thrower throws through it
out=$("$REC" -q -f "$CXX:app::risky" -o r.ukt -- "$CXX" throw 20 2>&1)
rc=$?
if [ "$rc" != 0 ] && [ ! -e r.ukt ]; then ok unwind_refused
else fail unwind_refused "status $rc, $(ls r.ukt 2>&1): $out"; fi
if echo "$out" | grep -q "refusing a return probe on 'app::risky(int)'" &&
   echo "$out" | grep -q "exception can unwind through it" &&
   echo "$out" | grep -q -- "-p '$CXX:app::risky'" &&
   echo "$out" | grep -q -- "--allow-uretprobe-unwind"; then ok unwind_refused_says_why
else fail unwind_refused_says_why "$out"; fi
check unwind_refused_nothing_ran "" "$(grep -F "$CXX:" $T/uprobe_events 2>/dev/null | head -2)"

# a glob skips them, says which, and probes the rest: the program lives
out=$("$REC" -f "$CXX:app::*" -o g.ukt -- "$CXX" throw 20 2>&1)
check unwind_glob_skips 0 $?
if echo "$out" | grep -q "skipped 2 functions of 'app::\*'" && echo "$out" | grep -q "'app::risky(int)'" &&
   echo "$out" | grep -q "'app::thrower(int)'"; then ok unwind_glob_says_which
else fail unwind_glob_says_which "$out"; fi
check unwind_glob_keeps_others "app::Counter::add app::Counter::reset" \
	"$(sql g.ukt "SELECT DISTINCT function FROM probes ORDER BY function" | tr '\n' ' ' | sed 's/ $//')"

# the entry alone is safe, and named as people read it
"$REC" -q -p "$CXX:app::risky" -o e.ukt -- "$CXX" throw 20
rc=$?
check unwind_entry_only "0,20" "$rc,$(sql e.ukt "SELECT COUNT(*) FROM events")"
check unwind_entry_only_demangled "app::risky,20" \
	"$("$REP" summary e.ukt --format csv -q | tail -n +2 | cut -d, -f2,4)"

# functions without cleanups or handlers, and C code, are not refused
"$REC" -q -f "$CXX:ns::outer" -o o.ukt -- "$CXX" 10
check unwind_other_cxx_functions "0,10" "$?,$(sql o.ukt "SELECT COUNT(*) FROM calls WHERE complete")"
out=$("$REC" --dry-run -f libc:fwrite 2>&1)
has unwind_c_functions "^r:.*fwrite__return" "$out"

# forced: the probes go in, and the program dies at its first throw. That
# is the kernel's uretprobe, not the recorder: the test only records it.
out=$("$REC" -f "$CXX:app::risky" --allow-uretprobe-unwind -o f.ukt -- "$CXX" throw 20 2>&1)
rc=$?
n=$(sql f.ukt "SELECT COUNT(*) FROM probes WHERE kind = 'uretprobe'")
check unwind_override_installs 1 "$n"
if [ "$rc" = 134 ] && echo "$out" | grep -q "terminate called"; then
	echo "ok unwind_override_kernel_behaviour (the program died by SIGABRT in std::terminate: the kernel's uretprobe broke the unwinding, as documented)"
elif [ "$rc" = 0 ]; then
	echo "ok unwind_override_kernel_behaviour (this kernel's uretprobes let exceptions unwind: the refusal is only caution here)"
else
	fail unwind_override_kernel_behaviour "status $rc: $out"
fi
check unwind_no_leftovers "" "$(grep -F "$CXX:" $T/uprobe_events 2>/dev/null | head -2)"
