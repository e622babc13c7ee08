# Arguments by name from DWARF (-f 'BIN:FUNC(ARG, ...)', perf probe's
# 'BIN:FUNC ARG ARG'): the fetchargs they become, in an unoptimized build
# (the calling convention's registers at entry: DWARF names only the
# frame slots the prologue fills) and an optimized one (DWARF's location
# lists), recorded and checked by name in the probe views; the errors
# without debug information and for what cannot be fetched; libc's
# malloc(bytes) through libc6-dbg's debug file.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
G="uktrace_[0-9]*"
names="dwargs_dry_O0 dwargs_dry_O2 dwargs_dry_more_O0 dwargs_dry_more_O2 dwargs_perf_form dwargs_vs_perf
	dwargs_debuglink_split dwargs_debuglink_stripped
	dwargs_err_nodebug dwargs_err_no_param dwargs_err_return dwargs_err_string dwargs_err_member
	dwargs_err_offset dwargs_err_taken dwargs_glob_skips dwargs_glob_none
	dwargs_take_O0 dwargs_take_O2 dwargs_calls_O0 dwargs_calls_O2 dwargs_more_O0 dwargs_more_O2
	dwargs_filter dwargs_libc_malloc dwargs_leftovers"
for b in O0 O2 nodebug; do
	[ -x "$ROOT/$B/tests/dwargs_$b" ] || skip_all "no $B/tests/dwargs_$b (make tests builds it)" $names
done
dry() { "$REC" --dry-run "$@" 2>&1; }
# the fetchargs of the definition of probe NAME in a dry run's output
defargs() { sed -n "s|^[pr]:$G/$1 [^ ]* \(.*\) >> uprobe_events|\1|p"; }

take="a=%di:s32 b=%si:s64 s=+0(%dx):string"
more="c=%di:u8 h=%si:s16 col=%dx:s32 p_len=+8(%cx):s64 p_name=+0(+16(%cx)):string p_label=+24(%cx):string x7=+8(%sp):s64 x8=+16(%sp):s32 n=%r8:s64"
for b in O0 O2; do
	BIN=$ROOT/$B/tests/dwargs_$b
	check dwargs_dry_$b "$take caller=+0(%sp):x64 sp=%sp:x64" \
		"$(dry -f "$BIN:take(a, b, s:string)" | defargs take)"
	check dwargs_dry_more_$b "$more" \
		"$(dry -p "$BIN:take_more c h col p->len p->name:string p->label:string x7 x8 n=x5" | defargs take_more)"
done
BIN=$ROOT/$B/tests/dwargs_O2
check dwargs_perf_form "$take" "$(dry -p "$BIN:take a b s:string" | defargs take)"

# the same places and types as perf probe's (which probes -O2 code at
# the entry too; its char is x8, ours u8)
if command -v perf >/dev/null; then
	locs() { tr ' ' '\n' | sed 's/^[^=]*=//; s/:x8$/:u8/'; }
	more_args="c h col p->len p->name:string x7 x8 x5"
	theirs=$(HOME=$TMP perf probe -v --dry-run -x "$BIN" "take_more $more_args" 2>&1 |
		sed -n 's/^Writing event: p:[^ ]* [^ ]* //p' | locs)
	ours=$(dry -p "$BIN:take_more $more_args" | defargs take_more | locs)
	if [ -z "$theirs" ]; then echo "skip dwargs_vs_perf: perf probe cannot read $BIN's debug information here"
	else check dwargs_vs_perf "$theirs" "$ours"; fi
else
	echo "skip dwargs_vs_perf: perf is not installed"
fi

# DWARF in a separate debug file named by .gnu_debuglink: beside a file
# that keeps its symbols (strip --strip-debug), and beside one that has
# none left (its symbols come from the debug file too)
if command -v objcopy >/dev/null && command -v strip >/dev/null; then
	for k in split stripped; do
		cp "$BIN" $k
		objcopy --only-keep-debug $k $k.debug
		if [ $k = split ]; then strip --strip-debug $k; else strip --strip-all $k; fi
		objcopy --add-gnu-debuglink=$k.debug $k
		check dwargs_debuglink_$k "a=%di:s32 b=%si:s64" "$(dry -p "$TMP/$k:take a b" | defargs take)"
	done
else
	for k in split stripped; do echo "skip dwargs_debuglink_$k: no objcopy and strip (binutils)"; done
fi

NODEBUG=$ROOT/$B/tests/dwargs_nodebug
has dwargs_err_nodebug "cannot fetch arguments by name of 'take' in '$NODEBUG': it has no debug information (DWARF). Build it with -g.*e.g. '$NODEBUG:take a=%di:u64'" \
	"$(dry -f "$NODEBUG:take(a)")"
has dwargs_err_no_param "cannot fetch 'size' of 'take' in '$BIN': the function has no parameter of that name (its parameters: a, b, s)" \
	"$(dry -f "$BIN:take(size)")"
has dwargs_err_return "arguments by name are fetched at the function's entry" "$(dry -p "$BIN:take%return a")"
has dwargs_err_string "cannot fetch 'a:string' of 'take' .*: a string is fetched through a pointer" \
	"$(dry -p "$BIN:take a:string")"
has dwargs_err_member "cannot fetch 'p->size' of 'take_more' .*: struct item has no member 'size'" \
	"$(dry -p "$BIN:take_more p->size")"
has dwargs_err_offset "cannot fetch 'a' of 'take' .*: it is in the function's stack frame, which a probe can address only at the function's entry" \
	"$(dry -p "$ROOT/$B/tests/dwargs_O0:take+4 a")"
has dwargs_err_taken "its field name 'sp' is taken by uktrace's own field; name it differently: 'NEWNAME=p'" \
	"$(dry -f "$BIN:take_more(sp=p)")"

# a glob skips the functions without the argument, and says so; an
# error when none has it
out=$(dry -p "$BIN:take*(c)")
check dwargs_glob_skips "c=%di:u8|skipped 1 function of 'take*' in '$BIN' without those arguments: 'take'" \
	"$(echo "$out" | defargs take_more)|$(echo "$out" | grep -o "^skipped .*: 'take'")"
has dwargs_glob_none "no function 'take\*' matches in '$BIN' has those arguments ('take', 'take_more'): cannot fetch 'zzz'" \
	"$(dry -p "$BIN:take*(zzz)")"

why=$(cannot_trace)
if [ -n "$why" ]; then
	for n in dwargs_take_O0 dwargs_take_O2 dwargs_calls_O0 dwargs_calls_O2 dwargs_more_O0 \
		dwargs_more_O2 dwargs_filter dwargs_libc_malloc dwargs_leftovers; do echo "skip $n: $why"; done
	exit 0
fi

# take(i - 3, i * 1000000007, "itemI") and take_more(200 + i, -i, GREEN
# or BLUE, &{ .len = 10 * i, .name = "itemI" }, 5, 6, 70 + i, -i), i = 0..9
for b in O0 O2; do
	BIN=$ROOT/$B/tests/dwargs_$b
	"$REC" -q -o $b.ukt -f "$BIN:take(a, b, s:string)" \
		-p "$BIN:take_more c h col p->len p->name:string p->label:string x7 x8 n=x5" -- "$BIN" 10 >/dev/null 2>$b.err
	check dwargs_take_$b "10,15,9000000063,item4,10" \
		"$(sql $b.ukt "SELECT COUNT(*), SUM(a), MAX(b), (SELECT s FROM probe_take WHERE a = 1),
			SUM(b = (a + 3) * 1000000007 AND s = 'item' || (a + 3)) AS good FROM probe_take")"
	check dwargs_calls_$b "10,10" \
		"$(sql $b.ukt "SELECT COUNT(*), SUM(complete) FROM calls WHERE func = 'take'")"
	check dwargs_more_$b "10,10" \
		"$(sql $b.ukt "SELECT COUNT(*), SUM(c = 200 + x7 - 70 AND h = 70 - x7 AND x8 = 70 - x7
			AND col = CASE (x7 - 70) % 2 WHEN 1 THEN 5 ELSE -3 END AND p_len = 10 * (x7 - 70)
			AND p_name = 'item' || (x7 - 70) AND p_label = 'L' || (x7 - 70) AND n = 5) AS good FROM probe_take_more")"
done

# a record-time filter on an argument by name
BIN=$ROOT/$B/tests/dwargs_O2
"$REC" -q -o filter.ukt -f "$BIN:take(a, s:string)" --filter 'a > 3' -- "$BIN" 10 >/dev/null 2>filter.err
check dwargs_filter "4,item7|5,item8|6,item9" \
	"$(sql filter.ukt "SELECT a, s FROM probe_take ORDER BY a" | tr '\n' '|' | sed 's/|$//')"

# libc's malloc: its parameter is 'bytes' (glibc's __libc_malloc), in
# libc6-dbg's debug file under /usr/lib/debug/.build-id
out=$(dry -f 'libc:malloc(bytes)')
if echo "$out" | grep -q "no debug information"; then
	echo "skip dwargs_libc_malloc: libc has no debug information here (apt-get install libc6-dbg)"
else
	"$REC" -q -o libc.ukt -f 'libc:malloc(bytes)' -- "$ROOT/$B/tests/dwargs_O2" 10 >/dev/null 2>libc.err
	check dwargs_libc_malloc "10" "$(sql libc.ukt "SELECT COUNT(*) FROM probe_malloc WHERE bytes = 12345")"
fi
check dwargs_leftovers "" "$(leftovers)"
