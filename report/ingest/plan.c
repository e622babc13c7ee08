// SPDX-License-Identifier: MIT
/* The pairing plan (plan.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "uktrace/demangle.h"
#include "plan.h"
#include "strtab.h"
#include "uktrace/pair.h"
#include "uktrace/vec.h"

static const char *basename_of(const char *p)
{
	const char *s = p ? strrchr(p, '/') : NULL;

	return s ? s + 1 : (p ? p : "");
}

static int find_arg(const struct event_layout *l, const char *name)
{
	for (int i = 0; i < l->nargs; i++)
		if (!strcmp(l->args[i].name, name))
			return i;
	return -1;
}

/* Room for one more function in the five per-function arrays (one
 * capacity: a failed growth leaves it, and the arrays, as they were). */
static int grow_funcs(struct plan *im)
{
	size_t n = (size_t)im->nfuncs;
	size_t c[5] = { im->funcs_cap, im->funcs_cap, im->funcs_cap,
			im->funcs_cap, im->funcs_cap };

	if (UKT_GROW(im->funcs, c[0], n) || UKT_GROW(im->fflags, c[1], n) ||
	    UKT_GROW(im->entry_probe, c[2], n) ||
	    UKT_GROW(im->return_probe, c[3], n) || UKT_GROW(im->func_key, c[4], n))
		return -ENOMEM;
	im->funcs_cap = c[0];
	return 0;
}

/* The function named name (added with flags when new; else flags are
 * added to it): found by a hash of the names. Its index, or -ENOMEM. */
static int add_func(struct plan *im, const char *name, unsigned int flags, int key)
{
	long f = strtab_intern(&im->fnames, name);
	int rc;

	if (f < 0)
		return (int)f;
	if (f < im->nfuncs) {
		im->fflags[f] |= flags;
		return (int)f;
	}
	if ((rc = grow_funcs(im)))
		return rc;
	im->fflags[im->nfuncs] = flags;
	im->entry_probe[im->nfuncs] = im->return_probe[im->nfuncs] = 0;
	im->func_key[im->nfuncs] = key;
	im->funcs[im->nfuncs] = strdup(name);
	return im->funcs[im->nfuncs] ? im->nfuncs++ : -ENOMEM;
}

/* The pairing key of a probe (entry and return of one function share it),
 * or NULL when the probe is not half of a pair. */
static void pair_key(const struct ukt_probe_rec *p, const struct event_layout *l,
		     struct ukt_buf *key, enum role *role)
{
	ukt_buf_reset(key);
	*role = ROLE_NONE;
	if (p && p->role && !strcmp(p->role, "entry")) {
		/* a pair of two uprobes (USDT): the recorder says which half */
		*role = ROLE_ENTRY;
	} else if (p && p->role && !strcmp(p->role, "return")) {
		*role = ROLE_RETURN;
	} else if (p && (!strcmp(p->kind, "uprobe") || !strcmp(p->kind, "kprobe"))) {
		*role = ROLE_ENTRY;
	} else if (p && (!strcmp(p->kind, "uretprobe") || !strcmp(p->kind, "kretprobe"))) {
		*role = ROLE_RETURN;
	} else if (!strcmp(l->system, "syscalls") && !strncmp(l->name, "sys_enter_", 10)) {
		*role = ROLE_ENTRY;
		ukt_buf_addf(key, "syscall:%s", l->name + 10);
		return;
	} else if (!strcmp(l->system, "syscalls") && !strncmp(l->name, "sys_exit_", 9)) {
		*role = ROLE_RETURN;
		ukt_buf_addf(key, "syscall:%s", l->name + 9);
		return;
	}
	if (*role != ROLE_NONE)
		ukt_buf_adds(key, p->func && *p->func ? p->func : p->name);
}

/*
 * The C++ names of the probes without their parameter lists, and how many
 * distinct mangled symbols have each: an overload is a name two of them
 * share. Counted once, not for each function over every probe.
 */
struct overloads {
	struct strtab syms, bases;
	int *count;		/* per base */
	size_t cap;		/* of count */
};

static int overloads_count(struct overloads *ov, const struct trace *t)
{
	struct ukt_buf base = UKT_BUF_INIT;
	int rc = 0;

	for (size_t i = 0; i < t->nprobes && !rc; i++) {
		const char *q = t->probes[i].symbol;
		size_t n = ov->syms.n;
		long k;

		if (!q || strncmp(q, "_Z", 2))
			continue;
		if ((k = strtab_intern(&ov->syms, q)) < 0) {
			rc = (int)k;
			break;
		}
		ukt_buf_reset(&base);
		if ((size_t)k < n || !demangle_add_base(&base, q))
			continue;	/* seen, or no C++ name */
		n = ov->bases.n;
		if ((k = strtab_intern(&ov->bases, base.data)) < 0) {
			rc = (int)k;
			break;
		}
		if (ov->bases.n > n) {	/* a new base */
			if (UKT_GROW(ov->count, ov->cap, (size_t)k)) {
				rc = -ENOMEM;
				break;
			}
			ov->count[k] = 0;
		}
		ov->count[k]++;
	}
	ukt_buf_release(&base);
	return rc;
}

static void overloads_release(struct overloads *ov)
{
	strtab_release(&ov->syms);
	strtab_release(&ov->bases);
	free(ov->count);
}

/* Whether a probe on another symbol than sym has the C++ name base (the
 * name without its parameter list) as well: an overload. */
static bool overloaded(const struct overloads *ov, const char *sym, const char *base,
		       size_t len)
{
	struct ukt_buf b = UKT_BUF_INIT, own = UKT_BUF_INIT;
	long k;
	int n;

	ukt_buf_add(&b, base, len);
	k = strtab_find(&ov->bases, b.data);
	n = k >= 0 ? ov->count[k] : 0;
	/* sym itself is one of them when its C++ name is this one */
	if (n && strtab_find(&ov->syms, sym) >= 0 && demangle_add_base(&own, sym) &&
	    !strcmp(own.data, b.data))
		n--;
	ukt_buf_release(&b);
	ukt_buf_release(&own);
	return n > 0;
}

/*
 * A readable name for a paired function: a C++ function by its demangled
 * name without the parameter list ("DB::executeQuery"), with it only when
 * another probed function is an overload of the same name.
 */
static void display_name(const struct overloads *ov, const struct ukt_probe_rec *p,
			 const char *key, struct ukt_buf *out)
{
	size_t base;

	ukt_buf_reset(out);
	if (p && p->call && *p->call) {
		ukt_buf_adds(out, p->call);	/* "python:function" */
		return;
	}
	if (!strncmp(key, "syscall:", 8) || !p || !p->symbol || !*p->symbol) {
		ukt_buf_adds(out, key);
		return;
	}
	if (!demangle_add(out, p->symbol))
		return;
	base = demangle_base_len(out->data);
	if (!overloaded(ov, p->symbol, out->data, base)) {
		out->len = base;
		out->data[base] = '\0';
	}
}

void plan_probe_name(const struct plan *pl, const struct ukt_probe_rec *p,
		     struct ukt_buf *out)
{
	ukt_buf_reset(out);
	if (p && p->symbol && *p->symbol && strcmp(p->kind ? p->kind : "", "tracepoint"))
		display_name(pl->ov, p, p->symbol, out);
}

static int plan_fold(struct plan *im, const struct event_layout *l,
		     struct lay_info *li);

static const char *filter_of(const struct trace *t, const struct event_layout *l)
{
	const struct ukt_probe_rec *p = l->probe >= 0 ? &t->probes[l->probe] : NULL;

	return p && p->filter && *p->filter ? p->filter : NULL;
}

/*
 * A function whose entry the recorder filtered and whose return it did
 * not (--filter on what only the entry has, size > 4096): its returns
 * without an open call are those of calls the filter dropped, not calls
 * (FUNC_ENTRY_FILTERED); those return events are stored as events, never
 * folded into a call row that will not be.
 */
static int plan_filtered(struct plan *im, const struct trace *t)
{
	/* per function: 1 an entry is filtered, 2 a return is not */
	uint8_t *seen = calloc((size_t)im->nfuncs + 1, 1);

	if (!seen)
		return -ENOMEM;
	for (int i = 0; i < im->nlays; i++) {
		int f = im->li[i].func;

		if (f < 0)
			continue;
		if (im->li[i].role == ROLE_ENTRY && filter_of(t, &im->lays[i]))
			seen[f] |= 1;
		if (im->li[i].role == ROLE_RETURN && !filter_of(t, &im->lays[i]))
			seen[f] |= 2;
	}
	for (int f = 0; f < im->nfuncs; f++)
		if (seen[f] == 3)
			im->fflags[f] |= FUNC_ENTRY_FILTERED;
	for (int i = 0; i < im->nlays; i++)
		if (im->li[i].func >= 0 && seen[im->li[i].func] == 3 &&
		    im->li[i].role == ROLE_RETURN)
			im->li[i].foldable = false;
	free(seen);
	return 0;
}

/*
 * Probe ids: a layout's PROBE record's id when it is one (1 to
 * PLAN_MAX_PROBE_ID, not taken by another layout), else one after all of
 * them: ids are keys of the probes table, and index arrays.
 */
static int plan_probe_ids(struct plan *im, const struct trace *t)
{
	uint8_t *used = calloc(PLAN_MAX_PROBE_ID / 8 + 1, 1);
	int next_id = 1;

	if (!used)
		return -ENOMEM;
	for (size_t i = 0; i < t->nprobes; i++)
		if (t->probes[i].id > 0 && t->probes[i].id <= PLAN_MAX_PROBE_ID &&
		    t->probes[i].id >= next_id)
			next_id = t->probes[i].id + 1;
	for (int i = 0; i < im->nlays; i++) {
		const struct event_layout *l = &im->lays[i];
		int id = l->probe >= 0 ? t->probes[l->probe].id : 0;

		if (id > 0 && id <= PLAN_MAX_PROBE_ID && !(used[id / 8] & (1u << (id % 8)))) {
			used[id / 8] |= (uint8_t)(1u << (id % 8));
			im->li[i].probe_id = id;
		}
	}
	/* formats without a PROBE record, and ids that were not ones */
	for (int i = 0; i < im->nlays; i++)
		if (!im->li[i].probe_id)
			im->li[i].probe_id = next_id++;	/* at most 2^20 + 2^16 */
	free(used);
	return 0;
}

/* What the layouts of one pairing key are (plan_build's first pass). */
struct key_info {
	int entry, ret;		/* the layouts that pair, -1: none */
	bool entry_caller;	/* the entry fetches the caller */
	bool halves[2];		/* USDT halves of an entry, of a return */
};

/* The index of key in keys, with room for its info in *ki (of *cap). */
static long key_of(struct strtab *keys, struct key_info **ki, size_t *cap, const char *key)
{
	size_t n = keys->n;
	long k = strtab_intern(keys, key);

	if (k < 0 || keys->n == n)
		return k;
	if (keys->n > *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		void *p = reallocarray(*ki, ncap, sizeof(**ki));

		if (!p)
			return -ENOMEM;
		*ki = p;
		*cap = ncap;
	}
	(*ki)[k] = (struct key_info){ -1, -1, false, { false, false } };
	return k;
}

int plan_build(struct plan *im, const struct trace *t,
	       const struct decoder *dec)
{
	struct ukt_buf key = UKT_BUF_INIT, name = UKT_BUF_INIT;
	struct strtab keys = { 0 };
	struct key_info *ki = NULL;
	struct overloads *ov = calloc(1, sizeof(*ov));
	size_t kcap = 0;
	int *lkey = NULL;
	int rc;

	memset(im, 0, sizeof(*im));
	im->lays = decoder_layouts(dec, &im->nlays);
	im->li = calloc((size_t)im->nlays + 1, sizeof(*im->li));
	lkey = calloc((size_t)im->nlays + 1, sizeof(*lkey));
	im->ov = ov;
	rc = im->li && lkey && ov ? 0 : -ENOMEM;
	/* the engine's rule for the recording host (pair.h) */
	im->machine = trace_meta(t, "machine");
	im->has_sp_delta = pair_sp_delta(im->machine, &im->sp_delta);
	if (!rc)
		rc = plan_probe_ids(im, t);
	if (!rc)
		rc = overloads_count(ov, t);
	/*
	 * The layouts by pairing key, in one pass: only pairs are calls (an
	 * entry without a return probe is just events), and one entry and
	 * one return probe per function: a second probe on the same address
	 * (say, one that fetches arguments) is plain events, or every call
	 * would push two frames. The first entry that fetches the caller (the
	 * -f probe) wins, else the first; and the first return.
	 */
	for (int i = 0; i < im->nlays && !rc; i++) {
		const struct event_layout *l = &im->lays[i];
		const struct ukt_probe_rec *p = l->probe >= 0 ? &t->probes[l->probe] : NULL;
		struct key_info *k;
		enum role role;
		long kid;

		im->li[i].func = -1;
		im->li[i].caller_arg = find_arg(l, "caller");
		im->li[i].ret_arg = find_arg(l, "ret");
		im->li[i].sp_arg = find_arg(l, "sp");
		if (l->nargs > im->maxargs)
			im->maxargs = l->nargs > PLAN_MAX_ARGS ? PLAN_MAX_ARGS : l->nargs;
		lkey[i] = -1;
		pair_key(p, l, &key, &role);
		if (role == ROLE_NONE)
			continue;
		if ((kid = key_of(&keys, &ki, &kcap, key.data)) < 0) {
			rc = (int)kid;
			break;
		}
		lkey[i] = (int)kid;
		k = &ki[kid];
		if (p && p->role) {
			/* the halves of a USDT pair are at as many sites as the
			 * program has (each its own address): all are halves */
			k->halves[role == ROLE_RETURN] = true;
		} else if (role == ROLE_RETURN) {
			if (k->ret < 0)
				k->ret = i;
		} else if (k->entry < 0 || (im->li[i].caller_arg >= 0 && !k->entry_caller)) {
			k->entry = i;
			k->entry_caller = im->li[i].caller_arg >= 0;
		}
	}
	for (int i = 0; i < im->nlays && !rc; i++) {
		const struct event_layout *l = &im->lays[i];
		const struct ukt_probe_rec *p = l->probe >= 0 ? &t->probes[l->probe] : NULL;
		const struct key_info *k = lkey[i] >= 0 ? &ki[lkey[i]] : NULL;
		enum role role;
		long f;

		if (!k)
			continue;
		pair_key(p, l, &key, &role);
		if (p && p->role) {
			if (!k->halves[0] || !k->halves[1])
				continue;
		} else if (k->entry < 0 || k->ret < 0 || (k->entry != i && k->ret != i)) {
			continue;
		} else {
			role = k->entry == i ? ROLE_ENTRY : ROLE_RETURN;
		}
		im->li[i].role = role;
		display_name(ov, p, key.data, &name);
		/* two functions of one name in different objects */
		f = strtab_find(&im->fnames, name.data);
		if (f >= 0 && im->func_key[f] != lkey[i])
			ukt_buf_addf(&name, "@%s", basename_of(p ? p->target : NULL));
		rc = add_func(im, name.data,
			      pair_func_flags(key.data, p && !strcmp(p->kind, "uretprobe")), lkey[i]);
		if (rc < 0)
			break;
		im->li[i].func = rc;
		rc = 0;
		im->li[i].render_args = role == ROLE_ENTRY &&
			l->nargs > (im->li[i].caller_arg >= 0) + (im->li[i].sp_arg >= 0) &&
			strcmp(l->system, "syscalls") != 0;
		rc = plan_fold(im, l, &im->li[i]);
	}
	for (int i = 0; !rc && i < im->nlays; i++) {
		const struct lay_info *li = &im->li[i];

		if (li->func < 0)
			continue;
		if (li->role == ROLE_ENTRY)
			im->entry_probe[li->func] = li->probe_id;
		else
			im->return_probe[li->func] = li->probe_id;
	}
	if (!rc)
		rc = plan_filtered(im, t);
	ukt_buf_release(&key);
	ukt_buf_release(&name);
	strtab_release(&keys);
	free(ki);
	free(lkey);
	return rc;
}

/*
 * How each argument of a paired layout comes back when its event is
 * folded into its call: the fetched caller and stack pointer and the
 * return value from the call row, every other integer as the probe's
 * constant (a syscall's __syscall_nr; an argument that varies keeps its
 * events stored). A string or array argument is never folded.
 */
static int plan_fold(struct plan *im, const struct event_layout *l,
		     struct lay_info *li)
{
	int n = l->nargs < PLAN_MAX_ARGS ? l->nargs : PLAN_MAX_ARGS;

	li->fold_src = calloc((size_t)n + 1, sizeof(*li->fold_src));
	li->fold_val = calloc((size_t)n + 1, sizeof(*li->fold_val));
	li->fold_set = calloc((size_t)n + 1, sizeof(*li->fold_set));
	if (!li->fold_src || !li->fold_val || !li->fold_set)
		return -ENOMEM;
	/* UKT_NO_FOLD=1: every event stored (the tests compare the views) */
	li->foldable = li->role != ROLE_NONE && li->func >= 0 && !getenv("UKT_NO_FOLD");
	for (int k = 0; k < n && li->foldable; k++) {
		const struct field_layout *f = &l->args[k];

		if (f->kind != FK_INT)
			li->fold_src[k] = FOLD_NONE;
		else if (k == li->caller_arg && li->role == ROLE_ENTRY)
			li->fold_src[k] = FOLD_CALLER;
		else if (k == li->sp_arg && im->has_sp_delta)
			li->fold_src[k] = FOLD_SP;
		else if (k == li->ret_arg && li->role == ROLE_RETURN)
			li->fold_src[k] = FOLD_RET;
		else if (k != li->sp_arg)
			li->fold_src[k] = FOLD_CONST;
		if (li->fold_src[k] == FOLD_SP && li->role == ROLE_RETURN)
			li->fold_val[k] = im->sp_delta;
		if (li->fold_src[k] == FOLD_NONE)
			li->foldable = false;
	}
	return 0;
}

void plan_release(struct plan *p)
{
	for (int i = 0; i < p->nfuncs; i++)
		free(p->funcs[i]);
	free(p->funcs);
	free(p->fflags);
	free(p->entry_probe);
	free(p->return_probe);
	free(p->func_key);
	strtab_release(&p->fnames);
	if (p->ov)
		overloads_release(p->ov);
	free(p->ov);
	for (int i = 0; p->li && i < p->nlays; i++) {
		free(p->li[i].fold_src);
		free(p->li[i].fold_val);
		free(p->li[i].fold_set);
	}
	free(p->li);
	memset(p, 0, sizeof(*p));
}

/* The entry's arguments, but the caller and the stack pointer, as text:
 * "fd=3 name=\"x\"". */
static void render_args(const struct dec_event *ev, int skip, int skip2, struct ukt_buf *out)
{
	const struct event_layout *l = ev->lay;

	ukt_buf_reset(out);
	for (int k = 0; k < l->nargs; k++) {
		const struct field_layout *f = &l->args[k];
		int64_t v;
		const char *s;
		int n;

		if (k == skip || k == skip2)
			continue;
		if (out->len)
			ukt_buf_adds(out, " ");
		if (f->kind == FK_INT && dec_int(ev, f, &v) == 0)
			ukt_buf_addf(out, "%s=%" PRId64, f->name, v);
		else if (f->kind == FK_STRING && dec_string(ev, f, &s, &n) == 0)
			ukt_buf_addf(out, "%s=\"%.*s\"", f->name, n, s);
		else
			ukt_buf_addf(out, "%s=?", f->name);
	}
}

void plan_call_event(const struct lay_info *li, const struct dec_event *ev, int pid,
		     int64_t event_id, struct ukt_buf *args, struct call_event *ce)
{
	int64_t v;

	*ce = (struct call_event){
		.ts = ev->ts, .cpu = ev->cpu, .tid = ev->tid, .pid = pid,
		.func = li->func, .is_return = li->role == ROLE_RETURN,
		.probe_id = li->probe_id, .event_id = event_id,
	};
	if (li->caller_arg >= 0 && dec_int(ev, &ev->lay->args[li->caller_arg], &v) == 0) {
		ce->has_caller = true;
		ce->caller = (uint64_t)v;
	} else if (ce->is_return && ev->lay->ret_ip >= 0 &&
		   dec_int(ev, &ev->lay->fields[ev->lay->ret_ip], &v) == 0) {
		ce->has_caller = true;
		ce->caller = (uint64_t)v;
	}
	if (ev->lay->ip >= 0 && dec_int(ev, &ev->lay->fields[ev->lay->ip], &v) == 0) {
		ce->has_ip = true;
		ce->ip = (uint64_t)v;
	}
	if (li->sp_arg >= 0 && dec_int(ev, &ev->lay->args[li->sp_arg], &v) == 0) {
		ce->has_sp = true;
		ce->sp = (uint64_t)v;
	}
	if (li->ret_arg >= 0 && ce->is_return && dec_int(ev, &ev->lay->args[li->ret_arg], &v) == 0) {
		ce->has_ret = true;
		ce->ret = v;
	}
	if (li->render_args) {
		render_args(ev, li->caller_arg, li->sp_arg, args);
		ce->args = args->data;
	}
}

struct pairer *plan_pairer(const struct plan *p, call_emit_fn emit, void *ctx)
{
	struct pairer *pr = pairer_new(emit, ctx, p->nfuncs);

	if (!pr)
		return NULL;
	for (int i = 0; i < p->nfuncs; i++)
		pairer_set_func(pr, i, p->fflags[i]);
	pairer_set_machine(pr, p->machine);
	return pr;
}
