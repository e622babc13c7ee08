#!/usr/bin/env bash
# Runs every test and prints one summary line: "N passed, N failed, N skipped".
#
# Unit test programs (build/tests/test_*) and the fuzz regression driver print
# one line per test: "ok NAME", "FAIL NAME..." or "skip NAME: reason".
# End-to-end scripts (tests/e2e/*.sh, tests/vm/*.sh) print the same lines.
# A program that crashes or exits non-zero without a FAIL line counts as one
# failure. UKT_UNIT_ONLY=1 runs the unit tier only.
set -u
cd "$(dirname "$0")/.."
B=${B:-build}
export B UKT_ROOT=$PWD
pass=0 fail=0 skip=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_one() {
	local name=$1; shift
	echo "== $name"
	"$@" >"$log" 2>&1
	local rc=$?
	cat "$log"
	local p f s
	p=$(grep -c '^ok ' "$log"); f=$(grep -c '^FAIL ' "$log"); s=$(grep -c '^skip ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name: exited with status $rc"
		f=1
	fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
}

for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "$(basename "$t")" "$t"
done
# (under ASan: libtraceevent's own leaks on formats that fail to parse
# are not ours, tests/fuzz/lsan.supp)
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp}
run_one fuzz_regress "$B/tests/fuzz_regress" tests/fuzz/corpus
for t in "$B"/tests/fuzz_regress_*; do
	[ -x "$t" ] || continue
	run_one "$(basename "$t")" "$t" "tests/fuzz/corpus-${t##*/fuzz_regress_}"
done
unset LSAN_OPTIONS

if [ -z "${UKT_UNIT_ONLY:-}" ]; then
	for t in tests/e2e/*.sh tests/vm/*.sh; do
		[ -f "$t" ] || continue
		case "$t" in */lib.sh) continue ;; esac
		run_one "$t" bash "$t"
	done
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
