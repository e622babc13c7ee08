# End to end: callers named and probes placed where production processes
# really live: processes that start after the recording began, processes
# in another root or mount namespace, binaries replaced since they
# started, libraries a program finds by its own RUNPATH, installed debug
# symbols (debug files, MiniDebugInfo, debuginfod), non-PIE executables,
# and the hints for a misplaced name.
. "$(dirname "$0")/lib.sh"
TESTS="sym_late_children_calls sym_late_children_named sym_late_system_named sym_late_one_site_one_row
sym_ns_same_path_calls sym_ns_same_path_named sym_chroot_calls sym_chroot_named
sym_replaced_calls sym_replaced_warns sym_proc_exe_accepted sym_not_mapped_warns
sym_runpath_lib sym_runpath_calls sym_not_loaded_warns
sym_debug_file_resolves sym_debug_file_calls sym_debug_file_callers
sym_minidebuginfo_resolves sym_minidebuginfo_calls sym_debuginfod_resolves
sym_nopie_vaddr sym_tracepoint_typo sym_bare_function_hint sym_cxx_names sym_cxx_caller
sym_cxx_by_symbol sym_cxx_overloads sym_cxx_one_overload sym_cxx_one_by_symbol
sym_cxx_probe_by_name sym_cxx_probe_warns sym_cxx_probe_one sym_cxx_list sym_cxx_no_such
sym_cxx_trigger sym_cxx_trigger_overloads
sym_objects_identified sym_no_leftovers"
why=$(cannot_trace); [ -n "$why" ] && skip_all "$why" $TESTS
cd "$TMP"
WLN=$ROOT/$B/tests/workload_nopie
callers() { # TRACE -> "caller_one,N;caller_two,M" of a()
	sql "$1" "SELECT substr(caller_symbol, 1, instr(caller_symbol, '+') - 1), COUNT(*) FROM calls
		WHERE func = 'a' AND complete GROUP BY 1 ORDER BY 1" | tr '\n' ';' | sed 's/;$//'
}

# -- 1. processes that start after the recording began
# a -P process that forks and execs children a second later: each child
# lives a few milliseconds, too short for a scan of /proc
"$WL" spawn 5 1 &
parent=$!
"$REC" -q -f "$WL:a" -P $parent -o late.ukt
check sym_late_children_calls 500 "$(sql late.ukt "SELECT COUNT(*) FROM calls WHERE func = 'a' AND complete")"
check sym_late_children_named "caller_one,375;caller_two,125" "$(callers late.ukt)"
# system-wide, processes that come and go during the recording
"$REC" -q -f "$WL:a" -d 3 -o late2.ukt &
rec=$!
sleep 1
for i in 1 2 3 4 5 6 7 8 9 10; do "$WL" calls 40; done
wait $rec
check sym_late_system_named "caller_one,300;caller_two,100" "$(callers late2.ukt)"
# one call site is one row, whatever the number of processes
check sym_late_one_site_one_row 2 "$(sql late2.ukt "SELECT COUNT(*) FROM callers WHERE func = 'a'")"

# -- 2. another mount namespace: the same path is another file there
libc=$(ldd "$WL" | awk '/libc.so/ {print $3}')
cp "$libc" mylibc.so.6
unshare -m sh -c "mount --bind $TMP/mylibc.so.6 $libc && exec $WL sleep 4" &
ns=$!
sleep 0.5
"$REC" -q -f libc:clock_nanosleep -P $ns -d 1.5 -o ns.ukt 2>ns.log
wait $ns
n=$(sql ns.ukt "SELECT COUNT(*) FROM calls WHERE complete")
if [ "${n:-0}" -gt 20 ]; then ok sym_ns_same_path_calls; else fail sym_ns_same_path_calls "$n calls of clock_nanosleep in the namespace's libc ($(cat ns.log))"; fi
check sym_ns_same_path_named "nanosleep" "$(sql ns.ukt "SELECT DISTINCT substr(caller_symbol, 1, instr(caller_symbol, '+') - 1) FROM calls WHERE complete")"
# a chroot of its own: a copy of the workload and its libraries
mkdir -p root/bin root/lib64 root/lib/x86_64-linux-gnu root/usr/lib/x86_64-linux-gnu
cp "$WL" root/bin/
for l in $(ldd "$WL" | awk '/=>/ {print $3} /ld-linux/ {print $1}'); do cp "$l" "root$l"; done
unshare -m chroot root /bin/workload sleep 4 &
ch=$!
sleep 0.5
pid=$(pgrep -f "^/bin/workload sleep 4" | head -1)
"$REC" -q -f libc:clock_nanosleep -P "${pid:-$ch}" -d 1.5 -o chroot.ukt 2>chroot.log
wait $ch
n=$(sql chroot.ukt "SELECT COUNT(*) FROM calls WHERE complete")
if [ "${n:-0}" -gt 20 ]; then ok sym_chroot_calls; else fail sym_chroot_calls "$n calls ($(cat chroot.log))"; fi
check sym_chroot_named "nanosleep" "$(sql chroot.ukt "SELECT DISTINCT substr(caller_symbol, 1, instr(caller_symbol, '+') - 1) FROM calls WHERE complete")"

# -- 3. a binary replaced while it runs (a package upgrade)
cp "$WL" ./x
./x sleep 4 &
old=$!
sleep 0.3
# a new build with its functions at other offsets, renamed over the old
sed '1i __attribute__((noinline)) void shift_me(void) { static volatile int v; v++; v++; v++; v++; }' \
	"$ROOT/tests/e2e/workload.c" > x2.c
cc -O0 -g -fno-inline -o x.new x2.c -lpthread && mv x.new x
"$REC" -f ./x:a -P $old -d 1 -o replaced.ukt 2>replaced.log
n=$(sql replaced.ukt "SELECT COUNT(*) FROM calls WHERE complete")
if [ "${n:-0}" -gt 20 ]; then ok sym_replaced_calls; else fail sym_replaced_calls "$n calls ($(cat replaced.log))"; fi
has sym_replaced_warns "no longer on disk" "$(cat replaced.log)"
"$REC" --dry-run -f "/proc/$old/exe:a" >dry.out 2>&1
has sym_proc_exe_accepted "/proc/$old/exe:0x" "$(cat dry.out)"
zlib=$(ls /usr/lib/x86_64-linux-gnu/libz.so.1 /lib/x86_64-linux-gnu/libz.so.1 2>/dev/null | head -1)
"$REC" -f "$zlib:zlibVersion" -P $old -d 0.3 -o notmapped.ukt 2>notmapped.log
has sym_not_mapped_warns "does not map" "$(cat notmapped.log)"
wait $old

# -- 4. a library short name means the one the program loads
mkdir -p opt/lib opt/bin
printf '%s\n' '__attribute__((noinline)) int ukt_probe_me(int x) { return x + 1; }' > lib.c
printf '%s\n' 'int ukt_probe_me(int);' 'int main(void) { int s = 0; for (int i = 0; i < 100; i++) s += ukt_probe_me(i); return s != 5050; }' > prog.c
cc -shared -fPIC -O0 -o opt/lib/libz.so.1 -Wl,-soname,libz.so.1 lib.c
cc -O0 -o opt/bin/prog prog.c opt/lib/libz.so.1 -Wl,-rpath,'$ORIGIN/../lib'
"$REC" --dry-run -f libz:ukt_probe_me -- "$TMP/opt/bin/prog" >dry4.out 2>&1
has sym_runpath_lib "$TMP/opt/lib/libz.so.1:0x" "$(cat dry4.out)"
"$REC" -q -f libz:ukt_probe_me -o runpath.ukt -- "$TMP/opt/bin/prog"
check sym_runpath_calls 100 "$(sql runpath.ukt "SELECT COUNT(*) FROM calls WHERE complete")"
"$REC" --dry-run -f libz:zlibVersion -- "$WL" exit 0 >dry5.out 2>&1
has sym_not_loaded_warns "not among the libraries" "$(cat dry5.out)"

# -- 5. installed debug symbols
bid=$(readelf -n "$libc" 2>/dev/null | awk '/Build ID/ {print $3}')
if [ -n "$bid" ] && [ -f "/usr/lib/debug/.build-id/${bid:0:2}/${bid:2}.debug" ]; then
	has sym_debug_file_resolves "libc.so.6:0x" "$("$REC" --dry-run -f libc:new_do_write 2>&1)"
	# coreutils' echo writes through stdio: its flush calls new_do_write
	"$REC" -q -f libc:new_do_write -o dbg.ukt -- /bin/echo hello >/dev/null
	n=$(sql dbg.ukt "SELECT COUNT(*) FROM calls WHERE complete")
	if [ "${n:-0}" -ge 1 ]; then ok sym_debug_file_calls; else fail sym_debug_file_calls "$n calls of new_do_write"; fi
	# callers inside libc are named from the debug file's symbols too
	bad=$(sql dbg.ukt "SELECT COUNT(*) FROM calls WHERE caller_object LIKE '%libc.so.6' AND
		(caller_symbol LIKE '0x%' OR caller_symbol LIKE 'libc.so.6+%')")
	check sym_debug_file_callers 0 "$bad"
else
	for n in sym_debug_file_resolves sym_debug_file_calls sym_debug_file_callers; do
		echo "skip $n: no debug file for $libc (install libc6-dbg)"
	done
fi
# MiniDebugInfo: a stripped binary whose local functions are in an
# xz-compressed .gnu_debugdata
if command -v xz >/dev/null && command -v objcopy >/dev/null; then
	cp "$WL" mini
	nm -D mini --format=posix --defined-only | awk '{print $1}' | sort > dynsyms
	nm mini --format=posix --defined-only | awk '$2 ~ /[Tt]/ {print $1}' | sort > funcsyms
	comm -13 dynsyms funcsyms > keep
	objcopy --only-keep-debug mini mini.dbg
	objcopy -S --remove-section .gdb_index --remove-section .comment --keep-symbols=keep mini.dbg mini.mdi
	strip --strip-all -R .comment mini
	xz -f mini.mdi
	objcopy --add-section .gnu_debugdata=mini.mdi.xz mini
	has sym_minidebuginfo_resolves "mini:0x" "$("$REC" --dry-run -f ./mini:a 2>&1)"
	"$REC" -q -f ./mini:a -o mini.ukt -- ./mini calls 100
	check sym_minidebuginfo_calls "caller_one,75;caller_two,25" "$(callers mini.ukt)"
else
	echo "skip sym_minidebuginfo_resolves: needs xz and objcopy"
	echo "skip sym_minidebuginfo_calls: needs xz and objcopy"
fi
# debuginfod: a stripped binary, its debug file served by a local server
if command -v debuginfod >/dev/null; then
	mkdir -p dbgsrv
	cp "$WL" served
	objcopy --only-keep-debug served dbgsrv/served.debug
	strip --strip-all served
	port=$((20000 + RANDOM % 20000))
	debuginfod -p $port -F "$TMP/dbgsrv" -d "$TMP/dbgsrv/db.sqlite" >dbgsrv.log 2>&1 &
	srv=$!
	BG_PIDS+=($srv)
	out=
	for i in $(seq 1 50); do
		# a cache of its own per try: a miss is cached for minutes
		out=$(DEBUGINFOD_URLS=http://127.0.0.1:$port DEBUGINFOD_CACHE_PATH=$TMP/dcache$i \
			"$REC" --dry-run -f ./served:a 2>&1)
		echo "$out" | grep -q "served:0x" && break
		sleep 0.2
	done
	if echo "$out" | grep -q "served:0x"; then ok sym_debuginfod_resolves
	elif ! kill -0 $srv 2>/dev/null; then echo "skip sym_debuginfod_resolves: the debuginfod server did not start ($(tail -1 dbgsrv.log))"
	else fail sym_debuginfod_resolves "$out"; fi
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
else
	echo "skip sym_debuginfod_resolves: no debuginfod (Debian package debuginfod)"
fi

# -- 6. non-PIE: an unnamed caller as the address addr2line takes
cp "$WLN" nopie
strip --strip-all nopie
off=$("$REC" --list "$WLN" a | awk '$1 == "a" {print $2}')
"$REC" -q -f "./nopie:$off" -o nopie.ukt -- ./nopie calls 40
got=$(sql nopie.ukt "SELECT DISTINCT caller_symbol FROM calls WHERE complete" |
	sed 's/^nopie+//' | while read -r a; do addr2line -f -e "$WLN" "$a" | head -1; done | sort | tr '\n' ' ')
check sym_nopie_vaddr "caller_one caller_two " "$got"

# -- 7. hints for a name in the wrong place
has sym_tracepoint_typo "did you mean 'sched:sched_switch'" "$("$REC" -e sched:sched_swich -d 1 2>&1)"
if [ ! -e /sys/kernel/tracing/kprobe_events ] && command -v sqlite3 >/dev/null; then
	has sym_bare_function_hint "libsqlite3:sqlite3_step" \
		"$("$REC" -f sqlite3_step -o hint.ukt -- sqlite3 :memory: 'select 1' 2>&1)"
else
	echo "skip sym_bare_function_hint: this kernel has kprobes (sqlite3_step is tried as a kernel function), or no sqlite3"
fi

# -- 8. C++: names demangled as perf and gdb print them, without the
# parameter list unless another probed function is an overload
CXW=$ROOT/$B/tests/cxx_workload
"$REC" -q -f "$CXW:_ZN2ns4work*" -f "$CXW:_ZN2ns5outerEv" -o cxx.ukt -- "$CXW" 50
check sym_cxx_names "ns::outer,50;ns::work(double),50;ns::work(int),50" \
	"$(sql cxx.ukt "SELECT func, COUNT(*) FROM calls WHERE complete GROUP BY func ORDER BY func" | tr '\n' ';' | sed 's/;$//')"
check sym_cxx_caller "ns::outer" \
	"$(sql cxx.ukt "SELECT DISTINCT substr(caller_symbol, 1, instr(caller_symbol, '+') - 1) FROM calls WHERE func = 'ns::work(int)'")"
has sym_cxx_by_symbol "latency of ns::work(int): 50 complete calls" "$("$REP" hist cxx.ukt _ZN2ns4workEi -q 2>&1)"
has sym_cxx_overloads "'ns::work' names 2 overloads: 'ns::work(double)', 'ns::work(int)'" \
	"$("$REP" callers cxx.ukt ns::work -q 2>&1)"
"$REC" -q -f "$CXW:_ZN2ns4workEi" -o cxx1.ukt -- "$CXW" 20
check sym_cxx_one_overload "ns::work,20" "$(sql cxx1.ukt "SELECT func, COUNT(*) FROM calls WHERE complete GROUP BY func")"
has sym_cxx_one_by_symbol "latency of ns::work: 20 complete calls" "$("$REP" hist cxx1.ukt _ZN2ns4workEi -q 2>&1)"
# probed by the names people read: every overload, or one
out=$("$REC" -f "$CXW:ns::work" -o cxx2.ukt -- "$CXW" 30 2>&1)
check sym_cxx_probe_by_name "ns::work(double),30;ns::work(int),30" \
	"$(sql cxx2.ukt "SELECT func, COUNT(*) FROM calls WHERE complete GROUP BY func ORDER BY func" | tr '\n' ';' | sed 's/;$//')"
has sym_cxx_probe_warns "'ns::work' names 2 functions in '$CXW' (overloads)" "$out"
"$REC" -q -f "$CXW:ns::work(double)" -o cxx3.ukt -- "$CXW" 30
check sym_cxx_probe_one "ns::work,30" "$(sql cxx3.ukt "SELECT func, COUNT(*) FROM calls WHERE complete GROUP BY func")"
check sym_cxx_list "_ZN2ns4workEi ns::work(int);_ZN2ns4workEd ns::work(double);_ZN2ns5outerEv ns::outer()" \
	"$("$REC" --list "$CXW" 'ns::*' | awk '!/^#/ {print $1, $4}' | tr '\n' ';' | sed 's/;$//')"
has sym_cxx_no_such "no function in '$CXW' matches 'ns::nosuch'" "$("$REC" -f "$CXW:ns::nosuch" -o x.ukt -- "$CXW" 1 2>&1)"
# a flight recorder's duration trigger by the demangled name
"$REC" -q -f "$CXW:ns::outer" --flight 4M --trigger 'ns::outer>0' --holdoff 30 -o cxxfl.ukt -- "$CXW" 20
check sym_cxx_trigger "ns::outer" "$(sql cxxfl-0001.ukt "SELECT DISTINCT func FROM calls")"
has sym_cxx_trigger_overloads "'ns::work' names several recorded functions (overloads)" \
	"$("$REC" -f "$CXW:ns::work" --flight --trigger 'ns::work>1ms' -o x.ukt -- "$CXW" 1 2>&1)"

# objects are one by device and inode, with their namespace
n=$(sql ns.ukt "SELECT COUNT(*) FROM objects WHERE dev IS NOT NULL AND inode IS NOT NULL")
if [ "${n:-0}" -gt 0 ]; then ok sym_objects_identified; else fail sym_objects_identified "objects: $(sql ns.ukt "SELECT * FROM objects")"; fi
check sym_no_leftovers "" "$(leftovers)"
