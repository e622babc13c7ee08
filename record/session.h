/* SPDX-License-Identifier: MIT */
/*
 * A recording session: probes set up, buffers captured into the trace file,
 * everything removed again. main.c fills record_opts and calls record_run.
 */
#ifndef UKT_SESSION_H
#define UKT_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct spec_arg {
	char how;		/* 'p', 'f', 'e' or 'c' (config file) */
	const char *text;
	const char *filter;	/* --filter EXPR after it, or NULL */
};

struct record_opts {
	struct spec_arg *specs;
	size_t nspecs;
	pid_t *pids;
	size_t npids;
	char **argv;		/* command to launch, or NULL */
	const char *output;
	bool force;
	unsigned int buffer_kb;
	const char *clock;
	double duration;	/* seconds, 0: until stopped */
	uint64_t max_size;	/* bytes, 0: no limit */
	int quiet;
	int verbose;
	bool dry_run;
	size_t max_probes;
	int level;		/* zstd level */
	const char *cmdline;	/* the recorder's own command line */
	/* the flight recorder: probes on, nothing written until a trigger */
	bool flight;
	uint64_t flight_size;	/* ring buffers in all, bytes */
	double last;		/* a dump keeps the last SECS, 0: all held */
	const char **triggers;	/* --trigger FUNC>DURATION */
	size_t ntriggers;
	const char **trigger_events;	/* --trigger-event EVENT */
	size_t ntrigger_events;
	double holdoff;		/* seconds after a dump when triggers wait */
	double after;		/* seconds recorded past a trigger */
	/* --rotate: a sequence of files of at most rotate bytes */
	uint64_t rotate;
	unsigned int keep;	/* the newest N files (or dumps) stay, 0: all */
	bool allow_unwind;	/* --allow-uretprobe-unwind */
	unsigned int stack;	/* -g/--stack: REC_STACK_* */
};

/* Which stacks -g/--stack records with each event (tracefs' own). */
#define REC_STACK_KERNEL 1u	/* the per-event 'stacktrace' trigger */
#define REC_STACK_USER 2u	/* the instance's options/userstacktrace */
#define REC_STACK_DWARF 4u	/* uprobes copy a window of the user stack,
				 * and the file gets the objects' .eh_frame */

/* --stack dwarf: the fetchargs each uprobe adds (the report's unwinder
 * reads them by these names: report/dwunwind.c) */
#define REC_STACK_FETCHARGS "__ustk_sp=%sp:x64 __ustk_bp=%bp:x64" \
	" __ustk0=+0(%sp):x64[64] __ustk1=+512(%sp):x64[64]"

/*
 * Run a recording. Returns 0 on success or a negative error (already
 * reported on stderr); *exit_status is the launched command's status
 * (exit code, or 128 + signal), or 0.
 */
int record_run(const struct record_opts *o, int *exit_status);

/* Remove what recorders that are no longer running left in tracefs. */
int record_cleanup(int quiet);

/* List the probeable functions of binary matching pattern (NULL: all). */
int record_list(const char *binary, const char *pattern);

#endif
