// SPDX-License-Identifier: MIT
/* Unit tests of entry/return pairing (engine/pair.c) on synthetic streams. */
#include <limits.h>

#include "test.h"
#include "uktrace/pair.h"

#define MAXROWS 256
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
	p = pairer_new(collect, NULL, 16);
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
	uint64_t c[CALL_NSTATUS];

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
	pairer_loss(p, 0, clock_ns, clock_ns + 5);	/* events lost on cpu 0 */
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
		uint64_t c[CALL_NSTATUS];

		pairer_counts(p, c);
		CHECK_EQ(c[CALL_COMPLETE], 1000);
		CHECK_EQ(c[CALL_NO_RETURN], 0);
	}
}

/* feed a user-space event with a stack pointer: entry at sp, or return at sp + 8 */
static void evsp(int tid, int func, int is_ret, uint64_t sp, uint64_t dt)
{
	struct call_event e = { .tid = tid, .cpu = 0, .pid = tid, .func = func,
				.is_return = is_ret, .has_sp = true,
				.sp = is_ret ? sp + 8 : sp };

	clock_ns += dt;
	e.ts = clock_ns;
	e.event_id = (int64_t)clock_ns;
	pairer_feed(p, &e);
}

static int count_status(enum call_status st)
{
	int n = 0;

	for (int i = 0; i < nrows; i++)
		n += rows[i].status == st;
	return n;
}

/*
 * Recursion 100 deep through a uretprobe: the kernel reports returns of
 * the outer 64 frames only. Each return pairs with its own frame by the
 * stack pointer: exact durations; the inner 36 are no_return_depth.
 */
static void test_uretprobe_depth_limit(void)
{
	uint64_t c[CALL_NSTATUS];

	reset();
	pairer_set_func(p, 3, FUNC_USER_RET);
	pairer_set_machine(p, "x86_64");
	for (int d = 0; d < 100; d++)
		evsp(1, 3, 0, 0x7000 - (uint64_t)d * 32, 10);
	/* frames 99..64 return unreported; 63..0 report, 5 ns apart */
	for (int d = 63; d >= 0; d--)
		evsp(1, 3, 1, 0x7000 - (uint64_t)d * 32, 5);
	pairer_finish(p);
	pairer_counts(p, c);
	CHECK_EQ(c[CALL_COMPLETE], 64);
	CHECK_EQ(c[CALL_NO_RETURN_DEPTH], 36);
	CHECK_EQ(c[CALL_NO_RETURN], 0);
	/* frame d entered at 1000 + 10 (d + 1), returned at 2000 + 5 (64 - d) */
	for (int d = 0; d < 64; d++) {
		const struct call_row *r = find(3, d);

		CHECK(r && r->status == CALL_COMPLETE);
		CHECK_EQ(r->duration, (2000 + 5 * (64 - d)) - (1000 + 10 * (d + 1)));
	}
	CHECK_EQ(find(3, 64)->status, CALL_NO_RETURN_DEPTH);
	CHECK_EQ(find(3, 99)->status, CALL_NO_RETURN_DEPTH);
	/* the innermost reported frame's parent is frame 62 */
	CHECK_EQ(find(3, 63)->parent_id, find(3, 62)->id);
}

/* Without stack pointers the same stream pairs by nesting: wrong, which
 * is why the recorder fetches them (this documents the difference). */
static void test_depth_limit_without_sp_pairs_innermost(void)
{
	reset();
	pairer_set_func(p, 3, FUNC_USER_RET);
	for (int d = 0; d < 70; d++)
		ev(1, 0, 3, 0, 10);
	for (int d = 0; d < 64; d++)
		ev(1, 0, 3, 1, 5);
	pairer_finish(p);
	CHECK_EQ(count_status(CALL_COMPLETE), 64);
	/* the unpaired 6 are the outer frames: not the ones the kernel skipped */
	CHECK_EQ(find(3, 0)->status, CALL_NO_RETURN);
}

/* A return whose stack pointer matches no frame is not paired by nesting. */
static void test_sp_mismatch_is_no_entry(void)
{
	reset();
	pairer_set_machine(p, "x86_64");
	evsp(1, 3, 0, 0x7000, 0);
	evsp(1, 3, 1, 0x6000, 10);	/* a return from a frame entered earlier */
	evsp(1, 3, 1, 0x7000, 10);
	pairer_finish(p);
	CHECK_EQ(nrows, 2);
	CHECK_EQ(rows[0].status, CALL_NO_ENTRY);
	CHECK_EQ(rows[1].status, CALL_COMPLETE);
	CHECK_EQ(rows[1].duration, 20);
}

/* A loss inside a call on its CPU makes it lost; one elsewhere does not. */
static void test_loss_range_inside_call(void)
{
	reset();
	ev(1, 0, 1, 0, 0);		/* t=1000 on cpu 0 */
	ev(2, 1, 1, 0, 0);		/* t=1000 on cpu 1 */
	pairer_loss(p, 0, 1200, 1300);	/* stats: lost on cpu 0 meanwhile */
	pairer_loss(p, 1, 5000, 6000);	/* cpu 1: after both calls */
	ev(1, 0, 1, 1, 1000);		/* t=2000 */
	ev(2, 1, 1, 1, 0);		/* t=2000 */
	pairer_finish(p);
	CHECK_EQ(nrows, 2);
	CHECK_EQ(rows[0].tid, 1);
	CHECK_EQ(rows[0].status, CALL_LOST);
	CHECK_EQ(rows[1].status, CALL_COMPLETE);
}

/* A thread that migrated: a loss on the CPU it ran on in between counts. */
static void test_loss_after_migration(void)
{
	reset();
	ev(1, 0, 1, 0, 0);		/* f enters on cpu 0 */
	ev(1, 1, 2, 0, 10);		/* g enters on cpu 1 */
	ev(1, 1, 2, 1, 10);
	pairer_loss(p, 1, 1025, 1030);	/* lost on cpu 1 */
	ev(1, 0, 1, 1, 20);		/* f returns on cpu 0 */
	pairer_finish(p);
	CHECK_EQ(find(1, 0)->status, CALL_LOST);
	CHECK_EQ(find(2, 1)->status, CALL_COMPLETE);
}

/* Ranges merge and stay ordered whatever order they come in. */
static void test_loss_ranges_merge(void)
{
	reset();
	pairer_loss(p, 0, 500, 600);
	pairer_loss(p, 0, 100, 200);
	pairer_loss(p, 0, 150, 550);	/* bridges both */
	pairer_loss(p, 0, 900, 950);
	ev(1, 0, 1, 0, 0);		/* t=1000 */
	ev(1, 0, 1, 1, 10);		/* after every range: complete */
	clock_ns = 300;
	ev(2, 0, 1, 0, 0);		/* t=300, inside the merged range */
	ev(2, 0, 1, 1, 10);
	pairer_finish(p);
	CHECK_EQ(rows[0].status, CALL_COMPLETE);
	CHECK_EQ(rows[1].status, CALL_LOST);
}

/*
 * Syscalls never nest: an enter on a thread whose previous syscall has no
 * exit (lost) closes it, instead of nesting every later call under it.
 */
static void test_syscalls_do_not_nest(void)
{
	reset();
	pairer_set_func(p, 1, FUNC_SYSCALL);	/* read */
	pairer_set_func(p, 2, FUNC_SYSCALL);	/* write */
	ev(1, 0, 1, 0, 0);			/* read enters */
	pairer_loss(p, 0, 1001, 1500);		/* its exit and a write lost */
	ev(1, 0, 2, 1, 1000);			/* write's exit: no entry */
	ev(1, 0, 1, 0, 10);			/* the next read */
	ev(1, 0, 1, 1, 10);
	pairer_finish(p);
	CHECK_EQ(nrows, 3);
	CHECK_EQ(rows[0].status, CALL_LOST);	/* the exit of write: its entry lost */
	CHECK_EQ(rows[1].status, CALL_LOST);	/* the first read: its exit lost */
	CHECK_EQ(rows[2].status, CALL_COMPLETE);
	CHECK_EQ(rows[2].depth, 0);
	CHECK_EQ(rows[2].duration, 10);
}

/* exit_group and rt_sigreturn never return: no frame, no duration. */
static void test_never_returns(void)
{
	reset();
	pairer_set_func(p, 1, FUNC_SYSCALL | FUNC_NEVER_RETURNS);	/* rt_sigreturn */
	pairer_set_func(p, 2, FUNC_SYSCALL);				/* wait4 */
	ev(1, 0, 1, 0, 0);
	ev(1, 0, 2, 0, 10);
	ev(1, 0, 2, 1, 10);
	pairer_finish(p);
	CHECK_EQ(nrows, 2);
	CHECK_EQ(rows[0].status, CALL_NEVER_RETURNS);
	CHECK(!rows[0].has_return);
	CHECK_EQ(rows[1].status, CALL_COMPLETE);
	CHECK_EQ(rows[1].depth, 0);
}

/* The child's return from clone has no entry: fork_child, not no_entry. */
static void test_fork_child(void)
{
	struct call_event e = { .tid = 2, .pid = 2, .func = 1, .is_return = true,
				.has_ret = true, .ret = 0, .ts = 2000 };

	reset();
	pairer_set_func(p, 1, FUNC_SYSCALL | FUNC_FORK);
	ev(1, 0, 1, 0, 0);
	pairer_feed(p, &e);
	e.tid = 1;
	e.pid = 1;
	e.ret = 2;
	e.ts = 2100;
	pairer_feed(p, &e);
	pairer_finish(p);
	CHECK_EQ(nrows, 2);
	CHECK_EQ(rows[0].status, CALL_FORK_CHILD);
	CHECK_EQ(rows[1].status, CALL_COMPLETE);
	CHECK_EQ(rows[1].ret, 2);
}

/* execve from a second thread returns on the leader: one call. */
static void test_exec_from_other_thread(void)
{
	struct call_event e = { .tid = 10, .cpu = 0, .pid = 10, .func = 1,
				.is_return = true, .has_ret = true, .ret = 0 };

	reset();
	pairer_set_func(p, 1, FUNC_SYSCALL | FUNC_EXEC);
	clock_ns = 1000;
	{
		struct call_event in = { .tid = 11, .pid = 10, .func = 1, .ts = 1000 };

		pairer_feed(p, &in);
	}
	e.ts = 1500;
	pairer_feed(p, &e);
	pairer_finish(p);
	CHECK_EQ(nrows, 1);
	CHECK_EQ(rows[0].status, CALL_COMPLETE);
	CHECK_EQ(rows[0].tid, 11);
	CHECK_EQ(rows[0].duration, 500);
}

/* A tid is whatever the file says: -1 (once the empty slot's mark, so its
 * stack was lost and leaked on every event) is a thread like any other. */
static void test_negative_tids(void)
{
	int n = 0;

	reset();
	for (int i = 0; i < 3; i++) {
		ev(-1, 0, 2, 0, 10);
		ev(-7, 0, 2, 0, 10);
		ev(INT_MIN, 0, 2, 0, 10);
	}
	ev(-7, 0, 2, 1, 10);
	pairer_finish(p);
	CHECK_EQ(nrows, 9);
	for (int i = 0; i < nrows; i++)
		n += rows[i].status == CALL_COMPLETE && rows[i].tid == -7 && rows[i].depth == 2;
	CHECK_EQ(n, 1);
	CHECK(find(2, 2));
}

/* a user-space entry at sp with the return address it found (0: none
 * fetched), or a return at sp + 8 */
static void evc(int tid, int func, int is_ret, uint64_t sp, uint64_t caller, uint64_t dt)
{
	struct call_event e = { .tid = tid, .cpu = 0, .pid = tid, .func = func,
				.is_return = is_ret, .has_sp = true,
				.sp = is_ret ? sp + 8 : sp, .has_caller = caller != 0,
				.caller = caller };

	clock_ns += dt;
	e.ts = clock_ns;
	e.event_id = (int64_t)clock_ns;
	pairer_feed(p, &e);
}

static void user_funcs(void)
{
	for (int f = 0; f < 8; f++)
		pairer_set_func(p, f, FUNC_USER_RET);
	pairer_set_machine(p, "x86_64");
}

/*
 * main: setjmp; jumper() -> thrower() -> longjmp, 3 times; then after()
 * from main at jumper's place. Each new jumper (a fresh call: its return
 * address is main's) proves the last one and its thrower gone.
 */
static void test_longjmp_abandons(void)
{
	uint64_t c[CALL_NSTATUS];

	reset();
	user_funcs();
	for (int i = 0; i < 3; i++) {
		evc(1, 1, 0, 0x7000, 0x401234, 10);	/* jumper */
		evc(1, 2, 0, 0x6fd0, 0x401300, 10);	/* thrower */
	}
	evc(1, 3, 0, 0x7000, 0x401240, 10);		/* after, from main */
	evc(1, 3, 1, 0x7000, 0, 10);
	pairer_finish(p);
	pairer_counts(p, c);
	CHECK_EQ(c[CALL_ABANDONED], 6);
	CHECK_EQ(c[CALL_COMPLETE], 1);
	CHECK_EQ(c[CALL_NO_RETURN], 0);
	CHECK_EQ(c[CALL_NO_RETURN_DEPTH], 0);
	CHECK_EQ(find(3, 0)->status, CALL_COMPLETE);
	CHECK_EQ(find(3, 0)->parent_id, 0);
	CHECK_EQ(find(3, 0)->duration, 10);
	/* the abandoned ones nest as they ran */
	CHECK_EQ(find(2, 1)->status, CALL_ABANDONED);
	CHECK(!find(2, 1)->has_return);
	for (int i = 0; i < nrows; i++)
		CHECK(rows[i].depth <= 1);
}

/* A return at a shallower position proves the frames below it gone too,
 * whether or not its own entry was seen. */
static void test_return_above_abandons(void)
{
	reset();
	user_funcs();
	evc(1, 1, 0, 0x7000, 0x401234, 10);	/* f */
	evc(1, 2, 0, 0x6f00, 0x401300, 10);	/* g, longjmp'd out of */
	evc(1, 3, 0, 0x6e00, 0x401400, 10);	/* h, under g */
	evc(1, 1, 1, 0x7000, 0, 10);		/* f returns */
	evc(1, 4, 1, 0x7100, 0, 10);		/* an outer frame entered before */
	pairer_finish(p);
	CHECK_EQ(nrows, 4);
	CHECK_EQ(rows[0].func, 3);
	CHECK_EQ(rows[0].status, CALL_ABANDONED);
	CHECK_EQ(rows[1].func, 2);
	CHECK_EQ(rows[1].status, CALL_ABANDONED);
	CHECK_EQ(rows[2].func, 1);
	CHECK_EQ(rows[2].status, CALL_COMPLETE);
	CHECK_EQ(rows[2].duration, 30);
	CHECK_EQ(rows[3].status, CALL_NO_ENTRY);
}

/*
 * A tail call: tailer() jumps to tailee(), whose entry finds the kernel's
 * trampoline (page-aligned) as its return address; both frames are live,
 * and the kernel reports tailee's return, then tailer's, at one position.
 */
static void test_tail_call_keeps_caller(void)
{
	reset();
	user_funcs();
	evc(1, 1, 0, 0x7000, 0x401234, 10);		/* tailer */
	evc(1, 2, 0, 0x7000, 0x7fffffffe000, 10);	/* tailee */
	evc(1, 2, 1, 0x7000, 0, 10);
	evc(1, 1, 1, 0x7000, 0, 1);
	pairer_finish(p);
	CHECK_EQ(nrows, 2);
	CHECK_EQ(rows[0].func, 2);
	CHECK_EQ(rows[0].status, CALL_COMPLETE);
	CHECK_EQ(rows[0].depth, 1);
	CHECK_EQ(rows[1].func, 1);
	CHECK_EQ(rows[1].status, CALL_COMPLETE);
	CHECK_EQ(rows[1].duration, 21);
}

/* Without the return address, only the same function at the same
 * position is taken as gone: another may be a tail call. */
static void test_same_position_without_caller(void)
{
	reset();
	user_funcs();
	evc(1, 1, 0, 0x7000, 0, 10);
	evc(1, 1, 0, 0x7000, 0, 10);	/* f again: the first is gone */
	evc(1, 2, 0, 0x7000, 0, 10);	/* g: maybe tail-called */
	evc(1, 2, 1, 0x7000, 0, 10);
	evc(1, 1, 1, 0x7000, 0, 1);
	pairer_finish(p);
	CHECK_EQ(nrows, 3);
	CHECK_EQ(rows[0].status, CALL_ABANDONED);
	CHECK_EQ(rows[1].func, 2);
	CHECK_EQ(rows[1].status, CALL_COMPLETE);
	CHECK_EQ(rows[2].status, CALL_COMPLETE);
	CHECK_EQ(rows[2].duration, 21);
}

/* A loss while it was open says more than the stack: lost. A syscall
 * left open inside a gone frame goes with it, as a call without return. */
static void test_abandoned_lost_and_kernel_frames(void)
{
	reset();
	user_funcs();
	pairer_set_func(p, 5, FUNC_SYSCALL);
	evc(1, 1, 0, 0x7000, 0x401234, 10);	/* f */
	ev(1, 0, 5, 0, 10);			/* read, inside f: exit lost */
	pairer_loss(p, 0, 1025, 1026);
	evc(1, 2, 0, 0x7100, 0x401300, 10);	/* shallower: f is gone */
	pairer_finish(p);
	CHECK_EQ(rows[0].func, 5);
	CHECK_EQ(rows[0].status, CALL_LOST);
	CHECK_EQ(rows[1].func, 1);
	CHECK_EQ(rows[1].status, CALL_LOST);
	reset();
	user_funcs();
	pairer_set_func(p, 5, FUNC_SYSCALL);
	evc(1, 1, 0, 0x7000, 0x401234, 10);
	ev(1, 0, 5, 0, 10);
	evc(1, 2, 0, 0x7100, 0x401300, 10);
	pairer_finish(p);
	CHECK_EQ(rows[0].status, CALL_NO_RETURN);
	CHECK_EQ(rows[1].status, CALL_ABANDONED);
}

/*
 * The kernel still holds the return instances of abandoned frames: 64 of
 * them, and it arms no more (it cleans up only when it has room to arm);
 * a return through its trampoline below them drops them, and it arms
 * again.
 */
static void test_abandoned_count_against_limit(void)
{
	uint64_t c[CALL_NSTATUS];

	reset();
	user_funcs();
	evc(1, 1, 0, 0x8000, 0x401000, 10);		/* outer, armed */
	for (int d = 0; d < 70; d++)			/* deep(70): 63 armed */
		evc(1, 2, 0, 0x7000 - (uint64_t)d * 32, 0x401234, 10);
	/* longjmp to outer's callee position; after() twice: not armed */
	evc(1, 3, 0, 0x7000, 0x401240, 10);
	evc(1, 3, 0, 0x7000, 0x401240, 10);
	pairer_counts(p, c);
	CHECK_EQ(c[CALL_ABANDONED], 63);
	CHECK_EQ(c[CALL_NO_RETURN_DEPTH], 8);	/* deep's 7, the first after() */
	evc(1, 1, 1, 0x8000, 0, 10);		/* outer returns: all dropped */
	evc(1, 3, 0, 0x8000, 0x401240, 10);	/* armed again */
	evc(1, 3, 1, 0x8000, 0, 10);
	pairer_finish(p);
	pairer_counts(p, c);
	CHECK_EQ(c[CALL_COMPLETE], 2);
	CHECK_EQ(c[CALL_NO_RETURN_DEPTH], 9);
	CHECK_EQ(c[CALL_NO_RETURN], 0);
}

/* A call inside a call of its own function is recursive (total time
 * counts the outermost only); inside another function's, it is not. */
static void test_recursive_calls(void)
{
	reset();
	ev(1, 0, 3, 0, 0);	/* r */
	ev(1, 0, 4, 0, 10);	/*   g */
	ev(1, 0, 3, 0, 10);	/*     r: recursive, through g */
	ev(1, 0, 3, 1, 10);
	ev(1, 0, 4, 1, 10);
	ev(1, 0, 3, 1, 10);
	ev(2, 1, 3, 0, 0);	/* r on another thread: not */
	ev(2, 1, 3, 1, 10);
	pairer_finish(p);
	CHECK_EQ(nrows, 4);
	CHECK(find(3, 2)->recursive);
	CHECK(!find(4, 1)->recursive);
	CHECK(!rows[2].recursive);
	CHECK_EQ(rows[2].depth, 0);
	CHECK(!rows[3].recursive);
}

/* Calls read back in id order find their parents' values; calls of a
 * thread that ended are not parents of later ones. */
static void test_nest_by_parent_ids(void)
{
	struct pair_nest *n = pair_nest_new();
	int v = -1;

	CHECK(n);
	/* thread 1: 1 { 2 { 3 } 4 }, 5; thread 2: 6 { 7 } */
	CHECK_EQ(pair_nest_parent(n, 1, 0, &v), 0);
	CHECK_EQ(pair_nest_add(n, 1, 1, 10), 0);
	CHECK_EQ(pair_nest_parent(n, 1, 1, &v), 1);
	CHECK_EQ(v, 10);
	CHECK_EQ(pair_nest_add(n, 1, 2, 20), 0);
	CHECK_EQ(pair_nest_parent(n, 2, 0, &v), 0);
	CHECK_EQ(pair_nest_add(n, 2, 6, 60), 0);
	CHECK_EQ(pair_nest_parent(n, 1, 2, &v), 1);
	CHECK_EQ(v, 20);
	CHECK_EQ(pair_nest_add(n, 1, 3, 30), 0);
	CHECK_EQ(pair_nest_parent(n, 1, 1, &v), 1);	/* 4: 2 and 3 ended */
	CHECK_EQ(v, 10);
	CHECK_EQ(pair_nest_add(n, 1, 4, 40), 0);
	CHECK_EQ(pair_nest_parent(n, 2, 6, &v), 1);
	CHECK_EQ(v, 60);
	CHECK_EQ(pair_nest_add(n, 2, 7, 70), 0);
	CHECK_EQ(pair_nest_parent(n, 1, 0, &v), 0);	/* 5: outermost */
	CHECK_EQ(pair_nest_add(n, 1, 5, 50), 0);
	CHECK_EQ(pair_nest_parent(n, 1, 2, &v), 0);	/* 2 has ended */
	CHECK_EQ(pair_nest_parent(n, 3, 99, &v), 0);	/* a parent not read back */
	for (int t = 10; t < 2000; t++)			/* more threads than it starts with */
		CHECK_EQ(pair_nest_add(n, t, t, t), 0);
	CHECK_EQ(pair_nest_parent(n, 1999, 1999, &v), 1);
	CHECK_EQ(v, 1999);
	pair_nest_free(n);
}

/* Which functions are what, by name: decided in the engine. */
static void test_func_flags_by_name(void)
{
	int64_t d = 0;

	CHECK_EQ(pair_func_flags("syscall:read", false), FUNC_SYSCALL);
	CHECK_EQ(pair_func_flags("syscall:exit_group", false), FUNC_SYSCALL | FUNC_NEVER_RETURNS);
	CHECK_EQ(pair_func_flags("syscall:clone3", false), FUNC_SYSCALL | FUNC_FORK);
	CHECK_EQ(pair_func_flags("syscall:execve", false), FUNC_SYSCALL | FUNC_EXEC);
	CHECK_EQ(pair_func_flags("handle", true), FUNC_USER_RET);
	/* a user function named like a syscall is not one */
	CHECK_EQ(pair_func_flags("exit_group", false), 0);
	CHECK(pair_sp_delta("x86_64", &d));
	CHECK_EQ(d, 8);
	CHECK(!pair_sp_delta("aarch64", &d));
	CHECK(!pair_sp_delta(NULL, &d));
}

/* Without a machine's rule, stack pointers do not pair: by nesting. */
static void test_no_machine_pairs_by_nesting(void)
{
	reset();
	pairer_set_machine(p, "riscv64");
	evsp(1, 3, 0, 0x7000, 0);
	evsp(1, 3, 1, 0x6000, 10);	/* names no frame, but is not looked at */
	pairer_finish(p);
	CHECK_EQ(nrows, 1);
	CHECK_EQ(rows[0].status, CALL_COMPLETE);
}

/* The open calls, for "still running": noted ones come back noted, in
 * the iteration and in their rows; a forgotten thread's calls go without
 * rows. */
static void test_open_calls(void)
{
	struct pair_iter it = PAIR_ITER_INIT;
	int seen = 0, noted = 0;

	reset();
	ev(1, 0, 1, 0, 0);		/* t1: f { g */
	ev(1, 0, 2, 0, 10);
	ev(2, 1, 1, 0, 10);		/* t2: f */
	while (pairer_open_next(p, &it)) {
		seen++;
		CHECK(it.oc.returns);
		CHECK(!it.oc.noted);
		if (it.oc.tid == 1 && it.oc.func == 2) {
			CHECK_EQ(it.oc.entry_ts, 1010);
			pairer_note(p, &it);
		}
	}
	CHECK_EQ(seen, 3);
	it = (struct pair_iter)PAIR_ITER_INIT;
	while (pairer_open_next(p, &it))
		noted += it.oc.noted;
	CHECK_EQ(noted, 1);
	ev(1, 0, 2, 1, 10);		/* g returns: noted */
	pairer_forget_thread(p, 2);	/* t2 exited */
	it = (struct pair_iter)PAIR_ITER_INIT;
	seen = 0;
	while (pairer_open_next(p, &it)) {
		seen++;
		CHECK_EQ(it.oc.tid, 1);
	}
	CHECK_EQ(seen, 1);
	pairer_finish(p);
	CHECK_EQ(nrows, 2);
	CHECK_EQ(rows[0].func, 2);
	CHECK(rows[0].noted);
	CHECK_EQ(rows[0].duration, 20);
	CHECK(!rows[1].noted);
	CHECK_EQ(rows[1].tid, 1);
}

/* Calls the kernel armed no return for are open, but not "running". */
static void test_open_calls_past_depth_limit(void)
{
	struct pair_iter it = PAIR_ITER_INIT;
	int returns = 0, not = 0;

	reset();
	pairer_set_func(p, 3, FUNC_USER_RET);
	pairer_set_machine(p, "x86_64");
	for (int d = 0; d < 70; d++)
		evsp(1, 3, 0, 0x7000 - (uint64_t)d * 32, 10);
	while (pairer_open_next(p, &it)) {
		returns += it.oc.returns;
		not += !it.oc.returns;
	}
	CHECK_EQ(returns, 64);
	CHECK_EQ(not, 6);
}

/* Bounded memory: the oldest open calls go, the newest pair. */
static void test_bounded_open_calls(void)
{
	uint64_t c[CALL_NSTATUS];
	struct pair_iter it = PAIR_ITER_INIT;
	int open = 0;

	reset();
	pairer_set_max_open(p, 4);
	for (int d = 0; d < 10; d++)
		ev(1, 0, 1, 0, 10);
	while (pairer_open_next(p, &it))
		open++;
	CHECK_EQ(open, 4);
	ev(1, 0, 1, 1, 5);		/* the innermost returns */
	CHECK_EQ(nrows, 1);
	CHECK_EQ(rows[0].status, CALL_COMPLETE);
	CHECK_EQ(rows[0].duration, 5);
	CHECK_EQ(rows[0].depth, 3);	/* counted from the oldest kept */
	pairer_finish(p);
	pairer_counts(p, c);
	CHECK_EQ(c[CALL_COMPLETE], 1);
	CHECK_EQ(c[CALL_NO_RETURN], 3);
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
	RUN(test_uretprobe_depth_limit);
	RUN(test_depth_limit_without_sp_pairs_innermost);
	RUN(test_sp_mismatch_is_no_entry);
	RUN(test_loss_range_inside_call);
	RUN(test_loss_after_migration);
	RUN(test_loss_ranges_merge);
	RUN(test_syscalls_do_not_nest);
	RUN(test_never_returns);
	RUN(test_fork_child);
	RUN(test_exec_from_other_thread);
	RUN(test_negative_tids);
	RUN(test_longjmp_abandons);
	RUN(test_return_above_abandons);
	RUN(test_tail_call_keeps_caller);
	RUN(test_same_position_without_caller);
	RUN(test_abandoned_lost_and_kernel_frames);
	RUN(test_abandoned_count_against_limit);
	RUN(test_recursive_calls);
	RUN(test_nest_by_parent_ids);
	RUN(test_func_flags_by_name);
	RUN(test_no_machine_pairs_by_nesting);
	RUN(test_open_calls);
	RUN(test_open_calls_past_depth_limit);
	RUN(test_bounded_open_calls);
	pairer_free(p);
	return TEST_EXIT();
}
