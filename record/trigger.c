// SPDX-License-Identifier: MIT
/*
 * Flight recorder triggers (trigger.h). The recorder's one reader of event
 * contents: pages of the sibling instance are read with the engine's page
 * reader (uktrace/rbpage.h), events found by id with offsets from their
 * tracefs formats (parsed by libtraceevent).
 */
#include <errno.h>
#include <event-parse.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfsym.h"
#include "tracefs.h"
#include "trigger.h"
#include "uktrace/rbpage.h"
#include "uktrace/units.h"

/* A return's stack pointer is its entry's plus the return address popped
 * (x86-64; the report pairs by the same rule). */
#define SP_DELTA 8
/* Deeper than this, the oldest open calls of a thread are forgotten: their
 * returns were lost (the kernel reports at most 64 pending ones). */
#define MAX_OPEN 256

int trigger_parse(struct trigger *t, enum trig_kind kind, const char *spec,
		  struct ukt_buf *err)
{
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->text = strdup(spec);
	if (!t->text)
		return -ENOMEM;
	if (kind == TRIG_SLOW_CALL) {
		/* the last '>': a C++ name may hold some ("f<std::vector<int>>") */
		const char *gt = strrchr(spec, '>');

		if (!gt || gt == spec || ukt_parse_duration(gt + 1 + (gt[1] == '='), &t->min_ns)) {
			ukt_buf_addf(err, "--trigger '%s': give a function and how slow a call of it fires the trigger, as FUNC>DURATION (e.g. 'handle>50ms', 'syscall:read>1s')",
				     spec);
			return -EINVAL;
		}
		t->func = strndup(spec, (size_t)(gt - spec));
		return t->func ? 0 : -ENOMEM;
	}
	if (!*spec || strchr(spec, ' ')) {
		ukt_buf_addf(err, "--trigger-event '%s': give a tracepoint (SYSTEM:EVENT) or the name of a recorded probe",
			     spec);
		return -EINVAL;
	}
	return 0;
}

static int set_event(struct trigger *t, int i, const char *sys, const char *name)
{
	t->sys[i] = sys ? strdup(sys) : NULL;
	t->name[i] = strdup(name);
	return (sys && !t->sys[i]) || !t->name[i] ? -ENOMEM : 0;
}

static const struct probe *find_tracepoint(const struct probe_list *l, const char *sys,
					   const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].kind == PK_TRACEPOINT && !strcmp(l->v[i].system, sys) &&
		    !strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

static int resolve_slow(struct trigger *t, const struct probe_list *l, struct ukt_buf *err)
{
	const struct probe *entry = NULL, *ret = NULL;
	struct ukt_buf tmp = UKT_BUF_INIT;
	bool cxx = elfsym_is_cxx_name(t->func);

	if (!strncmp(t->func, "syscall:", 8)) {
		char en[128], ex[128];

		snprintf(en, sizeof(en), "sys_enter_%s", t->func + 8);
		snprintf(ex, sizeof(ex), "sys_exit_%s", t->func + 8);
		if (!find_tracepoint(l, "syscalls", en) || !find_tracepoint(l, "syscalls", ex)) {
			ukt_buf_addf(err, "--trigger '%s': record both of the syscall's tracepoints (-e syscalls:%s -e syscalls:%s)",
				     t->text, en, ex);
			return -EINVAL;
		}
		return set_event(t, 0, "syscalls", en) ?: set_event(t, 1, "syscalls", ex);
	}
	/* the entry probe by function (or event) name, or a C++ function's
	 * demangled name; its return by the identity the pair shares */
	for (size_t i = 0; i < l->n; i++) {
		const struct probe *p = &l->v[i];

		if ((p->kind != PK_UPROBE && p->kind != PK_KPROBE) || !p->func)
			continue;
		if ((p->symbol && !strcmp(p->symbol, t->func)) || !strcmp(p->name, t->func) ||
		    (cxx && p->symbol && elfsym_cxx_matches(t->func, false, p->symbol, &tmp))) {
			if (entry && strcmp(entry->symbol ? entry->symbol : "", p->symbol ? p->symbol : "")) {
				ukt_buf_addf(err, "--trigger '%s': '%s' names several recorded functions (overloads): give one whole, as 'ns::f(int)>50ms'",
					     t->text, t->func);
				ukt_buf_release(&tmp);
				return -EINVAL;
			}
			if (!entry)
				entry = p;
		}
	}
	ukt_buf_release(&tmp);
	for (size_t i = 0; entry && i < l->n && !ret; i++) {
		const struct probe *p = &l->v[i];

		if ((p->kind == PK_URETPROBE || p->kind == PK_KRETPROBE) && p->func &&
		    !strcmp(p->func, entry->func))
			ret = p;
	}
	if (!entry || !ret) {
		ukt_buf_addf(err, "--trigger '%s': '%s' is not a function recorded with -f (add -f BINARY:%s, or -f %s for a kernel function)",
			     t->text, t->func, t->func, t->func);
		return -EINVAL;
	}
	return set_event(t, 0, NULL, entry->name) ?: set_event(t, 1, NULL, ret->name);
}

int trigger_resolve(struct trigger *t, const struct probe_list *l, struct ukt_buf *err)
{
	const char *colon;

	if (t->kind == TRIG_SLOW_CALL)
		return resolve_slow(t, l, err);
	colon = strchr(t->text, ':');
	if (colon && !strchr(colon + 1, ':') && !strchr(t->text, '/')) {
		char sys[128];

		snprintf(sys, sizeof(sys), "%.*s", (int)(colon - t->text), t->text);
		if (find_tracepoint(l, sys, colon + 1))
			return set_event(t, 0, sys, colon + 1);
		return -ENOENT;		/* a tracepoint to add to the recording */
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct probe *p = &l->v[i];

		if (p->kind == PK_TRACEPOINT || p->kind == PK_URETPROBE || p->kind == PK_KRETPROBE)
			continue;
		if (!strcmp(p->name, t->text) || (p->symbol && !strcmp(p->symbol, t->text)))
			return set_event(t, 0, NULL, p->name);
	}
	ukt_buf_addf(err, "--trigger-event '%s': not a tracepoint (SYSTEM:EVENT) nor a probe of this recording (-p, -f)",
		     t->text);
	return -EINVAL;
}

void trigger_release(struct trigger *t)
{
	free(t->text);
	free(t->func);
	for (int i = 0; i < 2; i++) {
		free(t->sys[i]);
		free(t->name[i]);
	}
	memset(t, 0, sizeof(*t));
}

/* ---- the watch ---- */

struct ev_info {
	int id;			/* tracefs event id */
	int trig;		/* index into trigs */
	int role;		/* 0: the event or entry, 1: the return */
	int pid_off, pid_size;
	int sp_off;		/* -1: no sp field */
	bool syscall;		/* sys_enter/sys_exit: one at a time per thread */
};

struct seen {
	uint64_t ts;
	uint64_t sp;
	int tid;
	int ev;			/* index into evs */
};

struct frame {
	uint64_t ts, sp;
	int trig;
	bool has_sp;
	bool syscall;
	bool reported;		/* fired while still running: not again on return */
};

struct tstack {
	int tid;		/* -1: empty slot */
	struct frame *v;
	int n, cap;
};

struct trigger_watch {
	const struct trigger *trigs;
	size_t ntrigs;
	struct tep_handle *tep;
	struct ukt_rbpage *rb;
	struct ev_info *evs;
	size_t nevs;
	int ncpus;
	int *fds;
	uint32_t subbuf;
	void *page;
	struct seen *batch, *tmp;	/* tmp: bcap, for merging */
	size_t nb, bcap;
	size_t *runs;		/* ncpus + 1: where each CPU's events begin */
	struct tstack *t;	/* open calls per thread: open addressing */
	size_t cap, used;
	uint64_t last_ts;	/* the latest event seen */
};

static int add_event(struct trigger_watch *w, struct tfs *sib, int trig, int role,
		     struct ukt_buf *err)
{
	const struct trigger *t = &w->trigs[trig];
	const char *sys = t->sys[role] ? t->sys[role] : sib->group;
	struct ukt_buf path = UKT_BUF_INIT, text = UKT_BUF_INIT;
	struct tep_format_field *f;
	struct tep_event *e;
	struct ev_info *ei;
	int rc;

	ukt_buf_addf(&path, "events/%s/%s/format", sys, t->name[role]);
	rc = tfs_read_top(sib, path.data, &text);
	if (!rc && tep_parse_event(w->tep, text.data, text.len, sys) != TEP_ERRNO__SUCCESS)
		rc = -EINVAL;
	e = rc ? NULL : tep_find_event_by_name(w->tep, sys, t->name[role]);
	ei = e ? reallocarray(w->evs, w->nevs + 1, sizeof(*w->evs)) : NULL;
	if (!ei) {
		ukt_buf_addf(err, "cannot watch %s:%s for the trigger '%s': %s", sys, t->name[role],
			     t->text, rc ? strerror(-rc) : "its format did not parse");
		rc = rc ? rc : -EINVAL;
		goto out;
	}
	w->evs = ei;
	ei = &w->evs[w->nevs++];
	*ei = (struct ev_info){ .id = e->id, .trig = trig, .role = role, .sp_off = -1,
				.syscall = t->sys[role] && !strcmp(t->sys[role], "syscalls") };
	f = tep_find_common_field(e, "common_pid");
	ei->pid_off = f ? f->offset : 4;
	ei->pid_size = f ? f->size : 4;
	f = tep_find_field(e, "sp");
	if (f && f->size == 8)
		ei->sp_off = f->offset;
	rc = tfs_enable(sib, t->sys[role], t->name[role], true, err);
out:
	ukt_buf_release(&path);
	ukt_buf_release(&text);
	return rc;
}

struct trigger_watch *trigger_watch_new(struct tfs *sib, const struct trigger *trigs,
					size_t n, int ncpus, uint32_t subbuf_size,
					struct ukt_buf *err)
{
	struct trigger_watch *w = calloc(1, sizeof(*w));
	int rc = 0;

	if (!w)
		return NULL;
	w->trigs = trigs;
	w->ntrigs = n;
	w->ncpus = ncpus;
	w->subbuf = subbuf_size;
	w->tep = tep_alloc();
	w->rb = ukt_rbpage_new_host(subbuf_size);
	w->fds = malloc((size_t)(ncpus ? ncpus : 1) * sizeof(*w->fds));
	w->page = malloc(subbuf_size);
	w->runs = malloc(((size_t)ncpus + 1) * sizeof(*w->runs));
	if (!w->tep || !w->rb || !w->fds || !w->page || !w->runs) {
		ukt_buf_adds(err, strerror(ENOMEM));
		goto fail;
	}
	for (int i = 0; i < ncpus; i++)
		w->fds[i] = -1;
	for (size_t i = 0; i < n && !rc; i++) {
		rc = add_event(w, sib, (int)i, 0, err);
		if (!rc && trigs[i].kind == TRIG_SLOW_CALL)
			rc = add_event(w, sib, (int)i, 1, err);
	}
	for (int i = 0; i < ncpus && !rc; i++) {
		w->fds[i] = tfs_open_cpu_raw(sib, i);
		if (w->fds[i] == -ENOENT) {
			w->fds[i] = -1;
		} else if (w->fds[i] < 0) {
			rc = w->fds[i];
			w->fds[i] = -1;
			ukt_buf_addf(err, "cannot read the trigger buffers: %s", strerror(-rc));
		}
	}
	if (!rc)
		return w;
fail:
	trigger_watch_free(w);
	return NULL;
}

int trigger_watch_pollfds(struct trigger_watch *w, struct pollfd *p, int max)
{
	int k = 0;

	for (int i = 0; i < w->ncpus && k < max; i++)
		if (w->fds[i] >= 0)
			p[k++] = (struct pollfd){ .fd = w->fds[i], .events = POLLIN };
	return k;
}

static const struct ev_info *ev_by_id(const struct trigger_watch *w, int id)
{
	for (size_t i = 0; i < w->nevs; i++)
		if (w->evs[i].id == id)
			return &w->evs[i];
	return NULL;
}

/* The events of one page (n bytes read) into the batch. */
static int parse_page(struct trigger_watch *w, size_t n)
{
	struct ukt_rbevent e;

	if (ukt_rbpage_load(w->rb, w->page, n) <= 0)
		return 0;	/* empty, or not a page: nothing to take */
	while (ukt_rbpage_next(w->rb, &e) == 1) {
		const struct ev_info *ei = ev_by_id(w, e.type);
		const uint8_t *data = e.data;
		int size = e.size;
		uint64_t ts = e.ts;
		int32_t tid = 0;
		uint64_t sp = 0;

		if (!ei || ei->pid_off + 4 > size || ei->sp_off + 8 > size)
			continue;
		memcpy(&tid, data + ei->pid_off, 4);
		if (ei->sp_off >= 0)
			memcpy(&sp, data + ei->sp_off, 8);
		if (w->nb == w->bcap) {
			size_t cap = w->bcap ? w->bcap * 2 : 1024;
			void *p = reallocarray(w->batch, cap, sizeof(*w->batch));

			if (!p)
				return -ENOMEM;
			w->batch = p;
			p = reallocarray(w->tmp, cap, sizeof(*w->tmp));
			if (!p)
				return -ENOMEM;
			w->tmp = p;
			w->bcap = cap;
		}
		w->batch[w->nb++] = (struct seen){ .ts = ts, .sp = sp, .tid = tid,
						   .ev = (int)(ei - w->evs) };
	}
	return 0;
}

/* The batch in time order: each CPU's events are (its pages are read in
 * order), so merge the runs pairwise, O(n log CPUs), not sort them. */
static void merge_runs(struct trigger_watch *w, size_t nruns)
{
	size_t *r = w->runs;

	while (nruns > 1) {
		size_t k = 0;

		for (size_t i = 0; i < nruns; i += 2) {
			size_t a = r[i], am = r[i + 1], b = am, bm = i + 2 <= nruns ? r[i + 2] : am;
			size_t o = a;

			while (a < am && b < bm)
				w->tmp[o++] = w->batch[b].ts < w->batch[a].ts ? w->batch[b++] : w->batch[a++];
			while (a < am)
				w->tmp[o++] = w->batch[a++];
			while (b < bm)
				w->tmp[o++] = w->batch[b++];
			r[k++] = r[i];
		}
		r[k] = r[nruns];
		nruns = k;
		{
			struct seen *t = w->batch;

			w->batch = w->tmp;
			w->tmp = t;
		}
	}
}

static struct tstack *stack_of(struct trigger_watch *w, int tid)
{
	size_t i;

	if (w->used * 2 >= w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 64;
		struct tstack *n = malloc(ncap * sizeof(*n));

		if (!n)
			return NULL;
		for (size_t k = 0; k < ncap; k++)
			n[k] = (struct tstack){ .tid = -1 };
		for (size_t k = 0; k < w->cap; k++) {
			if (w->t[k].tid < 0)
				continue;
			for (i = ((size_t)(unsigned int)w->t[k].tid * 2654435761u) & (ncap - 1);
			     n[i].tid >= 0; i = (i + 1) & (ncap - 1))
				;
			n[i] = w->t[k];
		}
		free(w->t);
		w->t = n;
		w->cap = ncap;
	}
	for (i = ((size_t)(unsigned int)tid * 2654435761u) & (w->cap - 1); w->t[i].tid >= 0;
	     i = (i + 1) & (w->cap - 1))
		if (w->t[i].tid == tid)
			return &w->t[i];
	w->t[i] = (struct tstack){ .tid = tid };
	w->used++;
	return &w->t[i];
}

static int push(struct tstack *s, const struct frame *f)
{
	if (s->n == MAX_OPEN) {
		memmove(s->v, s->v + 1, (size_t)(s->n - 1) * sizeof(*s->v));
		s->n--;
	}
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 8;
		void *p = reallocarray(s->v, (size_t)cap, sizeof(*s->v));

		if (!p)
			return -ENOMEM;
		s->v = p;
		s->cap = cap;
	}
	s->v[s->n++] = *f;
	return 0;
}

/* The open call a return closes: by stack pointer, else the innermost. */
static int find_frame(const struct tstack *s, int trig, bool has_sp, uint64_t sp)
{
	for (int k = s->n - 1; k >= 0; k--)
		if (s->v[k].trig == trig && (!has_sp || !s->v[k].has_sp || s->v[k].sp + SP_DELTA == sp))
			return k;
	return -1;
}

/* One event in time order; 1 and *hit when a trigger fires. */
static int feed(struct trigger_watch *w, const struct seen *e, struct trigger_hit *hit)
{
	const struct ev_info *ei = &w->evs[e->ev];
	const struct trigger *t = &w->trigs[ei->trig];
	struct tstack *s;
	int k;

	if (t->kind == TRIG_EVENT) {
		*hit = (struct trigger_hit){ .t = t, .ts = e->ts, .tid = e->tid };
		snprintf(hit->what, sizeof(hit->what), "%s hit (tid %d)", t->text, e->tid);
		return 1;
	}
	s = stack_of(w, e->tid);
	if (!s)
		return -ENOMEM;
	if (ei->role == 0) {
		struct frame f = { .ts = e->ts, .sp = e->sp, .trig = ei->trig,
				   .has_sp = ei->sp_off >= 0, .syscall = ei->syscall };

		/* An entry at a shallower stack position than open calls means
		 * those are gone (a longjmp, a lost return): the stack grows
		 * down, a call they made would sit below them. At the same
		 * position, only a call of the same function is gone: another
		 * may be a tail call, whose return the kernel reports with its
		 * caller's. A thread makes one syscall at a time. */
		while (s->n) {
			const struct frame *top = &s->v[s->n - 1];

			if (!(f.has_sp && top->has_sp &&
			      (top->sp < f.sp || (top->sp == f.sp && top->trig == f.trig))) &&
			    !(f.syscall && top->syscall))
				break;
			s->n--;
		}
		return push(s, &f);
	}
	k = find_frame(s, ei->trig, ei->sp_off >= 0, e->sp);
	if (k < 0)
		return 0;	/* entered before the watch began */
	{
		int64_t dur = (int64_t)(e->ts - s->v[k].ts);
		bool reported = s->v[k].reported;

		s->n = k;	/* it, and what it called that never returned */
		if (dur <= t->min_ns || reported)
			return 0;
		*hit = (struct trigger_hit){ .t = t, .ts = e->ts, .tid = e->tid, .dur_ns = dur };
		snprintf(hit->what, sizeof(hit->what), "%s: a call of %s took %.3f ms (tid %d)",
			 t->text, t->func, (double)dur / 1e6, e->tid);
		return 1;
	}
}

int trigger_watch_read(struct trigger_watch *w, struct trigger_hit *hit)
{
	bool fired = false;
	int rc = 0;

	size_t nruns = 0;

	w->nb = 0;
	for (int i = 0; i < w->ncpus && !rc; i++) {
		if (w->fds[i] < 0)
			continue;
		if (!nruns || w->runs[nruns - 1] != w->nb)
			w->runs[nruns++] = w->nb;
		for (;;) {
			ssize_t n = read(w->fds[i], w->page, w->subbuf);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno != EAGAIN)
				rc = -errno;
			if (n <= 0)
				break;
			rc = parse_page(w, (size_t)n);
			if (rc)
				break;
		}
	}
	/* CPUs read one after the other: their events in time order */
	if (nruns && w->runs[nruns - 1] == w->nb)
		nruns--;	/* the last CPU read added nothing */
	w->runs[nruns] = w->nb;
	merge_runs(w, nruns);
	if (w->nb && w->batch[w->nb - 1].ts > w->last_ts)
		w->last_ts = w->batch[w->nb - 1].ts;
	for (size_t i = 0; i < w->nb && !rc; i++) {
		struct trigger_hit h;
		int r = feed(w, &w->batch[i], &h);

		if (r < 0)
			rc = r;
		else if (r && !fired) {
			*hit = h;
			fired = true;
		}
	}
	return rc < 0 ? rc : fired;
}

static bool thread_alive(int tid)
{
	char path[32];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d", tid);
	return stat(path, &st) == 0;
}

int trigger_watch_running(struct trigger_watch *w, uint64_t now, struct trigger_hit *hit)
{
	if (!now)
		now = w->last_ts;
	for (size_t i = 0; i < w->cap; i++) {
		struct tstack *s = &w->t[i];

		for (int k = 0; s->tid >= 0 && k < s->n; k++) {
			struct frame *f = &s->v[k];
			const struct trigger *t = &w->trigs[f->trig];
			int64_t dur = (int64_t)(now - f->ts);

			if (f->reported || t->kind != TRIG_SLOW_CALL || now < f->ts || dur <= t->min_ns)
				continue;
			if (!thread_alive(s->tid)) {
				s->n = 0;	/* it exited inside the call */
				break;
			}
			f->reported = true;
			*hit = (struct trigger_hit){ .t = t, .ts = now, .tid = s->tid, .dur_ns = dur,
						     .running = true };
			snprintf(hit->what, sizeof(hit->what),
				 "%s: a call of %s has run for %.3f ms and not returned (tid %d)",
				 t->text, t->func, (double)dur / 1e6, s->tid);
			return 1;
		}
	}
	return 0;
}

void trigger_watch_free(struct trigger_watch *w)
{
	if (!w)
		return;
	for (int i = 0; w->fds && i < w->ncpus; i++)
		if (w->fds[i] >= 0)
			close(w->fds[i]);
	for (size_t i = 0; i < w->cap; i++)
		if (w->t[i].tid >= 0)
			free(w->t[i].v);
	free(w->t);
	free(w->fds);
	free(w->page);
	free(w->batch);
	free(w->tmp);
	free(w->runs);
	free(w->evs);
	ukt_rbpage_free(w->rb);
	if (w->tep)
		tep_free(w->tep);
	free(w);
}
