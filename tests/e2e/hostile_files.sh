# End to end: no file the recorder writes goes through a symlink left at
# its name: --force replaces the link, and the files of --flight and
# --rotate skip a name that anything holds, a dangling symlink too.
. "$(dirname "$0")/lib.sh"
LIVE="files_record_force_symlink files_flight_symlink files_rotate_symlink"
cd "$TMP"
umask 022

mode() { stat -c %a "$1" 2>/dev/null; }

why=$(cannot_trace); [ -n "$why" ] && skip_all "$why" $LIVE

# ---- the recorder: --force over a symlink, dumps and rotation files ----
echo precious > rvictim
ln -s "$TMP/rvictim" rlink.ukt
"$REC" -q --force -o rlink.ukt -e sched:sched_process_exit -d 0.2
check files_record_force_symlink "precious regular 600" \
	"$(head -c 8 rvictim) $([ -L rlink.ukt ] || echo regular) $(mode rlink.ukt)"
# a dangling symlink at the first dump's name: the dump takes the next
ln -s "$TMP/created-through-link" fl-0001.ukt
"$REC" -q -f "$WL:a" --flight 4M -o fl.ukt -- "$WL" exit 3 2>/dev/null
check files_flight_symlink "no fl-0002.ukt" \
	"$([ -e created-through-link ] && echo followed || echo no) $(ls fl-0002.ukt 2>/dev/null)"
ln -s "$TMP/rotated-through-link" rot-0001.ukt
"$REC" -q -e syscalls:sys_enter_getppid -e syscalls:sys_exit_getppid --rotate 128K \
	-o rot.ukt -- "$WL" w2 1000 2>/dev/null
check files_rotate_symlink "no rot-0002.ukt" \
	"$([ -e rotated-through-link ] && echo followed || echo no) $(ls rot-0002.ukt 2>/dev/null)"
