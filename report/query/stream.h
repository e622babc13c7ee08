/* SPDX-License-Identifier: MIT */
/*
 * Answers from one pass over a trace, without SQLite: the summary, a
 * histogram and the callers of a function, computed from the ingest
 * loop's calls as they are paired (ingest.h), with the same definitions
 * as the database's (stats.h). A trace with no current database gets its
 * first answer this way, in a fraction of an import's time; the commands
 * print it with the same code as an answer from the database, and
 * tests/e2e/stream.sh holds the two equal.
 */
#ifndef UKT_STREAM_H
#define UKT_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"
#include "stats.h"
#include "uktrace/buf.h"

struct stream;

/* Open the trace (one file, or the files of one recording) and plan its
 * ingest. NULL with *rc and a message in err; warn gets what the import
 * would warn about (formats that did not parse, damage). */
struct stream *stream_open(const char *const *paths, size_t n, int *rc, struct ukt_buf *err,
			   struct ukt_buf *warn);
void stream_close(struct stream *s);

/* The first event's time: the origin of "+S" times (as meta.first_ts). */
int64_t stream_first_ts(struct stream *s);
/* The paired functions: names[i] and the symbol its entry was probed by
 * (NULL when none), as the database's funcs table and probes.symbol. */
int stream_funcs(struct stream *s, const char ***names, const char ***symbols, int *n);
/* Probes with a function (entry/return pairs): 0 means the summary is
 * the events per probe. */
int stream_paired_probes(struct stream *s);

enum stream_what { STREAM_SUMMARY, STREAM_HIST, STREAM_CALLERS };

struct stream_req {
	enum stream_what what;
	enum stats_by by;		/* summary */
	struct call_select sel;		/* times resolved; func for hist, callers */
	bool linear;			/* hist */
	int buckets;
};

/* A row of the callers of a function (stats_sql_callers' columns). */
struct stream_caller {
	char *symbol, *object;		/* NULL: unknown */
	int64_t calls, complete, total, durs, min, max;
};

/* An incomplete call status and how many calls had it. */
struct stream_note {
	const char *status;
	int64_t calls;
};

/* A probe's events: the summary of a trace without pairs. */
struct stream_probe {
	char *event, *function;		/* function NULL: none */
	const char *kind;
	int id;
	int64_t events;
};

struct stream_answer {
	/* summary: rows sorted by their keys (as stats_compute's) */
	struct stats_row *rows;
	size_t nrows;
	struct stream_note *notes;	/* by status name */
	size_t nnotes;
	int64_t lost_events;
	struct { int cpu; int64_t lost, marks; } *cpu_losses;	/* CPUs with losses */
	size_t ncpu_losses;
	struct stream_probe *probes;	/* by events, most first */
	size_t nprobes;
	/* hist */
	struct hist hist;
	bool hist_too_big;		/* linear buckets over more calls than fit */
	/* callers: by calls, most first */
	struct stream_caller *callers;
	size_t ncallers;
	/* the function asked for (hist, callers) had calls of any kind */
	bool func_has_calls;
	uint64_t *func_calls;		/* per paired function: its calls */
};

/* Run the pass for req. 0, or negative with a message in err; warn gets
 * the decoding's warnings (pages skipped). */
int stream_run(struct stream *s, const struct stream_req *req, struct stream_answer *a,
	       struct ukt_buf *err, struct ukt_buf *warn);
void stream_answer_release(struct stream_answer *a);

#endif
