# End to end: the files that come from a trace. Every output of the
# report is private (0600) unless --mode says otherwise, and no output of
# the recorder or the report is written through a symlink left at its
# name.
. "$(dirname "$0")/lib.sh"
OFFLINE="files_cache_private files_cache_rebuilt_private files_db_private
files_pictures_private files_mode_option files_report_symlink files_db_symlink
files_cache_symlink"
LIVE="files_record_force_symlink files_flight_symlink files_rotate_symlink"
FIX=$ROOT/tests/fixtures/calls.ukt
cd "$TMP"
umask 022

mode() { stat -c %a "$1" 2>/dev/null; }

# ---- private outputs ----
cp "$FIX" p.ukt
"$REP" summary p.ukt -q >/dev/null
check files_cache_private 600 "$(mode p.ukt.db)"
# a stale database of mode 644 is replaced by a private one
cp "$FIX" q.ukt; touch q.ukt.db; chmod 644 q.ukt.db
"$REP" summary q.ukt -q >/dev/null
check files_cache_rebuilt_private 600 "$(mode q.ukt.db)"
"$REP" db p.ukt -o out.db -q
check files_db_private 600 "$(mode out.db)"
"$REP" html p.ukt -o r.html -q
"$REP" flamegraph p.ukt -o f.svg -q
"$REP" flamegraph p.ukt --folded -o f.txt -q
"$REP" export p.ukt --perfetto e.json -q
"$REP" hist p.ukt a --svg h.svg -q >/dev/null
"$REP" heatmap p.ukt a -o m.svg -q
check files_pictures_private "600 600 600 600 600 600" \
	"$(for f in r.html f.svg f.txt e.json h.svg m.svg; do mode $f; done | tr '\n' ' ' | sed 's/ $//')"
"$REP" html p.ukt -o r644.html -q --mode 644
"$REP" db p.ukt -o out644.db -q --mode 644
check files_mode_option "644 644" "$(mode r644.html) $(mode out644.db)"

# ---- a symlink at an output's name is replaced, not followed ----
# linked NAME VICTIM LINK: the victim is as it was, LINK a file of its own
linked() {
	check "$1" "precious regular" "$(head -c 8 "$2") $([ -L "$3" ] || [ ! -s "$3" ] || echo regular)"
}
for v in v1 v2 v3; do echo precious > $v; done
ln -s "$TMP/v1" link.html
"$REP" html p.ukt -o link.html -q
linked files_report_symlink v1 link.html
ln -s "$TMP/v2" link.db
"$REP" db p.ukt -o link.db --force -q
linked files_db_symlink v2 link.db
cp "$FIX" s.ukt; ln -s "$TMP/v3" s.ukt.db
"$REP" summary s.ukt -q >/dev/null
linked files_cache_symlink v3 s.ukt.db

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
