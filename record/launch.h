/* SPDX-License-Identifier: MIT */
/*
 * Launching the traced command: forked and held at a gate until tracing is
 * set up for its pid, then exec'd under ptrace (PTRACE_SEIZE), so that every
 * process of it can be stopped at its exit, before it is reaped, for a last
 * read of its /proc/PID/maps. That lets callers in short-lived processes be
 * symbolized later.
 */
#ifndef UKT_LAUNCH_H
#define UKT_LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>

#include "uktrace/buf.h"

struct meta;

struct launch {
	pid_t pid;		/* the command */
	int gate;		/* write end of the gate pipe */
	int report;		/* read end: errno of a failed exec */
	bool traced;		/* ptrace attached */
	bool exited;
	int status;		/* exit code, or 128 + signal */
	pid_t *procs;		/* its descendant processes still alive */
	size_t nprocs;
};

/*
 * Fork the command; the child waits at the gate. sigmask is the mask to
 * restore in the child. 0 or -errno (message in err).
 */
int launch_prepare(struct launch *l, char *const argv[],
		   const void *sigmask, struct ukt_buf *err);

/* Attach ptrace (when possible) and open the gate: the command execs now. */
int launch_go(struct launch *l, struct ukt_buf *warn);

/*
 * Handle every pending child state change without blocking: continue
 * stopped tracees, snapshot the maps of exiting processes into m, follow
 * new children. Sets l->exited and l->status when the command has exited.
 */
int launch_reap(struct launch *l, struct meta *m);

/*
 * End the command at the end of a recording: send it and its descendant
 * processes sig (0 when they got the stop signal themselves, from the
 * terminal) and SIGCONT, give them grace_ms to exit, handling their ptrace
 * stops meanwhile, then SIGKILL those left. Sets l->status.
 */
void launch_stop(struct launch *l, int sig, unsigned int grace_ms);

/* Kill the command if it has not been started or has not exited (an
 * error during set-up), and reap it. */
void launch_abort(struct launch *l);

void launch_release(struct launch *l);

#endif
