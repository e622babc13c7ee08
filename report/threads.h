/* SPDX-License-Identifier: MIT */
/*
 * Which process a thread belongs to and what it was called, from the
 * trace's THREADS blocks (read from /proc by the recorder), saved_tgids and
 * saved_cmdlines, in that order of trust.
 */
#ifndef UKT_THREADS_H
#define UKT_THREADS_H

#include <stdbool.h>
#include <stdint.h>

#include "trace.h"

struct thread_info {
	int tid;
	int pid;	/* 0 when unknown */
	char *comm;	/* NULL when unknown */
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
