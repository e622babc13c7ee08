# The README's examples, run as a new user would: every command of its
# ```sh blocks, verbatim and in order, in a fresh directory holding only
# what a checkout has after make (build/, examples/), as root. Commands
# that need what this machine lacks (kprobes, a ClickHouse server) are
# skipped with the reason (readme_blocks.py). Then: no probes left behind.
. "$(dirname "$0")/lib.sh"
why=$(cannot_trace)
[ -z "$why" ] && ! command -v python3 >/dev/null && why="python3 is not installed (make deps installs it)"
if [ -n "$why" ]; then
	skip_all "$why" readme_blocks
fi
W=$TMP/checkout
mkdir -p "$W/build"
ln -s "$ROOT/examples" "$W/examples"
ln -s "$ROOT/$B/uktrace-report" "$ROOT/$B/uktrace" "$ROOT/$B/app" "$W/build/"
# the recorder through $REC: its pids noted, so only its probes are checked
cp "$REC" "$W/build/uktrace-record"
python3 "$ROOT/tests/e2e/readme_blocks.py" "$ROOT/README.md" > "$TMP/readme_run.sh"
LOG=$TMP/readme.log
: > "$LOG"
export LOG
# the commands' background jobs (the sample app, a flight recorder) are
# this shell's; whatever a failed command left running is ended below
(cd "$W" && bash "$TMP/readme_run.sh"; for p in $(jobs -p); do kill "$p" 2>/dev/null; done; wait)
check readme_trace_made 1 "$([ -s "$W/trace.ukt" ] && echo 1)"
check readme_no_leftovers "" "$(leftovers)"
