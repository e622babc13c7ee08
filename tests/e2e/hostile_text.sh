# End to end: text from a trace is data, wherever it is shown. A process
# that names itself "ESC]2;...BEL" (prctl), a program run from a path
# with escapes in it, and a trace crafted elsewhere reach the terminal
# escaped as \xHH in tables, info, dump and messages; CSV and JSON keep the
# exact bytes (JSON with its own escapes), and CSV cells a spreadsheet
# would run as formulas get a leading quote (OWASP), numbers excepted.
. "$(dirname "$0")/lib.sh"
LIVE="text_comm_summary text_comm_dump text_comm_calls text_object_callers
text_cmdline_info text_csv_exact text_json_escaped text_csv_formula_comm"
OFFLINE="text_meta_info text_warning text_error_paths text_csv_formula_sql
text_csv_numbers"
CRAFT="python3 $ROOT/tests/e2e/craft_trace.py"
FIX=$ROOT/tests/fixtures/calls.ukt
ESC=$(printf '\033')
cd "$TMP"

# raw NAME TEXT: passes when TEXT has no byte that drives a terminal (C0
# but newline and tab, DEL, C1 in UTF-8 or alone, U+202E) and shows \x1b
raw() {
	if printf '%s' "$2" | LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80\xae'; then
		fail "$1" "raw control bytes: $(printf '%s' "$2" | grep -aP '[\x00-\x08\x0b-\x1f\x7f]' | head -2 | cat -v)"
	elif ! printf '%s' "$2" | grep -qF '\x1b'; then
		fail "$1" "no \\x1b in: $(printf '%s' "$2" | head -3 | cat -v)"
	else ok "$1"; fi
}

# ---- a trace crafted elsewhere (no tracing needed) ----
if command -v python3 >/dev/null; then
	$CRAFT "$FIX" m.ukt meta 'host=h\x1b]2;host\x07' 'kernel=k\x9b31m' 'cmdline=a\u202eb' \
		'trigger=\x1b[2J'
	raw text_meta_info "$("$REP" info m.ukt 2>&1)"
	$CRAFT "$FIX" f.ukt format 'sys\x1b]2;fmt\x07' "$(printf 'ID: 9999\nnot a format')"
	raw text_warning "$("$REP" summary f.ukt 2>&1 >/dev/null)"
	# file names from an archive: an error quoting two of them
	cp "$FIX" "r1${ESC}]2;file$(printf '\007').ukt"
	$CRAFT "$FIX" other.ukt meta 'recording_id=0123456789abcdef0123456789abcdef'
	raw text_error_paths "$("$REP" summary "r1${ESC}]2;file$(printf '\007').ukt" other.ukt 2>&1)"
else
	for n in text_meta_info text_warning text_error_paths; do echo "skip $n: no python3"; done
fi
out=$("$REP" sql "$FIX" "SELECT '=1+2' AS a, '-2+3' AS b, '@SUM(1)' AS c, '+x' AS d,
	char(9) || 'tab' AS e, 'x=1' AS f, '=a,b' AS g" --format csv -q)
check text_csv_formula_sql "'=1+2,'-2+3,'@SUM(1),'+x,'	tab,x=1,\"'=a,b\"" "$(echo "$out" | tail -1)"
out=$("$REP" sql "$FIX" "SELECT -12 AS i, -1.5 AS r, '-12' AS t, '+1.5e3' AS u, '-' AS v" --format csv -q)
check text_csv_numbers "-12,-1.5,-12,+1.5e3,'-" "$(echo "$out" | tail -1)"

why=$(cannot_trace); [ -n "$why" ] && skip_all "$why" $LIVE

# ---- a real process that names itself, run from a path with escapes ----
EVIL=$(printf 'x\033]2;pwn\007')
BIN="wl${ESC}]2;obj$(printf '\007')"
cp "$WL" "$BIN"
ln "$BIN" wl	# the probe is on the inode; the process runs by the escaped name
"$REC" -q -o t.ukt -f ./wl:a -f ./wl:caller_one -- "./$BIN" rename "$EVIL" 50
raw text_comm_summary "$("$REP" summary t.ukt --by comm 2>&1)"
raw text_comm_dump "$("$REP" dump t.ukt 2>&1 | head -20)"
raw text_comm_calls "$("$REP" calls t.ukt a 2>&1)"
raw text_object_callers "$("$REP" callers t.ukt a 2>&1)"
raw text_cmdline_info "$("$REP" info t.ukt 2>&1)"
# data formats keep the bytes: CSV exactly, JSON as \u001b
if "$REP" calls t.ukt a --format csv -q | grep -qF "$EVIL"; then ok text_csv_exact
else fail text_csv_exact "the comm is not in the CSV as it was"; fi
has text_json_escaped 'x\\u001b]2;pwn\\u0007' "$("$REP" calls t.ukt a --format json -q)"

"$REC" -q -o formula.ukt -f ./wl:a -- ./wl rename '=HYPERLINK(0)' 5
has text_csv_formula_comm "^'=HYPERLINK(0)\$" "$("$REP" sql formula.ukt 'SELECT DISTINCT comm FROM calls' --format csv -q)"
