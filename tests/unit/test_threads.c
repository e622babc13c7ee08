// SPDX-License-Identifier: MIT
/* Unit tests: which process a thread is of, and its names over time
 * (report/ingest/threads.c), from THREADS, saved_tgids, saved_cmdlines and
 * TASKS as a trace holds them. */
#include "test.h"

#include "../../report/ingest/threads.h"
#include "../../report/ingest/trace.h"

static void trace_init(struct trace *t)
{
	memset(t, 0, sizeof(*t));
	ukt_buf_init(&t->threads);
	ukt_buf_init(&t->tgids);
	ukt_buf_init(&t->cmdlines);
	ukt_buf_init(&t->tasks);
}

static void trace_done(struct trace *t)
{
	ukt_buf_release(&t->threads);
	ukt_buf_release(&t->tgids);
	ukt_buf_release(&t->cmdlines);
	ukt_buf_release(&t->tasks);
}

static void task(struct trace *t, uint32_t kind, uint64_t ts, int pid, int tid, int ptid,
		 const char *comm)
{
	struct ukt_task r = { .kind = kind, .ts = ts, .pid = pid, .tid = tid,
			      .ppid = ptid ? pid : 0, .ptid = ptid, .comm = comm,
			      .clen = comm ? (uint32_t)strlen(comm) : 0 };

	ukt_task_add(&t->tasks, &r);
}

static int pid_of(const struct threads *th, int tid)
{
	const struct thread_info *e = threads_get(th, tid);

	return e ? e->pid : -1;
}

/*
 * An older recorder, stopped at the exit of thread 12, listed the threads
 * of process 10 under 12: saved_tgids knows 12 is a thread of 10.
 */
static void test_thread_listed_as_process(void)
{
	struct trace t;
	struct threads th;

	trace_init(&t);
	ukt_buf_adds(&t.threads, "10 10 wl\n");
	ukt_buf_adds(&t.threads, "10 12 wl\n11 12 wl\n12 12 wl\n13 12 wl\n");
	ukt_buf_adds(&t.threads, "10 13 wl\n11 13 wl\n13 13 wl\n");
	ukt_buf_adds(&t.tgids, "10 10\n11 10\n12 10\n13 10\n");
	CHECK_EQ(threads_load(&th, &t), 0);
	for (int tid = 10; tid <= 13; tid++)
		CHECK_EQ(pid_of(&th, tid), 10);
	threads_release(&th);
	trace_done(&t);
}

/* The kernel's own records of threads born during the recording win. */
static void test_tasks_name_the_process(void)
{
	struct trace t;
	struct threads th;

	trace_init(&t);
	ukt_buf_adds(&t.threads, "20 20 srv\n21 21 srv\n");	/* wrong, on purpose */
	task(&t, UKT_TASK_CLONE, 100, 20, 21, 20, NULL);
	task(&t, UKT_TASK_CLONE, 101, 20, 22, 21, NULL);
	CHECK_EQ(threads_load(&th, &t), 0);
	CHECK_EQ(pid_of(&th, 20), 20);
	CHECK_EQ(pid_of(&th, 21), 20);
	CHECK_EQ(pid_of(&th, 22), 20);
	CHECK_STR(threads_comm_at(&th, 22, 500), "srv");	/* its maker's name */
	threads_release(&th);
	trace_done(&t);
}

/* A fork child is named as its parent until its exec; a thread renamed
 * is named as it was at each moment. */
static void test_names_over_time(void)
{
	struct trace t;
	struct threads th;
	const struct thread_info *e;

	trace_init(&t);
	ukt_buf_adds(&t.threads, "30 30 bash\n40 40 app\n");
	ukt_buf_adds(&t.cmdlines, "31 true\n40 worker\n");
	/* out of order: readers sort by time */
	task(&t, UKT_TASK_EXEC, 200, 31, 31, 0, "true");
	task(&t, UKT_TASK_FORK, 100, 31, 31, 30, NULL);
	task(&t, UKT_TASK_COMM, 300, 40, 40, 0, "worker");
	CHECK_EQ(threads_load(&th, &t), 0);
	CHECK_STR(threads_comm_at(&th, 31, 150), "bash");
	CHECK_STR(threads_comm_at(&th, 31, 200), "true");
	CHECK_STR(threads_comm_at(&th, 31, 999), "true");
	CHECK_STR(threads_comm_at(&th, 40, 10), "app");
	CHECK_STR(threads_comm_at(&th, 40, 400), "worker");
	CHECK_STR(threads_comm_at(&th, 30, 150), "bash");
	e = threads_get(&th, 31);
	CHECK(e && threads_renamed(e));
	CHECK_STR(e->comm, "true");
	e = threads_get(&th, 30);
	CHECK(e && !threads_renamed(e));
	threads_release(&th);
	trace_done(&t);
}

/* A malformed TASKS payload stops there: what came before it counts. */
static void test_tasks_cut(void)
{
	struct trace t;
	struct threads th;

	trace_init(&t);
	task(&t, UKT_TASK_CLONE, 100, 50, 51, 50, NULL);
	ukt_buf_add(&t.tasks, "\x40\0\0\0garbage", 11);
	CHECK_EQ(threads_load(&th, &t), 0);
	CHECK_EQ(pid_of(&th, 51), 50);
	threads_release(&th);
	trace_done(&t);
}

int main(void)
{
	RUN(test_thread_listed_as_process);
	RUN(test_tasks_name_the_process);
	RUN(test_names_over_time);
	RUN(test_tasks_cut);
	return TEST_EXIT();
}
