/* SPDX-License-Identifier: MIT */
/*
 * The database schema (docs/SCHEMA.md): tables, the indexes commands read
 * through, and the views that give calls and events back under the
 * schema's column names, including one per probe with its arguments under
 * their own names. The only identifiers made from file contents (view and
 * column names) are reduced to [A-Za-z0-9_] and quoted; the only values
 * spliced into SQL are integers this program formats.
 */
#ifndef UKT_SCHEMA_H
#define UKT_SCHEMA_H

#include <stdint.h>

#include "plan.h"
#include "uktrace/buf.h"

struct db;

/* call_data.flags (the bits: CF_*, not call_data's column numbers) */
enum {
	CF_STATUS = 15,			/* enum call_status */
	CF_HAS_ENTRY = 16,		/* ev is the entry's event id */
	CF_HAS_RETURN = 32,		/* ev + evd is the return's (ev alone
					 * without an entry) */
	CF_ENTRY_FOLDED = 64,		/* the entry event is not in event_data: */
	CF_RETURN_FOLDED = 128,		/* the call row reproduces it */
	CF_RECURSIVE = 256,		/* inside a call of its own function
					 * (call_row.recursive) */
};

/* CF_STATUS in SQL text ("flags & " CF_STATUS_SQL " = 0": complete) */
#define CF_STATUS_SQL "15"
_Static_assert(CF_STATUS == 15, "CF_STATUS_SQL spells CF_STATUS");

/* event_data's columns, in order (schema_create_tables): the arguments
 * follow as arg0.. from ED_ARG0. */
enum { ED_ID, ED_TS, ED_CPU, ED_TID, ED_PROBE_ID, ED_IP, ED_RET_IP, ED_ARG0 };

/* The tables, event_data and fold with maxargs argument columns. */
int schema_create_tables(struct db *d, int maxargs, struct ukt_buf *err);
/* The column list of event_data, for the inserts ("id, ts, ..."). */
void schema_event_columns(int maxargs, struct ukt_buf *out);
/* The indexes, after the data. */
int schema_create_indexes(struct db *d, struct ukt_buf *err);
/* The fold table: how each paired probe's folded events come back
 * (after the events, when the constants are known). */
int schema_fill_fold(struct db *d, const struct plan *p, struct ukt_buf *err);
/*
 * The per-probe views a database has at most: those of the first layouts.
 * SQLite's every CREATE reads the whole schema, so views cost the square
 * of their number (20,000 took minutes); the events view has the events
 * of every probe. No recording probes more (a kernel has some 2,500
 * tracepoints, and the recorder's globs stop at 256 functions).
 */
#define SCHEMA_MAX_PROBE_VIEWS 4096

/* The views. base: the time call_data.ts counts from. */
int schema_create_views(struct db *d, const struct plan *p, int64_t base,
			struct ukt_buf *err);
/* SQL for the name thread tid (a column) had at time ts (an expression
 * of the trace clock): its name in thread_comms then, else threads.comm
 * of the query's "t" (the threads row of tid). */
void schema_comm_at(struct ukt_buf *sql, const char *tid, const char *ts);
/* The name of the view of layout l's events ("probe_NAME"); the layouts
 * from SCHEMA_MAX_PROBE_VIEWS on have none. */
void schema_probe_view(const struct event_layout *l, struct ukt_buf *out);

#endif
