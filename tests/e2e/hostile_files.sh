# End to end: the files that come from a trace, and the files next to it.
# Every output of the report is private (0600) unless --mode says
# otherwise; no output of the recorder or the report is written through a
# symlink left at its name; and a cached TRACE.db (made by a command that
# imports: calls) is used only when it is
# the one this user's import made there, for this trace: a planted one (a
# copy, someone else's, writable by others, in a directory others can
# write) is built again, not trusted, even when it records the trace's
# size and mtime.
. "$(dirname "$0")/lib.sh"
OFFLINE="files_cache_private files_cache_rebuilt_private files_db_private
files_pictures_private files_mode_option files_report_symlink files_db_symlink
files_cache_symlink cache_reused cache_planted_hang cache_planted_names
cache_planted_summary cache_foreign_owner cache_group_writable cache_same_size_mtime cache_unsafe_dir
cache_explicit_db"
LIVE="files_record_force_symlink files_flight_symlink files_rotate_symlink"
FIX=$ROOT/tests/fixtures/calls.ukt
cd "$TMP"
umask 022

mode() { stat -c %a "$1" 2>/dev/null; }
# imported NAME CMD... : passes when the command imported the trace again
imported() {
	local name=$1; shift
	if "$@" 2>&1 >/dev/null | grep -q '^importing'; then ok "$name"
	else fail "$name" "the cached database was used"; fi
}

# ---- private outputs ----
cp "$FIX" p.ukt
"$REP" calls p.ukt a --limit 1 -q >/dev/null
check files_cache_private 600 "$(mode p.ukt.db)"
# a stale database of mode 644 is replaced by a private one
cp "$FIX" q.ukt; touch q.ukt.db; chmod 644 q.ukt.db
"$REP" calls q.ukt a --limit 1 -q >/dev/null
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
"$REP" calls s.ukt a --limit 1 -q >/dev/null
linked files_cache_symlink v3 s.ukt.db

# ---- planted caches ----
cp "$FIX" c.ukt
"$REP" calls c.ukt a --limit 1 -q >/dev/null
if "$REP" calls c.ukt a --limit 1 2>&1 >/dev/null | grep -q '^importing'; then fail cache_reused "imported again"
else ok cache_reused; fi
# plant DB: a copy of c.ukt.db changed by SQL, put in its place as an
# archive or another user would put it (c.ukt untouched: size and mtime match)
plant() {
	cp c.ukt.db planted.db
	sqlite3 planted.db "$1"
	mv planted.db c.ukt.db
}
orig=$(sqlite3 c.ukt.db "SELECT sql FROM sqlite_schema WHERE name = 'calls'")
plant "${orig/CREATE VIEW calls AS/CREATE VIEW calls_real AS};
	DROP VIEW calls;
	CREATE VIEW calls AS WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r)
	  SELECT c.* FROM calls_real c WHERE EXISTS (SELECT 1 FROM r WHERE x = 0);"
# (the planted view never ends; the import takes well under a second)
out=$(timeout 60 "$REP" calls c.ukt a --limit 1 --format csv -q 2>&1 | tail -n +2)
if [ -n "$out" ]; then ok cache_planted_hang; else fail cache_planted_hang "calls gave nothing (hung on the planted view?)"; fi
rm -f c.ukt.db; "$REP" calls c.ukt a --limit 1 -q >/dev/null
plant "UPDATE threads SET comm = 'FORGED'"
if timeout 60 "$REP" calls c.ukt a -q 2>&1 | grep -q FORGED; then
	fail cache_planted_names "the planted names were shown"
else ok cache_planted_names; fi
rm -f c.ukt.db; "$REP" calls c.ukt a --limit 1 -q >/dev/null
plant "UPDATE threads SET comm = 'FORGED'"
# an answer without the database must not take the planted one either
if timeout 60 "$REP" summary c.ukt --by comm -q 2>&1 | grep -q FORGED; then
	fail cache_planted_summary "the planted names were shown"
else ok cache_planted_summary; fi
"$REP" calls c.ukt a --limit 1 -q >/dev/null
chown nobody c.ukt.db 2>/dev/null || chown 65534 c.ukt.db
imported cache_foreign_owner "$REP" calls c.ukt a --limit 1
chmod 664 c.ukt.db
imported cache_group_writable "$REP" calls c.ukt a --limit 1
# the trace changed within, its size and mtime kept (touch -r, rsync -t)
"$REP" calls c.ukt a --limit 1 -q >/dev/null
cp -p c.ukt c.before
size=$(stat -c %s c.ukt)
printf 'X' | dd of=c.ukt bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
touch -r c.before c.ukt
imported cache_same_size_mtime "$REP" calls c.ukt a --limit 1
# a directory anyone can write: no database is kept there
mkdir shared; chmod 777 shared; cp "$FIX" shared/t.ukt
"$REP" calls shared/t.ukt a --limit 1 -q >/dev/null
"$REP" calls shared/t.ukt a --limit 1 -q >/dev/null
check cache_unsafe_dir "" "$(ls shared/*.db 2>/dev/null)"
# --db PATH: the same rules
cp "$FIX" d.ukt
"$REP" calls d.ukt a --limit 1 --db mine.db -q >/dev/null
cp mine.db copy.db; mv copy.db mine.db
imported cache_explicit_db "$REP" calls d.ukt a --limit 1 --db mine.db

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
