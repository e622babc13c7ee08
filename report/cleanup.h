/* SPDX-License-Identifier: MIT */
/*
 * Files the report is writing that a signal must not leave behind: a
 * database being built under its temporary name, a --no-cache database.
 * main.c's signal handler calls cleanup_now() and ends the program; the
 * rest of the report registers the paths while they exist.
 */
#ifndef UKT_CLEANUP_H
#define UKT_CLEANUP_H

#include <sys/types.h>

/* Remember path (copied; at most a few at a time). 0 or -ENOSPC. */
int cleanup_register(const char *path);
/* Forget path (it was renamed, removed, or is kept). */
void cleanup_unregister(const char *path);
/* Remove every registered path. Async-signal-safe. */
void cleanup_now(void);

/*
 * Remove what an import killed earlier left: "PATH.tmp-PID" files next to
 * path whose process is gone. Returns how many were removed.
 */
int cleanup_stale(const char *path);
/* The process importing into path now (its "PATH.tmp-PID" is there and
 * it runs), or 0. */
pid_t cleanup_live_import(const char *path);

#endif
