// SPDX-License-Identifier: MIT
/* Entry/return pairing with a stack per thread (uktrace/pair.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "uktrace/vec.h"
#include "ttab.h"
#include "uktrace/pair.h"

struct frame {
	int64_t id;
	int func;
	uint64_t entry_ts;
	int64_t entry_event_id;
	int64_t child_ns;
	bool has_caller;
	uint64_t caller;
	bool has_sp;
	uint64_t sp;
	bool has_ip, stored;
	uint64_t ip;
	int probe_id;
	bool hijacked;		/* the kernel armed its uretprobe return */
	bool noted;		/* pairer_note */
	bool recursive;		/* a frame of its function is below it */
	uint64_t cpus;		/* CPUs its thread ran on while it was open */
	int cpu;
	int pid;
	char *args;
};

struct tstack {
	int tid;		/* first: a slot of struct ttab */
	bool init;
	int last_cpu;		/* -1: none yet */
	uint64_t last_ts;	/* of the thread's previous event, 0: none */
	int pending;		/* uretprobe returns the kernel holds (add_zombie) */
	uint64_t *zsp;		/* the zombies' stack positions, nz of them */
	int nz;
	struct frame *v;
	int n, cap;
};

/* Loss ranges of one CPU, disjoint, sorted by time. */
struct losses {
	struct { uint64_t from, to; } *v;
	size_t n, cap;
};

struct pairer {
	call_emit_fn emit;
	void *ctx;
	struct ttab t;		/* struct tstack per thread */
	struct tstack *last;	/* the last event's thread's (until t grows) */
	int64_t next_id;
	uint64_t counts[CALL_NSTATUS];
	uint8_t *flags;		/* per function */
	int nfuncs;
	bool has_sp_delta;
	int64_t sp_delta;
	int max_open;		/* 0: no limit */
	struct losses *loss;	/* per CPU */
	int nloss;
	uint64_t last_ts;	/* of the stream */
};

const char *call_status_name(enum call_status s)
{
	static const char *const names[] = {
		"complete", "no_return", "no_entry", "lost", "no_return_depth",
		"never_returns", "fork_child", "abandoned",
	};

	return (unsigned int)s < CALL_NSTATUS ? names[s] : "unknown";
}

unsigned int pair_func_flags(const char *name, bool user_return)
{
	static const struct { const char *name; unsigned int flags; } syscalls[] = {
		{ "exit", FUNC_NEVER_RETURNS }, { "exit_group", FUNC_NEVER_RETURNS },
		{ "rt_sigreturn", FUNC_NEVER_RETURNS }, { "sigreturn", FUNC_NEVER_RETURNS },
		{ "fork", FUNC_FORK }, { "vfork", FUNC_FORK }, { "clone", FUNC_FORK },
		{ "clone3", FUNC_FORK }, { "execve", FUNC_EXEC }, { "execveat", FUNC_EXEC },
	};
	unsigned int f = user_return ? FUNC_USER_RET : 0;

	if (!strncmp(name, "syscall:", 8)) {
		f |= FUNC_SYSCALL;
		for (size_t i = 0; i < sizeof(syscalls) / sizeof(syscalls[0]); i++)
			if (!strcmp(name + 8, syscalls[i].name))
				f |= syscalls[i].flags;
	}
	return f;
}

bool pair_sp_delta(const char *machine, int64_t *delta)
{
	/* the recorder fetches %sp on x86-64 only (record/spec.c) */
	if (machine && !strcmp(machine, "x86_64")) {
		*delta = 8;
		return true;
	}
	return false;
}

struct pairer *pairer_new(call_emit_fn emit, void *ctx, int nfuncs)
{
	struct pairer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->emit = emit;
	p->ctx = ctx;
	p->next_id = 1;
	p->nfuncs = nfuncs > 0 ? nfuncs : 0;
	p->flags = calloc((size_t)p->nfuncs + 1, 1);
	if (ttab_init(&p->t, sizeof(struct tstack), 256) || !p->flags) {
		ttab_release(&p->t);
		free(p->flags);
		free(p);
		return NULL;
	}
	return p;
}

void pairer_free(struct pairer *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->t.cap; i++) {
		struct tstack *s = ttab_at(&p->t, i);

		if (!ttab_used(&p->t, i))
			continue;
		for (int k = 0; k < s->n; k++)
			free(s->v[k].args);
		free(s->v);
		free(s->zsp);
	}
	for (int i = 0; i < p->nloss; i++)
		free(p->loss[i].v);
	free(p->loss);
	free(p->flags);
	ttab_release(&p->t);
	free(p);
}

void pairer_set_func(struct pairer *p, int func, unsigned int flags)
{
	if (func >= 0 && func < p->nfuncs)
		p->flags[func] = (uint8_t)flags;
}

void pairer_set_machine(struct pairer *p, const char *machine)
{
	p->has_sp_delta = pair_sp_delta(machine, &p->sp_delta);
}

void pairer_set_max_open(struct pairer *p, int max_open)
{
	p->max_open = max_open > 0 ? max_open : 0;
}

static inline unsigned int fflags(const struct pairer *p, int func)
{
	return func >= 0 && func < p->nfuncs ? p->flags[func] : 0;
}

static uint64_t cpu_bit(int cpu)
{
	return cpu >= 0 && cpu < 64 ? 1ull << cpu : ~0ull;
}

int pairer_loss(struct pairer *p, int cpu, uint64_t from, uint64_t to)
{
	struct losses *l;
	size_t lo = 0, hi;

	if (cpu < 0)
		return 0;
	if (cpu >= p->nloss) {
		void *v = reallocarray(p->loss, (size_t)cpu + 1, sizeof(*p->loss));

		if (!v)
			return -ENOMEM;
		p->loss = v;
		memset(&p->loss[p->nloss], 0, ((size_t)cpu + 1 - (size_t)p->nloss) * sizeof(*p->loss));
		p->nloss = cpu + 1;
	}
	l = &p->loss[cpu];
	if (from > to) {
		uint64_t x = from;

		from = to;
		to = x;
	}
	/* merge with every range it touches, keeping them disjoint */
	for (hi = l->n; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->v[mid].to < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	hi = lo;
	while (hi < l->n && l->v[hi].from <= to) {
		if (l->v[hi].from < from)
			from = l->v[hi].from;
		if (l->v[hi].to > to)
			to = l->v[hi].to;
		hi++;
	}
	if (hi == lo) {
		if (UKT_GROW(l->v, l->cap, l->n))
			return -ENOMEM;
		memmove(&l->v[lo + 1], &l->v[lo], (l->n - lo) * sizeof(*l->v));
		l->n++;
	} else if (hi > lo + 1) {
		memmove(&l->v[lo + 1], &l->v[hi], (l->n - hi) * sizeof(*l->v));
		l->n -= hi - lo - 1;
	}
	l->v[lo].from = from;
	l->v[lo].to = to;
	return 0;
}

/* Whether events were lost on one of cpus during (a, b). */
static bool lost_during(const struct pairer *p, uint64_t cpus, uint64_t a, uint64_t b)
{
	for (int cpu = 0; cpu < p->nloss; cpu++) {
		const struct losses *l = &p->loss[cpu];
		size_t lo = 0, hi = l->n;

		if (!(cpus & cpu_bit(cpu)) || !l->n)
			continue;
		/* the first range that ends after a */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (l->v[mid].to <= a)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < l->n && l->v[lo].from < b)
			return true;
	}
	return false;
}

/* tid's stack, made when new (NULL on ENOMEM). A thread's events come
 * in runs: the last one's is at hand. */
static struct tstack *get_stack(struct pairer *p, int tid)
{
	struct tstack *s;

	if (p->last && p->last->tid == tid)
		return p->last;
	s = ttab_get(&p->t, tid);
	if (s && !s->init) {
		s->init = true;
		s->last_cpu = -1;
	}
	p->last = s;
	return s;
}

static int emit_row(struct pairer *p, struct call_row *r)
{
	p->counts[r->status]++;
	return p->emit(p->ctx, r);
}

/*
 * Why frame f never got its return, judged at time now; gone: a later
 * event of its thread at a shallower stack position proved its frame
 * left (a longjmp, siglongjmp or exception unwound it).
 */
static enum call_status no_return_reason(const struct pairer *p,
					 const struct frame *f, uint64_t now, bool gone)
{
	if ((fflags(p, f->func) & FUNC_USER_RET) && !f->hijacked)
		return CALL_NO_RETURN_DEPTH;
	if (lost_during(p, f->cpus, f->entry_ts, now + 1))
		return CALL_LOST;
	return gone ? CALL_ABANDONED : CALL_NO_RETURN;
}

/* Emit frame k of s, returned by ret (NULL: never) with status st. The
 * caller pops it and accounts for its uretprobe return (drop_pending). */
static int emit_frame(struct pairer *p, struct tstack *s, int k,
		      const struct call_event *ret, enum call_status st)
{
	struct frame *f = &s->v[k];
	struct call_row r;
	int rc;

	/*
	 * Every field set one by one: an initializer would zero the whole
	 * row first (a rep stos per call, the most of this function's time
	 * on a syscall-rate trace).
	 */
	r.id = f->id;
	r.func = f->func;
	r.tid = s->tid;
	r.pid = f->pid;
	r.has_entry = true;
	r.has_return = false;
	r.entry_ts = f->entry_ts;
	r.return_ts = 0;
	r.duration = r.self = 0;
	r.depth = k;
	r.parent_id = k ? s->v[k - 1].id : 0;
	r.has_caller = f->has_caller;
	r.caller = f->caller;
	r.has_ret = false;
	r.ret = 0;
	r.entry_event_id = f->entry_event_id;
	r.return_event_id = 0;
	r.entry_cpu = f->cpu;
	r.return_cpu = -1;
	r.in = (struct call_side){ .has_caller = f->has_caller, .caller = f->caller,
				   .has_sp = f->has_sp, .sp = f->sp, .has_ip = f->has_ip,
				   .ip = f->ip, .stored = f->stored };
	r.out = (struct call_side){ 0 };
	r.entry_probe = f->probe_id;
	r.return_probe = 0;
	r.args = f->args;
	r.status = st;
	r.noted = f->noted;
	r.recursive = f->recursive;
	if (ret) {
		r.out = (struct call_side){
			.has_caller = ret->has_caller, .caller = ret->caller,
			.has_sp = ret->has_sp, .sp = ret->sp, .has_ip = ret->has_ip,
			.ip = ret->ip, .stored = ret->stored,
		};
		r.return_probe = ret->probe_id;
		r.has_return = true;
		r.return_ts = ret->ts;
		r.return_event_id = ret->event_id;
		r.return_cpu = ret->cpu;
		/* modulo 2^64: a crafted file's times may be anything */
		r.duration = (int64_t)(ret->ts - f->entry_ts);
		r.self = (int64_t)((uint64_t)r.duration - (uint64_t)f->child_ns);
		r.has_ret = ret->has_ret;
		r.ret = ret->ret;
		/*
		 * The return's __probe_ret_ip is the true return address; the
		 * value fetched at entry from the stack may already be the
		 * kretprobe trampoline when the return probe was armed first.
		 */
		if (ret->has_caller) {
			r.has_caller = true;
			r.caller = ret->caller;
		}
		if (r.status == CALL_COMPLETE &&
		    lost_during(p, f->cpus | cpu_bit(ret->cpu), f->entry_ts, ret->ts))
			r.status = CALL_LOST;
		/* the parent's self time excludes this call */
		if (k && r.status == CALL_COMPLETE)
			s->v[k - 1].child_ns = (int64_t)((uint64_t)s->v[k - 1].child_ns +
							 (uint64_t)r.duration);
	}
	rc = emit_row(p, &r);
	free(f->args);
	f->args = NULL;
	return rc;
}

/*
 * The kernel's pending uretprobe returns of a thread (its utask's
 * return_instances, at most CALLS_URETPROBE_DEPTH): the open frames it
 * armed, and "zombies", frames proven gone whose return instance the
 * kernel still holds. It drops those only when it next arms a return
 * with room to (at a probed entry: cleanup_return_instances, for every
 * instance at or below the new stack position) or at a return through
 * its trampoline (handle_trampoline, for every instance below the
 * returning frame). Until then they count against the limit.
 */
static int add_zombie(struct tstack *s, uint64_t sp)
{
	if (!s->zsp) {
		s->zsp = malloc(CALLS_URETPROBE_DEPTH * sizeof(*s->zsp));
		if (!s->zsp)
			return -ENOMEM;
	}
	if (s->nz < CALLS_URETPROBE_DEPTH)
		s->zsp[s->nz++] = sp;
	return 0;
}

/* The kernel drops the instances at or below stack position pos (below
 * only, when strict). */
static void drop_zombies(struct tstack *s, uint64_t pos, bool strict)
{
	int k = 0;

	for (int i = 0; i < s->nz; i++) {
		if (s->zsp[i] < pos || (!strict && s->zsp[i] == pos))
			s->pending--;
		else
			s->zsp[k++] = s->zsp[i];
	}
	s->nz = k;
}

/* Frame f leaves the stack: its armed return with it, or into the
 * zombies when the kernel keeps it for now. */
static int drop_pending(struct tstack *s, const struct frame *f, bool zombie)
{
	if (!f->hijacked)
		return 0;
	if (zombie && f->has_sp)
		return add_zombie(s, f->sp);
	s->pending--;
	return 0;
}

/* Whether frame f and event ev are user-space calls whose stack pointers
 * compare: the same stack of the same thread. */
static inline bool on_user_stack(const struct pairer *p, unsigned int fl, bool has_sp)
{
	return p->has_sp_delta && has_sp && (fl & FUNC_USER_RET);
}

/* Close the frames of s from the top down to (not including) k: their
 * returns never came (gone, zombie: as close_gone says). */
static int pop_above(struct pairer *p, struct tstack *s, int k, uint64_t now, bool gone,
		     bool zombie)
{
	int rc = 0;

	while (s->n > k && !rc) {
		const struct frame *f = &s->v[s->n - 1];

		bool proven = gone && on_user_stack(p, fflags(p, f->func), f->has_sp);

		rc = emit_frame(p, s, s->n - 1, NULL, no_return_reason(p, f, now, proven));
		if (!rc)
			rc = drop_pending(s, f, zombie);
		s->n--;
	}
	return rc;
}

/*
 * The x86-64 uretprobe trampoline's address is where the kernel's
 * uprobes page starts (xol_area: slot 0), page-aligned; a return address
 * is on a page boundary by a 1-in-4096 chance. An entry that finds it in
 * its return address slot was tail-called by a probed function whose
 * return the kernel armed (its instance is "chained"): that caller's
 * frame is at the same position and still live.
 */
static inline bool tail_called(const struct call_event *ev)
{
	return ev->has_caller && !(ev->caller & 0xfff);
}

/*
 * A user-space entry or return at a shallower stack position than open
 * frames proves them gone: the stack grows down, and a call they made
 * would sit below them. pos is the event's frame's position (an entry's
 * stack pointer; a return's minus the delta). At the same position, an
 * entry replaces a frame that left, unless it was tail-called from it;
 * without the caller's address to tell, only a call of the same function
 * is taken as gone. A return at the same position is its own frame's, or
 * a tail caller's whose return follows. Frames without a stack pointer
 * (kernel functions, syscalls) in between go with the frame they were
 * called in. The closed frames are abandoned, their returns unknown.
 */
static inline int close_gone(struct pairer *p, struct tstack *s, const struct call_event *ev,
			     uint64_t pos)
{
	bool entry = !ev->is_return;
	int k = s->n;

	for (int j = s->n - 1; j >= 0; j--) {
		const struct frame *f = &s->v[j];
		bool same_gone;

		if (!on_user_stack(p, fflags(p, f->func), f->has_sp))
			continue;
		if (f->sp > pos)
			break;
		same_gone = entry && (ev->has_caller ? !tail_called(ev) : f->func == ev->func);
		if (f->sp == pos && !same_gone)
			break;
		k = j;
	}
	if (k == s->n)
		return 0;
	/* at an entry the kernel keeps their instances until it cleans up;
	 * a return through its trampoline drops every one below it */
	return pop_above(p, s, k, ev->ts, true, entry);
}

/* A syscall never nests in another: close the syscall frames on top. */
static int close_open_syscalls(struct pairer *p, struct tstack *s, int except,
			       uint64_t now)
{
	int k = s->n;

	while (k > 0 && (fflags(p, s->v[k - 1].func) & FUNC_SYSCALL) &&
	       s->v[k - 1].func != except)
		k--;
	return pop_above(p, s, k, now, false, false);
}

/* Bounded memory: the thread's oldest open call goes, without a row (its
 * armed return stays the kernel's). */
static int forget_oldest(struct tstack *s)
{
	int rc = drop_pending(s, &s->v[0], true);

	free(s->v[0].args);
	memmove(s->v, s->v + 1, (size_t)(s->n - 1) * sizeof(*s->v));
	s->n--;
	return rc;
}

/* Whether the kernel arms the return of a uretprobe'd entry ev, as its
 * prepare_uretprobe decides: not with the limit reached (and then it
 * cleans up nothing); else after dropping the instances the new frame
 * proves gone. */
static bool arm_return(const struct pairer *p, struct tstack *s, const struct call_event *ev)
{
	if (s->pending >= CALLS_URETPROBE_DEPTH)
		return false;
	if (on_user_stack(p, FUNC_USER_RET, ev->has_sp) && s->nz)
		drop_zombies(s, ev->sp, tail_called(ev));
	s->pending++;
	return true;
}

/* Whether a call of func is open on s: a new one is inside it. */
static bool open_call_of(const struct tstack *s, int func)
{
	for (int k = s->n - 1; k >= 0; k--)
		if (s->v[k].func == func)
			return true;
	return false;
}

static int push_entry(struct pairer *p, struct tstack *s, const struct call_event *ev)
{
	unsigned int fl = fflags(p, ev->func);
	struct frame *f;
	int rc = 0;

	if (fl & FUNC_SYSCALL)
		rc = close_open_syscalls(p, s, -1, ev->ts);
	if (!rc && on_user_stack(p, fl, ev->has_sp))
		rc = close_gone(p, s, ev, ev->sp);
	if (rc)
		return rc;
	if (fl & FUNC_NEVER_RETURNS) {
		/* no frame: nothing returns to it */
		struct call_row r = {
			.id = p->next_id++, .func = ev->func, .tid = ev->tid,
			.pid = ev->pid, .has_entry = true, .entry_ts = ev->ts,
			.depth = s->n, .parent_id = s->n ? s->v[s->n - 1].id : 0,
			.has_caller = ev->has_caller, .caller = ev->caller,
			.entry_event_id = ev->event_id, .entry_cpu = ev->cpu,
			.return_cpu = -1, .args = ev->args, .status = CALL_NEVER_RETURNS,
			.in = { .has_caller = ev->has_caller, .caller = ev->caller,
				.has_sp = ev->has_sp, .sp = ev->sp, .has_ip = ev->has_ip,
				.ip = ev->ip, .stored = ev->stored },
			.entry_probe = ev->probe_id, .recursive = open_call_of(s, ev->func),
		};

		return emit_row(p, &r);
	}
	if (p->max_open && s->n >= p->max_open && (rc = forget_oldest(s)))
		return rc;
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 8;
		void *v = reallocarray(s->v, (size_t)cap, sizeof(*s->v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	f = &s->v[s->n];
	*f = (struct frame){
		.id = p->next_id, .func = ev->func, .entry_ts = ev->ts,
		.entry_event_id = ev->event_id, .has_caller = ev->has_caller,
		.caller = ev->caller, .has_sp = ev->has_sp, .sp = ev->sp,
		.has_ip = ev->has_ip, .ip = ev->ip, .stored = ev->stored,
		.probe_id = ev->probe_id, .recursive = open_call_of(s, ev->func),
		.cpus = cpu_bit(ev->cpu), .cpu = ev->cpu, .pid = ev->pid,
	};
	if (ev->args) {
		f->args = strdup(ev->args);
		if (!f->args)
			return -ENOMEM;
	}
	if (fl & FUNC_USER_RET)
		f->hijacked = arm_return(p, s, ev);
	p->next_id++;
	s->n++;
	return 0;
}

/* The open frame of s that ev returns from, or -1. */
static int find_frame(const struct pairer *p, const struct tstack *s,
		      const struct call_event *ev)
{
	if (ev->has_sp && p->has_sp_delta) {
		for (int k = s->n - 1; k >= 0; k--)
			if (s->v[k].func == ev->func && s->v[k].has_sp &&
			    s->v[k].sp + (uint64_t)p->sp_delta == ev->sp)
				return k;
		/* entries without a stack pointer: by nesting */
		for (int k = s->n - 1; k >= 0; k--)
			if (s->v[k].func == ev->func && !s->v[k].has_sp)
				return k;
		return -1;
	}
	for (int k = s->n - 1; k >= 0; k--)
		if (s->v[k].func == ev->func)
			return k;
	return -1;
}

/* A successful exec returns on the thread group leader, which may not be
 * the thread that called it: pair with that thread's open call. */
static int exec_elsewhere(struct pairer *p, const struct call_event *ev, bool *done)
{
	for (size_t i = 0; i < p->t.cap; i++) {
		struct tstack *o = ttab_at(&p->t, i);
		int rc;

		if (!ttab_used(&p->t, i) || o->tid == ev->tid || !o->n ||
		    o->v[o->n - 1].func != ev->func || o->v[o->n - 1].pid != ev->pid)
			continue;
		rc = emit_frame(p, o, o->n - 1, ev, CALL_COMPLETE);
		if (!rc)
			rc = drop_pending(o, &o->v[o->n - 1], false);
		o->n--;
		*done = true;
		return rc;
	}
	return 0;
}

static int feed_return(struct pairer *p, struct tstack *s,
		       const struct call_event *ev, uint64_t prev_ts, int prev_cpu)
{
	unsigned int fl = fflags(p, ev->func);
	struct call_row r;
	int k, rc = 0;

	if (fl & FUNC_SYSCALL)
		rc = close_open_syscalls(p, s, ev->func, ev->ts);
	if (!rc && on_user_stack(p, fl, ev->has_sp)) {
		uint64_t pos = ev->sp - (uint64_t)p->sp_delta;

		rc = close_gone(p, s, ev, pos);
		/* the trampoline drops what it holds below the return */
		if (!rc && s->nz)
			drop_zombies(s, pos, false);
	}
	if (rc)
		return rc;
	k = find_frame(p, s, ev);
	if (k >= 0) {
		/* calls opened above it never returned */
		rc = pop_above(p, s, k + 1, ev->ts, false, false);
		if (!rc)
			rc = emit_frame(p, s, k, ev, CALL_COMPLETE);
		if (!rc)
			rc = drop_pending(s, &s->v[k], false);
		s->n = k;
		return rc;
	}
	if ((fl & FUNC_EXEC) && ev->has_ret && ev->ret == 0) {
		bool done = false;

		rc = exec_elsewhere(p, ev, &done);
		if (rc || done)
			return rc;
	}
	if (fl & FUNC_ENTRY_FILTERED)
		return 0;	/* a call the recorder's filter dropped */
	r = (struct call_row){
		.id = p->next_id++, .func = ev->func, .tid = ev->tid,
		.pid = ev->pid, .has_return = true, .return_ts = ev->ts,
		.depth = s->n, .parent_id = s->n ? s->v[s->n - 1].id : 0,
		.has_caller = ev->has_caller, .caller = ev->caller,
		.has_ret = ev->has_ret, .ret = ev->ret,
		.return_event_id = ev->event_id, .entry_cpu = -1,
		.return_cpu = ev->cpu, .status = CALL_NO_ENTRY,
		.out = { .has_caller = ev->has_caller, .caller = ev->caller,
			 .has_sp = ev->has_sp, .sp = ev->sp, .has_ip = ev->has_ip,
			 .ip = ev->ip, .stored = ev->stored },
		.return_probe = ev->probe_id,
	};
	if ((fl & FUNC_FORK) && ev->has_ret && ev->ret == 0)
		r.status = CALL_FORK_CHILD;
	else if (lost_during(p, cpu_bit(ev->cpu) | (prev_cpu >= 0 ? cpu_bit(prev_cpu) : 0),
			     prev_ts, ev->ts))
		r.status = CALL_LOST;	/* its entry may be among them */
	return emit_row(p, &r);
}

int pairer_feed(struct pairer *p, const struct call_event *ev)
{
	struct tstack *s = get_stack(p, ev->tid);
	uint64_t prev_ts;
	int prev_cpu;

	if (!s)
		return -ENOMEM;
	if (ev->cpu != s->last_cpu) {
		/* migrated: losses on this CPU concern its open calls too */
		for (int k = 0; k < s->n; k++)
			s->v[k].cpus |= cpu_bit(ev->cpu);
	}
	prev_ts = s->last_ts;
	prev_cpu = s->last_cpu;
	s->last_cpu = ev->cpu;
	s->last_ts = ev->ts;
	if (ev->ts > p->last_ts)
		p->last_ts = ev->ts;
	if (!ev->is_return)
		return push_entry(p, s, ev);
	return feed_return(p, s, ev, prev_ts, prev_cpu);
}

int pairer_finish(struct pairer *p)
{
	int rc = 0;

	for (size_t i = 0; i < p->t.cap && !rc; i++)
		if (ttab_used(&p->t, i))
			rc = pop_above(p, ttab_at(&p->t, i), 0, p->last_ts, false, false);
	return rc;
}

void pairer_counts(const struct pairer *p, uint64_t counts[CALL_NSTATUS])
{
	memcpy(counts, p->counts, sizeof(p->counts));
}

bool pairer_open_next(struct pairer *p, struct pair_iter *it)
{
	for (; it->slot < p->t.cap; it->slot++, it->k = -1) {
		const struct tstack *s = ttab_at(&p->t, it->slot);
		const struct frame *f;

		if (!ttab_used(&p->t, it->slot) || ++it->k >= s->n)
			continue;
		f = &s->v[it->k];
		it->oc = (struct open_call){
			.id = f->id, .tid = s->tid, .pid = f->pid, .func = f->func,
			.entry_ts = f->entry_ts, .noted = f->noted,
			.returns = !(fflags(p, f->func) & FUNC_USER_RET) || f->hijacked,
		};
		return true;
	}
	return false;
}

int pairer_open_returns(const struct pairer *p, int tid, uint64_t *out, int max)
{
	const struct tstack *s = ttab_find(&p->t, tid);
	int n = 0;

	for (int k = s ? s->n - 1 : -1; k >= 0 && n < max; k--)
		if (s->v[k].hijacked)
			out[n++] = s->v[k].has_caller ? s->v[k].caller : 0;
	return n;
}

void pairer_note(struct pairer *p, const struct pair_iter *it)
{
	struct tstack *s = it->slot < p->t.cap ? ttab_at(&p->t, it->slot) : NULL;

	if (s && ttab_used(&p->t, it->slot) && it->k >= 0 && it->k < s->n && s->v[it->k].id == it->oc.id)
		s->v[it->k].noted = true;
}

void pairer_forget_thread(struct pairer *p, int tid)
{
	struct tstack *s = ttab_find(&p->t, tid);

	if (!s)
		return;
	for (int k = 0; k < s->n; k++)
		free(s->v[k].args);
	s->n = 0;
	s->pending = 0;
	s->nz = 0;
}
