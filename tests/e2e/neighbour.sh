# End to end: the tests that look at tracefs check only what their own
# recorders made. They run again here with an unrelated recorder running
# beside them (UKT_E2E_NEIGHBOUR=1, lib.sh), as another user's or another
# test's would be, and must pass as they do alone. Their checks are
# reported as neighbour_NAME.
. "$(dirname "$0")/lib.sh"
SCRIPTS="record_signals record_calls"
why=$(cannot_trace)
[ -n "$why" ] && skip_all "$why" $(for t in $SCRIPTS; do echo neighbour_$t; done)

for t in $SCRIPTS; do
	out=$(UKT_E2E_NEIGHBOUR=1 bash "$ROOT/tests/e2e/$t.sh" 2>&1)
	rc=$?
	echo "$out" | sed -n 's/^\(ok\|FAIL\|skip\) /\1 neighbour_/p'
	# the run counts only if the neighbour was there all along
	if echo "$out" | grep -q '^# neighbour: recorder [0-9]* is running' && [ $rc = 0 ]; then
		ok neighbour_$t
	else
		fail neighbour_$t "exit status $rc; $(echo "$out" | grep '^# neighbour' || echo 'the neighbour did not start')"
	fi
done
