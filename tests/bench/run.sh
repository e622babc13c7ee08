#!/usr/bin/env bash
# make bench: uktrace side by side with trace-cmd and perf, in one run.
#
# Workloads (tests/e2e/workload.c):
#   W1  outer() calls target() 200,000 times; uprobe + uretprobe on target
#       (400,000 events)
#   W2  2,000,000 getppid(); tracepoints sys_enter/sys_exit_getppid
#       (4,000,000 events)
#   W3  W2 in two processes at once, one per CPU (8,000,000 events)
#
# Recording, per workload: none; tracing on in an instance with no reader
# (the kernel's own floor); uktrace-record; trace-cmd record --compression
# zstd (with ../shared/tools/tracecmd-eperm-shim.c); perf record. Each
# recorder runs system-wide in the background under /usr/bin/time, so its
# CPU time is its own; the workload reports its own wall time.
# The flight recorder: its CPU while armed, and how late a duration trigger
# fires for a running call (tests/bench/trigger_latency.sh, alone too).
# Stacks: bytes/event and recorder CPU with -g, without, and perf record
# -g (tests/bench/stacks.sh, alone too).
# Analysis: uktrace-report import and summary (cached), trace-cmd report and
# perf script to /dev/null, with peak memory; import at 4M and 10M events.
#
# The import as it was before the performance work (BENCH_BASE, a commit,
# default 9b3523e: the tree issue 30 measured; BENCH_BASE= skips it) is
# built in a worktree and measured in the same runs: the first answer's
# target and the import's speed-up are ratios to it.
#
# Runs each measurement BENCH_RUNS times (default 3), alternating the tools,
# and prints one markdown table of medians, also written to
# tests/bench/results.md. Needs root and tracefs.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
B=${B:-build}
REC=$ROOT/$B/uktrace-record
REP=$ROOT/$B/uktrace-report
WL=$ROOT/$B/tests/workload
RUNS=${BENCH_RUNS:-3}
T=/sys/kernel/tracing
OUT=$ROOT/tests/bench/results.md
W=$(mktemp -d /tmp/ukt-bench.XXXXXX)
SHIM_SRC=${UKT_SHARED:-$ROOT/../shared}/tools/tracecmd-eperm-shim.c

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root"
[ -e $T/README ] || mount -t tracefs nodev $T 2>/dev/null
[ -e $T/uprobe_events ] || die "no uprobes in tracefs at $T"
HAVE_TC=1; HAVE_PERF=1
command -v trace-cmd >/dev/null && [ -f "$SHIM_SRC" ] &&
	cc -O2 -shared -fPIC -o $W/shim.so "$SHIM_SRC" -ldl 2>/dev/null || HAVE_TC=0
command -v perf >/dev/null || HAVE_PERF=0
[ -x /usr/bin/time ] || die "needs /usr/bin/time (make deps installs it)"

CUR_PID=
cleanup() {
	# a recorder still running when we are stopped
	if [ -n "$CUR_PID" ]; then
		kill -INT $(pgrep -P $CUR_PID) 2>/dev/null
		wait $CUR_PID 2>/dev/null
	fi
	# a trace-cmd killed mid-run leaves our events enabled at the top level
	[ -e $T/events/ukbench/enable ] && echo 0 > $T/events/ukbench/enable
	echo "-:ukbench/target" >> $T/uprobe_events 2>/dev/null
	echo "-:ukbench/target__return" >> $T/uprobe_events 2>/dev/null
	rmdir $T/instances/ukbench_floor 2>/dev/null
	"$REC" --cleanup -q 2>/dev/null
	[ -d $W/base ] && git -C "$ROOT" worktree remove --force $W/base 2>/dev/null
	rm -rf $W
}
trap cleanup EXIT
trap "exit 130" INT TERM

TOFF=$("$REC" --list "$WL" target | awk '$1=="target"{print $2}')
# the probes trace-cmd, perf and the floor use (uktrace makes its own)
# the same definitions uktrace-record -f writes: the caller's address at
# entry and the return value, so every tool records the same events
add_uprobes() {
	echo "p:ukbench/target $WL:$TOFF caller=+0(%sp):x64" >> $T/uprobe_events
	echo "r:ukbench/target__return $WL:$TOFF ret=\$retval" >> $T/uprobe_events
}
del_uprobes() {
	[ -e $T/events/ukbench/enable ] && echo 0 > $T/events/ukbench/enable
	echo "-:ukbench/target" >> $T/uprobe_events 2>/dev/null
	echo "-:ukbench/target__return" >> $T/uprobe_events 2>/dev/null
}

# workload W -> runs it, prints "wall_ns" (max over processes)
run_workload() {
	case $1 in
	W1) UKT_WL_TIMES=1 "$WL" w1 200000 2>&1 >/dev/null | awk '{print $3}' ;;
	W2) UKT_WL_TIMES=1 "$WL" w2 2000000 2>&1 >/dev/null | awk '{print $3}' ;;
	W3) (UKT_WL_TIMES=1 taskset -c 0 "$WL" w2 2000000 2>&1 >/dev/null &
	     UKT_WL_TIMES=1 taskset -c 1 "$WL" w2 2000000 2>&1 >/dev/null; wait) |
		awk '{if ($3 > m) m = $3} END {print m}' ;;
	esac
}
produced() { case $1 in W1) echo 400000 ;; W2) echo 4000000 ;; W3) echo 8000000 ;; esac; }

# uktrace/trace-cmd/perf event options per workload
uk_events() { [ "$1" = W1 ] && echo "-f $WL:target" || echo "-e syscalls:sys_enter_getppid -e syscalls:sys_exit_getppid"; }
tc_events() { [ "$1" = W1 ] && echo "-e ukbench:target -e ukbench:target__return" || echo "-e syscalls:sys_enter_getppid -e syscalls:sys_exit_getppid"; }
perf_events() { [ "$1" = W1 ] && echo "-e ukbench:target -e ukbench:target__return" || echo "-e syscalls:sys_enter_getppid -e syscalls:sys_exit_getppid"; }

# record TOOL W -> sets WALL CPU SIZE CAPTURED; file in $W/rec.TOOL.W
record() {
	local tool=$1 w=$2 f=$W/rec.$1.$2 pid
	rm -f $f $f.db $W/time
	WALL=0; CPU=0; SIZE=0; CAPTURED=0
	[ "$w" = W1 ] && [ "$tool" != uktrace ] && [ "$tool" != none ] && [ "$tool" != floor ] && add_uprobes
	case $tool in
	none)
		WALL=$(run_workload $w); return ;;
	floor)
		[ "$w" = W1 ] && add_uprobes
		mkdir $T/instances/ukbench_floor
		if [ "$w" = W1 ]; then
			echo 1 > $T/instances/ukbench_floor/events/ukbench/enable
		else
			echo 1 > $T/instances/ukbench_floor/events/syscalls/sys_enter_getppid/enable
			echo 1 > $T/instances/ukbench_floor/events/syscalls/sys_exit_getppid/enable
		fi
		WALL=$(run_workload $w)
		echo 0 > $T/instances/ukbench_floor/tracing_on
		rmdir $T/instances/ukbench_floor
		[ "$w" = W1 ] && del_uprobes
		return ;;
	uktrace)
		/usr/bin/time -f "%e %U %S %M" -o $W/time "$REC" -q -o $f $(uk_events $w) &
		pid=$!
		for _ in $(seq 200); do ls $T/instances 2>/dev/null | grep -q uktrace_ && [ -s $f ] && break; sleep 0.05; done ;;
	trace-cmd)
		LD_PRELOAD=$W/shim.so /usr/bin/time -f "%e %U %S %M" -o $W/time \
			trace-cmd record -q --compression zstd -o $f $(tc_events $w) >/dev/null 2>&1 &
		pid=$! ;;
	perf)
		/usr/bin/time -f "%e %U %S %M" -o $W/time \
			perf record -q -a -o $f $(perf_events $w) >/dev/null 2>&1 &
		pid=$! ;;
	esac
	CUR_PID=$pid
	sleep 1.5
	WALL=$(run_workload $w)
	sleep 1
	kill -INT $(pgrep -P $pid) 2>/dev/null
	wait $pid 2>/dev/null
	CUR_PID=
	# the last line: time writes "Command terminated by signal 2" first
	CPU=$(tail -1 $W/time 2>/dev/null | awk '{printf "%.3f", $2 + $3}')
	SIZE=$(stat -c %s $f 2>/dev/null || echo 0)
	case $tool in
	uktrace) CAPTURED=$("$REP" info $f | awk '$1=="total" || /^cpu[0-9]/ {s += $2} END {print s+0}') ;;
	trace-cmd) CAPTURED=$(trace-cmd report $f 2>/dev/null | grep -cE "target|getppid") ;;
	perf) CAPTURED=$(perf report --stats -i $f 2>/dev/null | awk '/^ *SAMPLE events:/ {print $3; exit}') ;;
	esac
	[ "$w" = W1 ] && [ "$tool" != uktrace ] && del_uprobes
}

median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "NA"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
declare -A V	# V[metric.tool.w] = newline-separated samples

add() { V[$1]="${V[$1]:-}$2"$'\n'; }
med() { printf '%s' "${V[$1]:-}" | grep -v '^$' | median; }

TOOLS="none floor uktrace"
[ $HAVE_TC = 1 ] && TOOLS="$TOOLS trace-cmd"
[ $HAVE_PERF = 1 ] && TOOLS="$TOOLS perf"
echo "bench: recording, $RUNS runs each, tools: $TOOLS" >&2
for w in W1 W2 W3; do
	for r in $(seq $RUNS); do
		# alternate the order of the tools from run to run
		order=$TOOLS
		[ $((r % 2)) = 0 ] && order=$(echo $TOOLS | tr ' ' '\n' | tac | tr '\n' ' ')
		for tool in $order; do
			record $tool $w
			add wall.$tool.$w $(echo "$WALL / 1000000" | bc -l)
			add cpu.$tool.$w "$CPU"
			[ "$SIZE" -gt 0 ] && add bpe.$tool.$w $(echo "$SIZE / $(produced $w)" | bc -l)
			add cap.$tool.$w "$CAPTURED"
			echo "bench: $w $tool run $r: wall $(echo "$WALL / 1000000" | bc) ms, cpu $CPU s, $SIZE bytes, $CAPTURED events" >&2
		done
	done
done

# the flight recorder while armed, at W1's rate for longer (W1 x 10):
# recorder CPU over the workload's wall time (all its threads' schedstat,
# read before and after: setting up and tearing down are not "armed"),
# against recording to a file
task_cpu_ns() { local s=0 a b c f; for f in /proc/$1/task/*/schedstat; do read -r a b c < "$f" && s=$((s + a)); done; echo $s; }
flight_cpu() { # MODE -> sets FCPU (s) and FWALL (s)
	local mode=$1 args="-f $WL:target" f=$W/flight.ukt pid
	rm -f $W/flight*.ukt $W/ftime $W/flog
	case $mode in
	file) args="$args -o $f" ;;
	armed) args="$args --flight 64M -o $f" ;;
	trigger) args="$args --flight 64M --trigger target>10s -o $f" ;;
	esac
	/usr/bin/time -f "%e %U %S %M" -o $W/ftime "$REC" $args 2>$W/flog &
	pid=$!
	CUR_PID=$pid
	for _ in $(seq 200); do
		grep -q "armed" $W/flog 2>/dev/null || [ -s $f ] && break
		sleep 0.05
	done
	sleep 0.5
	local rpid=$(pgrep -P $pid) c0 c1
	c0=$(task_cpu_ns $rpid)
	FWALL=$(UKT_WL_TIMES=1 "$WL" w1 2000000 2>&1 >/dev/null | awk '{printf "%.3f", $3 / 1e9}')
	c1=$(task_cpu_ns $rpid)
	kill -INT $rpid 2>/dev/null
	wait $pid 2>/dev/null
	CUR_PID=
	FCPU=$(echo "($c1 - $c0) / 1000000000" | bc -l)
	add fmem.$mode "$(tail -1 $W/ftime | awk '{print $4}')"
}
echo "bench: flight recorder" >&2
for r in $(seq $RUNS); do
	for mode in file armed trigger; do
		flight_cpu $mode
		add fcpu.$mode "$FCPU"
		add fpct.$mode "$(echo "100 * $FCPU / $FWALL" | bc -l)"
		add fwall.$mode "$FWALL"
		echo "bench: flight $mode run $r: recorder $FCPU s CPU over $FWALL s of W1x10" >&2
	done
done

# how late a duration trigger fires for a running call (target: within
# 10 ms of its threshold)
echo "bench: flight trigger latency" >&2
B=$B LAT_RUNS=$((RUNS * 3)) tests/bench/trigger_latency.sh > $W/latency.md

# what -g costs, against plain recording and perf record -g
echo "bench: stacks" >&2
B=$B STACK_RUNS=$RUNS tests/bench/stacks.sh > $W/stacks.md

# analysis of the W2 files (4M events), then scale to 10M
echo "bench: analysis" >&2
measure() { # NAME CMD... -> adds secs and peak KiB
	local name=$1; shift
	/usr/bin/time -f "%e %M" -o $W/atime "$@" >/dev/null 2>&1
	add atime.$name "$(tail -1 $W/atime | awk '{print $1}')"
	add amem.$name "$(tail -1 $W/atime | awk '{print $2}')"
}
# the baseline's report, built from git (a clean checkout has the history)
BASE=${BENCH_BASE-9b3523e}
BREP=
if [ -n "$BASE" ]; then
	if git -C "$ROOT" cat-file -e "$BASE^{commit}" 2>/dev/null &&
	   git -C "$ROOT" worktree add -q --detach $W/base "$BASE" 2>/dev/null &&
	   make -C $W/base -j"$(nproc)" build/uktrace-report >/dev/null 2>&1; then
		BREP=$W/base/build/uktrace-report
		echo "bench: baseline import from $BASE built" >&2
	else
		echo "bench: baseline $BASE could not be built: no ratios to it" >&2
	fi
fi
record uktrace W1; cp $W/rec.uktrace.W1 $W/a1.ukt
record uktrace W2; cp $W/rec.uktrace.W2 $W/a4.ukt
[ $HAVE_TC = 1 ] && { record trace-cmd W2; cp $W/rec.trace-cmd.W2 $W/a4.dat; }
[ $HAVE_PERF = 1 ] && { record perf W2; cp $W/rec.perf.W2 $W/a4.data; }
"$REC" -q -o $W/a10.ukt -e syscalls:sys_enter_getppid -e syscalls:sys_exit_getppid -- "$WL" w2 5000000
EV4=$("$REP" info $W/a4.ukt | awk '$1=="total" || /^cpu[0-9]/ {s += $2} END {print s+0}')
EV10=$("$REP" info $W/a10.ukt | awk '$1=="total" || /^cpu[0-9]/ {s += $2} END {print s+0}')
EV1=$("$REP" info $W/a1.ukt | awk '$1=="total" || /^cpu[0-9]/ {s += $2} END {print s+0}')
for r in $(seq $RUNS); do
	rm -f $W/a4.db $W/a10.db
	measure import4 "$REP" db $W/a4.ukt -o $W/a4.db --force -q
	if [ -n "$BREP" ]; then
		measure bimport4 "$BREP" db $W/a4.ukt -o $W/a4b.db --force -q
		rm -f $W/a4b.db
	fi
	measure summary4 "$REP" $W/a4.ukt --db $W/a4.db -q
	[ $HAVE_TC = 1 ] && measure tcreport4 trace-cmd report $W/a4.dat
	[ $HAVE_PERF = 1 ] && measure perfscript4 perf script -i $W/a4.data
	measure import10 "$REP" db $W/a10.ukt -o $W/a10.db --force -q
	measure summary10 "$REP" $W/a10.ukt --db $W/a10.db -q
	# the summary's filters, each a scan of the calls
	measure sumcomm4 "$REP" summary $W/a4.ukt --db $W/a4.db -q --comm 'work*'
	measure sumpid4 "$REP" summary $W/a4.ukt --db $W/a4.db -q --pid 1
	measure sumsince4 "$REP" summary $W/a4.ukt --db $W/a4.db -q --since +0.5
	measure sumuntil4 "$REP" summary $W/a4.ukt --db $W/a4.db -q --until +1
	rm -f $W/a1.db
	measure import1 "$REP" db $W/a1.ukt -o $W/a1.db --force -q
	# the first answer without a database: one pass over the trace
	measure stream4 "$REP" summary $W/a4.ukt --no-cache -q
	measure stream10 "$REP" summary $W/a10.ukt --no-cache -q
	measure shist10 "$REP" hist $W/a10.ukt syscall:getppid --no-cache -q
	measure scallers10 "$REP" callers $W/a10.ukt syscall:getppid --no-cache -q
done
# 100M events (BENCH_BIG=0 skips): the import against the first answer
EV100=NA
if [ "${BENCH_BIG:-1}" = 1 ]; then
	echo "bench: recording 100M events" >&2
	"$REC" -q -b 16384 -o $W/a100.ukt -e syscalls:sys_enter_getppid -e syscalls:sys_exit_getppid -- "$WL" w2 50000000
	EV100=$("$REP" info $W/a100.ukt | awk '$1=="total" || /^cpu[0-9]/ {s += $2} END {print s+0}')
	for r in $(seq $RUNS); do
		rm -f $W/a100.db
		measure import100 "$REP" db $W/a100.ukt -o $W/a100.db --force -q
		rm -f $W/a100.db
		if [ -n "$BREP" ]; then
			measure bimport100 "$BREP" db $W/a100.ukt -o $W/a100.db --force -q
			rm -f $W/a100.db
		fi
		measure stream100 "$REP" summary $W/a100.ukt --no-cache -q
	done
	rm -f $W/a100.ukt $W/a100.db
fi
DB4=$(stat -c %s $W/a4.db); DB1=$(stat -c %s $W/a1.db)

# ClickHouse: the load of W2, the SQLite import and the ceiling
# (clickhouse-client inserting the same rows), each run, in a section of
# its own (tests/bench/clickhouse.sh, also run by hand)
B=$B CH_RUNS=$RUNS CH_COMPARE=$BREP CH_COMPARE_NAME="$BASE (the baseline)" \
	tests/bench/clickhouse.sh $W/a4.ukt > $W/clickhouse.md

ratio() { # A B -> A/B with 2 decimals, or NA
	if [ "$1" = NA ] || [ "$2" = NA ] || [ -z "$1" ] || [ -z "$2" ] || [ "$(echo "$2 == 0" | bc -l)" = 1 ]; then echo NA
	else printf '%.2f' "$(echo "$1 / $2" | bc -l)"; fi
}
fmt() { [ "$1" = NA ] && echo NA || printf "%.${2:-1}f" "$1"; }

{
echo "## uktrace benchmarks"
echo
echo "$(date -u +%Y-%m-%d), $(uname -r), $(nproc) CPUs, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | sed 's/^ *//'); medians of $RUNS runs, tools alternated."
echo
echo "### Recording"
echo
echo "| workload | tool | workload wall ms | recorder CPU s | events captured / produced | bytes/event |"
echo "|---|---|---:|---:|---:|---:|"
for w in W1 W2 W3; do
	for tool in $TOOLS; do
		cap=$(med cap.$tool.$w)
		[ "$tool" = none ] || [ "$tool" = floor ] && cap=NA
		echo "| $w | $tool | $(fmt $(med wall.$tool.$w) 1) | $( [ $tool = none ] || [ $tool = floor ] && echo - || fmt $(med cpu.$tool.$w) 2) | $( [ "$cap" = NA ] && echo - || echo "$cap / $(produced $w)") | $( [ $tool = none ] || [ $tool = floor ] && echo - || fmt $(med bpe.$tool.$w) 2) |"
	done
done
echo
echo "### Targets (uktrace against trace-cmd)"
echo
echo "| target | W2 | W3 |"
echo "|---|---|---|"
for row in "zero lost events" "wall ≤ 0.9 × trace-cmd" "recorder CPU ≤ trace-cmd" "bytes/event ≤ 0.8 × trace-cmd"; do
	line="| $row |"
	for w in W2 W3; do
		case $row in
		zero*) c=$(med cap.uktrace.$w); v="$c / $(produced $w)"; [ "$c" -ge "$(produced $w)" ] 2>/dev/null && v="$v met" || v="$v MISSED" ;;
		wall*) q=$(ratio $(med wall.uktrace.$w) $(med wall.trace-cmd.$w)); v="$q×"; [ "$q" != NA ] && [ "$(echo "$q <= 0.9" | bc -l)" = 1 ] && v="$v met" || v="$v MISSED" ;;
		recorder*) q=$(ratio $(med cpu.uktrace.$w) $(med cpu.trace-cmd.$w)); v="$q×"; [ "$q" != NA ] && [ "$(echo "$q <= 1" | bc -l)" = 1 ] && v="$v met" || v="$v MISSED" ;;
		bytes*) q=$(ratio $(med bpe.uktrace.$w) $(med bpe.trace-cmd.$w)); v="$q×"; [ "$q" != NA ] && [ "$(echo "$q <= 0.8" | bc -l)" = 1 ] && v="$v met" || v="$v MISSED" ;;
		esac
		line="$line $v |"
	done
	echo "$line"
done
echo
echo "### Flight recorder (W1 × 10: 4M uprobe events, target() all the time)"
echo
echo "| recorder | CPU s | % of a core over the workload | workload wall s | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|"
for a in "file:recording to a file" "armed:--flight 64M, armed (SIGUSR1)" "trigger:--flight 64M --trigger 'target>10s' (reads target's events)"; do
	k=${a%%:*}; label=${a#*:}
	echo "| $label | $(fmt $(med fcpu.$k) 3) | $(fmt $(med fpct.$k) 2) | $(fmt $(med fwall.$k) 2) | $(fmt $(echo "$(med fmem.$k) / 1024" | bc -l) 0) |"
done
p=$(med fpct.armed)
echo
echo "Armed, the recorder takes $(fmt $p 2)% of a core at W1's rate (target < 1%: $( [ "$(echo "$p < 1" | bc -l)" = 1 ] && echo met || echo MISSED)); recording the same to a file takes $(fmt $(med fpct.file) 1)%."
echo
cat $W/latency.md
echo
cat $W/stacks.md
echo
echo "### Analysis of W2 ($EV4 events) and a 10M-event trace ($EV10 events)"
echo
echo "| step | seconds | events/s | peak memory MiB |"
echo "|---|---:|---:|---:|"
for a in "import4:uktrace-report import, 4M" "summary4:uktrace-report summary (cached), 4M" \
	 "tcreport4:trace-cmd report to /dev/null, 4M" "perfscript4:perf script to /dev/null, 4M" \
	 "stream4:uktrace-report summary (no database: one pass), 4M" \
	 "import10:uktrace-report import, 10M" "summary10:uktrace-report summary (cached), 10M" \
	 "stream10:uktrace-report summary (no database: one pass), 10M" \
	 "shist10:uktrace-report hist (no database), 10M" "scallers10:uktrace-report callers (no database), 10M" \
	 "import100:uktrace-report import, 100M" "stream100:uktrace-report summary (no database: one pass), 100M" \
	 "bimport4:uktrace-report import at $BASE (the baseline), 4M" \
	 "bimport100:uktrace-report import at $BASE (the baseline), 100M"; do
	k=${a%%:*}; label=${a#*:}
	s=$(med atime.$k); m=$(med amem.$k)
	[ "$s" = NA ] && continue
	ev=$EV4; case $k in *100) ev=$EV100 ;; *10) ev=$EV10 ;; esac
	rate=NA; [ "$(echo "$s > 0" | bc -l)" = 1 ] && rate=$(printf '%.0f' "$(echo "$ev / $s" | bc -l)")
	echo "| $label | $(fmt $s 2) | $rate | $(fmt $(echo "$m / 1024" | bc -l) 0) |"
done
echo
imp=$(med atime.import4); tcr=$(med atime.tcreport4)
q=$(ratio $tcr $imp)
r=$(printf '%.0f' "$(echo "$EV4 / $imp" | bc -l)")
echo "Import: $r events/s (target ≥ 1,500,000: $( [ "$r" -ge 1500000 ] && echo met || echo MISSED)); $q× the speed of trace-cmd report (target ≥ 2: $( [ "$q" != NA ] && [ "$(echo "$q >= 2" | bc -l)" = 1 ] && echo met || echo MISSED))."
q=$(ratio $(med atime.perfscript4) $imp)
echo "Import: $q× the speed of perf script (target ≥ 1.5: $( [ "$q" != NA ] && [ "$(echo "$q >= 1.5" | bc -l)" = 1 ] && echo met || echo MISSED))."
b4=$(echo "$DB4 / $EV4" | bc -l); b1=$(echo "$DB1 / $EV1" | bc -l)
echo "Database: $(fmt $b4 1) bytes/event on W2 ($(fmt $(echo "$DB4 / 1048576" | bc -l) 0) MiB), $(fmt $b1 1) on W1 ($EV1 events, $(fmt $(echo "$DB1 / 1048576" | bc -l) 1) MiB) (target ≤ 30: $( [ "$(echo "$b4 <= 30 && $b1 <= 30" | bc -l)" = 1 ] && echo met || echo MISSED))."
echo "Summary on a cached database of 4M events: $(fmt $(med atime.summary4) 2) s; with --comm $(fmt $(med atime.sumcomm4) 2) s, --pid $(fmt $(med atime.sumpid4) 2) s, --since $(fmt $(med atime.sumsince4) 2) s, --until $(fmt $(med atime.sumuntil4) 2) s (target < 0.5 s)."
echo "Peak memory of the import at 4M vs 10M events: $(fmt $(echo "$(med amem.import4) / 1024" | bc -l) 0) vs $(fmt $(echo "$(med amem.import10) / 1024" | bc -l) 0) MiB."
echo
if [ -n "$BREP" ]; then
	for n in 4 100; do
		q=$(ratio $(med atime.bimport$n) $(med atime.import$n))
		echo "Import at $n M events: $q× the speed of the baseline's ($BASE) (target ≥ 1.5: $( [ "$q" != NA ] && [ "$(echo "$q >= 1.5" | bc -l)" = 1 ] && echo met || echo MISSED))."
	done
fi
echo
echo "Time to the first answer, a trace with no database (summary by one pass, all cores):"
for n in 4 10 100; do
	st=$(med atime.stream$n); it=$(med atime.import$n); bt=$(med atime.bimport$n)
	[ "$st" = NA ] && continue
	q=$(ratio $st $it)
	line="$n M events: $(fmt $st 2) s, $q× the import's $(fmt $it 2) s"
	if [ "$bt" != NA ]; then
		qb=$(ratio $st $bt)
		line="$line, $qb× the baseline import's $(fmt $bt 2) s"
		[ $n = 100 ] && line="$line (target ≤ 0.25 of the baseline: $( [ "$qb" != NA ] && [ "$(echo "$qb <= 0.25" | bc -l)" = 1 ] && echo met || echo MISSED))"
	fi
	[ $n = 4 ] && line="$line; trace-cmd report $(ratio $(med atime.tcreport4) $st)× and perf script $(ratio $(med atime.perfscript4) $st)× as long"
	echo "- $line."
done
echo
cat $W/clickhouse.md
} > $W/results.md
cat $W/results.md
cp $W/results.md "$OUT"
