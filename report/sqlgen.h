/* SPDX-License-Identifier: MIT */
/*
 * SQL text shared by the schema's views and the commands that filter
 * before aggregating (summary --pid, --since...): one definition of the
 * statistics, so the views and the commands cannot disagree.
 */
#ifndef UKT_SQLGEN_H
#define UKT_SQLGEN_H

#include "uktrace/buf.h"

/*
 * A SELECT of per-group call statistics over calls: keys is the grouping
 * (e.g. "func" or "func, pid"), where an optional filter on calls (without
 * WHERE). Percentiles are exact (nearest rank over complete calls).
 * Columns: keys..., calls, incomplete, total_ns, self_ns, min_ns, avg_ns,
 * p50_ns, p90_ns, p99_ns, max_ns.
 */
void sql_call_stats(struct ukt_buf *out, const char *keys, const char *where);

/* A SELECT of callers of functions: func, caller_symbol, caller_object,
 * calls, complete_calls, total_ns, avg_ns, min_ns, max_ns. */
void sql_callers(struct ukt_buf *out, const char *where);

#endif
