# Shared helpers for the end-to-end tests; sourced, not run.
#
# Each test prints "ok NAME", "FAIL NAME: why" or "skip NAME: reason" lines
# (tests/run.sh counts them). A test that cannot run here (not root, no
# tracefs, no uprobes) reports every check it would have made as skipped.
set -u
ROOT=${UKT_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
B=${B:-build}
REC_BIN=$ROOT/$B/uktrace-record
REP=$ROOT/$B/uktrace-report
WL=$ROOT/$B/tests/workload
T=/sys/kernel/tracing
TMP=$(mktemp -d /tmp/ukt-e2e.XXXXXX)
BG_PIDS=()
# Other recorders may run on this machine (other tests, other people), and
# tracefs is global: a test checks only what its own recorders made. Each
# recorder a test starts goes through $REC, which notes its pid in
# $TMP/recorders (exec keeps the pid, and the recorder's group and
# instances are named uktrace_PID); leftovers and left_by look only there.
REC=$TMP/uktrace-record
printf '#!/bin/sh\necho $$ >> "%s/recorders"\nexec "%s" "$@"\n' "$TMP" "$REC_BIN" > "$REC"
chmod +x "$REC"

ok() { echo "ok $1"; }
fail() { echo "FAIL $1: ${2:-}"; }

# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "expected '$2', got '$3'"; fi
}

# has NAME PATTERN TEXT : passes when TEXT has a line matching PATTERN
has() {
	if echo "$3" | grep -q -- "$2"; then ok "$1"; else fail "$1" "no '$2' in: $(echo "$3" | head -5)"; fi
}

# check_true NAME COMMAND... : passes when the command succeeds
check_true() {
	local name=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else fail "$name" "command failed: $*"; fi
}

# skip_all REASON NAME... : this environment cannot run these checks
skip_all() {
	local why=$1; shift
	for n in "$@"; do echo "skip $n: $why"; done
	exit 0
}

# Why live tracing cannot run here, or nothing.
cannot_trace() {
	if [ "$(id -u)" != 0 ]; then echo "needs root"; return; fi
	if [ ! -e $T/README ]; then
		mount -t tracefs nodev $T 2>/dev/null
		[ -e $T/README ] || { echo "no tracefs at $T"; return; }
	fi
	[ -e $T/uprobe_events ] || echo "kernel without uprobe events"
}

sql() { "$REP" sql "$1" "$2" --format csv -q | tail -n +2; }

# left_by PID...: what the recorders of these pids left in tracefs, their
# dynamic events (uktrace_PID/NAME) and instances (uktrace_PID[_SUFFIX])
left_by() {
	local ids
	ids=$(printf 'uktrace_%s\n' "$@" | paste -sd'|')
	{ grep -hE ":($ids)/" $T/uprobe_events $T/kprobe_events 2>/dev/null
	  ls $T/instances 2>/dev/null | grep -E "^($ids)(_|\$)"; } | head -5
}

# What this test's recorders left in tracefs (empty when clean).
leftovers() {
	[ -s "$TMP/recorders" ] || return 0
	left_by $(cat "$TMP/recorders")
}

bg() { "$@" & BG_PIDS+=($!); }

cleanup() {
	for p in "${BG_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	# the neighbour ends as a recorder should, removing what it made
	[ -n "${NEIGHBOUR:-}" ] && kill -INT "$NEIGHBOUR" 2>/dev/null
	wait 2>/dev/null
	# a test that failed half-way must not leave probes behind
	[ -x "$REC" ] && [ "$(id -u)" = 0 ] && "$REC" --cleanup -q 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# UKT_E2E_NEIGHBOUR=1: an unrelated recorder runs while the test does (not
# through $REC: it is not the test's), as another user's would. A test
# that counts every recorder's probes instead of its own fails then
# (tests/e2e/neighbour.sh runs the tests that look at tracefs this way).
if [ -n "${UKT_E2E_NEIGHBOUR:-}" ] && [ "$(id -u)" = 0 ] && [ -e $T/uprobe_events ]; then
	"$REC_BIN" -q -o "$TMP/neighbour.ukt" -f "$WL:a" -e sched:sched_process_exit 2>/dev/null &
	NEIGHBOUR=$!
	for _ in $(seq 200); do
		grep -q "uktrace_$NEIGHBOUR/" $T/uprobe_events 2>/dev/null &&
			ls $T/instances | grep -q "^uktrace_$NEIGHBOUR\$" &&
			{ echo "# neighbour: recorder $NEIGHBOUR is running"; break; }
		sleep 0.05
	done
fi

# same_views NAME TRACE : the events, calls and probe views of TRACE are
# the same whether events are folded into their calls or all stored
same_views() {
	local name=$1 trace=$2 a b
	rm -f "$trace.db" "$trace.nofold.db"
	"$REP" db "$trace" -o "$trace.db" -q 2>/dev/null
	UKT_NO_FOLD=1 "$REP" db "$trace" -o "$trace.nofold.db" -q 2>/dev/null
	dumpv() {
		local db=$1 v
		sqlite3 "$db" "SELECT * FROM events ORDER BY id; SELECT * FROM calls ORDER BY id;"
		for v in $(sqlite3 "$db" "SELECT view FROM probes ORDER BY id"); do
			sqlite3 "$db" "SELECT * FROM \"$v\" ORDER BY id"
		done
	}
	a=$(dumpv "$trace.db" | md5sum)
	b=$(dumpv "$trace.nofold.db" | md5sum)
	local n1 n2
	n1=$(sqlite3 "$trace.db" "SELECT COUNT(*) FROM event_data")
	n2=$(sqlite3 "$trace.nofold.db" "SELECT COUNT(*) FROM event_data")
	if [ "$a" = "$b" ] && [ "$n2" -gt 0 ]; then ok "$name"
	else fail "$name" "views differ when folded ($n1 of $n2 events stored)"; fi
}
