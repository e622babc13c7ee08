# Shared helpers for the end-to-end tests; sourced, not run.
#
# Each test prints "ok NAME", "FAIL NAME: why" or "skip NAME: reason" lines
# (tests/run.sh counts them). A test that cannot run here (not root, no
# tracefs, no uprobes) reports every check it would have made as skipped.
set -u
ROOT=${UKT_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
B=${B:-build}
REC=$ROOT/$B/uktrace-record
REP=$ROOT/$B/uktrace-report
WL=$ROOT/$B/tests/workload
T=/sys/kernel/tracing
TMP=$(mktemp -d /tmp/ukt-e2e.XXXXXX)
BG_PIDS=()

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

# What recorders left in tracefs (empty when clean).
leftovers() {
	{ grep -h 'uktrace_' $T/uprobe_events $T/kprobe_events 2>/dev/null
	  ls $T/instances 2>/dev/null | grep '^uktrace_'; } | head -5
}

bg() { "$@" & BG_PIDS+=($!); }

cleanup() {
	for p in "${BG_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	# a test that failed half-way must not leave probes behind
	[ -x "$REC" ] && [ "$(id -u)" = 0 ] && "$REC" --cleanup -q 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

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
