/* SPDX-License-Identifier: MIT */
/*
 * The task ids a pid filter must hold for "these processes and their
 * children". set_event_pid matches each task (thread) by its own id, and
 * options/event-fork adds only tasks created after the filter is set: so
 * a process's existing threads, and its existing descendants and their
 * threads, are listed here from /proc.
 */
#ifndef UKT_PIDS_H
#define UKT_PIDS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct pid_set {
	pid_t *v;		/* sorted, unique */
	size_t n;
	size_t cap;
};

/* Replace s with the tasks of pids[0..n) and of their descendants.
 * 0 or -errno. */
int pids_expand(const pid_t *pids, size_t n, struct pid_set *s);

/* Replace s with pids[0..n) and their descendant processes (no threads).
 * 0 or -errno. */
int pids_processes(const pid_t *pids, size_t n, struct pid_set *s);

/* Whether every task of a is in b. */
bool pid_set_within(const struct pid_set *a, const struct pid_set *b);

void pid_set_swap(struct pid_set *a, struct pid_set *b);

void pid_set_release(struct pid_set *s);

#endif
