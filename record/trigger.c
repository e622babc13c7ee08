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
#include <sys/utsname.h>
#include <unistd.h>

#include "elfsym.h"
#include "tracefs.h"
#include "trigger.h"
#include "uktrace/pair.h"
#include "uktrace/rbpage.h"
#include "uktrace/units.h"

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
	t->user_return = ret->kind == PK_URETPROBE;
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
	int caller_off;		/* -1: no caller field (the entry's return address) */
};

struct seen {
	uint64_t ts;
	uint64_t sp, caller;
	int tid;
	int cpu;
	int ev;			/* index into evs */
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
	struct pairer *pairer;	/* the slow-call triggers' calls: func = trigger */
	uint64_t last_ts;	/* the latest event seen */
	bool fired;		/* hit holds the batch's first trigger */
	struct trigger_hit hit;
	int64_t read_ns;	/* read at least this often (slow-call triggers) */
	/* trigger_watch_await's call: until it returns */
	bool awaiting;
	int await_tid, await_func;
	uint64_t await_entry;
	int await_end;		/* 0: running, 1: returned, 2: ended without */
	uint64_t await_ret_ts;
	int64_t await_dur;
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
				.caller_off = -1 };
	f = tep_find_common_field(e, "common_pid");
	ei->pid_off = f ? f->offset : 4;
	ei->pid_size = f ? f->size : 4;
	f = tep_find_field(e, "sp");
	if (f && f->size == 8)
		ei->sp_off = f->offset;
	f = role == 0 ? tep_find_field(e, "caller") : NULL;
	if (f && f->size == 8)
		ei->caller_off = f->offset;
	rc = tfs_enable(sib, t->sys[role], t->name[role], true, err);
out:
	ukt_buf_release(&path);
	ukt_buf_release(&text);
	return rc;
}

static int emit_call(void *ctx, const struct call_row *r);

/* The pairer of the slow-call triggers: their functions as the report
 * knows them, by this host's stack pointer rule. */
static int pairer_setup(struct trigger_watch *w)
{
	struct utsname u;

	w->pairer = pairer_new(emit_call, w, (int)w->ntrigs);
	if (!w->pairer)
		return -ENOMEM;
	for (size_t i = 0; i < w->ntrigs; i++)
		if (w->trigs[i].kind == TRIG_SLOW_CALL)
			pairer_set_func(w->pairer, (int)i,
					pair_func_flags(w->trigs[i].func, w->trigs[i].user_return));
	if (uname(&u) == 0)
		pairer_set_machine(w->pairer, u.machine);
	/* a call's entry is read before half its threshold has passed */
	w->read_ns = 100000000;
	for (size_t i = 0; i < w->ntrigs; i++)
		if (w->trigs[i].kind == TRIG_SLOW_CALL && w->trigs[i].min_ns / 2 < w->read_ns)
			w->read_ns = w->trigs[i].min_ns / 2;
	if (w->read_ns < 2000000)
		w->read_ns = 2000000;
	pairer_set_max_open(w->pairer, MAX_OPEN);
	return 0;
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
	if (!w->tep || !w->rb || !w->fds || !w->page || !w->runs || pairer_setup(w)) {
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

/* The events of one page (n bytes read on cpu) into the batch. */
static int parse_page(struct trigger_watch *w, int cpu, size_t n)
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
		uint64_t sp = 0, caller = 0;

		if (!ei || ei->pid_off + 4 > size || ei->sp_off + 8 > size ||
		    ei->caller_off + 8 > size)
			continue;
		memcpy(&tid, data + ei->pid_off, 4);
		if (ei->sp_off >= 0)
			memcpy(&sp, data + ei->sp_off, 8);
		if (ei->caller_off >= 0)
			memcpy(&caller, data + ei->caller_off, 8);
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
		w->batch[w->nb++] = (struct seen){ .ts = ts, .sp = sp, .caller = caller, .tid = tid,
						   .cpu = cpu, .ev = (int)(ei - w->evs) };
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

/* A call of a slow-call trigger's function ended: it fires when it took
 * longer than the threshold and did not fire while running. */
static int emit_call(void *ctx, const struct call_row *r)
{
	struct trigger_watch *w = ctx;
	const struct trigger *t = &w->trigs[r->func];

	if (w->awaiting && !w->await_end && r->noted && r->has_entry && r->tid == w->await_tid &&
	    r->func == w->await_func && r->entry_ts == w->await_entry) {
		w->await_end = r->has_return ? 1 : 2;
		w->await_ret_ts = r->return_ts;
		w->await_dur = r->duration;
	}
	if (!r->has_entry || !r->has_return || r->noted || r->duration <= t->min_ns ||
	    w->fired)
		return 0;	/* (a return entered before the watch began) */
	w->hit = (struct trigger_hit){ .t = t, .ts = r->return_ts, .entry_ts = r->entry_ts,
				       .tid = r->tid, .dur_ns = r->duration };
	snprintf(w->hit.what, sizeof(w->hit.what), "%s: a call of %s took %.3f ms (tid %d)",
		 t->text, t->func, (double)r->duration / 1e6, r->tid);
	w->fired = true;
	return 0;
}

/* One event in time order: an event trigger fires, a call event goes to
 * the pairer. */
static int feed(struct trigger_watch *w, const struct seen *e)
{
	const struct ev_info *ei = &w->evs[e->ev];
	const struct trigger *t = &w->trigs[ei->trig];
	struct call_event ce = {
		.ts = e->ts, .cpu = e->cpu, .tid = e->tid, .func = ei->trig,
		.is_return = ei->role == 1, .has_sp = ei->sp_off >= 0, .sp = e->sp,
		.has_caller = ei->caller_off >= 0, .caller = e->caller,
	};

	if (t->kind == TRIG_EVENT) {
		if (w->fired)
			return 0;
		w->hit = (struct trigger_hit){ .t = t, .ts = e->ts, .tid = e->tid };
		snprintf(w->hit.what, sizeof(w->hit.what), "%s hit (tid %d)", t->text, e->tid);
		w->fired = true;
		return 0;
	}
	return pairer_feed(w->pairer, &ce);
}

int trigger_watch_read(struct trigger_watch *w, struct trigger_hit *hit)
{
	size_t nruns = 0;
	int rc = 0;

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
			rc = parse_page(w, i, (size_t)n);
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
	w->fired = false;
	for (size_t i = 0; i < w->nb && !rc; i++)
		rc = feed(w, &w->batch[i]);
	if (rc < 0)
		return rc;
	if (w->fired)
		*hit = w->hit;
	return w->fired;
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
	struct pair_iter it = PAIR_ITER_INIT;

	if (!now)
		now = w->last_ts;
	while (pairer_open_next(w->pairer, &it)) {
		const struct open_call *oc = &it.oc;
		const struct trigger *t = &w->trigs[oc->func];
		int64_t dur = (int64_t)(now - oc->entry_ts);

		/* a call the kernel armed no return for may have returned */
		if (oc->noted || !oc->returns || now < oc->entry_ts || dur <= t->min_ns)
			continue;
		if (!thread_alive(oc->tid)) {
			pairer_forget_thread(w->pairer, oc->tid);	/* it exited inside */
			continue;
		}
		pairer_note(w->pairer, &it);
		*hit = (struct trigger_hit){ .t = t, .ts = now, .entry_ts = oc->entry_ts,
					     .tid = oc->tid, .dur_ns = dur, .running = true };
		snprintf(hit->what, sizeof(hit->what),
			 "%s: a call of %s has run for %.3f ms and not returned (tid %d)",
			 t->text, t->func, (double)dur / 1e6, oc->tid);
		return 1;
	}
	return 0;
}

int trigger_watch_timeout_ms(struct trigger_watch *w, uint64_t now)
{
	struct pair_iter it = PAIR_ITER_INIT;
	int64_t wait = w->read_ns;

	if (!now)
		return (int)(wait / 1000000);	/* no clock to judge calls by */
	while (pairer_open_next(w->pairer, &it)) {
		const struct open_call *oc = &it.oc;
		const struct trigger *t = &w->trigs[oc->func];
		int64_t left;

		if (oc->noted || !oc->returns)
			continue;
		left = (int64_t)(oc->entry_ts + (uint64_t)t->min_ns) - (int64_t)now;
		if (left < wait)
			wait = left;
	}
	/* just past the threshold: a call fires when it has run longer;
	 * never 0, a loop that spins while a storm keeps the reads busy */
	return wait < 0 ? 1 : (int)(wait / 1000000) + 1;
}

void trigger_watch_await(struct trigger_watch *w, const struct trigger_hit *hit)
{
	w->awaiting = hit->t && hit->t->kind == TRIG_SLOW_CALL && hit->running;
	w->await_tid = hit->tid;
	w->await_func = hit->t ? (int)(hit->t - w->trigs) : -1;
	w->await_entry = hit->entry_ts;
	w->await_end = 0;
}

int trigger_watch_returned(struct trigger_watch *w, struct trigger_hit *hit)
{
	int end;

	if (!w->awaiting)
		return 0;
	if (!w->await_end && !thread_alive(w->await_tid))
		w->await_end = 2;	/* it exited inside the call */
	end = w->await_end;
	if (end == 1) {
		hit->ts = w->await_ret_ts;
		hit->dur_ns = w->await_dur;
		hit->running = false;
	}
	if (end)
		w->awaiting = false;
	return end;
}

void trigger_watch_free(struct trigger_watch *w)
{
	if (!w)
		return;
	for (int i = 0; w->fds && i < w->ncpus; i++)
		if (w->fds[i] >= 0)
			close(w->fds[i]);
	pairer_free(w->pairer);
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
