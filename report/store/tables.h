/* SPDX-License-Identifier: MIT */
/*
 * The insert loops of the tables filled from the trace's metadata (meta,
 * probes, threads, objects/symbols/maps, damage, cpus); the events and
 * calls are inserted as they stream, through batch.h.
 */
#ifndef UKT_TABLES_H
#define UKT_TABLES_H

#include <stdbool.h>
#include <stdint.h>

#include "plan.h"
#include "sites.h"
#include "stacks.h"
#include "symbolize.h"
#include "threads.h"
#include "trace.h"
#include "uktrace/buf.h"

struct db;

/* events[i]: events of layout i decoded. */
int tables_insert_probes(struct db *d, const struct trace *t,
			 const struct plan *p, const uint64_t *events,
			 struct ukt_buf *err);
int tables_insert_threads(struct db *d, const struct threads *th,
			  struct ukt_buf *err);
int tables_insert_symbols(struct db *d, const struct symbolizer *sy,
			  struct ukt_buf *err);
int tables_insert_damage(struct db *d, const struct trace *t,
			 struct ukt_buf *err);
/* A probes row: layout i of the plan (view and args: caller's buffers). */
struct probe_row {
	int id;
	const char *name, *system, *kind, *role, *func, *target, *symbol, *spec, *definition;
	const char *returns;	/* "void", "value" or NULL */
	struct ukt_buf function;	/* the probed function's readable name */
	const char *filter;	/* the record-time filter, or NULL */
	bool has_offset;
	int64_t offset;
	struct ukt_buf view, args;
	int64_t events;
};
void tables_probe_row(const struct trace *t, const struct plan *p, int i,
		      const uint64_t *events, struct probe_row *r);

/* The values of a cpus row (cpu, events, lost_events, overrun, dropped,
 * missed_marks, pages, raw_bytes, stored_bytes, overwritten) from the
 * trace and what the import counted; null[i] for NULL. */
#define CPU_NCOLS 10
void tables_cpu_row(const struct trace *t, uint32_t c, const uint64_t *events,
		    const uint64_t *marks, int64_t v[CPU_NCOLS], bool null[CPU_NCOLS]);
/* events[cpu] and marks[cpu]: events and missed-event marks decoded. */
int tables_insert_cpus(struct db *d, const struct trace *t,
		       const uint64_t *events, const uint64_t *marks,
		       struct ukt_buf *err);
/* A meta value (to free), or NULL. */
char *tables_meta(struct db *d, const char *key);
/* The first event's timestamp: the origin of "+S" times. */
int64_t tables_first_ts(struct db *d);
/* One meta row (replacing the key's). */
int tables_set_meta(struct db *d, const char *k, const char *v, struct ukt_buf *err);
/* funcs: the paired functions, id = the plan's index. */
int tables_insert_funcs(struct db *d, const struct plan *p, struct ukt_buf *err);
/* sites: the call sites, id = the sites' id. */
int tables_insert_sites(struct db *d, const struct sites *st, struct ukt_buf *err);
/* The trace's META, and what the import adds: schema and report
 * versions, the trace's path, size and mtime (the cache key), counts. */
int tables_write_meta(struct db *d, const struct trace *t, uint64_t events,
		      struct ukt_buf *err);

/* The stacks recorded with events (-g): stacks, stack_frame_data and
 * event_stacks. */
int tables_insert_stacks(struct db *d, const struct stacks *st, const struct sites *si,
			 struct ukt_buf *err);

#endif
