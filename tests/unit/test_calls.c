// SPDX-License-Identifier: MIT
/* Unit tests of entry/return pairing (report/calls.c) on synthetic streams. */
#include "test.h"
#include "../../report/calls.h"

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

static struct pairer *p;
static uint64_t clock_ns;

static void reset(void)
{
	pairer_free(p);
	p = pairer_new(collect, NULL);
	nrows = 0;
	clock_ns = 1000;
}

/* feed an entry (ret 0) or return (ret 1) of func on tid, cpu */
static void ev(int tid, int cpu, int func, int is_ret, uint64_t dt)
{
	struct call_event e = { .tid = tid, .cpu = cpu, .pid = tid, .func = func,
				.is_return = is_ret };

	clock_ns += dt;
	e.ts = clock_ns;
	e.event_id = (int64_t)clock_ns;
	if (!is_ret) {
		e.has_caller = true;
		e.caller = 0x1000 + (uint64_t)func;
	}
	pairer_feed(p, &e);
}

static const struct call_row *find(int func, int depth)
{
	for (int i = 0; i < nrows; i++)
		if (rows[i].func == func && rows[i].depth == depth)
			return &rows[i];
	return NULL;
}

static void test_simple_pair(void)
{
	reset();
	ev(1, 0, 7, 0, 0);
	ev(1, 0, 7, 1, 500);
	pairer_finish(p);
	CHECK_EQ(nrows, 1);
	CHECK_EQ(rows[0].status, CALL_COMPLETE);
	CHECK_EQ(rows[0].duration, 500);
	CHECK_EQ(rows[0].self, 500);
	CHECK_EQ(rows[0].caller, 0x1007);
	CHECK_EQ(rows[0].parent_id, 0);
}

static void test_recursion(void)
{
	const struct call_row *outer, *inner;

	reset();
	/* r -> r -> r, returning innermost first */
	ev(1, 0, 3, 0, 0);
	ev(1, 0, 3, 0, 10);
	ev(1, 0, 3, 0, 10);
	ev(1, 0, 3, 1, 100);
	ev(1, 0, 3, 1, 10);
	ev(1, 0, 3, 1, 10);
	pairer_finish(p);
	CHECK_EQ(nrows, 3);
	inner = find(3, 2);
	outer = find(3, 0);
	CHECK(inner && outer);
	CHECK_EQ(inner->duration, 100);
	CHECK_EQ(find(3, 1)->duration, 120);
	CHECK_EQ(outer->duration, 140);
	/* self time excludes nested probed calls */
	CHECK_EQ(outer->self, 20);
	CHECK_EQ(inner->parent_id, find(3, 1)->id);
	CHECK_EQ(find(3, 1)->parent_id, outer->id);
	for (int i = 0; i < nrows; i++)
		CHECK_EQ(rows[i].status, CALL_COMPLETE);
}

static void test_interleaved_threads(void)
{
	reset();
	ev(1, 0, 1, 0, 0);	/* t1 enters f */
	ev(2, 1, 1, 0, 5);	/* t2 enters f */
	ev(2, 1, 1, 1, 5);	/* t2 returns: 5 */
	ev(1, 0, 1, 1, 20);	/* t1 returns: 30 */
	pairer_finish(p);
	CHECK_EQ(nrows, 2);
	CHECK_EQ(rows[0].tid, 2);
	CHECK_EQ(rows[0].duration, 5);
	CHECK_EQ(rows[1].tid, 1);
	CHECK_EQ(rows[1].duration, 30);
}

static void test_missing_return(void)
{
	reset();
	/* f enters, g enters, g's return is lost, f returns */
	ev(1, 0, 1, 0, 0);
	ev(1, 0, 2, 0, 10);
	ev(1, 0, 1, 1, 100);
	pairer_finish(p);
	CHECK_EQ(nrows, 2);
	CHECK_EQ(find(2, 1)->status, CALL_NO_RETURN);
	CHECK(!find(2, 1)->has_return);
	CHECK_EQ(find(1, 0)->status, CALL_COMPLETE);
	CHECK_EQ(find(1, 0)->duration, 110);
	/* an incomplete child does not count against the parent's self time */
	CHECK_EQ(find(1, 0)->self, 110);
}

static void test_missing_entry(void)
{
	reset();
	/* the recording started inside f: its return has no entry */
	ev(1, 0, 1, 1, 10);
	ev(1, 0, 1, 0, 10);
	ev(1, 0, 1, 1, 10);
	pairer_finish(p);
	CHECK_EQ(nrows, 2);
	CHECK_EQ(rows[0].status, CALL_NO_ENTRY);
	CHECK(!rows[0].has_entry);
	CHECK_EQ(rows[1].status, CALL_COMPLETE);
	CHECK_EQ(rows[1].duration, 10);
}

static void test_open_at_end(void)
{
	uint64_t c[4];

	reset();
	ev(1, 0, 1, 0, 0);
	ev(1, 0, 2, 0, 10);
	pairer_finish(p);
	CHECK_EQ(nrows, 2);
	CHECK_EQ(rows[0].status, CALL_NO_RETURN);
	CHECK_EQ(rows[1].status, CALL_NO_RETURN);
	pairer_counts(p, c);
	CHECK_EQ(c[CALL_NO_RETURN], 2);
	CHECK_EQ(c[CALL_COMPLETE], 0);
}

static void test_missed_events_mark(void)
{
	reset();
	ev(1, 0, 1, 0, 0);	/* on cpu 0 */
	ev(2, 1, 1, 0, 0);	/* on cpu 1 */
	pairer_missed(p, 0);	/* events lost on cpu 0 */
	ev(1, 0, 1, 1, 10);
	ev(2, 1, 1, 1, 10);
	pairer_finish(p);
	CHECK_EQ(nrows, 2);
	CHECK_EQ(rows[0].tid, 1);
	CHECK_EQ(rows[0].status, CALL_LOST);
	CHECK_EQ(rows[1].status, CALL_COMPLETE);
}

static void test_cpu_migration(void)
{
	reset();
	/* entered on cpu 0, returned on cpu 1: one call */
	ev(1, 0, 1, 0, 0);
	ev(1, 1, 1, 1, 50);
	pairer_finish(p);
	CHECK_EQ(nrows, 1);
	CHECK_EQ(rows[0].status, CALL_COMPLETE);
	CHECK_EQ(rows[0].duration, 50);
	CHECK_EQ(rows[0].entry_cpu, 0);
}

static void test_nested_different_functions(void)
{
	reset();
	/* f { g { } g { } } */
	ev(1, 0, 1, 0, 0);
	ev(1, 0, 2, 0, 10);
	ev(1, 0, 2, 1, 20);
	ev(1, 0, 2, 0, 10);
	ev(1, 0, 2, 1, 30);
	ev(1, 0, 1, 1, 10);
	pairer_finish(p);
	CHECK_EQ(nrows, 3);
	CHECK_EQ(find(1, 0)->duration, 80);
	CHECK_EQ(find(1, 0)->self, 30);
}

static void test_many_threads(void)
{
	reset();
	/* more threads than the initial table holds */
	for (int t = 1; t <= 1000; t++)
		ev(t, t % 2, 1, 0, 1);
	for (int t = 1; t <= 1000; t++)
		ev(t, t % 2, 1, 1, 1);
	pairer_finish(p);
	/* rows beyond MAXROWS are not kept, but every call is counted */
	{
		uint64_t c[4];

		pairer_counts(p, c);
		CHECK_EQ(c[CALL_COMPLETE], 1000);
		CHECK_EQ(c[CALL_NO_RETURN], 0);
	}
}

int main(void)
{
	RUN(test_simple_pair);
	RUN(test_recursion);
	RUN(test_interleaved_threads);
	RUN(test_missing_return);
	RUN(test_missing_entry);
	RUN(test_open_at_end);
	RUN(test_missed_events_mark);
	RUN(test_cpu_migration);
	RUN(test_nested_different_functions);
	RUN(test_many_threads);
	pairer_free(p);
	return TEST_EXIT();
}
