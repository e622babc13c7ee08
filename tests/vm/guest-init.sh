#!/bin/sh
# /init of the test VM: record kprobes, kretprobes, a symbol+offset probe and
# a tracepoint with uktrace-record while a known workload runs, check the
# recorder's cleanup (exit, SIGINT, SIGKILL + restart), and send the trace
# to the host base64-encoded over the second serial port.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tracefs nodev /sys/kernel/tracing
T=/sys/kernel/tracing
res() { echo "VMTEST $1 $2${3:+: $3}"; }
clean() { ! grep -q uktrace_ $T/kprobe_events && ! ls $T/instances | grep -q uktrace_; }

for i in 1 2 3; do echo "file $i" > /tmp/vm-file-$i; done
cat > /tmp/work.sh <<'W'
for n in 1 2 3 4 5 6 7; do cat /tmp/vm-file-1 /tmp/vm-file-2 > /dev/null; done
for n in 1 2 3; do cat /tmp/vm-file-3 > /dev/null; done
for n in 1 2 3; do cat /tmp/no-such-file 2> /dev/null; done
true
W

# a symbol+offset the kernel accepts (an instruction boundary)
OFF=
for o in 4 5 8 9 1; do
	if uktrace-record -q -p "p:probe_off vfs_read+$o" -d 0.1 -o /tmp/off.ukt --force 2>/dev/null; then OFF=$o; break; fi
done
[ -n "$OFF" ] && res ok vm_symbol_offset_accepted || res FAIL vm_symbol_offset_accepted "no offset of vfs_read accepted"
echo "VMINFO offset $OFF"

uktrace-record -q -o /tmp/t.ukt \
	-f 'do_sys_openat2 dfd=%di filename=+0(%si):ustring' \
	-p 'p:open_flags do_sys_openat2 how=%dx' \
	-p "p:off_probe vfs_read+${OFF:-0}" \
	-e syscalls:sys_enter_openat \
	-- sh /tmp/work.sh
rc=$?
[ $rc = 0 ] && res ok vm_record_exit || res FAIL vm_record_exit "rc=$rc"
clean && res ok vm_clean_after_exit || res FAIL vm_clean_after_exit "$(cat $T/kprobe_events)"

uktrace-record -q -o /tmp/int.ukt -f vfs_read -d 60 &
P=$!
sleep 2
kill -INT $P; wait $P
clean && res ok vm_clean_after_sigint || res FAIL vm_clean_after_sigint "$(cat $T/kprobe_events)"

uktrace-record -q -o /tmp/kill.ukt -f vfs_read -d 60 &
P=$!
sleep 2
kill -9 $P; wait $P 2>/dev/null
grep -q "uktrace_$P/" $T/kprobe_events && res ok vm_sigkill_leaves_probes || res FAIL vm_sigkill_leaves_probes "nothing left to clean?"
uktrace-record -o /tmp/again.ukt -e sched:sched_process_exit -d 0.5 2> /tmp/again.err
clean && res ok vm_restart_cleans || res FAIL vm_restart_cleans "$(cat $T/kprobe_events)"
grep -q "removed stale" /tmp/again.err && res ok vm_restart_says_so || res FAIL vm_restart_says_so "$(cat /tmp/again.err)"

stty -F /dev/ttyS1 raw -echo 2>/dev/null
base64 /tmp/t.ukt > /dev/ttyS1
echo "==END==" > /dev/ttyS1
echo VMDONE
sync
poweroff -f
