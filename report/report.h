/* SPDX-License-Identifier: MIT */
/*
 * uktrace-report's commands. main.c parses options into report_opts and
 * calls one cmd_* function; each returns 0 or a negative error, having
 * printed its own message.
 */
#ifndef UKT_REPORT_H
#define UKT_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "output.h"

struct db;

struct report_opts {
	const char *trace;		/* the trace file (the first of traces) */
	const char *const *traces;	/* one file, or the files of one recording */
	size_t ntraces;
	const char *db_path;		/* --db */
	bool no_cache;
	bool quiet;
	enum out_format format;
	/* filters */
	int cpu;			/* -1: all */
	int pid;			/* 0: all */
	const char *comm;
	const char *event;
	bool has_since, has_until;
	int64_t since, until;		/* ns of the trace clock (resolved) */
	const char *since_arg, *until_arg;
	/* summary / calls */
	const char *sort;
	int limit;
	int depth;			/* callers --depth N: chains of N frames, 0: off */
	const char *by;			/* summary --by pid|comm */
	int64_t min_duration;
	const char *status;		/* calls --status S[,S...] */
	/* hist */
	bool linear;
	int buckets;
	/* db, pictures */
	mode_t mode;			/* --mode: of every file written (0600) */
	const char *output;
	bool force;
	const char *perfetto;		/* export --perfetto FILE */
	const char *svg;		/* hist --svg FILE */
	bool folded;			/* flamegraph --folded */
	bool reverse;			/* flamegraph --reverse */
	bool stacks;			/* flamegraph --stacks: the recorded stacks */
	/* ClickHouse */
	const char *ch_url;		/* clickhouse --url */
	const char *ch_query_url;	/* sql/summary/callers --clickhouse */
	const char *ch_db;		/* --database */
	const char *host_label;		/* --host-label */
	const char *ch_password_file;	/* --password-file */
	const char *ch_cacert;		/* --cacert */
	int ch_compress;		/* --compress: enum ch_compress */
	/* the query or function argument */
	const char *arg;
	char *arg_alloc;		/* arg, when report_resolve_func chose it */
};

/*
 * The database of o->trace: the cached one next to it when it is current
 * and to be trusted (cache.c: ours, of these files, made there), else a
 * new import (printing progress unless quiet). *tmp is set to a path to
 * unlink afterwards (--no-cache, or a directory not ours to write).
 */
struct db *report_open_db(const struct report_opts *o, char **tmp, int *err);
/* The current cached database of o's traces when there is one (nothing
 * is imported), warning about its damage as report_open_db does; else
 * NULL. */
struct db *report_cached_db(const struct report_opts *o);
/*
 * After an answer streamed without a database (stream.h): build the
 * cache for the next command in a process of its own, detached, at low
 * priority, when run from a terminal; not with --no-cache or --db
 * (imported in the foreground), from a script, in a directory that is
 * not safe, or while an import of it runs already. True in that child
 * when its import is done: the command then just returns.
 */
bool report_cache_in_background(const struct report_opts *o);
/* Import the trace (one file, or the files of one recording) into a new
 * database at db_path, with file mode mode (outputs of a trace are 0600
 * unless --mode says otherwise). */
int report_import(const char *const *paths, size_t n, const char *db_path, mode_t mode,
		  bool quiet);
/* Close and remove the temporary database, if any. */
void report_close_db(struct db *d, char *tmp);

/* A time argument: "+1.5" is 1.5 s after start, "1234.5" absolute
 * seconds; to ns. 0 or -EINVAL. */
int report_parse_time(const char *s, int64_t start, int64_t *out);

/* Resolve --since/--until ("+1.5" relative to the start, or absolute
 * seconds) against the database's start time. */
int report_resolve_times(struct report_opts *o, struct db *d);
/* The same against the first event's time start (a trace not imported). */
int report_resolve_times_at(struct report_opts *o, int64_t start);

/* The function o->arg means, in place: its name, or a C++ function's name
 * without the parameter list when one function has it ("DB::f" for
 * "DB::f(int)"), or the mangled symbol it was probed by. 0, or -EINVAL
 * (with a message) when it names several overloads. */
int report_resolve_func(struct report_opts *o, struct db *d);
/* The same over the paired functions names[i] and the symbols their
 * entries were probed by (NULL: none), without a database (stream.h). */
int report_resolve_func_in(struct report_opts *o, const char *const *names,
			   const char *const *symbols, int n);

struct db_stmt;
/* Print a statement's result rows with its own columns. */
int report_run_query(struct db_stmt *s, enum out_format f);

int cmd_info(struct report_opts *o);
int cmd_dump(struct report_opts *o);
int cmd_sql(struct report_opts *o);
int cmd_db(struct report_opts *o);
int cmd_summary(struct report_opts *o);
int cmd_hist(struct report_opts *o);
int cmd_callers(struct report_opts *o);
int cmd_calls(struct report_opts *o);
int cmd_export(struct report_opts *o);
int cmd_flamegraph(struct report_opts *o);
int cmd_heatmap(struct report_opts *o);
int cmd_html(struct report_opts *o);
int cmd_clickhouse(struct report_opts *o);
/* sql, summary, callers against a ClickHouse server (--clickhouse) */
int ch_cmd_sql(struct report_opts *o);
int ch_cmd_summary(struct report_opts *o);
int ch_cmd_callers(struct report_opts *o);

#endif
