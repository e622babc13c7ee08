// SPDX-License-Identifier: MIT
/* tid -> (pid, comm), an open-addressing hash on tid. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textscan.h"
#include "threads.h"

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
			e->pid = pid;
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
			if (!e->pid)
				e->pid = pid;
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
	return 0;
}

void threads_release(struct threads *th)
{
	for (size_t i = 0; i < th->cap; i++)
		free(th->v[i].comm);
	free(th->v);
	memset(th, 0, sizeof(*th));
}
