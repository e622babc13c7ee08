/* SPDX-License-Identifier: MIT */
/*
 * The trace as Chrome trace-event JSON, which ui.perfetto.dev and
 * chrome://tracing open: one track per thread with something in the
 * selection, grouped by process and named at the end; each
 * call with both ends a complete ("X") slice, nested as the calls were,
 * with its arguments, return value and status in args (the name is the
 * function alone, which tools group by); a call entered and never
 * returned a slice as far as it can have run (to the end of the trace
 * for one still running then), so that what ran inside it nests under
 * it; a return without its entry an instant; the events of probes that
 * are not halves of calls instants with their fields; lost events a
 * counter per CPU. Integers beyond 2^53, which JSON readers round, are hex
 * strings. Timestamps are microseconds with nanosecond decimals, on the
 * trace clock. Written as the rows stream from the database: memory grows
 * with the threads drawn on and the calls that did not return, not with
 * the events.
 */
#ifndef UKT_PERFETTO_H
#define UKT_PERFETTO_H

#include <stdint.h>
#include <stdio.h>

#include "stats.h"
#include "uktrace/buf.h"

struct db;

/* The calls and events sel selects (sel->func ignored) to f; *nevents is
 * the count of trace events written. 0, or negative with err set. */
int perfetto_write(FILE *f, struct db *d, const struct call_select *sel,
		   uint64_t *nevents, struct ukt_buf *err);

#endif
