# End to end: many hosts, one query. A real clickhouse-server (Debian's,
# started here on 127.0.0.1 with its own config in a temp dir) gets two
# recordings labelled as two hosts; its counts, call_stats percentiles and
# callers equal SQLite's for each host exactly; loading again (also after
# a load was killed half-way) duplicates nothing; summary, callers and sql
# ask it with --clickhouse. A user with a password logs in from the URL,
# a password file or the environment, and a wrong password is refused in
# the server's words; https with a self-signed certificate (openssl makes
# it) is trusted only with --cacert. Skipped with the reason when the
# server cannot start here.
. "$(dirname "$0")/lib.sh"
TESTS="ch_load ch_deflated_same ch_calls_equal ch_events_equal ch_stats_equal ch_callers_equal
ch_idempotent ch_killed_then_reloaded ch_summary_cmd ch_callers_cmd ch_sql_readonly
ch_host_filter ch_bad_url ch_unwind_equal
ch_auth_url ch_auth_file ch_auth_env ch_auth_refused
ch_auth_not_shown"
TLS_TESTS="ch_https_untrusted ch_https_load ch_https_query"
SERVER=$(command -v clickhouse-server || command -v clickhouse)
[ -n "$SERVER" ] || skip_all "clickhouse-server is not installed (make deps installs it)" $TESTS $TLS_TESTS
why=$(cannot_trace); [ -n "$why" ] && skip_all "$why (the test records two traces)" $TESTS $TLS_TESTS
cd "$TMP"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
HTTP=$(free_port); TCP=$(free_port); HTTPS=$(free_port)
mkdir -p ch/data ch/tmp ch/user_files
# a self-signed certificate for 127.0.0.1: the https port, when openssl is here
TLS_CONF=""
if openssl req -x509 -newkey rsa:2048 -nodes -keyout ch/server.key -out ch/server.crt -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1; then
	TLS_CONF="<https_port>$HTTPS</https_port>
    <openSSL><server><certificateFile>$TMP/ch/server.crt</certificateFile>
        <privateKeyFile>$TMP/ch/server.key</privateKeyFile><verificationMode>none</verificationMode>
        <loadDefaultCAFile>false</loadDefaultCAFile><disableProtocols>sslv2,sslv3</disableProtocols>
    </server></openSSL>"
fi
cat > ch/config.xml <<EOF
<?xml version="1.0"?>
<yandex>
    <logger><level>warning</level><log>$TMP/ch/server.log</log><errorlog>$TMP/ch/server.err.log</errorlog><size>10M</size><count>1</count></logger>
    <http_port>$HTTP</http_port>
    <tcp_port>$TCP</tcp_port>
    $TLS_CONF
    <listen_host>127.0.0.1</listen_host>
    <max_connections>64</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>16</max_concurrent_queries>
    <mark_cache_size>268435456</mark_cache_size>
    <path>$TMP/ch/data/</path>
    <tmp_path>$TMP/ch/tmp/</tmp_path>
    <user_files_path>$TMP/ch/user_files/</user_files_path>
    <users_config>$TMP/ch/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
</yandex>
EOF
cat > ch/users.xml <<'EOF'
<?xml version="1.0"?>
<yandex>
    <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
    <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
        <profile>default</profile><quota>default</quota></default>
      <bob><password>s3cret pw</password><networks><ip>127.0.0.1</ip></networks>
        <profile>default</profile><quota>default</quota></bob></users>
    <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
        <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
    </interval></default></quotas>
</yandex>
EOF
# the server's own cleanup goes with the test's
bg "$SERVER" --config-file="$TMP/ch/config.xml" > ch/stdout 2>&1
URL=http://127.0.0.1:$HTTP
for _ in $(seq 120); do
	[ "$(python3 -c "import urllib.request; print(urllib.request.urlopen('$URL/ping', timeout=1).read().decode().strip())" 2>/dev/null)" = Ok. ] && break
	sleep 0.25
done
python3 -c "import urllib.request; urllib.request.urlopen('$URL/ping', timeout=1)" 2>/dev/null ||
	skip_all "clickhouse-server did not start here: $(tail -2 ch/server.err.log 2>/dev/null | tr '\n' ' ')" $TESTS $TLS_TESTS
chq() { python3 -c "import sys, urllib.request; print(urllib.request.urlopen(urllib.request.Request('$URL/?database=uktrace', data=sys.argv[1].encode())).read().decode(), end='')" "$1"; }

# two recordings, as two hosts
"$REC" -q -f "$WL:a" -f "$WL:r" -f "$WL:s" -o web1.ukt -- "$WL" calls 2000
"$REC" -q -f "$WL:a" -f "$WL:caller_one" -f "$WL:caller_two" -o web2.ukt -- "$WL" calls 3000
out=$("$REP" clickhouse --url "$URL" --host-label web1 web1.ukt 2>&1 && "$REP" clickhouse --url "$URL" --host-label web2 web2.ukt 2>&1)
has ch_load "loaded web2.ukt as host 'web2'" "$out"

# each host's numbers are its file's, exactly
same() { # NAME CH_SQL SQLITE_SQL (per host, sorted)
	local name=$1 bad=""
	for h in web1 web2; do
		a=$(chq "$(printf "$2" "$h") FORMAT CSV" | tr -d '"')
		b=$(sqlite3 -csv "$h.ukt.db" "$3" 2>&1 | tr -d '"')
		[ "$a" = "$b" ] && [ -n "$a" ] || bad="$bad $h: clickhouse [$(echo "$a" | head -3 | tr '\n' ' ')] sqlite [$(echo "$b" | head -3 | tr '\n' ' ')]"
	done
	if [ -z "$bad" ]; then ok "$name"; else fail "$name" "$bad"; fi
}
"$REP" db web1.ukt -o web1.ukt.db --force -q; "$REP" db web2.ukt -o web2.ukt.db --force -q
same ch_calls_equal "SELECT func, count(), sum(complete), sum(assumeNotNull(duration_ns)) FROM calls WHERE host = '%s' GROUP BY func ORDER BY func" \
	"SELECT func, COUNT(*), SUM(complete), COALESCE(SUM(duration_ns), 0) FROM calls GROUP BY func ORDER BY func"
same ch_events_equal "SELECT probe_id, count(), sum(ts) FROM events WHERE host = '%s' GROUP BY probe_id ORDER BY probe_id" \
	"SELECT probe_id, COUNT(*), SUM(ts) FROM events GROUP BY probe_id ORDER BY probe_id"
same ch_stats_equal "SELECT func, calls, incomplete, total_ns, self_ns, min_ns, avg_ns, p50_ns, p90_ns, p99_ns, max_ns FROM call_stats WHERE host = '%s' ORDER BY func" \
	"SELECT func, calls, incomplete, total_ns, self_ns, min_ns, avg_ns, p50_ns, p90_ns, p99_ns, max_ns FROM call_stats ORDER BY func"
same ch_callers_equal "SELECT func, ifNull(caller_symbol, ''), ifNull(caller_object, ''), calls, complete_calls, total_ns, avg_ns, min_ns, max_ns FROM callers WHERE host = '%s' ORDER BY func, calls, 2" \
	"SELECT func, IFNULL(caller_symbol, ''), IFNULL(caller_object, ''), calls, complete_calls, total_ns, avg_ns, min_ns, max_ns FROM callers ORDER BY func, calls, 2"

# again: nothing doubles
n1=$(chq "SELECT count() FROM calls")
out=$("$REP" clickhouse --url "$URL" web1.ukt web2.ukt 2>&1)
n2=$(chq "SELECT count() FROM calls")
if [ "$n1" = "$n2" ] && echo "$out" | grep -q "already loaded as host 'web1'"; then ok ch_idempotent
else fail ch_idempotent "$n1 calls, then $n2: $out"; fi

# batches sent deflated (--compress yes; auto does it for another host):
# the same rows as the plain load of the same file
"$REC" -q -f "$WL:a" -o many.ukt -- "$WL" calls 20000
"$REP" clickhouse --url "$URL" --database plain --host-label m many.ukt -q
"$REP" clickhouse --url "$URL" --database deflated --host-label m --compress yes many.ukt -q
q="SELECT count(), sum(complete), sum(assumeNotNull(duration_ns)), (SELECT count() FROM %s.events) FROM %s.calls FORMAT CSV"
a=$(chq "$(printf "$q" plain plain)"); b=$(chq "$(printf "$q" deflated deflated)")
if [ -n "$a" ] && [ "$a" = "$b" ] && [ "${a%%,*}" -gt 0 ]; then ok ch_deflated_same
else fail ch_deflated_same "plain [$a] deflated [$b]"; fi

# a load killed half-way leaves rows but no traces entry: the next load
# deletes them and loads it whole
"$REC" -q -f "$WL:a" -o big.ukt -- "$WL" calls 100000
"$REP" clickhouse --url "$URL" --host-label big big.ukt -q &
LPID=$!
for _ in $(seq 200); do
	n=$(chq "SELECT count() FROM events WHERE host = 'big'" 2>/dev/null)
	[ "${n:-0}" -gt 0 ] 2>/dev/null && break
	sleep 0.02
done
kill -9 $LPID 2>/dev/null; wait $LPID 2>/dev/null
partial=$(chq "SELECT count() FROM events WHERE host = 'big'"),$(chq "SELECT count() FROM traces WHERE host = 'big'")
"$REP" clickhouse --url "$URL" --host-label big big.ukt -q
want="$(sql big.ukt "SELECT COUNT(*) FROM calls"),$(sql big.ukt "SELECT COUNT(*) FROM events"),1"
got="$(chq "SELECT count() FROM calls WHERE host = 'big'"),$(chq "SELECT count() FROM events WHERE host = 'big'"),$(chq "SELECT count() FROM traces WHERE host = 'big'")"
# (when the kill came too late to leave a partial load, the check is the
# same, but says so)
if [ "$want" = "$got" ]; then ok ch_killed_then_reloaded
else fail ch_killed_then_reloaded "expected $want, got $got (after the kill: events,traces $partial)"; fi

# the commands, asked of the server
a=$("$REP" summary --clickhouse "$URL" --host-label web1 --format csv -q | tail -n +2 | cut -d, -f2-)
b=$("$REP" summary web1.ukt --format csv -q | tail -n +2 | awk -F, '$2 > 0 || $3 > 0')
check ch_summary_cmd "$b" "$a"
a=$("$REP" callers --clickhouse "$URL" a --host-label web2 --format csv -q | tail -n +2 | cut -d, -f2-)
b=$("$REP" callers web2.ukt a --format csv -q | tail -n +2)
check ch_callers_cmd "$b" "$a"
has ch_sql_readonly "readonly" "$("$REP" sql --clickhouse "$URL" 'DROP TABLE calls' 2>&1)"
check ch_host_filter "web2" "$("$REP" summary --clickhouse "$URL" --host-label web2 --format csv -q | tail -n +2 | cut -d, -f1 | sort -u)"
has ch_bad_url "cannot connect to 127.0.0.1:1" "$("$REP" clickhouse --url http://127.0.0.1:1 web1.ukt 2>&1)"

# frames a longjmp unwound past are judged as the import judges them
UW=$ROOT/$B/tests/unwind
"$REC" -q -f "$UW:jumper" -f "$UW:thrower" -f "$UW:after" -o jump.ukt -- "$UW" jump 50
"$REP" clickhouse --url "$URL" --host-label web3 jump.ukt -q
a=$(chq "SELECT func, status, count(), max(depth) FROM calls WHERE host = 'web3' GROUP BY func, status ORDER BY func, status FORMAT CSV" | tr -d '"')
b=$(sql jump.ukt "SELECT func, status, COUNT(*), MAX(depth) FROM calls GROUP BY func, status ORDER BY func, status" | tr -d '"')
if [ "$a" = "$b" ] && echo "$a" | grep -q "^jumper,abandoned,50,0"; then ok ch_unwind_equal
else fail ch_unwind_equal "clickhouse [$(echo $a)] sqlite [$(echo $b)]"; fi

# a user with a password ("s3cret pw"): from the URL, a file, the environment
a=$("$REP" summary web1.ukt --format csv -q | tail -n +2 | awk -F, '$2 > 0 || $3 > 0')
out=$("$REP" clickhouse --url "http://bob:s3cret%20pw@127.0.0.1:$HTTP" --database authdb --host-label web1 web1.ukt 2>&1)
has ch_auth_url "loaded web1.ukt as host 'web1'" "$out"
printf 's3cret pw\n' > pw
out=$(CLICKHOUSE_USER=bob "$REP" clickhouse --url "$URL" --password-file pw --database authdb2 --host-label web1 web1.ukt 2>&1)
got=$(chq "SELECT count() FROM authdb2.traces WHERE host = 'web1'")
if echo "$out" | grep -q "loaded web1.ukt" && [ "$got" = 1 ]; then ok ch_auth_file
else fail ch_auth_file "$out; traces: $got"; fi
b=$(CLICKHOUSE_USER=bob CLICKHOUSE_PASSWORD='s3cret pw' "$REP" summary --clickhouse "$URL" --database authdb2 --format csv -q 2>&1 | tail -n +2 | cut -d, -f2-)
check ch_auth_env "$a" "$b"
out=$(CLICKHOUSE_USER=bob CLICKHOUSE_PASSWORD=wrong "$REP" summary --clickhouse "$URL" --database authdb2 2>&1)
rc=$?
if [ $rc != 0 ] && echo "$out" | grep -q "Wrong password for user bob" && echo "$out" | grep -q "CLICKHOUSE_PASSWORD"; then ok ch_auth_refused
else fail ch_auth_refused "rc $rc: $out"; fi
out=$("$REP" clickhouse --url "http://bob:wrong@127.0.0.1:$HTTP" --database authdb web1.ukt 2>&1)
if echo "$out" | grep -q "at http://bob@127.0.0.1:$HTTP:" && ! echo "$out" | grep -q ":wrong@"; then ok ch_auth_not_shown
else fail ch_auth_not_shown "$out"; fi

# https with the server's own certificate: refused until trusted
if [ -z "$TLS_CONF" ]; then skip_all "openssl could not make a certificate" $TLS_TESTS; fi
TURL=https://127.0.0.1:$HTTPS
for _ in $(seq 40); do curl -s --cacert ch/server.crt "$TURL/ping" 2>/dev/null | grep -q Ok && break; sleep 0.25; done
curl -s --cacert ch/server.crt "$TURL/ping" 2>/dev/null | grep -q Ok ||
	skip_all "clickhouse-server does not serve https here: $(grep -i 'ssl\|https' ch/server.err.log | tail -2 | tr '\n' ' ')" $TLS_TESTS
has ch_https_untrusted "cannot trust 127.0.0.1:$HTTPS: .*--cacert" "$("$REP" clickhouse --url "$TURL" --database tlsdb web2.ukt 2>&1)"
out=$(CLICKHOUSE_USER=bob "$REP" clickhouse --url "$TURL" --cacert ch/server.crt --password-file pw --database tlsdb --host-label web2 web2.ukt 2>&1)
has ch_https_load "loaded web2.ukt as host 'web2'" "$out"
a=$("$REP" callers web2.ukt a --format csv -q | tail -n +2)
b=$(CLICKHOUSE_USER=bob "$REP" callers --clickhouse "$TURL" a --cacert ch/server.crt --password-file pw --database tlsdb --format csv -q 2>&1 | tail -n +2 | cut -d, -f2-)
check ch_https_query "$a" "$b"
