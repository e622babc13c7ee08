# End to end: the import under stress: a signal in the middle leaves no
# half-built database, a killed import's leftovers go at the next run, a
# full disk says what the database needs; and the numbers of a large
# trace imported with two threads equal those of SQL over it.
. "$(dirname "$0")/lib.sh"
TESTS="imp_signal_no_tmp imp_signal_status imp_nocache_signal_no_tmp imp_stale_removed
imp_disk_full_message imp_disk_full_no_tmp imp_big_counts imp_big_summary_matches_view
imp_big_fold_same_views"
why=$(cannot_trace); [ -n "$why" ] && skip_all "$why" $TESTS
cd "$TMP"

# 4M events, 2M calls: an import of about a second
"$REC" -q -e syscalls:sys_enter_getppid -e syscalls:sys_exit_getppid -o big.ukt -- "$WL" w2 2000000

# wait_for GLOB SECS: until a file matching GLOB exists (0) or time is up (1)
wait_for() {
	local i
	for i in $(seq 1 $(($2 * 100))); do
		compgen -G "$1" >/dev/null && return 0
		sleep 0.01
	done
	return 1
}

"$REP" calls big.ukt syscall:getppid --limit 1 -q >/dev/null 2>&1 &
pid=$!
if wait_for 'big.ukt.db.tmp-*' 10; then
	kill -TERM $pid
	wait $pid
	st=$?
	check imp_signal_no_tmp "" "$(ls big.ukt.db.tmp-* big.ukt.db 2>/dev/null)"
	check imp_signal_status 143 "$st"
else
	wait $pid
	echo "skip imp_signal_no_tmp: the import ended before it could be interrupted"
	echo "skip imp_signal_status: the import ended before it could be interrupted"
fi

mkdir tmpdir
TMPDIR=$TMP/tmpdir "$REP" calls big.ukt syscall:getppid --limit 1 --no-cache -q >/dev/null 2>&1 &
pid=$!
if wait_for 'tmpdir/uktrace-*.db' 10; then
	kill -INT $pid
	wait $pid
	check imp_nocache_signal_no_tmp "" "$(ls tmpdir)"
else
	wait $pid
	echo "skip imp_nocache_signal_no_tmp: the import ended before it could be interrupted"
fi

# a killed import's file (its process is gone) goes at the next import
touch big.ukt.db.tmp-999999
rm -f big.ukt.db
"$REP" calls big.ukt syscall:getppid --limit 1 -q >/dev/null 2>&1
check imp_stale_removed "" "$(ls big.ukt.db.tmp-* 2>/dev/null)"

# a full disk: room for the trace, not for its database
mkdir full
mount -t tmpfs -o size=$(( $(stat -c %s big.ukt) + 2097152 )) tmpfs full
cp big.ukt full/
out=$("$REP" calls full/big.ukt syscall:getppid --limit 1 -q 2>&1)
rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q "disk is full" && echo "$out" | grep -q -- "--db PATH"; then
	ok imp_disk_full_message
else
	fail imp_disk_full_message "rc=$rc: $out"
fi
check imp_disk_full_no_tmp "big.ukt" "$(ls full)"
umount full

# the numbers of the two-thread import, against SQL on its own rows
check imp_big_counts "2000000,4000000" "$(sql big.ukt "SELECT (SELECT COUNT(*) FROM calls WHERE complete), (SELECT value FROM meta WHERE key = 'events')")"
a=$("$REP" summary big.ukt --format csv -q | grep '^syscall:getppid,' | cut -d, -f2-)
b=$(sql big.ukt "SELECT calls, incomplete, total_ns, self_ns, min_ns, avg_ns, p50_ns, p90_ns, p99_ns, max_ns FROM call_stats WHERE func = 'syscall:getppid'")
check imp_big_summary_matches_view "$b" "$a"
same_views imp_big_fold_same_views big.ukt
