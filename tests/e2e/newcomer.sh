# What a new user meets first (issue 26): messages that say what was
# wrong, calls --status, and the end-of-recording line on a short trace.
# The report's checks run on the checked-in fixture; the recorder's on
# the sample program (build/app, examples/app.c).
. "$(dirname "$0")/lib.sh"
APP=$ROOT/$B/app
F=$TMP/calls.ukt
cp "$ROOT/tests/fixtures/calls.ukt" "$F"

# -- the report, no root needed
out=$("$REP" "$F" hist a -q 2>&1)
has nc_command_first "'hist' is a command: the command comes first, then the trace: 'uktrace-report hist " "$out"
out=$("$REP" calls "$F" a --status nosuch -q 2>&1); rc=$?
has nc_status_unknown "unknown status 'nosuch': give one or more of complete, no_return, .*abandoned.*, incomplete" "$out"
check nc_status_unknown_rc 1 "$rc"
check nc_status_complete "$(sql "$F" "SELECT COUNT(*) FROM calls WHERE func = 'a' AND status = 'complete'")" \
	"$("$REP" calls "$F" a --status complete --limit 1000 --format csv -q | tail -n +2 | grep -c ',complete$')"
check nc_status_incomplete_none "" "$("$REP" calls "$F" a --status incomplete --format csv -q | tail -n +2)"
has nc_status_none_said "no calls of 'a' with status incomplete in the selection" "$("$REP" calls "$F" a --status incomplete 2>&1 >/dev/null)"
has nc_status_only_calls "--status chooses the calls that 'calls' lists" "$("$REP" callers "$F" a --status abandoned 2>&1)"

# -- the recorder's messages on bad input (no tracefs touched)
out=$("$REC" -p 'q:foo bar' -d 1 2>&1)
has nc_unknown_probe_type "'q:foo bar': unknown probe type 'q'" "$out"
nopid=999999
while kill -0 "$nopid" 2>/dev/null; do nopid=$((nopid - 1)); done
out=$("$REC" -f libc:malloc -P "$nopid" -d 1 2>&1)
check nc_no_such_pid_first "uktrace-record: no process with pid $nopid" "$(echo "$out" | head -1)"

why=$(cannot_trace)
if [ -n "$why" ]; then
	for n in nc_no_events nc_short_trace_metadata nc_never_called nc_entered_before nc_no_return_listed; do
		echo "skip $n: $why"
	done
	exit 0
fi
# a function probed and never called, and a short recording
"$REC" -f "$APP:respond" -f "$APP:handle" -o "$TMP/never.ukt" -- "$APP" --usage > "$TMP/never.out" 2>&1
has nc_no_events "wrote .*never.ukt: .* in .* s, no events" "$(cat "$TMP/never.out")"
"$REC" -f "$APP:handle" -o "$TMP/short.ukt" -- "$APP" --serve-once > "$TMP/short.out" 2>&1
has nc_short_trace_metadata "wrote .*short.ukt: .*mostly metadata (.* of symbols, maps and formats); the events: .* compressed [0-9.]*x" "$(cat "$TMP/short.out")"
has nc_never_called "'respond' was probed but has no calls in this trace: it was not called while recording, or was entered before the recording" \
	"$("$REP" calls "$TMP/never.ukt" respond -q 2>&1)"
# main() entered before the recording and running at its end: probed, not a mistake
"$APP" --serve & app=$!
BG_PIDS+=("$app")
sleep 0.2
"$REC" -q -f "$APP:main" -f "$APP:handle" -P "$app" -d 1 -o "$TMP/before.ukt" 2>/dev/null
has nc_entered_before "'main' was probed but has no calls in this trace" "$("$REP" calls "$TMP/before.ukt" main -q 2>&1)"
# every function of a program, '*': the entry point's return is left
# out (a uretprobe on _start overwrites argc), and the program runs as asked
"$REC" -q -f "$APP:*" -o "$TMP/star.ukt" -- "$APP" --serve-once 2>/dev/null
check nc_glob_all_runs "0 50" "$? $(sql "$TMP/star.ukt" "SELECT COUNT(*) FROM calls WHERE func = 'handle' AND complete")"
has nc_start_refused "refusing a return probe on '_start'" "$("$REC" -f "$APP:_start" -d 1 2>&1)"
# a call still running when the recording ends: listed by --status
"$REC" -q -f "$APP:main" -d 1 -o "$TMP/running.ukt" -- "$APP" --serve 2>/dev/null
check nc_no_return_listed "no_return" "$("$REP" calls "$TMP/running.ukt" main --status no_return --format csv -q | tail -n +2 | awk -F, '{print $NF}')"
kill "$app" 2>/dev/null
check nc_no_leftovers "" "$(leftovers)"
