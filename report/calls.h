/* SPDX-License-Identifier: MIT */
/*
 * Pairing entry and return events into calls, with a stack per thread.
 * Pure logic over a time-ordered stream (unit-tested without a kernel):
 * recursion and nested functions pair correctly; a return whose entry is
 * missing, an entry whose return never comes, and calls open across a
 * missed-events mark are kept but marked incomplete, never paired wrongly.
 */
#ifndef UKT_CALLS_H
#define UKT_CALLS_H

#include <stdbool.h>
#include <stdint.h>

struct call_event {
	uint64_t ts;
	int cpu;
	int tid;
	int pid;
	int func;		/* pairing key, >= 0 */
	bool is_return;
	int probe_id;
	int64_t event_id;
	bool has_caller;	/* entry: fetched return address; return: ret_ip */
	uint64_t caller;
	bool has_ret;
	int64_t ret;
	const char *args;	/* entry: rendered arguments, or NULL */
};

enum call_status {
	CALL_COMPLETE,
	CALL_NO_RETURN,		/* entry seen, return never (stopped, died, lost) */
	CALL_NO_ENTRY,		/* return seen, entry before the recording */
	CALL_LOST,		/* both seen, but events were lost in between */
};

const char *call_status_name(enum call_status s);

struct call_row {
	int64_t id;
	int func;
	int tid;
	int pid;
	bool has_entry, has_return;
	uint64_t entry_ts, return_ts;
	int64_t duration;	/* valid with both */
	int64_t self;		/* duration minus completed nested calls */
	int depth;
	int64_t parent_id;	/* 0: none */
	bool has_caller;
	uint64_t caller;
	bool has_ret;
	int64_t ret;
	int64_t entry_event_id, return_event_id;	/* 0: none */
	int entry_cpu;
	const char *args;
	enum call_status status;
};

typedef int (*call_emit_fn)(void *ctx, const struct call_row *row);

struct pairer;

struct pairer *pairer_new(call_emit_fn emit, void *ctx);
void pairer_free(struct pairer *p);

/* Feed the next event (in time order). 0 or the emit callback's error. */
int pairer_feed(struct pairer *p, const struct call_event *ev);

/* The kernel lost events on cpu before ts: calls open on that CPU's
 * threads become CALL_LOST when they return. */
void pairer_missed(struct pairer *p, int cpu);

/* End of the stream: every open call is emitted as CALL_NO_RETURN. */
int pairer_finish(struct pairer *p);

/* Counters of what was emitted, by status. */
void pairer_counts(const struct pairer *p, uint64_t counts[4]);

#endif
