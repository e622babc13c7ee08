/* SPDX-License-Identifier: MIT */
/*
 * The HTML report: one self-contained page (inline CSS, SVG and a few
 * lines of JavaScript; nothing fetched) with the recording's facts, the
 * summary of every probed function, notes on incomplete calls and losses,
 * the flame graph, and for the functions with the most time their latency
 * histogram, heat map over time, callers and slowest calls.
 */
#ifndef UKT_HTML_H
#define UKT_HTML_H

#include <stdio.h>

#include "stats.h"
#include "uktrace/buf.h"

struct db;

/* The page for the calls sel selects (sel->func ignored), with details
 * for at most nfuncs functions. 0, or negative with err set. */
int html_write(FILE *f, struct db *d, const struct call_select *sel,
	       const char *trace_name, int nfuncs, struct ukt_buf *err);

#endif
