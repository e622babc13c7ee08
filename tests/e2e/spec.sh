# Probe specs through --dry-run (no tracefs writes; kprobes testable on a
# kernel without them), config files, error messages, and symbol offsets
# against perf probe's for PIE, non-PIE, shared objects and libc.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
G="uktrace_[0-9]*"
dry() { "$REC" --dry-run "$@" 2>&1; }

out=$(dry -p 'p kfree' -p 'r:kfree_probe kfree' -p 'p:kfree_probe_10 kfree+0x10' \
	-p 'p:myprobe do_sys_open dfd=%ax filename=%dx flags=%cx mode=+4($stack)' \
	-p 'r10:myret do_sys_open $retval')
has spec_raw_kprobe "^p:$G/kfree kfree >> kprobe_events" "$out"
has spec_raw_kretprobe_name "^r:$G/kfree_probe kfree >> kprobe_events" "$out"
has spec_raw_kprobe_offset "^p:$G/kfree_probe_10 kfree+0x10 >> kprobe_events" "$out"
has spec_raw_fetchargs "myprobe do_sys_open dfd=%ax filename=%dx flags=%cx mode=+4(\$stack) >>" "$out"
has spec_maxactive "^r10:$G/myret do_sys_open \$retval" "$out"
out=$(dry -f do_sys_openat2 -p 'kretprobe:vfs_read' -p 'vfs_write%return')
has spec_kernel_function_entry "^p:$G/do_sys_openat2 do_sys_openat2 caller=+0(%sp):x64 >>" "$out"
has spec_kernel_function_return "^r:$G/do_sys_openat2__return do_sys_openat2 ret=\$retval >>" "$out"
has spec_bpftrace_kretprobe "^r:$G/vfs_read__return vfs_read >>" "$out"
has spec_perf_return "^r:$G/vfs_write__return vfs_write >>" "$out"

# kernel globs expand over the traceable functions (or kallsyms' text
# symbols where function tracing is locked down, as on the test hosts)
if cat $T/available_filter_functions >/dev/null 2>&1; then
	kf=$(awk '{print $1}' $T/available_filter_functions)
else
	kf=$(awk '$2 == "t" || $2 == "T" {print $3}' /proc/kallsyms)
fi
want=$(echo "$kf" | grep '^vfs_rea' | grep -v '[.]' | sort -u | tr '\n' ' ')
nwant=$(echo $want | wc -w)
out=$(dry -f 'vfs_rea*')
if [ "$nwant" -eq 0 ]; then
	# no readable list of kernel functions: nothing to compare against
	for n in spec_kernel_glob spec_kernel_glob_pairs spec_list_kernel; do
		echo "skip $n: neither available_filter_functions nor /proc/kallsyms lists vfs_read here"
	done
else
	check spec_kernel_glob "$want" "$(echo "$out" | sed -n "s|^p:$G/\([^ ]*\) .*kprobe_events|\1|p" | sort -u | tr '\n' ' ')"
	check spec_kernel_glob_pairs "$nwant,$nwant" "$(echo "$out" | grep -c '^p:'),$(echo "$out" | grep -c '^r:.*__return .* ret=\$retval')"
	check spec_list_kernel "$want" "$("$REC" --list kernel 'vfs_rea*' | grep -v '^#' | tr '\n' ' ')"
fi
has spec_kernel_glob_bpftrace "^r:$G/vfs_read__return vfs_read >>" "$(dry -p 'kretprobe:vfs_rea*')"
has spec_err_kernel_glob_limit "matches [0-9]* kernel functions, more than the limit of 256" "$(dry -f '*')"
has spec_err_kernel_glob_none "no kernel function matches 'zz_no_such_fn" "$(dry -p 'zz_no_such_fn*')"
has spec_err_kernel_glob_offset "takes neither +OFFSET" "$(dry -p 'vfs_rea*+4')"

cp "$WL" ./app
off=$(nm ./app | awk '$3=="a"{print $1}')
out=$(dry -p "p:func_2_entry app:0x$((16#$off))" -p "r:func_2_exit ./app:0x620" -p "p:name app:0x630 count=%x1")
has spec_raw_uprobe_relative "^p:$G/func_2_entry $TMP/app:0x" "$out"
has spec_raw_uretprobe "^r:$G/func_2_exit $TMP/app:0x620 >>" "$out"
has spec_raw_uprobe_args "^p:$G/name $TMP/app:0x630 count=%x1 >>" "$out"
out=$(dry -p "$TMP/app:a+4" -p "uretprobe:$TMP/app:r" -p "app:s%return" -f "app:caller_*")
has spec_symbol_offset "^p:$G/a_0x4 $TMP/app:0x" "$out"
has spec_bpftrace_uretprobe "^r:$G/r__return $TMP/app:0x" "$out"
has spec_glob_pairs "caller_two__return" "$out"
check spec_glob_count 4 "$(echo "$out" | grep -c 'caller_.*uprobe_events')"
out=$(dry -e 'sched:sched_process_e*' -e 'tracepoint:sched:sched_switch')
has spec_tracepoint "enable instances/$G/events/sched/sched_switch" "$out"
has spec_tracepoint_glob "events/sched/sched_process_exit" "$out"

cat > probes.conf <<CONF
# a host's probe set
function $TMP/app:a        # entry and return
probe p:raw_one $TMP/app:0x640
tracepoint sched:sched_switch
-p kfree
CONF
out=$(dry -c probes.conf)
has spec_config_function "^r:$G/a__return" "$out"
has spec_config_raw "^p:$G/raw_one $TMP/app:0x640" "$out"
has spec_config_dash "^p:$G/kfree kfree" "$out"
echo "probe $TMP/app:nosuch" > bad.conf
has spec_config_error_line "bad.conf:1: cannot resolve 'nosuch'" "$(dry -c bad.conf)"

has spec_err_suggest "did you mean 'a'" "$(dry -p "$TMP/app:aa")"
has spec_err_newline "line break" "$(dry -p "$(printf 'p:x app:0x10\n-:foo/bar')")"
has spec_err_removal "removal definitions are not accepted" "$(dry -p '-:uktrace_1/x')"
has spec_err_not_elf "not an ELF" "$(dry -p /etc/passwd:x)"
has spec_err_no_binary "cannot find binary" "$(dry -p nosuchbinary_xyz:x)"
has spec_err_glob_limit "more than the limit of 2" "$(dry --max-probes 2 -p 'libc:*alloc*')"
has spec_err_nothing "nothing to record" "$(dry)"
has spec_err_bad_tracepoint "not a tracepoint" "$(dry -e nocolon)"
has spec_list "caller_one" "$("$REC" --list "$TMP/app" 'caller_*')"
if [ "$(id -u)" != 0 ]; then
	has spec_err_not_root "needs root" "$("$REC" -e sched:sched_switch -d 1 -o x.ukt 2>&1)"
else
	# the binary itself: the $REC wrapper is in $TMP, which only root reads
	has spec_err_not_root "needs root" "$(setpriv --reuid=65534 --regid=65534 --clear-groups "$REC_BIN" -e sched:sched_switch -d 1 -o /tmp/x.ukt 2>&1)"
fi
if [ ! -e $T/kprobe_events ] && [ "$(id -u)" = 0 ]; then
	has spec_err_no_kprobes "no kprobe support" "$("$REC" -p kfree -d 1 -o k.ukt 2>&1)"
else
	echo "skip spec_err_no_kprobes: this kernel has kprobes (tested in the VM test)"
fi

# The oracle: offsets equal what perf probe writes (perf probe -n -v). -f:
# another tool's probe of the same name (any group) must not stop it;
# HOME: perf's build-id cache goes to the test's directory, not /root/.debug
pprobe() { HOME=$TMP perf probe -f -n -v "$@"; }
if ! command -v perf >/dev/null || ! pprobe -x "$WL" a >/dev/null 2>&1; then
	skip_all "perf probe is not usable here" oracle_pie oracle_nopie oracle_shared oracle_libc
fi
cat > lib.c <<'C'
int lib_one(int x) { return x + 1; }
int lib_two(int x) { return lib_one(x) * 2; }
static int lib_static(int x) { return x - 1; }
int lib_three(int x) { return lib_static(x); }
C
cat > main.c <<'C'
int f_one(int x) { return x + 3; }
int f_two(int x) { return f_one(x) + 1; }
int main(void) { return f_two(1) == 5 ? 0 : 1; }
C
cc -O1 -fPIE -pie -o pie main.c && cc -O1 -no-pie -o nopie main.c &&
	cc -O1 -shared -fPIC -o libt.so lib.c || skip_all "no compiler" oracle_pie oracle_nopie oracle_shared oracle_libc
ours() { "$REC" --dry-run -p "$1:$2" 2>/dev/null | grep uprobe_events | sed 's/.*:\(0x[0-9a-f]*\).*/\1/'; }
# every offset perf writes: for a function called through the PLT inside a
# shared object, perf also probes the lib_one@plt stub; ours is the function
perfs() { pprobe -x "$1" "$2" 2>&1 | sed -n 's/^Writing event: .*:\(0x[0-9a-f]*\).*/\1/p' | tr '\n' ' '; }
oracle() { # NAME BINARY FUNCS...
	local name=$1 bin=$2 bad=""; shift 2
	for f in "$@"; do
		local a b
		a=$(ours "$bin" "$f"); b=$(perfs "$bin" "$f")
		case " $b" in *" $a "*) [ -n "$a" ] ;; *) false ;; esac || bad="$bad $f(ours=$a perf=$b)"
	done
	if [ -z "$bad" ]; then ok "$name"; else fail "$name" "$bad"; fi
}
oracle oracle_pie "$TMP/pie" f_one f_two main
oracle oracle_nopie "$TMP/nopie" f_one f_two main
oracle oracle_shared "$TMP/libt.so" lib_one lib_two lib_three
LIBC=$(ldd "$WL" | awk '/libc.so/{print $3}')
oracle oracle_libc "$LIBC" malloc free getppid open read write pthread_create
