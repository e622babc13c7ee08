# Pictures: the Perfetto JSON, flame graphs, histogram and heat map SVGs
# and the HTML page, each checked against SQL on the same database
# (pictures_check.py), first on the checked-in fixture (no root needed),
# then on a live recording of nested calls; the page is rendered in
# headless Chromium and its screenshot must not be blank.
. "$(dirname "$0")/lib.sh"
CHK="python3 $ROOT/tests/e2e/pictures_check.py"
if ! command -v python3 >/dev/null; then
	skip_all "python3 is not installed (make deps installs it)" pic_fixture pic_live pic_chromium
fi
F=$TMP/calls.ukt
cp "$ROOT/tests/fixtures/calls.ukt" "$F"
"$REP" db "$F" -o "$TMP/calls.db" -q
DB=$TMP/calls.db

# all of a trace's pictures, checked against its database; $1 a prefix
pictures() {
	local f=$1 db=$2 func=$3
	"$REP" export "$f" --perfetto "$f.json" -q && $CHK perfetto "$f.json" "$db"
	"$REP" flamegraph "$f" --folded -q > "$f.folded" && $CHK folded "$f.folded" "$db"
	"$REP" flamegraph "$f" -o "$f.flame.svg" -q && $CHK flame "$f.flame.svg" "$db"
	"$REP" hist "$f" "$func" --svg "$f.hist.svg" -q && $CHK hist "$f.hist.svg" "$db" "$func"
	"$REP" heatmap "$f" "$func" -o "$f.heat.svg" -q && $CHK heat "$f.heat.svg" "$db" "$func"
	"$REP" html "$f" -o "$f.html" -q && $CHK html "$f.html"
}
pictures "$F" "$DB" a | sed 's/^\(ok\|FAIL\) pic_/\1 pic_fixture_/'

# a window: only the calls that start in it, the same as SQL's
first=$(sqlite3 "$DB" "SELECT value FROM meta WHERE key = 'first_ts'")
"$REP" export "$F" --perfetto "$TMP/win.json" --since +0.001 --until +0.003 -q
$CHK perfetto "$TMP/win.json" "$DB" "COALESCE(entry_ts, return_ts) BETWEEN $first + 1000000 AND $first + 3000000" |
	sed 's/^\(ok\|FAIL\) pic_/\1 pic_window_/'
pid=$(sqlite3 "$DB" "SELECT pid FROM calls LIMIT 1")
"$REP" export "$F" --perfetto "$TMP/pid1.json" --pid 1 -q
check pic_pid_filter 0 "$(python3 -c "import json,sys; print(sum(e.get('ph') == 'X' for e in json.load(open(sys.argv[1]))['traceEvents']))" "$TMP/pid1.json")"
"$REP" export "$F" --perfetto "$TMP/pid.json" --pid "$pid" -q
check pic_pid_all "$(sqlite3 "$DB" "SELECT COUNT(*) FROM calls WHERE pid = $pid")" \
	"$(python3 -c "import json,sys; print(sum(e.get('ph') == 'X' for e in json.load(open(sys.argv[1]))['traceEvents']))" "$TMP/pid.json")"
# one call in the window: one bucket, drawn as a bar among empty slots
t=$(sqlite3 "$DB" "SELECT (entry_ts - (SELECT value FROM meta WHERE key = 'first_ts')) / 1e9 FROM calls WHERE func = 'a' ORDER BY entry_ts LIMIT 1")
"$REP" hist "$F" a --since "+$t" --until "+$t" --svg "$TMP/one.svg" -q
check pic_hist_one_bar 1 "$(grep -c 'class="bar"' "$TMP/one.svg")"
$CHK hist "$TMP/one.svg" "$DB" a 2>/dev/null | grep -E "pic_hist_single_bar|pic_hist_round_ticks" | sed 's/ pic_/ pic_one_/'
# an integer beyond 2^53 (an address, a return value) as a hex string,
# which JSON readers cannot round
"$REP" summary "$F" --db "$TMP/big.db" -q > /dev/null
sqlite3 "$TMP/big.db" "UPDATE event_data SET arg1 = 1152921504606846977 WHERE id = (SELECT e.id FROM event_data e
	JOIN probes p ON p.id = e.probe_id WHERE p.role IS NULL LIMIT 1)"
"$REP" export "$F" --db "$TMP/big.db" --perfetto "$TMP/big.json" -q
has pic_json_big_int_hex '"0x1000000000000001"' "$(cat "$TMP/big.json")"
$CHK perfetto "$TMP/big.json" "$TMP/big.db" | grep pic_json_ints_exact | sed 's/ pic_/ pic_big_/'
# under one function: every stack starts with it
"$REP" flamegraph "$F" r --folded -q > "$TMP/r.folded"
$CHK folded "$TMP/r.folded" "$DB" r | sed "s/ pic_/ pic_root_/"
# --reverse: the same time, self time at the bottom
check pic_reverse_total "$(awk '{s += $NF} END {print s}' "$TMP/calls.ukt.folded")" \
	"$("$REP" flamegraph "$F" --reverse --folded -q | awk '{s += $NF} END {print s}')"
has pic_reverse_leaf "^r;r;r;r;r " "$("$REP" flamegraph "$F" --reverse --folded -q)"
# what a user gets wrong
has pic_export_needs_out "needs --perfetto" "$("$REP" export "$F" -q 2>&1)"
has pic_flame_needs_out "needs -o OUT.svg" "$("$REP" flamegraph "$F" -q 2>&1)"
has pic_flame_unknown "no complete calls of 'nosuch'" "$("$REP" flamegraph "$F" nosuch -o "$TMP/x.svg" -q 2>&1)"
has pic_heat_unknown "no calls of 'nosuch'" "$("$REP" heatmap "$F" nosuch -o "$TMP/x.svg" -q 2>&1)"
has pic_html_needs_out "needs -o OUT.html" "$("$REP" html "$F" -q 2>&1)"
has pic_unwritable "cannot write '/nonexistent/x.json'" "$("$REP" export "$F" --perfetto /nonexistent/x.json -q 2>&1)"
check pic_no_partial_file "" "$(ls "$TMP"/x.svg 2>/dev/null)"
# to stdout with "-"
check pic_stdout "svg" "$("$REP" hist "$F" a --svg - -q | python3 -c "import sys, xml.etree.ElementTree as E; print(E.parse(sys.stdin).getroot().tag.split('}')[1])")"

# -- a live recording: nested probed calls, several functions, an exit
why=$(cannot_trace)
if [ -n "$why" ]; then
	echo "skip pic_live: $why"
else
	cd "$TMP"
	"$REC" -q -f "$WL:caller_one" -f "$WL:caller_two" -f "$WL:a" -f "$WL:r" -f "$WL:s" \
		-e sched:sched_process_exit -o live.ukt -- "$WL" calls 400
	"$REP" db live.ukt -o live.db -q
	pictures "$TMP/live.ukt" live.db a | sed 's/^\(ok\|FAIL\) pic_/\1 pic_live_/'
	# the nesting the workload made: a under both callers, r under r
	stacks=$(cut -d' ' -f1 live.ukt.folded | sed 's/^[^;]*;//' | sort | tr '\n' ' ')
	# under the one thread's frame, "COMM-PID"
	check pic_live_thread_root "workload-$(sqlite3 live.db "SELECT pid FROM calls LIMIT 1")" \
		"$(cut -d';' -f1 live.ukt.folded | sort -u)"
	# four threads of one process: four frames, not one merged
	"$REC" -q -f "$WL:a" -o threads.ukt -- "$WL" threads 4 200
	"$REP" flamegraph threads.ukt --folded -q > threads.folded
	"$REP" flamegraph threads.ukt -o threads.svg -q
	check pic_threads_roots 4 "$(cut -d';' -f1 threads.folded | sort -u | grep -c '^workload-[0-9]*/[0-9]*$')"
	$CHK flame threads.svg threads.ukt.db | sed 's/^\(ok\|FAIL\) pic_/\1 pic_threads_/'
	$CHK folded threads.folded threads.ukt.db | sed 's/^\(ok\|FAIL\) pic_/\1 pic_threads_/'
	check pic_live_stacks "caller_one caller_one;a caller_two caller_two;a r r;r r;r;r r;r;r;r r;r;r;r;r s " "$stacks"
	# three processes one after the other; a window over the first one's
	# calls draws and names its tracks only
	"$REC" -q -f "$WL:a" -o spawn.ukt -- "$WL" spawn 3 0
	"$REP" db spawn.ukt -o spawn.db -q
	set -- $(sqlite3 -separator ' ' spawn.db "SELECT c.pid, (MIN(c.entry_ts) - 1000 - m.value) / 1e9,
		(MAX(c.entry_ts) + 1000 - m.value) / 1e9 FROM calls c, meta m WHERE m.key = 'first_ts'
		AND c.pid = (SELECT pid FROM calls ORDER BY entry_ts LIMIT 1)")
	"$REP" export spawn.ukt --perfetto spawn-win.json --since "+$2" --until "+$3" -q
	$CHK perfetto spawn-win.json spawn.db "pid = $1" | sed 's/^\(ok\|FAIL\) pic_/\1 pic_spawn_window_/'
	check pic_spawn_window_one_process "$1" "$(python3 -c "import json,sys
print(' '.join(sorted({str(e['pid']) for e in json.load(open(sys.argv[1]))['traceEvents'] if e.get('ph') in ('X', 'M')})))" spawn-win.json)"
	# calls that never return are slices too, their children nested in
	# them: abandoned by longjmp (to the next thing their thread did
	# outside them), and main, running at the end (to the end of the trace)
	UW=$ROOT/$B/tests/unwind
	"$REC" -q -f "$UW:jumper" -f "$UW:thrower" -f "$UW:after" -o jump.ukt -- "$UW" jump 50
	"$REP" export jump.ukt --perfetto jump.json -q
	$CHK perfetto jump.json jump.ukt.db | sed 's/^\(ok\|FAIL\) pic_/\1 pic_abandoned_/'
	"$REC" -q -f "$ROOT/$B/app:main" -f "$ROOT/$B/app:handle" -f "$ROOT/$B/app:parse" -d 1 \
		-o running.ukt -- "$ROOT/$B/app" --serve
	"$REP" export running.ukt --perfetto running.json -q
	$CHK perfetto running.json running.ukt.db | sed 's/^\(ok\|FAIL\) pic_/\1 pic_running_/'
	check pic_running_main_slice "X no_return" "$(python3 -c "import json,sys
print(' '.join('%s %s' % (e['ph'], e['args']['status']) for e in json.load(open(sys.argv[1]))['traceEvents'] if e.get('name') == 'main'))" running.json)"
	# the page: a glob's functions that never ran folded into one line,
	# and the tracepoints' events shown beside the calls
	"$REC" -q -f "$ROOT/$B/app:[ho]*" -e sched:sched_process_exit -o glob.ukt -- "$ROOT/$B/app" --serve-once
	"$REP" html glob.ukt -o glob.html -q
	has pic_html_uncalled_folded '<details class="uncalled" data-count="1"><summary>1 probed function had no calls' "$(cat glob.html)"
	check pic_html_uncalled_not_in_table 0 "$(grep -c '<tr><td>on_signal' glob.html)"
	has pic_html_events "<tr><td>sched:sched_process_exit</td><td>tracepoint</td><td class=\"n\" data-v=\"$(sql glob.ukt "SELECT COUNT(*) FROM events e JOIN probes p ON p.id = e.probe_id WHERE p.name = 'sched_process_exit'")\">" "$(cat glob.html)"
	check pic_live_leftovers "" "$(leftovers)"
fi

# -- the page in a browser: headless Chromium, offline, a screenshot
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome)
if [ -z "$CHROME" ]; then
	echo "skip pic_chromium: chromium is not installed (make deps installs it)"
	exit 0
fi
page=$TMP/calls.ukt.html
[ -f "$TMP/live.ukt.html" ] && page=$TMP/live.ukt.html
timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-background-networking \
	--disable-component-update --no-first-run --disable-dev-shm-usage \
	--user-data-dir="$TMP/chromium" --window-size=1280,2400 \
	--screenshot="$TMP/page.png" "file://$page" > "$TMP/chromium.log" 2>&1
if [ ! -s "$TMP/page.png" ]; then
	echo "skip pic_chromium: chromium did not start here: $(tail -2 "$TMP/chromium.log" | tr '\n' ' ')"
	exit 0
fi
$CHK png "$TMP/page.png"
# the page's script ran in the browser without an error
timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-background-networking \
	--disable-component-update --no-first-run --disable-dev-shm-usage \
	--user-data-dir="$TMP/chromium" --dump-dom "file://$page" > "$TMP/dom.html" 2>"$TMP/chromium.log"
has pic_chromium_dom "<svg class=\"flame\"" "$(cat "$TMP/dom.html")"
check pic_chromium_no_js_error "" "$(grep -i 'Uncaught' "$TMP/chromium.log" | head -2)"
# the flame graph's zoom, clicked in the browser: r fills the width, a hides
{
	echo '<!DOCTYPE html><html><body>'
	sed 1d "$TMP/calls.ukt.flame.svg"
	cat <<'JS'
<script>
var s = document.querySelector("svg.flame");
var g = [].slice.call(s.querySelectorAll("g.f")).filter(function (e) {
	return e.getAttribute("data-n") == "r" && e.getAttribute("data-y") == "2"; })[0];
g.querySelector("rect").dispatchEvent(new MouseEvent("click", { bubbles: true }));
var hidden = [].slice.call(s.querySelectorAll("g.f")).filter(function (e) {
	return e.style.display == "none"; }).map(function (e) { return e.getAttribute("data-n"); });
document.body.setAttribute("data-result", "w=" + g.querySelector("rect").getAttribute("width") +
	" hidden=" + hidden.join(","));
document.body.setAttribute("data-title", s.querySelector("text.title").textContent);
s.querySelector("text.reset").dispatchEvent(new MouseEvent("click", { bubbles: true }));
document.body.setAttribute("data-title-reset", s.querySelector("text.title").textContent);
</script></body></html>
JS
} > "$TMP/zoom.html"
timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --disable-background-networking \
	--disable-component-update --no-first-run --disable-dev-shm-usage \
	--user-data-dir="$TMP/chromium" --dump-dom "file://$TMP/zoom.html" > "$TMP/zoom.dom" 2>/dev/null
check pic_chromium_zoom 'data-result="w=1179.50 hidden=a"' "$(grep -o 'data-result="[^"]*"' "$TMP/zoom.dom")"
# the title says what the graph is zoomed to, and forgets it on reset
has pic_chromium_zoom_title 'data-title="Flame graph of .* — zoomed to r (' "$(cat "$TMP/zoom.dom")"
has pic_chromium_zoom_title_reset 'data-title-reset="Flame graph of [^"—]*"' "$(cat "$TMP/zoom.dom")"
