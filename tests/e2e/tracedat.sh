# trace-cmd's trace.dat as a report input: while uktrace-record records the
# workload's uprobe pair and getppid's syscall tracepoints, trace-cmd records
# the same events (a v7 zstd file, a v6 file, a v7 file with the uprobes in
# an instance of their own, and a zlib one where trace-cmd can write it).
# For the workload's threads, the report of each .dat must have the same
# event counts and the same call pairs (function, caller, return value) as
# uktrace's own recording.
. "$(dirname "$0")/lib.sh"

VARIANTS="v7 v6 inst zlib"
TESTS=""
for v in $VARIANTS; do TESTS="$TESTS tracedat_${v}_counts tracedat_${v}_calls"; done
TESTS="$TESTS tracedat_addresses tracedat_symbols tracedat_info tracedat_info_v6 tracedat_info_inst tracedat_cache tracedat_cache_content tracedat_cut tracedat_set tracedat_not_dat tracedat_zlib_refused tracedat_version_refused"
why=$(cannot_trace); [ -n "$why" ] && skip_all "$why" $TESTS
command -v trace-cmd >/dev/null || skip_all "trace-cmd is not installed (make deps installs it)" $TESTS
SHIM=${UKT_SHARED:-$ROOT/../shared}/tools/tracecmd-eperm-shim.c
[ -f "$SHIM" ] || skip_all "no $SHIM to let trace-cmd run here" $TESTS
cc -O2 -shared -fPIC -o "$TMP/shim.so" "$SHIM" -ldl 2>/dev/null || skip_all "cannot build the trace-cmd shim" $TESTS
# under ASan (make SANITIZE=1 test): libtracecmd's own leak at open is not
# ours (tests/fuzz/lsan.supp); its frames are found only by the slow unwinder
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/fuzz/lsan.supp}
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0
cd "$TMP"
INST=ukt_tracedat_$$
# trace-cmd removes its instance at the end; a failed run may not
trap 'rmdir "$T/instances/$INST" 2>/dev/null; cleanup' EXIT

"$REC" -q -o u.ukt -f "$WL:a" -e syscalls:sys_enter_getppid -e syscalls:sys_exit_getppid &
RPID=$!
for _ in $(seq 100); do grep -q "uktrace_$RPID/a " $T/uprobe_events 2>/dev/null && break; sleep 0.05; done
sleep 0.5
G=uktrace_$RPID
SYS="-e syscalls:sys_enter_getppid -e syscalls:sys_exit_getppid"
declare -A RUNS	# NAME -> "CALLS GETPPIDS"
tc() {	# tc NAME CALLS GETPPIDS trace-cmd-options...
	local name=$1 n=$2 m=$3; shift 3
	RUNS[$name]="$n $m"
	LD_PRELOAD=$TMP/shim.so trace-cmd record -q -o "$name.dat" "$@" \
		sh -c "'$WL' calls $n && '$WL' w2 $m" > "$name.out" 2>&1 ||
		echo "# trace-cmd ($name): $(grep -v 'Operation not permitted' "$name.out" | tail -2)"
	# trace-cmd walks every event of tracefs at its end, and gives up when
	# another tool's vanishes meanwhile, leaving its instance with our
	# probes enabled: the recorder could not remove them
	rmdir "$T/instances/$INST" 2>/dev/null
	return 0
}
tc v7 300 40 -e "$G:*" $SYS
tc v6 120 25 --file-version 6 -e "$G:*" $SYS
tc inst 90 15 $SYS -B "$INST" -e "$G:*"
ZLIB=
if trace-cmd list -c 2>/dev/null | grep -q zlib; then
	tc zlib 60 10 --compression zlib -e "$G:*" $SYS
	ZLIB=y
fi
sleep 0.3
kill -INT $RPID; wait $RPID

# the workload's threads in trace-cmd's file (its saved cmdlines)
tids() { sql "$1" "SELECT tid FROM threads WHERE comm = 'workload'" | paste -sd,; }
counts() {	# counts TRACE TIDS: events per probe name
	sql "$1" "SELECT p.name || '=' || COUNT(*) AS n FROM events e JOIN probes p ON p.id = e.probe_id
		WHERE e.tid IN ($2) GROUP BY p.name ORDER BY p.name" | paste -sd' '
}
pairs() {	# pairs TRACE TIDS: the calls, in time order
	sql "$1" "SELECT func || ' ' || complete || ' ' || ifnull(printf('%x', caller_addr), '-') ||
		' ' || ifnull(ret, '-') AS pair FROM calls WHERE tid IN ($2) ORDER BY entry_ts"
}
for v in $VARIANTS; do
	if [ "$v" = zlib ] && [ -z "$ZLIB" ]; then
		echo "skip tracedat_zlib_counts: this trace-cmd cannot write zlib ('trace-cmd list -c')"
		echo "skip tracedat_zlib_calls: this trace-cmd cannot write zlib ('trace-cmd list -c')"
		continue
	fi
	if [ ! -s "$v.dat" ]; then
		fail tracedat_${v}_counts "trace-cmd wrote no $v.dat: $(tail -2 "$v.out")"
		fail tracedat_${v}_calls "trace-cmd wrote no $v.dat"
		continue
	fi
	W=$(tids "$v.dat")
	if [ -z "$W" ]; then
		fail tracedat_${v}_counts "no workload thread in $v.dat: $("$REP" sql "$v.dat" 'SELECT * FROM threads' -q 2>&1 | head -3)"
		fail tracedat_${v}_calls "no workload thread in $v.dat"
		continue
	fi
	# the uprobe pair and the syscall pair, every one of them, in both
	n=${RUNS[$v]}
	e="a=${n% *} a__return=${n% *} sys_enter_getppid=${n#* } sys_exit_getppid=${n#* }"
	check tracedat_${v}_counts "$e|$e" "$(counts u.ukt "$W")|$(counts "$v.dat" "$W")"
	pairs u.ukt "$W" > "$v.uk.pairs"
	pairs "$v.dat" "$W" > "$v.tc.pairs"
	if [ "$(wc -l < "$v.uk.pairs")" = $((${n% *} + ${n#* })) ] &&
	   diff -q "$v.uk.pairs" "$v.tc.pairs" >/dev/null; then
		ok tracedat_${v}_calls
	else
		fail tracedat_${v}_calls "$(wc -l < "$v.uk.pairs") vs $(wc -l < "$v.tc.pairs") calls; first difference: $(diff "$v.uk.pairs" "$v.tc.pairs" | head -3 | tr '\n' ' ')"
	fi
done

# without the binaries, callers are addresses; with them (--symbols), the
# same names as uktrace's own file gives
callers() { "$REP" sql "$@" "SELECT DISTINCT caller_symbol AS s FROM calls WHERE func = 'a' ORDER BY 1" \
	--format csv -q 2>&1 | tail -n +2 | paste -sd' '; }
got=$(callers v7.dat --no-cache)
case "$got" in 0x*) ok tracedat_addresses;; *) fail tracedat_addresses "callers of a: $got";; esac
mkdir syms && cp "$WL" syms/ && echo 'not a binary' > syms/README
want=$(callers u.ukt)
case "$want" in caller_one*caller_two*) check tracedat_symbols "$want" "$(callers v7.dat --symbols syms)";;
	*) fail tracedat_symbols "uktrace's own file names the callers of a: $want";; esac

info=$("$REP" info v7.dat 2>&1)
has tracedat_info "version 7 (compression zstd" "$info"
has tracedat_info_v6 "version 6 (compression none)" "$("$REP" info v6.dat 2>&1)"
has tracedat_info_inst "instances *$INST" "$("$REP" info inst.dat 2>&1)"

# the database is cached next to the file and used again while the file
# is the same; another file at that path (same size and time) is not it
"$REP" sql v7.dat "SELECT 1" -q >/dev/null 2>&1
again=$("$REP" sql v7.dat "SELECT COUNT(*) FROM calls" 2>&1)
if [ -f v7.dat.db ] && ! echo "$again" | grep -q importing; then ok tracedat_cache
else fail tracedat_cache "no cached v7.dat.db used: $again"; fi
# same size, same mtime, other content: the last byte flipped
cp -p v7.dat v7.orig
python3 - v7.dat <<'EOF'
import sys
f = open(sys.argv[1], 'r+b'); f.seek(-1, 2); b = f.read(1); f.seek(-1, 2)
f.write(bytes([b[0] ^ 1])); f.close()
EOF
touch -r v7.orig v7.dat
redo=$("$REP" sql v7.dat "SELECT COUNT(*) FROM calls WHERE func = 'a'" 2>&1)
has tracedat_cache_content "importing" "$redo"
cp -p v7.orig v7.dat

# a trace.dat cut short: a clear error, no database
head -c 5000 v7.dat > cut.dat
out=$("$REP" summary cut.dat --no-cache 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q "trace-cmd trace.dat"; then ok tracedat_cut
else fail tracedat_cut "rc $rc: $out"; fi
out=$("$REP" summary v7.dat v6.dat --no-cache 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q "read alone"; then ok tracedat_set
else fail tracedat_set "rc $rc: $out"; fi
# a file that is neither: the same error as before
printf 'not a trace at all, not even close\n' > junk.dat
out=$("$REP" summary junk.dat --no-cache 2>&1); rc=$?
if [ $rc -ne 0 ] && ! echo "$out" | grep -q "trace-cmd"; then ok tracedat_not_dat
else fail tracedat_not_dat "rc $rc: $out"; fi
# what this libtracecmd cannot read is said: a compression it lacks, a
# version it does not know (the header of v7.dat, rewritten)
python3 - v7.dat <<'EOF'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
i = b.index(b'zstd\0')
open('zl.dat', 'wb').write(b[:i] + b'zlib' + b[i + 4:])
b[10] = ord('9')
open('v9.dat', 'wb').write(b)
EOF
if [ -n "$ZLIB" ]; then echo "skip tracedat_zlib_refused: this trace-cmd reads zlib"
else has tracedat_zlib_refused "compressed with zlib, which this libtracecmd cannot" \
	"$("$REP" summary zl.dat --no-cache 2>&1)"; fi
has tracedat_version_refused "version '9', and only 6 and 7" "$("$REP" summary v9.dat --no-cache 2>&1)"
