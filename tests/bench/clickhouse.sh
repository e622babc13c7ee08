#!/usr/bin/env bash
# make bench (part): loading a trace into ClickHouse (issue 30).
#   tests/bench/clickhouse.sh [TRACE]
# TRACE defaults to W2 recorded here (4M events of sys_enter/sys_exit_getppid,
# needs root and tracefs). A clickhouse-server of our own on free ports of
# 127.0.0.1; each run, in one go:
#   sqlite   uktrace-report db TRACE (the SQLite import, for scale)
#   load     uktrace-report clickhouse TRACE into a new database
#   ceiling  clickhouse-client inserting the very rows the load sends
#            (dumped once with UKTRACE_CH_DUMP), events and calls in
#            parallel as the load does, batches of 65,536 rows not squashed:
#            what the server takes without our decoding and HTTP
# A step's time ends when its inserts are in; the merges it sets off in the
# background are waited for before the next step starts.
# Prints a markdown section on stdout (medians of CH_RUNS runs, default 3),
# each run on stderr. CH_COMPARE=/path/to/another/uktrace-report adds its
# load to each run, named CH_COMPARE_NAME (make bench sets it to the
# baseline's, BENCH_BASE).
# A measurement, not a test.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
B=${B:-build}
REC=$ROOT/$B/uktrace-record
REP=$ROOT/$B/uktrace-report
WL=$ROOT/$B/tests/workload
RUNS=${CH_RUNS:-3}
CMP=${CH_COMPARE:-}
CMPNAME=${CH_COMPARE_NAME:-$CMP}
W=$(mktemp -d /tmp/ukt-chb.XXXXXX)
CH_PID=

die() { echo "clickhouse bench: $*" >&2; exit 1; }
cleanup() {
	[ -n "$CH_PID" ] && { kill $CH_PID 2>/dev/null; wait $CH_PID 2>/dev/null; }
	rm -rf "$W"
}
trap cleanup EXIT
[ -x /usr/bin/time ] || die "needs /usr/bin/time (make deps installs it)"
CH_SERVER=$(command -v clickhouse-server || true)
CH_CLIENT=$(command -v clickhouse-client || true)
[ -n "$CH_SERVER" ] || { echo "clickhouse bench: no clickhouse-server, not measured" >&2; exit 0; }

TRACE=${1:-}
if [ -z "$TRACE" ]; then
	TRACE=$W/a4.ukt
	"$REC" -q -o $TRACE -e syscalls:sys_enter_getppid -e syscalls:sys_exit_getppid -- \
		"$WL" w2 2000000 || die "cannot record W2"
fi
EV=$("$REP" info "$TRACE" | awk '$1=="total" || /^cpu[0-9]/ {s += $2} END {print s+0}')

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port); tport=$(free_port)
mkdir -p $W/ch/data $W/ch/tmp $W/rows
{
	echo '<?xml version="1.0"?>'
	echo "<yandex><logger><level>warning</level><log>$W/ch/log</log><errorlog>$W/ch/err</errorlog></logger>"
	echo "<http_port>$port</http_port><tcp_port>$tport</tcp_port><listen_host>127.0.0.1</listen_host>"
	echo "<mark_cache_size>268435456</mark_cache_size><path>$W/ch/data/</path><tmp_path>$W/ch/tmp/</tmp_path>"
	echo "<users_config>$W/ch/users.xml</users_config><default_profile>default</default_profile>"
	echo "<default_database>default</default_database></yandex>"
} > $W/ch/config.xml
{
	echo '<?xml version="1.0"?>'
	echo '<yandex><profiles><default/></profiles><users><default><password></password>'
	echo '<networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota>'
	echo '</default></users><quotas><default/></quotas></yandex>'
} > $W/ch/users.xml
"$CH_SERVER" --config-file=$W/ch/config.xml >/dev/null 2>&1 &
CH_PID=$!
URL=http://127.0.0.1:$port
for _ in $(seq 120); do curl -s "$URL/ping" 2>/dev/null | grep -q Ok && break; sleep 0.25; done
curl -s "$URL/ping" 2>/dev/null | grep -q Ok ||
	die "clickhouse-server did not start: $(tail -2 $W/ch/err 2>/dev/null)"
sql() { curl -sS --data-binary "$1" "$URL/"; }

median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "NA"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
declare -A V
add() { V[$1]="${V[$1]:-}$2"$'\n'; }
med() { printf '%s' "${V[$1]:-}" | grep -v '^$' | median; }
settle() { # the merges a step left behind, done before the next one is timed
	for _ in $(seq 240); do
		[ "$(sql "SELECT count() FROM system.merges")" = 0 ] && break
		sleep 0.5
	done
}
measure() { # NAME CMD... -> adds secs and peak KiB
	local name=$1; shift
	settle
	/usr/bin/time -f "%e %M" -o $W/atime "$@" >/dev/null 2>$W/aerr ||
		echo "clickhouse bench: $name failed: $(tail -2 $W/aerr)" >&2
	add s.$name "$(tail -1 $W/atime | awk '{print $1}')"
	add m.$name "$(tail -1 $W/atime | awk '{print $2}')"
	echo "clickhouse bench: $name $(tail -1 $W/atime)" >&2
}

# the rows a load sends, once (not timed)
UKTRACE_CH_DUMP=$W/rows "$REP" clickhouse --url $URL --database dump "$TRACE" -q ||
	die "cannot load '$TRACE'"
ceiling() { # DB: events and calls as the load sends them, in parallel
	sql "CREATE DATABASE $1" && sql "CREATE TABLE $1.events AS dump.events" &&
		sql "CREATE TABLE $1.calls AS dump.calls" || return 1
	local s="--max_insert_block_size=65536 --min_insert_block_size_rows=0 --min_insert_block_size_bytes=0"
	for t in events calls; do
		"$CH_CLIENT" --port $tport --database $1 $s \
			--query "INSERT INTO $(cat $W/rows/$t.into) FORMAT RowBinary" < $W/rows/$t.rows &
	done
	wait
}
export -f ceiling sql
export W URL CH_CLIENT tport

for r in $(seq $RUNS); do
	measure sqlite "$REP" db "$TRACE" -o $W/a.db --force -q
	measure load "$REP" clickhouse --url $URL --database bench$r "$TRACE" -q
	[ -n "$CMP" ] && measure compare "$CMP" clickhouse --url $URL --database cmp$r "$TRACE" -q
	[ -n "$CH_CLIENT" ] && measure ceiling bash -c "ceiling ceil$r"
done
settle
CHB=$(sql "SELECT sum(bytes_on_disk) FROM system.parts WHERE database = 'bench1' AND active")

fmt() { [ "$1" = NA ] && echo NA || printf "%.${2:-1}f" "$1"; }
row() { # LABEL NAME
	local s=$(med s.$2)
	[ "$s" = NA ] && return
	echo "| $1 | $(fmt $s 2) | $(printf '%.0f' "$(echo "$EV / $s" | bc -l)") | $(fmt $(echo "$(med m.$2) / 1024" | bc -l) 0) |"
}
echo "### Loading into ClickHouse (W2, $EV events; a local clickhouse-server $(dpkg-query -W -f '${Version}' clickhouse-server 2>/dev/null))"
echo
echo "| step | seconds | events/s | peak memory MiB |"
echo "|---|---:|---:|---:|"
row "uktrace-report import (SQLite)" sqlite
row "uktrace-report clickhouse" load
row "uktrace-report clickhouse at $CMPNAME" compare
row "ceiling: clickhouse-client, the same rows" ceiling
echo
l=$(med s.load); c=$(med s.ceiling)
[ "$c" != NA ] && echo "The load takes $(fmt $(echo "$l / $c" | bc -l) 2)× the time of the ceiling (the server's own parsing and merging of the same rows)."
[ -n "$CMP" ] && echo "The load is $(fmt $(echo "$(med s.compare) / $l" | bc -l) 2)× as fast as at $CMPNAME (target ≥ 4)."
echo "ClickHouse keeps W2 in $(fmt $(echo "$CHB / 1048576" | bc -l) 1) MiB on disk: $(fmt $(echo "$CHB / $EV" | bc -l) 1) bytes/event (calls and events, compressed)."
