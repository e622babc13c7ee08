/* SPDX-License-Identifier: MIT */
/*
 * The database schema (docs/SCHEMA.md): tables, the indexes commands read
 * through, and the views, including one per probe with its arguments under
 * their own names. The only identifiers made from file contents (view and
 * column names) are reduced to [A-Za-z0-9_] and quoted.
 */
#ifndef UKT_SCHEMA_H
#define UKT_SCHEMA_H

#include "plan.h"
#include "uktrace/buf.h"

struct db;

/* The tables, events with maxargs argument columns. */
int schema_create_tables(struct db *d, int maxargs, struct ukt_buf *err);
/* The column list of events, for the inserts ("id, ts, ..."). */
void schema_event_columns(int maxargs, struct ukt_buf *out);
/* The indexes, after the data. */
int schema_create_indexes(struct db *d, struct ukt_buf *err);
/* The views: statistics, callers, event_info, and one per probe. */
int schema_create_views(struct db *d, const struct plan *p, struct ukt_buf *err);
/* The name of the view of layout l's events ("probe_NAME"). */
void schema_probe_view(const struct event_layout *l, struct ukt_buf *out);

#endif
