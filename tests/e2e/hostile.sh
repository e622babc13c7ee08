# Crafted trace files (tests/hostile/mkhostile.c) through the report: a
# file from another machine is untrusted input. Each check fails on a
# report that crashes, runs for minutes, or prints what it should not.
# No root, no tracefs. The hang guards have 20x headroom and more: they
# catch minutes, they do not time anything.
. "$(dirname "$0")/lib.sh"
# nothing recorded here: nothing of tracefs to clean up
trap 'rm -rf "$TMP"' EXIT
GEN=$ROOT/$B/tests/mkhostile
GUARD=${UKT_HANG_GUARD:-120}
# ASan's realloc always moves, and libtraceevent grows its event table one
# event at a time: 40,000 formats cost ASan ~40 s of copying (the plain
# build, 1 s). The guard still catches minutes.
case "$B" in *san*) GUARD=${UKT_HANG_GUARD:-400} ;; esac

# run NAME CMD...: CMD in the hang guard, its output in $TMP/NAME.out
# (its first 64 MiB: a report gone quadratic would fill the disk) and
# .err; the status (124: the guard fired) in $rc
run() {
	local name=$1; shift
	timeout -k 5 "$GUARD" "$@" 2>"$TMP/$name.err" | head -c 64M >"$TMP/$name.out"
	rc=${PIPESTATUS[0]}
}

# ran NAME: the last run ended by itself without a crash, with status 0
ran() {
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then fail "$1" "still running after ${GUARD}s"
	elif [ "$rc" -ge 128 ]; then fail "$1" "killed by signal $((rc - 128)): $(tail -3 "$TMP/$1.err")"
	elif [ "$rc" -ne 0 ]; then fail "$1" "exit status $rc: $(tail -3 "$TMP/$1.err")"
	else ok "$1"; fi
}

# refused NAME PATTERN: the last run failed cleanly (status 1..127, not
# the guard) with a message matching PATTERN
refused() {
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then fail "$1" "still running after ${GUARD}s"
	elif [ "$rc" -ge 128 ]; then fail "$1" "killed by signal $((rc - 128))"
	elif [ "$rc" -eq 0 ]; then fail "$1" "accepted the file"
	elif ! grep -q -- "$2" "$TMP/$1.err"; then fail "$1" "no '$2' in: $(head -3 "$TMP/$1.err")"
	else ok "$1"; fi
}

# survived NAME: the last run ended by itself, and neither crashed nor
# met a sanitizer (it may have refused the file, or found nothing to do)
survived() {
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then fail "$1" "still running after ${GUARD}s"
	elif [ "$rc" -ge 128 ]; then fail "$1" "killed by signal $((rc - 128)): $(tail -3 "$TMP/$1.err")"
	elif grep -q "runtime error\|Sanitizer" "$TMP/$1.err"; then
		fail "$1" "$(grep -m1 "runtime error\|Sanitizer" "$TMP/$1.err")"
	else ok "$1"; fi
}

# every command that reads the calls, on FILE: hostile_NAME_COMMAND each
all_commands() {
	local name=$1 f=$2 c
	for c in summary "summary --by comm" "summary --by pid" calls callers hist "hist --linear" \
		 heatmap flamegraph "flamegraph --reverse" "flamegraph --folded" html export dump info; do
		local n=hostile_${name}_$(echo "$c" | tr -c 'a-z\n' _ | sed 's/_*$//')
		rm -f "$f.db"
		# shellcheck disable=SC2086
		case $c in
		calls|callers|hist*) run "$n" "$REP" $c "$f" a -q ;;
		heatmap) run "$n" "$REP" heatmap "$f" a -o "$TMP/$n.svg" -q ;;
		flamegraph|"flamegraph --reverse") run "$n" "$REP" $c "$f" -o "$TMP/$n.svg" -q ;;
		html) run "$n" "$REP" html "$f" -o "$TMP/$n.html" -q ;;
		export) run "$n" "$REP" export "$f" --perfetto "$TMP/$n.json" -q ;;
		*) run "$n" "$REP" $c "$f" -q ;;
		esac
		survived "$n"
	done
}

# 1. one thread nested 200,000 calls deep: drawn without recursion, and
# folded in time linear in the file (the levels past FLAME_MAX_DEPTH are
# counted in their caller)
F=$TMP/deep.ukt
"$GEN" deep "$F" 200000
run hostile_deep_import "$REP" summary "$F" -q
ran hostile_deep_import
run hostile_deep_flame_svg "$REP" flamegraph "$F" -o "$TMP/deep.svg" -q
ran hostile_deep_flame_svg
run hostile_deep_html "$REP" html "$F" -o "$TMP/deep.html" -q
ran hostile_deep_html
run hostile_deep_folded "$REP" flamegraph "$F" --folded -q
ran hostile_deep_folded
check hostile_deep_folded_levels 1024 "$(wc -l <"$TMP/hostile_deep_folded.out")"
has hostile_deep_folded_warns "calls nested more than 1024 levels" "$(cat "$TMP/hostile_deep_folded.err")"
run hostile_deep_reverse "$REP" flamegraph "$F" --folded --reverse -q
ran hostile_deep_reverse
# the time of the calls past the limit is in the last frame
total=$(awk '{s += $NF} END {print s}' "$TMP/hostile_deep_folded.out")
check hostile_deep_folded_time "$(sql "$F" "SELECT SUM(self_ns) FROM calls WHERE complete")" "$total"

# 2. text payloads of 64 MiB (a few KiB compressed): parsed line by line
# in one pass
for k in kallsyms tgids cmdlines maps; do
	F=$TMP/$k.ukt
	"$GEN" "$k" "$F" 64
	run "hostile_text_$k" "$REP" summary "$F" -q --format csv
	ran "hostile_text_$k"
done
# what the one line that counts says arrived
check hostile_text_kallsyms_parsed "hostile_kernel_func" \
	"$(sql "$TMP/kallsyms.ukt" "SELECT name FROM symbols WHERE object = '[kernel]'")"
check hostile_text_tgids_parsed 99 "$(sql "$TMP/tgids.ukt" "SELECT pid FROM threads WHERE tid = 7")"
check hostile_text_cmdlines_parsed "hostile" "$(sql "$TMP/cmdlines.ukt" "SELECT comm FROM threads WHERE tid = 42")"
check hostile_text_maps_parsed "1" "$(sql "$TMP/maps.ukt" "SELECT COUNT(*) FROM maps")"

# 3. memory and time linear in what the file holds, and limits past what
# any recording writes refused with a clear error
F=$TMP/meta.ukt
"$GEN" meta "$F" 200		# 9 KB that decompress to 200 MiB
case $B in
*san*) echo "skip hostile_meta_200mib: a sanitizer's shadow memory defeats the memory guard" ;;
*)	# 1 GiB of address space for what took 2.26 GB
	run hostile_meta_200mib bash -c 'ulimit -v 1048576 && exec "$@"' sh "$REP" summary "$F" -q
	ran hostile_meta_200mib ;;
esac
"$GEN" metakeys "$TMP/metakeys.ukt" 5000
run hostile_meta_keys_refused "$REP" summary "$TMP/metakeys.ukt" -q
refused hostile_meta_keys_refused "more than 4096 metadata keys"
"$GEN" symbols "$TMP/symbols.ukt" 9000000
run hostile_symbols_refused "$REP" summary "$TMP/symbols.ukt" -q
refused hostile_symbols_refused "more than 8388608 symbols"
# (views cost SQLite the square of their number: past 4096, none)
"$GEN" formats "$TMP/formats.ukt" 40000
run hostile_formats_40000 "$REP" summary "$TMP/formats.ukt"
ran hostile_formats_40000
run hostile_formats_40000_db "$REP" db "$TMP/formats.ukt" -o "$TMP/formats.db"
has hostile_formats_views_warned "probes have no view of their own" "$(cat "$TMP/hostile_formats_40000_db.err")"
check hostile_formats_all_probes 40002 "$(sql "$TMP/formats.ukt" "SELECT COUNT(*) FROM probes")"
"$GEN" formats "$TMP/formats70k.ukt" 70000
run hostile_formats_refused "$REP" summary "$TMP/formats70k.ukt" -q
refused hostile_formats_refused "more than 65536 event formats"
# (pairing compared every probe with every other)
"$GEN" pairs "$TMP/pairs.ukt" 20000
run hostile_pairs_20000 "$REP" summary "$TMP/pairs.ukt" -q --format csv
ran hostile_pairs_20000
check hostile_pairs_calls 20001 "$(sql "$TMP/pairs.ukt" "SELECT COUNT(*) FROM calls WHERE complete")"
check hostile_pairs_funcs 20001 "$(sql "$TMP/pairs.ukt" "SELECT COUNT(*) FROM funcs")"

# 9. values that overflow what they are added to: a field of INT_MAX
# bytes, a __data_loc at INT_MAX, probe ids INT_MAX and INT_MIN, negative
# tids, times at both ends of the clock, loss counts of 2^64 - 1 (under
# SANITIZE=1, UBSan and LeakSanitizer judge; without, crashes do)
for k in field dynfield probeid negtid times losses; do
	"$GEN" "$k" "$TMP/$k.ukt"
	all_commands "$k" "$TMP/$k.ukt"
done
check hostile_probeid_kept 2 "$(sql "$TMP/probeid.ukt" "SELECT COUNT(*) FROM calls WHERE complete")"
check hostile_negtid_calls 301 "$(sql "$TMP/negtid.ukt" "SELECT COUNT(*) FROM calls")"

# 10. function names with U+FFFE, U+FFFF, control characters, a terminal
# escape and bytes that are not UTF-8: the SVG is well-formed XML, the
# page holds no character XML or HTML forbids, the JSON parses
F=$TMP/xmlnames.ukt
"$GEN" xmlnames "$F"
run hostile_xml_flame "$REP" flamegraph "$F" -o "$TMP/names.svg" -q
ran hostile_xml_flame
run hostile_xml_html "$REP" html "$F" -o "$TMP/names.html" -q
ran hostile_xml_html
run hostile_xml_hist "$REP" hist "$F" $'bad\xef\xbf\xbefffe' --svg "$TMP/names-hist.svg" -q
ran hostile_xml_hist
run hostile_xml_heat "$REP" heatmap "$F" $'nul\x01ctl\x1b[31m' -o "$TMP/names-heat.svg" -q
ran hostile_xml_heat
run hostile_xml_export "$REP" export "$F" --perfetto "$TMP/names.json" -q
ran hostile_xml_export
if ! command -v python3 >/dev/null; then
	skip_all "python3 is not installed" hostile_xml_svg_wellformed hostile_xml_hist_wellformed \
		hostile_xml_heat_wellformed hostile_xml_html_chars hostile_xml_json
fi
xmlcheck() {
	python3 - "$@" <<'PY'
import json, re, sys, xml.etree.ElementTree as ET
what, path = sys.argv[1], sys.argv[2]
try:
    if what == "svg":
        root = ET.parse(path).getroot()
        # every frame is there, each name replaced where it had to be
        names = [g.get("data-n") for g in root.iter("{http://www.w3.org/2000/svg}g")]
        assert "amp&<lt>\"'" in names and "ok\u00e9" in names, names
        assert "bad\ufffdfffe" in names, names
    elif what == "any":
        ET.parse(path)
    elif what == "html":
        text = open(path, "rb").read().decode("utf-8")
        bad = re.findall("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]", text)
        assert not bad, "forbidden characters: %r" % bad[:5]
        # the page's SVG parses as XML too
        for svg in re.findall(r"<svg .*?</svg>", text, re.S):
            ET.fromstring(svg)
    else:
        json.load(open(path, encoding="utf-8"))
except Exception as e:
    print("%s: %s" % (type(e).__name__, str(e)[:200]))
    sys.exit(1)
PY
}
out=$(xmlcheck svg "$TMP/names.svg" 2>&1) && ok hostile_xml_svg_wellformed || fail hostile_xml_svg_wellformed "$out"
for k in hist heat; do
	out=$(xmlcheck any "$TMP/names-$k.svg" 2>&1) && ok "hostile_xml_${k}_wellformed" ||
		fail "hostile_xml_${k}_wellformed" "$out"
done
out=$(xmlcheck html "$TMP/names.html" 2>&1) && ok hostile_xml_html_chars || fail hostile_xml_html_chars "$out"
out=$(xmlcheck json "$TMP/names.json" 2>&1) && ok hostile_xml_json || fail hostile_xml_json "$out"
