// SPDX-License-Identifier: MIT
/*
 * Unit tests of pairing the calls of a function whose entries the
 * recorder filtered and whose returns it did not (report/calls.c,
 * FUNC_ENTRY_FILTERED): a return that finds no open call is not a call.
 */
#include "test.h"
#include "uktrace/pair.h"

#define MAXROWS 64
static struct call_row rows[MAXROWS];
static int nrows;

static int collect(void *ctx, const struct call_row *r)
{
	(void)ctx;
	if (nrows < MAXROWS)
		rows[nrows++] = *r;
	return 0;
}

static void feed(struct pairer *p, int func, bool ret, uint64_t ts, uint64_t sp)
{
	struct call_event e = { .tid = 1, .pid = 1, .func = func, .is_return = ret,
				.ts = ts, .event_id = (int64_t)ts, .has_sp = true, .sp = sp };

	pairer_feed(p, &e);
}

static void test_orphan_returns_dropped(void)
{
	struct pairer *p = pairer_new(collect, NULL, 2);
	uint64_t counts[CALL_NSTATUS];

	nrows = 0;
	pairer_set_func(p, 0, FUNC_USER_RET | FUNC_ENTRY_FILTERED);
	pairer_set_func(p, 1, FUNC_USER_RET);
	pairer_set_machine(p, "x86_64");
	/* a matching call of 0 with a filtered-out one inside it: the inner
	 * return (no entry recorded) neither closes the outer call nor is a
	 * call of its own */
	feed(p, 0, false, 100, 0x7000);
	feed(p, 0, true, 110, 0x6f08);
	feed(p, 0, true, 200, 0x7008);
	/* function 1 is not filtered: its orphan return is no_entry */
	feed(p, 1, true, 300, 0x7008);
	pairer_finish(p);
	pairer_counts(p, counts);
	CHECK_EQ(nrows, 2);
	CHECK_EQ(rows[0].func, 0);
	CHECK_EQ(rows[0].status, CALL_COMPLETE);
	CHECK_EQ(rows[0].duration, 100);
	CHECK_EQ(rows[1].func, 1);
	CHECK_EQ(rows[1].status, CALL_NO_ENTRY);
	CHECK_EQ(counts[CALL_NO_ENTRY], 1);
	pairer_free(p);
}

int main(void)
{
	RUN(test_orphan_returns_dropped);
	return TEST_EXIT();
}
