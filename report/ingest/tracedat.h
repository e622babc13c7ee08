/* SPDX-License-Identifier: MIT */
/*
 * trace-cmd's trace.dat as a second trace source: the only module that
 * sees libtracecmd. It opens the file (versions 6 and 7, compressed or
 * not, every instance), fills a struct trace with what the file has
 * (metadata, CPUs and their stats, threads from the saved cmdlines, a
 * PROBE record per event it can tell the kind of) and hands the
 * decoder its records, merged across CPUs and instances in time order,
 * with libtracecmd's own parsed event formats. What trace.dat does not
 * save (uprobe definitions and targets, symbol tables, process maps,
 * thread group ids) is said in the trace's meta "tracedat_lacks".
 */
#ifndef UKT_TRACEDAT_H
#define UKT_TRACEDAT_H

#include <stdbool.h>
#include <stdint.h>

#include "uktrace/buf.h"

struct trace;
struct tracedat;

/* 1 when the file at path begins with trace-cmd's magic, 0 when not,
 * negative errno when it cannot be read. */
int tracedat_detect(const char *path);

/*
 * Fill t (allocated and zeroed, its buffers initialized) from the
 * trace.dat at path; t->dat is set and trace_free releases it. 0, or a
 * negative error with a message in msg.
 */
int tracedat_load(struct trace *t, const char *path, struct ukt_buf *msg);
void tracedat_free(struct tracedat *d);

/* libtracecmd's event parser (a struct tep_handle; the trace owns it). */
void *tracedat_tep(struct tracedat *d);

/*
 * The kernel function at addr, from the kallsyms trace.dat saved, as
 * "name+0xoff" into out when one is within max bytes below it: 1, or 0
 * without one.
 */
int tracedat_ksym(struct tracedat *d, uint64_t addr, uint64_t max, struct ukt_buf *out);

/*
 * The binaries to name user-space callers with (uktrace-report --symbols
 * DIR), for every trace.dat loaded after: a binary with a probed
 * function is placed where that probe's events say the function was, and
 * a caller inside it is named. A binary found at two places (processes
 * with other load addresses) names nothing.
 */
void tracedat_set_symbols(const char *dir);
/* A user-space address named from those binaries: "name+0xoff" into sym
 * and the binary's path into obj, 1; or 0. */
int tracedat_usym(struct tracedat *d, uint64_t addr, struct ukt_buf *sym, struct ukt_buf *obj);

/* A record of the file: valid until the next tracedat_next or _rewind. */
struct tracedat_rec {
	uint64_t ts;
	int cpu;
	const uint8_t *data;
	int size;
	long long missed;	/* before it on its CPU: 0, n, or -1 unknown */
	uint64_t missed_since;	/* the CPU's record before the gap, 0: none */
};

/* The next record in time order: 1, 0 at the end. */
int tracedat_next(struct tracedat *d, struct tracedat_rec *r);
/* Start over from the first record. */
void tracedat_rewind(struct tracedat *d);

#endif
