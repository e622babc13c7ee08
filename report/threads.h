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
/* Add tid if absent (returns the entry; NULL on ENOMEM). */
struct thread_info *threads_add(struct threads *th, int tid);
void threads_release(struct threads *th);

#endif
