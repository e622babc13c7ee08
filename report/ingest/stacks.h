/* SPDX-License-Identifier: MIT */
/*
 * Stacks: each distinct stack recorded with events (uktrace-record -g)
 * kept once and numbered, its frames as call sites (sites.h), so a stack
 * is named once however many events share it; and which event had which
 * stack. The stacks, stack_frame_data and event_stacks tables
 * (docs/SCHEMA.md).
 */
#ifndef UKT_STACKS_H
#define UKT_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sites.h"

enum stack_kind { STACK_KERNEL, STACK_USER };

struct stacks;

/* Stacks whose frames are named through si (which must outlive them).
 * NULL on ENOMEM. */
struct stacks *stacks_new(struct sites *si);
void stacks_free(struct stacks *st);

/*
 * The id (1, 2, ...) of the stack of addrs (n frames, innermost first) of
 * kind, in process pid (kernel stacks: any), at time ts; cut: the
 * recording says frames are missing past the last. Records that event id
 * had it. 0 or -ENOMEM.
 */
int stacks_add(struct stacks *st, int64_t event_id, enum stack_kind kind, int pid,
	       const uint64_t *addrs, int n, bool cut, uint64_t ts);

/* A stack, as stacks_at gives it: frames are site ids, innermost first. */
struct stack_info {
	enum stack_kind kind;
	int pid;
	bool complete;		/* it reaches a thread's first function */
	int nframes;
	const int64_t *frames;
};

size_t stacks_count(const struct stacks *st);
void stacks_at(const struct stacks *st, size_t i, struct stack_info *out);

/* The events that had a stack: count, and the i-th (event id, stack id). */
size_t stacks_nevents(const struct stacks *st);
void stacks_event_at(const struct stacks *st, size_t i, int64_t *event_id, int64_t *stack_id);

/* The kind's name in the database: "kernel" or "user". */
const char *stack_kind_name(enum stack_kind k);

#endif
