# End to end: names resolve as exec resolves them. A short program name
# is the first executable on PATH (a wrapper script there is not an ELF
# program of the same name further on); a probed file that no traced
# process mapped is warned about; a binary deleted since its process
# started is probed, given by path with -P, in the copy the process runs.
. "$(dirname "$0")/lib.sh"
TESTS="resolve_wrapper_refused resolve_wrapper_says_which resolve_unmapped_warns
resolve_mapped_no_warning resolve_command_name resolve_deleted_pid
resolve_deleted_pid_says_so"
why=$(cannot_trace); [ -n "$why" ] && skip_all "$why" $TESTS

cd "$TMP"
mkdir wrap real prog del
printf '#!/bin/sh\nexec "%s" "$@"\n' "$WL" > wrap/wl
chmod +x wrap/wl
cp "$WL" real/wl
# the wrapper runs the workload; real/wl is another copy, never run
out=$(PATH=$TMP/wrap:$TMP/real:$PATH "$REC" -q -f wl:a -o w.ukt -- wl calls 10 2>&1)
rc=$?
if [ "$rc" != 0 ] && [ ! -e w.ukt ]; then ok resolve_wrapper_refused
else fail resolve_wrapper_refused "status $rc: $out ($(sql w.ukt "SELECT target FROM probes LIMIT 1" 2>&1))"; fi
has resolve_wrapper_says_which "'wl' is '$TMP/wrap/wl' (as exec finds it), which is not an ELF binary but a script" "$out"
# a file no traced process maps: its probes cannot fire, and it says so
out=$(PATH=$TMP/wrap:$PATH "$REC" -f "$TMP/real/wl:a" -o u.ukt -- wl calls 10 2>&1)
has resolve_unmapped_warns "no traced process mapped '$TMP/real/wl' during the recording" "$out"
out=$("$REC" -f "$WL:a" -o m.ukt -- "$WL" calls 10 2>&1)
if echo "$out" | grep -q "no traced process mapped"; then fail resolve_mapped_no_warning "$out"
else ok resolve_mapped_no_warning; fi
# the command's own name, an ELF program on PATH, is the one it runs
ln -s "$WL" prog/wlprog
PATH=$TMP/prog:$PATH "$REC" -q -f wlprog:a -o c.ukt -- wlprog calls 10
check resolve_command_name 10 "$(sql c.ukt "SELECT COUNT(*) FROM calls WHERE complete")"
# deleted after its process started: probed in the copy the process runs
cp "$WL" del/wldel
"$TMP/del/wldel" sleep 4 &
TGT=$!
BG_PIDS+=($TGT)
sleep 0.3
rm del/wldel
out=$("$REC" -f "$TMP/del/wldel:a" -P $TGT -d 1 -o d.ukt 2>&1)
n=$(sql d.ukt "SELECT COUNT(*) FROM calls WHERE complete" 2>/dev/null)
if [ "${n:-0}" -gt 10 ]; then ok resolve_deleted_pid; else fail resolve_deleted_pid "$n calls: $out"; fi
has resolve_deleted_pid_says_so "$TMP/del/wldel is no longer on disk, but pid $TGT runs it" "$out"
kill $TGT 2>/dev/null; wait $TGT 2>/dev/null || true
