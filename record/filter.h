/* SPDX-License-Identifier: MIT */
/*
 * Record-time filters: --filter EXPR after a -p, -f or -e (trace-cmd's
 * convention), in the kernel's event filter syntax over the probe's
 * fields ('size > 4096', 'comm ~ "nginx*"'), written to each event's
 * filter file in the recorder's instance, so the kernel drops what does
 * not match before it reaches the ring buffer. The kernel ANDs it with
 * the recorder's pid filter (set_event_pid, for -P and -- COMMAND).
 *
 * Which probes of a spec get it:
 *   - every probe that is not the return half of a pair;
 *   - the return half of a -f user or kernel function only when the
 *     expression names nothing but comm and common_pid (the same at
 *     entry and return); otherwise the return probe records every return,
 *     and the report leaves the returns that find no open call (those of
 *     calls the entry's filter dropped) out of calls;
 *   - the return half of a USDT pair too when the kernel accepts it there
 *     (the return probe has fields of those names: python's
 *     function__entry and function__return both carry filename, function
 *     and line as arg1..arg3); else it records every return, as above.
 * Pure logic over probe lists and strings: no tracefs.
 */
#ifndef UKT_FILTER_H
#define UKT_FILTER_H

#include <stddef.h>

#include "spec.h"
#include "uktrace/buf.h"

/*
 * Append the field names expr compares (each word that starts a
 * predicate: "size" of 'size > 4096', "comm" of 'comm ~ "x*"'),
 * space-separated, once each, to fields. 0, or -EINVAL for an empty
 * expression or one with control characters, with a message in err.
 */
int filter_fields(const char *expr, struct ukt_buf *fields, struct ukt_buf *err);

/*
 * Give expr to the probes l->v[first..] that one spec made (spec, for
 * messages), by the rules above; a probe that has a filter already gets
 * "(old) && (expr)". 0, or a negative error with a message in err.
 */
int probe_list_filter(struct probe_list *l, size_t first, const char *expr,
		      const char *spec, struct ukt_buf *err);

/*
 * The names of the fields an event format (the text of its format file)
 * defines that a filter can name, ", "-separated into out: its own fields
 * and then comm, common_pid.
 */
void filter_format_fields(const char *format, struct ukt_buf *out);

#endif
