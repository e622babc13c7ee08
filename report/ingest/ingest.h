/* SPDX-License-Identifier: MIT */
/*
 * The one ingest loop: a trace's events decoded in time order (decode.h),
 * each given its thread (threads.h) and its role in the plan (plan.h),
 * entries and returns paired into calls by the engine (uktrace/pair.h),
 * callers named once per call site (sites.h), losses noted where they
 * were; and every row handed to a sink that only encodes it: the SQLite
 * import (import.c) and the ClickHouse load (chload.c). What counts as a
 * loss, a call or a window's edge is decided here, once.
 */
#ifndef UKT_INGEST_H
#define UKT_INGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "dwunwind.h"
#include "plan.h"
#include "sites.h"
#include "stacks.h"
#include "symbolize.h"
#include "threads.h"
#include "trace.h"
#include "uktrace/buf.h"
#include "uktrace/pair.h"

/* A row of lost (docs/SCHEMA.md). */
struct ingest_lost {
	int cpu;
	bool has_ts, has_count, has_from;
	int64_t ts, count, from;
	const char *source;	/* "stats", "mark" or "overwrite" */
};

/*
 * What a sink does with each row; ctx is the sink's. Each returns 0 or a
 * negative error, which stops the loop. Called on the thread that runs
 * ingest_run, in time order (a call when it ends).
 */
struct ingest_sink {
	int (*lost)(void *ctx, const struct ingest_lost *l);
	/*
	 * Event id (1, 2, ... in time order) of layout li, on thread ti. ce is
	 * its call event when li is half of a pair (else NULL); the sink sets
	 * ce->stored when it keeps the event as a row of its own, or leaves
	 * it unset for the call row to reproduce (fold) it.
	 */
	int (*event)(void *ctx, const struct dec_event *ev, int64_t id, struct lay_info *li,
		     struct thread_info *ti, struct call_event *ce);
	/* A call; site is its caller's call site (sites.h), 0 without one. */
	int (*call)(void *ctx, const struct call_row *r, int64_t site);
};

struct ingest {
	struct trace *t;
	struct decoder *dec;
	struct plan plan;
	struct threads th;
	struct symbolizer sy;
	struct sites *sites;
	struct stacks *stacks;	/* the stacks recorded with events (-g) */
	struct dwunwind *dw;	/* --stack dwarf's windows unwound */
	struct pairer *pairer;
	bool flight;		/* a flight recorder's dump */
	/* a sink that needs neither (stream.h): calls get no site, events
	 * no stacks */
	bool no_sites, no_stacks;
	uint64_t *cpu_events, *cpu_marks;	/* per CPU */
	uint64_t *lay_events;	/* per layout */
	uint64_t events, lost_marks;
	const struct ingest_sink *sink;
	void *ctx;
	struct ukt_buf args;	/* scratch: an entry's rendered arguments */
};

/*
 * Set up the stages for t (which must outlive in): decoder, threads,
 * symbols, plan, pairer. 0, or negative with a message in err (warn gets
 * the formats that did not parse). ingest_release in any case.
 */
int ingest_open(struct ingest *in, struct trace *t, struct ukt_buf *err,
		struct ukt_buf *warn);
void ingest_release(struct ingest *in);

/* The first event's time (0 without events); the loop starts over. */
int64_t ingest_first_ts(struct ingest *in);

/*
 * The loop: the recorder's loss records, every event, then the calls
 * still open at the end. 0, or the first error (the sink's, or ENOMEM).
 */
int ingest_run(struct ingest *in, const struct ingest_sink *sink, void *ctx);

#endif
