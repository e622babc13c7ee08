/* SPDX-License-Identifier: MIT */
/*
 * Every process's executable mappings and every task's birth and names as
 * they happen, from the kernel (perf's PERF_RECORD_MMAP2, FORK, COMM,
 * EXIT on a dummy software event, one ring per CPU), as perf record gets
 * them: so that the callers of a process that started after the recording
 * began, or lived for a millisecond, can be named later, and every thread
 * put in its process under the name it had then. Reading /proc every few
 * seconds misses those. The only module that sees perf events.
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
	MW_EXEC,	/* pid runs a new program (comm): its mappings are gone */
	MW_MMAP,	/* pid mapped a file executable */
	MW_EXIT,	/* pid (the whole process) exited */
	MW_CLONE,	/* tid is a new thread of pid, made by its thread ptid */
	MW_COMM,	/* tid of pid renamed itself comm (prctl, not an exec) */
};

struct mw_event {
	enum mw_kind kind;
	pid_t pid, ppid;
	pid_t tid, ptid;	/* the task (= pid for FORK, EXEC, EXIT), its maker */
	const char *comm;	/* MW_EXEC, MW_COMM: the new name */
	uint64_t ts;		/* ns of the clock mmapwatch_open was given */
	/* MW_MMAP */
	uint64_t start, len, pgoff;
	uint32_t maj, min;
	uint64_t ino;
	uint32_t prot;		/* PROT_* */
	const char *path;	/* as the process names it */
};

struct mmapwatch;

/*
 * Start watching every CPU of ncpus, with times of clock (a clockid_t:
 * the trace clock's, when user space has it). NULL with a reason in err
 * when the kernel will not (perf_event_open refused: perf_event_paranoid,
 * a seccomp policy, no perf events); the caller falls back on /proc.
 */
struct mmapwatch *mmapwatch_open(int ncpus, int clock, struct ukt_buf *err);
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
