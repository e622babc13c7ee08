# End to end: a function's return value, as its debug information says:
# none for a void function (its return register holds nothing of its
# own), shown in hex otherwise; a syscall's stays decimal.
. "$(dirname "$0")/lib.sh"
TESTS="ret_void_not_fetched ret_void_null ret_value_kept ret_probes_returns
ret_hex_shown ret_csv_integer ret_syscall_decimal ret_cxx_member"
why=$(cannot_trace); [ -n "$why" ] && skip_all "$why" $TESTS
CXX=$ROOT/$B/tests/cxx_workload

cd "$TMP"
defs=$("$REC" --dry-run -f "$WL:s" -f "$WL:a" 2>&1)
has ret_void_not_fetched '^r:[^ ]*/s__return [^ ]* sp=%sp:x64 >>' "$defs"
"$REC" -q -f "$WL:a" -f "$WL:s" -o r.ukt -- "$WL" calls 200
check ret_void_null "2,0" "$(sql r.ukt "SELECT COUNT(*), COUNT(ret) FROM calls WHERE func = 's'")"
check ret_value_kept "200,200" "$(sql r.ukt "SELECT COUNT(*), COUNT(ret) FROM calls WHERE func = 'a'")"
check ret_probes_returns "a,value;a__return,value;s,void;s__return,void" \
	"$(sql r.ukt "SELECT name, returns FROM probes ORDER BY name" | tr '\n' ';' | sed 's/;$//')"
# a(x) returns x + 1: the call of a(9) returned 0xa
shown=$("$REP" calls r.ukt a --limit 500 -q | awk 'NR > 1 { print $(NF - 1) }' | sort -u | grep -c '^0x')
check ret_hex_shown 200 "$shown"
check ret_csv_integer 1 "$("$REP" calls r.ukt a --limit 500 --format csv -q | tail -n +2 | cut -d, -f9 | grep -c '^10$')"
"$REC" -q -e syscalls:sys_enter_getppid -e syscalls:sys_exit_getppid -o sc.ukt -- \
	sh -c "echo \$PPID > ppid; exec \"$WL\" w2 3"
check ret_syscall_decimal "$(cat ppid)" \
	"$("$REP" calls sc.ukt syscall:getppid --limit 1 --format csv -q | tail -n +2 | cut -d, -f9)"
# a C++ member function: its type is on the declaration in its class
defs=$("$REC" --dry-run -f "$CXX:app::Counter::add" -f "$CXX:app::Counter::reset" 2>&1)
if echo "$defs" | grep -q '^r:[^ ]*add[^ ]*__return [^ ]* ret=\$retval' &&
   echo "$defs" | grep -q '^r:[^ ]*reset[^ ]*__return [^ ]* sp=%sp:x64 >>'; then ok ret_cxx_member
else fail ret_cxx_member "$defs"; fi
