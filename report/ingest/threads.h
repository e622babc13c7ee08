/* SPDX-License-Identifier: MIT */
/*
 * Which process a thread belongs to and what it was called when, from the
 * trace's TASKS records (the kernel's word on each thread's birth, exec
 * and renaming, as they happened), THREADS blocks (read from /proc by the
 * recorder), saved_tgids and saved_cmdlines, in that order of trust.
 */
#ifndef UKT_THREADS_H
#define UKT_THREADS_H

#include <stdbool.h>
#include <stdint.h>

#include "trace.h"

/* A thread's name from a time on. */
struct thread_name {
	uint64_t ts;	/* trace clock */
	char *comm;
};

struct thread_info {
	int tid;
	int pid;	/* 0 when unknown (threads_load resolves it:) */
	int pid_task;	/* what TASKS records say, 0 */
	int pid_listed;	/* what THREADS lines say, 0 */
	int tgid;	/* what saved_tgids says, 0 */
	char *comm;	/* its last name; NULL when unknown */
	char *first_comm;	/* its name at the recording's start, or NULL */
	struct thread_name *names;	/* its names over time, by ts (TASKS) */
	size_t nnames;
	bool has_sp_base;
	uint64_t sp_base;	/* the import's: stack pointers count from it */
	bool seen;	/* it has events in the trace (the import says) */
	bool leads;	/* a seen thread is of its process (threads_mark_leaders) */
};

struct threads {
	struct thread_info *v;	/* open addressing on tid */
	size_t cap;
	size_t n;
};

int threads_load(struct threads *th, const struct trace *t);
/* tid's name at time ts (trace clock): the one it had then, when the
 * trace says (an exec or a rename since, a fork child before its exec),
 * else its name. */
const char *threads_comm_at(const struct threads *th, int tid, uint64_t ts);
/* Whether e's name changed during the recording (threads_comm_at then
 * depends on the time). */
bool threads_renamed(const struct thread_info *e);
/* The entry for tid, or NULL. */
const struct thread_info *threads_get(const struct threads *th, int tid);
/* The name to show for tid: its comm, "<idle>" for the idle task (tid 0,
 * which the kernel records as the context of interrupts on an idle CPU),
 * or "<...>" when unknown (as trace-cmd shows them). */
const char *threads_name(const struct threads *th, int tid);
/* Mark the process of every seen thread: the threads tables hold the
 * seen threads and their processes, not every name saved_cmdlines ever
 * kept. */
void threads_mark_leaders(struct threads *th);
/* Whether e belongs in the threads table (after threads_mark_leaders). */
static inline bool threads_wanted(const struct thread_info *e)
{
	return (e->tid != 0 || e->comm) && (e->seen || e->leads);
}
/* Add tid if absent (returns the entry; NULL on ENOMEM). */
struct thread_info *threads_add(struct threads *th, int tid);
void threads_release(struct threads *th);

#endif
