// SPDX-License-Identifier: MIT
/* Unwinding copied user stack windows by CFI (dwunwind.h). */
#include <byteswap.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfi.h"
#include "dwunwind.h"
#include "uktrace/payload.h"

struct ehf {
	struct ukt_ehframe e;
	struct cfi_table tab;
};

struct dwunwind {
	const struct symbolizer *sy;
	struct ehf *v;
	size_t n;
	int *of_object;		/* per symbolizer object: index into v + 1, 0: none,
				 * -1: not looked up yet */
};

#define WINDOW_WORDS 128	/* __ustk0 and __ustk1: 2 x 64 */

struct dwunwind *dwunwind_new(const struct trace *t, const struct symbolizer *sy)
{
	struct dwunwind *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->sy = sy;
	u->v = calloc(t->nehframes + 1, sizeof(*u->v));
	u->of_object = malloc((sy->nobjects + 1) * sizeof(*u->of_object));
	if (!u->v || !u->of_object) {
		dwunwind_free(u);
		return NULL;
	}
	for (size_t i = 0; i < sy->nobjects; i++)
		u->of_object[i] = -1;
	for (size_t i = 0; i < t->nehframes; i++) {
		struct ehf *h = &u->v[u->n];

		/* a payload that does not parse is skipped (damage) */
		if (ukt_ehframe_decode(t->ehframes[i].data, t->ehframes[i].len, &h->e))
			continue;
		if (cfi_table_build(&h->tab, h->e.data, h->e.len, h->e.addr)) {
			cfi_table_release(&h->tab);
			dwunwind_free(u);
			return NULL;
		}
		u->n++;
	}
	return u;
}

void dwunwind_free(struct dwunwind *u)
{
	if (!u)
		return;
	for (size_t i = 0; u->v && i < u->n; i++)
		cfi_table_release(&u->v[i].tab);
	free(u->v);
	free(u->of_object);
	free(u);
}

bool dwunwind_enabled(const struct dwunwind *u)
{
	return u && u->n > 0;
}

/* The unwind table of symbolizer object i: by device and inode, else
 * by path, as SYMTABs are matched. */
static const struct cfi_table *table_of(struct dwunwind *u, size_t i)
{
	const struct sym_object *o = &u->sy->objects[i];

	if (u->of_object[i] < 0) {
		u->of_object[i] = 0;
		for (size_t k = 0; k < u->n; k++) {
			const struct ukt_ehframe *e = &u->v[k].e;
			bool same = o->has_id && e->has_id ?
				e->dev_major == o->maj && e->dev_minor == o->min && e->ino == o->ino :
				strlen(o->path) == e->plen && !memcmp(o->path, e->path, e->plen);

			if (same) {
				u->of_object[i] = (int)k + 1;
				break;
			}
		}
	}
	return u->of_object[i] ? &u->v[u->of_object[i] - 1].tab : NULL;
}

static const struct field_layout *field(const struct event_layout *l, const char *name)
{
	for (int i = 0; i < l->nfields; i++)
		if (!strcmp(l->fields[i].name, name))
			return &l->fields[i];
	return NULL;
}

static bool in_event(const struct dec_event *ev, const struct field_layout *f, int size)
{
	return f && f->offset >= 0 && f->size >= size && f->offset <= ev->size - size;
}

static uint64_t word(const struct dec_event *ev, const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return ev->swap ? bswap_64(v) : v;
}

/* The word at addr in the window (sp0, bytes): false outside it. */
static bool read_at(const uint8_t *w, size_t bytes, uint64_t sp0, uint64_t addr, bool swap,
		    uint64_t *v)
{
	if (addr < sp0 || addr - sp0 > bytes - 8)
		return false;
	memcpy(v, w + (addr - sp0), 8);
	if (swap)
		*v = bswap_64(*v);
	return true;
}

/* Whether addr is where the kernel's uretprobe trampoline stands in
 * for a return address: in no object the trace saved. */
static bool trampoline(struct dwunwind *u, int pid, uint64_t addr, uint64_t ts)
{
	size_t o;
	uint64_t va;

	return !sym_locate(u->sy, pid, addr, ts, &o, &va);
}

int dwunwind_event(struct dwunwind *u, const struct dec_event *ev, int pid,
		   const uint64_t *rets, int nrets, uint64_t *out, int max, bool *cut)
{
	const struct event_layout *l = ev->lay;
	const struct field_layout *fsp = field(l, "__ustk_sp"), *fbp = field(l, "__ustk_bp");
	const struct field_layout *w0 = field(l, "__ustk0"), *w1 = field(l, "__ustk1");
	const struct field_layout *fip = l->ret_ip >= 0 ? &l->fields[l->ret_ip] :
					 l->ip >= 0 ? &l->fields[l->ip] : NULL;
	uint8_t w[WINDOW_WORDS * 8];
	size_t bytes = 0;
	uint64_t ip, sp, bp, sp0;
	int n = 0, k = 0;
	bool first = true;

	*cut = false;
	if (!dwunwind_enabled(u) || max <= 0 || !in_event(ev, fsp, 8) || !in_event(ev, fbp, 8) ||
	    !in_event(ev, fip, 8) || !in_event(ev, w0, 8))
		return 0;
	ip = word(ev, ev->data + fip->offset);
	sp0 = sp = word(ev, ev->data + fsp->offset);
	bp = word(ev, ev->data + fbp->offset);
	bytes = (size_t)(w0->size < (int)sizeof(w) ? w0->size : (int)sizeof(w)) & ~(size_t)7;
	memcpy(w, ev->data + w0->offset, bytes);
	/* the second half goes on where the first ends */
	if (in_event(ev, w1, 8) && bytes + ((size_t)w1->size & ~(size_t)7) <= sizeof(w)) {
		memcpy(w + bytes, ev->data + w1->offset, (size_t)w1->size & ~(size_t)7);
		bytes += (size_t)w1->size & ~(size_t)7;
	}
	if (bytes < 8)
		return 0;
	out[n++] = ip;
	while (n < max) {
		struct cfi_rule r;
		const struct cfi_table *tab;
		size_t obj;
		uint64_t va, cfa, ra, nbp = bp;

		/* a return address is after its call: look up the call */
		if (!sym_locate(u->sy, pid, first ? ip : ip - 1, ev->ts, &obj, &va) ||
		    !(tab = table_of(u, obj)) || !cfi_rule_at(tab, va, &r))
			return n;
		cfa = (r.cfa_reg == CFI_REG_RSP ? sp : bp) + (uint64_t)r.cfa_off;
		if (!read_at(w, bytes, sp0, cfa + (uint64_t)r.ra_off, ev->swap, &ra) ||
		    (r.bp_at && !read_at(w, bytes, sp0, cfa + (uint64_t)r.bp_off, ev->swap, &nbp)))
			return n;
		if (ra == 0)
			return n;	/* the outermost frame says so */
		if (k < nrets && trampoline(u, pid, ra, ev->ts)) {
			if (rets[k])
				ra = rets[k];
			k++;
		}
		sp = cfa;
		bp = nbp;
		ip = ra;
		first = false;
		out[n++] = ra;
	}
	*cut = true;
	return n;
}
