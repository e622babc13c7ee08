// SPDX-License-Identifier: MIT
/* tid -> (pid, comm), an open-addressing hash on tid. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textscan.h"
#include "threads.h"
#include "uktrace/vec.h"

static size_t slot(const struct threads *th, int tid)
{
	size_t h = (size_t)(unsigned int)tid * 2654435761u;

	return h & (th->cap - 1);
}

const struct thread_info *threads_get(const struct threads *th, int tid)
{
	if (!th->cap)
		return NULL;
	for (size_t i = slot(th, tid);; i = (i + 1) & (th->cap - 1)) {
		if (th->v[i].tid == tid && (tid != 0 || th->v[i].comm))
			return &th->v[i];
		if (th->v[i].tid == 0 && !th->v[i].comm)
			return NULL;
	}
}

const char *threads_name(const struct threads *th, int tid)
{
	const struct thread_info *ti = threads_get(th, tid);

	if (ti && ti->comm)
		return ti->comm;
	return tid == 0 ? "<idle>" : "<...>";
}

static int grow(struct threads *th)
{
	struct threads n = { .cap = th->cap ? th->cap * 2 : 1024 };

	n.v = calloc(n.cap, sizeof(*n.v));
	if (!n.v)
		return -ENOMEM;
	for (size_t i = 0; i < th->cap; i++) {
		struct thread_info *e = &th->v[i];

		if (e->tid == 0 && !e->comm)
			continue;
		for (size_t k = slot(&n, e->tid);; k = (k + 1) & (n.cap - 1)) {
			if (n.v[k].tid == 0 && !n.v[k].comm) {
				n.v[k] = *e;
				break;
			}
		}
	}
	free(th->v);
	th->v = n.v;
	th->cap = n.cap;
	return 0;
}

void threads_mark_leaders(struct threads *th)
{
	for (size_t i = 0; i < th->cap; i++) {
		const struct thread_info *e = &th->v[i];
		struct thread_info *l;

		if (!e->seen || !e->pid || e->pid == e->tid)
			continue;
		l = (struct thread_info *)threads_get(th, e->pid);
		if (l)
			l->leads = true;
	}
}

struct thread_info *threads_add(struct threads *th, int tid)
{
	struct thread_info *e = (struct thread_info *)threads_get(th, tid);

	if (e)
		return e;
	if ((th->n + 1) * 2 > th->cap && grow(th))
		return NULL;
	for (size_t i = slot(th, tid);; i = (i + 1) & (th->cap - 1)) {
		e = &th->v[i];
		if (e->tid == 0 && !e->comm) {
			e->tid = tid;
			e->pid = 0;
			/* tid 0 (idle) is told apart from an empty slot by comm */
			e->comm = tid == 0 ? strdup("<idle>") : NULL;
			th->n++;
			return e;
		}
	}
}

static void set_comm(struct thread_info *e, const char *s, size_t n, bool force)
{
	char *c;

	if (!e || (e->comm && !force) || n == 0)
		return;
	c = strndup(s, n);
	if (!c)
		return;
	free(e->comm);
	e->comm = c;
}

/* tid's name from ts on (the names arrive in time order). */
static int add_name(struct thread_info *e, uint64_t ts, const char *comm, size_t n)
{
	struct thread_name *v;

	if (e->nnames && strlen(e->names[e->nnames - 1].comm) == n &&
	    !memcmp(e->names[e->nnames - 1].comm, comm, n))
		return 0;
	if (ukt_grow_counted(&e->names, e->nnames, sizeof(*e->names)))
		return -ENOMEM;
	v = e->names;
	v[e->nnames].ts = ts;
	v[e->nnames].comm = strndup(comm, n);
	if (!v[e->nnames].comm)
		return -ENOMEM;
	e->nnames++;
	return 0;
}

/* e's name as the last record so far leaves it. */
static const char *current_name(const struct thread_info *e)
{
	if (e->nnames)
		return e->names[e->nnames - 1].comm;
	return e->first_comm ? e->first_comm : e->comm;
}

struct task_at {
	struct ukt_task r;
	size_t seq;		/* its place in the trace: ties keep it */
};

static int cmp_task_ts(const void *a, const void *b)
{
	const struct task_at *x = a, *y = b;

	if (x->r.ts != y->r.ts)
		return x->r.ts < y->r.ts ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/*
 * The TASKS records, in time order: each thread's process as the kernel
 * said it (a thread's birth names both), and its names over time: a
 * fork child is named as its parent was until it execs or renames itself.
 */
static int load_tasks(struct threads *th, const struct trace *t)
{
	struct ukt_cursor c = { (const uint8_t *)t->tasks.data, t->tasks.len };
	struct task_at *v = NULL;
	struct ukt_task r;
	size_t n = 0, cap = 0;
	int rc = 0;

	while (ukt_task_next(&c, &r) == 1) {
		if (n == cap) {
			void *p = reallocarray(v, cap ? cap * 2 : 256, sizeof(*v));

			if (!p) {
				rc = -ENOMEM;
				goto out;
			}
			v = p;
			cap = cap ? cap * 2 : 256;
		}
		if (r.tid > 0 && r.pid > 0) {
			v[n].r = r;
			v[n].seq = n;
			n++;
		}
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_task_ts);
	for (size_t i = 0; i < n && !rc; i++) {
		const struct ukt_task *k = &v[i].r;
		struct thread_info *e = threads_add(th, k->tid);
		const struct thread_info *parent;
		const char *pc;

		if (!e) {
			rc = -ENOMEM;
			break;
		}
		e->pid_task = k->pid;
		switch (k->kind) {
		case UKT_TASK_FORK:
		case UKT_TASK_CLONE:
			parent = threads_get(th, k->ptid);
			pc = parent ? current_name(parent) : NULL;
			if (pc)
				rc = add_name(e, k->ts, pc, strlen(pc));
			break;
		case UKT_TASK_EXEC:
		case UKT_TASK_COMM:
			if (k->clen)
				rc = add_name(e, k->ts, k->comm, strnlen(k->comm, k->clen));
			break;
		default:
			break;
		}
	}
	for (size_t i = 0; i < th->cap && !rc; i++) {
		struct thread_info *e = &th->v[i];
		const struct thread_info *l;

		if (e->tid == 0 && !e->comm)
			continue;
		/*
		 * The process: the kernel's records of the thread first; then
		 * what /proc listed (but a "process" that saved_tgids knows as
		 * a thread of another is that other: older recorders listed
		 * an exiting thread's siblings under its own id);
		 * then saved_tgids.
		 */
		if (e->pid_task) {
			e->pid = e->pid_task;
		} else if (e->pid_listed) {
			l = threads_get(th, e->pid_listed);
			e->pid = l && l->tgid && l->tgid != e->pid_listed ? l->tgid : e->pid_listed;
		} else if (e->tgid) {
			e->pid = e->tgid;
		}
		/* its last name is the last the kernel gave it */
		if (e->nnames) {
			char *last = strdup(e->names[e->nnames - 1].comm);

			if (!last) {
				rc = -ENOMEM;
				break;
			}
			free(e->comm);
			e->comm = last;
		}
	}
out:
	free(v);
	return rc;
}

bool threads_renamed(const struct thread_info *e)
{
	const char *c = e->comm ? e->comm : "";

	if (e->first_comm && e->nnames && strcmp(e->first_comm, c))
		return true;
	for (size_t i = 0; i < e->nnames; i++)
		if (strcmp(e->names[i].comm, c))
			return true;
	return false;
}

const char *threads_comm_at(const struct threads *th, int tid, uint64_t ts)
{
	const struct thread_info *e = threads_get(th, tid);
	size_t lo = 0, hi;

	if (!e || !e->nnames)
		return e ? e->comm : NULL;
	/* the last name given at or before ts */
	hi = e->nnames;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e->names[mid].ts <= ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo)
		return e->names[lo - 1].comm;
	return e->first_comm ? e->first_comm : e->comm;
}

int threads_load(struct threads *th, const struct trace *t)
{
	struct text_cursor text, l;

	memset(th, 0, sizeof(*th));
	if (grow(th))
		return -ENOMEM;
	/* THREADS: "tid pid comm" — the most accurate, taken first */
	{
		struct ukt_cursor c = { (const uint8_t *)t->threads.data, t->threads.len };
		const char *comm;
		size_t clen;
		int tid, pid;

		while (ukt_threads_next(&c, &tid, &pid, &comm, &clen) == 1) {
			struct thread_info *e = threads_add(th, tid);

			if (!e)
				return -ENOMEM;
			e->pid_listed = pid;
			if (!e->first_comm && clen)
				e->first_comm = strndup(comm, clen);
			set_comm(e, comm, clen, true);
		}
	}
	/* saved_tgids: "tid tgid" (scanned within each line: a payload
	 * costs its length, however many lines it has) */
	text = text_cursor(t->tgids.data, t->tgids.len);
	while (text_line(&text, &l)) {
		int tid, pid;

		if (text_int(&l, &tid) && text_int(&l, &pid) && pid > 0) {
			struct thread_info *e = threads_add(th, tid);

			if (!e)
				return -ENOMEM;
			e->tgid = pid;
		}
	}
	/* saved_cmdlines: "tid comm" */
	text = text_cursor(t->cmdlines.data, t->cmdlines.len);
	while (text_line(&text, &l)) {
		int tid;

		if (text_int(&l, &tid) && l.p < l.end && (*l.p == ' ' || *l.p == '\t')) {
			struct thread_info *e = threads_add(th, tid);

			if (!e)
				return -ENOMEM;
			text_skip_blanks(&l);
			set_comm(e, l.p, (size_t)(l.end - l.p), false);
		}
	}
	return load_tasks(th, t);
}

void threads_release(struct threads *th)
{
	for (size_t i = 0; i < th->cap; i++) {
		free(th->v[i].comm);
		free(th->v[i].first_comm);
		for (size_t k = 0; k < th->v[i].nnames; k++)
			free(th->v[i].names[k].comm);
		free(th->v[i].names);
	}
	free(th->v);
	memset(th, 0, sizeof(*th));
}
