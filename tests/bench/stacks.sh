#!/usr/bin/env bash
# make bench (part): what stacks cost (uktrace-record -g, issue 28).
# The same workload recorded without stacks, with -g, and by perf record
# -g (frame-pointer call chains, perf's default), each system-wide in the
# background under /usr/bin/time:
#   S1  outer() calls target() 100,000 times; uprobe + uretprobe on target
#       (200,000 events; -g records each one's user stack; --stack dwarf
#       copies 1 KiB of stack with each, uktrace-dwarf)
#   S2  500,000 getppid(); tracepoints sys_enter/sys_exit_getppid
#       (1,000,000 events; -g records each one's kernel and user stack)
# Bytes/event is the file's size over the events it holds (recording the
# whole system, other processes' getppid() are there too).
# Prints a markdown section on stdout (bytes/event, recorder CPU, events
# captured), each run on stderr. STACK_RUNS runs each (default 3), the
# tools alternated. Needs root, tracefs and the build (B, default build).
# A measurement, not a test.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
B=${B:-build}
REC=$ROOT/$B/uktrace-record
REP=$ROOT/$B/uktrace-report
WL=$ROOT/$B/tests/workload
RUNS=${STACK_RUNS:-3}
T=/sys/kernel/tracing
W=$(mktemp -d /tmp/ukt-stk.XXXXXX)
CUR=

die() { echo "stacks bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root"
[ -x /usr/bin/time ] || die "needs /usr/bin/time (make deps installs it)"
HAVE_PERF=1
command -v perf >/dev/null || HAVE_PERF=0
TOFF=$("$REC" --list "$WL" target | awk '$1=="target"{print $2}')
del_uprobes() {
	echo "-:ukstk/target" >> $T/uprobe_events 2>/dev/null
	echo "-:ukstk/target__return" >> $T/uprobe_events 2>/dev/null
}
cleanup() {
	[ -n "$CUR" ] && { kill -INT $(pgrep -P $CUR) 2>/dev/null; wait $CUR 2>/dev/null; }
	del_uprobes
	"$REC" --cleanup -q 2>/dev/null
	rm -rf $W
}
trap cleanup EXIT
trap "exit 130" INT TERM

produced() { [ "$1" = S1 ] && echo 200000 || echo 1000000; }
workload() { if [ "$1" = S1 ]; then "$WL" w1 100000; else "$WL" w2 500000; fi >/dev/null 2>&1; }

# run TOOL S -> sets CPU (s), SIZE (bytes), CAP (events)
run() {
	local tool=$1 s=$2 f=$W/rec pid ev
	rm -f $f $f.db $W/time
	if [ "$s" = S1 ]; then
		ev="-f $WL:target"
	else
		ev="-e syscalls:sys_enter_getppid -e syscalls:sys_exit_getppid"
	fi
	case $tool in
	uktrace|uktrace-g|uktrace-dwarf)
		/usr/bin/time -f "%e %U %S" -o $W/time "$REC" -q -o $f $ev \
			$( [ $tool = uktrace-g ] && echo -g) $( [ $tool = uktrace-dwarf ] && echo --stack dwarf) &
		pid=$!
		for _ in $(seq 200); do [ -s $f ] && break; sleep 0.05; done ;;
	perf-g)
		if [ "$s" = S1 ]; then
			echo "p:ukstk/target $WL:$TOFF caller=+0(%sp):x64" >> $T/uprobe_events
			echo "r:ukstk/target__return $WL:$TOFF ret=\$retval" >> $T/uprobe_events
			ev="-e ukstk:target -e ukstk:target__return"
		fi
		/usr/bin/time -f "%e %U %S" -o $W/time perf record -q -a -g -o $f $ev >/dev/null 2>&1 &
		pid=$! ;;
	esac
	CUR=$pid
	sleep 1.5
	workload $s
	sleep 1
	kill -INT $(pgrep -P $pid) 2>/dev/null
	wait $pid 2>/dev/null
	CUR=
	CPU=$(tail -1 $W/time 2>/dev/null | awk '{printf "%.3f", $2 + $3}')
	SIZE=$(stat -c %s $f 2>/dev/null || echo 0)
	case $tool in
	uktrace*) CAP=$("$REP" info $f | awk '$1=="total" || /^cpu[0-9]/ {s += $2} END {print s+0}') ;;
	perf-g) CAP=$(perf report --stats -i $f 2>/dev/null | awk '/^ *SAMPLE events:/ {print $3; exit}')
		del_uprobes ;;
	esac
}

median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "NA"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
declare -A V
add() { V[$1]="${V[$1]:-}$2"$'\n'; }
med() { printf '%s' "${V[$1]:-}" | grep -v '^$' | median; }

TOOLS="uktrace uktrace-g uktrace-dwarf"
[ $HAVE_PERF = 1 ] && TOOLS="$TOOLS perf-g"
for s in S1 S2; do
	for r in $(seq "$RUNS"); do
		order=$TOOLS
		[ $((r % 2)) = 0 ] && order=$(echo $TOOLS | tr ' ' '\n' | tac | tr '\n' ' ')
		for tool in $order; do
			# the stack window is a uprobe's
			[ $tool = uktrace-dwarf ] && [ $s != S1 ] && continue
			run $tool $s
			add cpu.$tool.$s "$CPU"
			# per event captured: system-wide, other processes' getppid count too
			[ "${CAP:-0}" -gt 0 ] && add bpe.$tool.$s "$(echo "$SIZE / $CAP" | bc -l)"
			add cap.$tool.$s "${CAP:-0}"
			echo "stacks bench: $s $tool run $r: cpu $CPU s, $SIZE bytes, ${CAP:-0} events" >&2
		done
	done
done

echo "### Stacks (-g): what they cost"
echo
echo "| workload | tool | recorder CPU s | bytes/event | events captured / produced |"
echo "|---|---|---:|---:|---:|"
for s in S1 S2; do
	for tool in $TOOLS; do
		[ $tool = uktrace-dwarf ] && [ $s != S1 ] && continue
		printf '| %s | %s | %.2f | %.1f | %s / %s |\n' $s $tool "$(med cpu.$tool.$s)" \
			"$(med bpe.$tool.$s)" "$(med cap.$tool.$s)" "$(produced $s)"
	done
done
echo
echo "S1: 200k uprobe entry/return events (-g: their user stacks); S2: 1M syscall tracepoint events (-g: kernel and user stacks). Bytes/event: the file over the events captured (system-wide: other processes' getppid() too, so S2 may capture more than produced). uktrace counts events without their stack entries; perf counts samples. perf record -g walks frame pointers like tracefs' userstacktrace (up to 127 frames, 8 for tracefs)."
