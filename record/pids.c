// SPDX-License-Identifier: MIT
/*
 * Processes to the task ids of a pid filter: see pids.h.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uktrace/vec.h"
#include "pids.h"
#include "uktrace/buf.h"

struct proc {
	pid_t pid, ppid;
	bool in;
};

static int add(struct pid_set *s, pid_t p)
{
	if (UKT_GROW(s->v, s->cap, s->n))
		return -ENOMEM;
	s->v[s->n++] = p;
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static int cmp_proc(const void *a, const void *b)
{
	return cmp_pid(&((const struct proc *)a)->pid, &((const struct proc *)b)->pid);
}

/* The parent from /proc/PID/stat: "pid (comm) state ppid ...", where comm
 * may hold spaces and parentheses, so parse after the last ')'. */
static pid_t parent_of(pid_t pid)
{
	struct ukt_buf b = UKT_BUF_INIT;
	char path[64];
	char *p;
	int ppid = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (ukt_buf_read_file(&b, path) == 0 && b.data &&
	    (p = strrchr(b.data, ')')) && sscanf(p + 1, " %*c %d", &ppid) != 1)
		ppid = -1;
	ukt_buf_release(&b);
	return (pid_t)ppid;
}

static int list_procs(struct proc **out, size_t *n)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		pid_t pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)atoi(de->d_name);
		if (*n == cap) {
			struct proc *v = reallocarray(*out, cap ? cap * 2 : 512, sizeof(*v));

			if (!v) {
				closedir(d);
				return -ENOMEM;
			}
			*out = v;
			cap = cap ? cap * 2 : 512;
		}
		(*out)[(*n)++] = (struct proc){ .pid = pid, .ppid = parent_of(pid) };
	}
	closedir(d);
	return 0;
}

static int add_tasks(struct pid_set *s, pid_t pid)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	int rc = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return add(s, pid);	/* gone, or no /proc: the pid itself */
	while (!rc && (de = readdir(d)))
		if (isdigit((unsigned char)de->d_name[0]))
			rc = add(s, (pid_t)atoi(de->d_name));
	closedir(d);
	return rc;
}

/* pids and their descendants: their tasks, or only the processes. */
static int expand(const pid_t *pids, size_t n, struct pid_set *s, bool tasks)
{
	struct proc *procs = NULL;
	size_t np = 0, out = 0;
	bool grew = true;
	int rc;

	s->n = 0;
	for (size_t i = 0; i < n; i++)
		if ((rc = tasks ? add_tasks(s, pids[i]) : add(s, pids[i])))
			return rc;
	rc = list_procs(&procs, &np);
	if (rc)
		goto out;
	for (size_t i = 0; i < np; i++)
		for (size_t j = 0; j < n; j++)
			procs[i].in |= procs[i].pid == pids[j];
	/* descendants: mark children of marked processes until nothing
	 * changes (one pass per generation) */
	if (np)
		qsort(procs, np, sizeof(*procs), cmp_proc);
	while (grew) {
		grew = false;
		for (size_t i = 0; i < np; i++) {
			struct proc key = { .pid = procs[i].ppid }, *parent;

			if (procs[i].in || procs[i].ppid <= 0)
				continue;
			parent = bsearch(&key, procs, np, sizeof(*procs), cmp_proc);
			if (parent && parent->in)
				procs[i].in = grew = true;
		}
	}
	for (size_t i = 0; i < np && !rc; i++) {
		bool given = false;

		for (size_t j = 0; j < n; j++)
			given |= procs[i].pid == pids[j];
		if (procs[i].in && !given)
			rc = tasks ? add_tasks(s, procs[i].pid) : add(s, procs[i].pid);
	}
	if (rc)
		goto out;
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp_pid);
	for (size_t i = 0; i < s->n; i++)
		if (!out || s->v[out - 1] != s->v[i])
			s->v[out++] = s->v[i];
	s->n = out;
out:
	free(procs);
	return rc;
}

int pids_expand(const pid_t *pids, size_t n, struct pid_set *s)
{
	return expand(pids, n, s, true);
}

int pids_processes(const pid_t *pids, size_t n, struct pid_set *s)
{
	return expand(pids, n, s, false);
}

bool pid_set_within(const struct pid_set *a, const struct pid_set *b)
{
	for (size_t i = 0; i < a->n; i++)
		if (!b->n || !bsearch(&a->v[i], b->v, b->n, sizeof(*b->v), cmp_pid))
			return false;
	return true;
}

void pid_set_swap(struct pid_set *a, struct pid_set *b)
{
	struct pid_set t = *a;

	*a = *b;
	*b = t;
}

void pid_set_release(struct pid_set *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}
