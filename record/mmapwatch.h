/* SPDX-License-Identifier: MIT */
/*
 * Every process's executable mappings as they happen, from the kernel
 * (perf's PERF_RECORD_MMAP2, FORK, COMM with exec, EXIT on a dummy
 * software event, one ring per CPU), as perf record gets them: so that
 * the callers of a process that started after the recording began, or
 * lived for a millisecond, can be named later. Reading /proc/PID/maps
 * every few seconds misses those. The only module that sees perf events.
 */
#ifndef UKT_MMAPWATCH_H
#define UKT_MMAPWATCH_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "uktrace/buf.h"

enum mw_kind {
	MW_FORK,	/* pid is a new process, a copy of ppid */
	MW_EXEC,	/* pid runs a new program: its mappings are gone */
	MW_MMAP,	/* pid mapped a file executable */
	MW_EXIT,	/* pid (the whole process) exited */
};

struct mw_event {
	enum mw_kind kind;
	pid_t pid, ppid;
	uint64_t ts;		/* CLOCK_MONOTONIC ns (the mono trace clock) */
	/* MW_MMAP */
	uint64_t start, len, pgoff;
	uint32_t maj, min;
	uint64_t ino;
	uint32_t prot;		/* PROT_* */
	const char *path;	/* as the process names it */
};

struct mmapwatch;

/*
 * Start watching every CPU of ncpus. NULL with a reason in err when the
 * kernel will not (perf_event_open refused: perf_event_paranoid, a
 * seccomp policy, no perf events); the caller falls back on /proc.
 */
struct mmapwatch *mmapwatch_open(int ncpus, struct ukt_buf *err);
void mmapwatch_close(struct mmapwatch *w);

/* The descriptors to poll for "records arrived" (at most max). */
int mmapwatch_pollfds(const struct mmapwatch *w, struct pollfd *fds, int max);

/* Hand every record that arrived to cb, oldest first across the CPUs'
 * rings (merged by time). 0, or the first non-zero return of cb. */
int mmapwatch_read(struct mmapwatch *w,
		   int (*cb)(void *ctx, const struct mw_event *e), void *ctx);

/* Records the kernel dropped (its rings were full). */
uint64_t mmapwatch_lost(const struct mmapwatch *w);

#endif
