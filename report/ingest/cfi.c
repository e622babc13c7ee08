// SPDX-License-Identifier: MIT
/* Call frame information (cfi.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfi.h"

/* DW_EH_PE_*: the low nibble is the format, the high one how it applies */
#define PE_OMIT 0xff
#define PE_PCREL 0x10
#define PE_DATAREL 0x30

struct rd {
	const uint8_t *p, *end, *base;
	uint64_t addr;		/* the section's virtual address */
	bool bad;
};

static uint64_t rd_uint(struct rd *r, size_t n)
{
	uint64_t v = 0;

	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += n;
	return v;
}

static uint64_t rd_uleb(struct rd *r)
{
	uint64_t v = 0;
	unsigned int shift = 0;

	for (;;) {
		uint8_t b;

		if (r->bad || r->p >= r->end) {
			r->bad = true;
			return 0;
		}
		b = *r->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return v;
	}
}

static int64_t rd_sleb(struct rd *r)
{
	uint64_t v = 0;
	unsigned int shift = 0;
	uint8_t b;

	for (;;) {
		if (r->bad || r->p >= r->end) {
			r->bad = true;
			return 0;
		}
		b = *r->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	return (int64_t)v;
}

static uint64_t rd_ptr(struct rd *r, uint8_t enc)
{
	uint64_t at = r->addr + (uint64_t)(r->p - r->base), v;

	switch (enc & 0x0f) {
	case 0x00: v = rd_uint(r, 8); break;
	case 0x01: v = rd_uleb(r); break;
	case 0x02: v = rd_uint(r, 2); break;
	case 0x03: v = rd_uint(r, 4); break;
	case 0x04: v = rd_uint(r, 8); break;
	case 0x09: v = (uint64_t)rd_sleb(r); break;
	case 0x0a: v = (uint64_t)(int64_t)(int16_t)rd_uint(r, 2); break;
	case 0x0b: v = (uint64_t)(int64_t)(int32_t)rd_uint(r, 4); break;
	case 0x0c: v = rd_uint(r, 8); break;
	default: r->bad = true; return 0;
	}
	if ((enc & 0x70) == PE_PCREL)
		v += at;
	else if (enc & 0x70)
		r->bad = true;	/* datarel, textrel, funcrel: not in .eh_frame of x86-64 */
	return v;
}

struct cie {
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra_reg;
	bool z;
	uint8_t fde_enc;
	const uint8_t *insns, *end;	/* its initial instructions */
};

/* The entry at off: its length and where it ends. false when malformed. */
static bool entry_at(const uint8_t *base, size_t len, size_t off, const uint8_t **body,
		     const uint8_t **end, size_t *idsize)
{
	struct rd r = { .p = base + off, .end = base + len, .base = base };
	uint64_t n = rd_uint(&r, 4);

	*idsize = 4;
	if (n == 0xffffffffu) {
		n = rd_uint(&r, 8);
		*idsize = 8;
	}
	if (r.bad || n < *idsize || n > (uint64_t)(r.end - r.p))
		return false;
	*body = r.p;
	*end = r.p + n;
	return true;
}

static bool parse_cie(const struct cfi_table *t, size_t off, struct cie *c)
{
	const uint8_t *body, *end;
	size_t idsize;
	struct rd r = { .base = t->data, .addr = t->addr };
	const char *aug;
	uint8_t version;

	if (!entry_at(t->data, t->len, off, &body, &end, &idsize))
		return false;
	r.p = body;
	r.end = end;
	if (rd_uint(&r, idsize) != 0)
		return false;
	version = (uint8_t)rd_uint(&r, 1);
	aug = (const char *)r.p;
	if (r.bad || !memchr(aug, '\0', (size_t)(r.end - r.p)))
		return false;
	r.p += strlen(aug) + 1;
	if (strstr(aug, "eh"))
		rd_uint(&r, 8);
	*c = (struct cie){ .fde_enc = 0x00 };
	c->code_align = rd_uleb(&r);
	c->data_align = rd_sleb(&r);
	c->ra_reg = version == 1 ? rd_uint(&r, 1) : rd_uleb(&r);
	if (aug[0] == 'z') {
		uint64_t alen = rd_uleb(&r);
		const uint8_t *aend = r.p + (alen <= (uint64_t)(r.end - r.p) ? alen : 0);

		c->z = true;
		for (const char *a = aug + 1; *a && !r.bad; a++) {
			if (*a == 'R')
				c->fde_enc = (uint8_t)rd_uint(&r, 1);
			else if (*a == 'L')
				rd_uint(&r, 1);
			else if (*a == 'P')
				rd_ptr(&r, (uint8_t)rd_uint(&r, 1));
			else if (*a != 'S' && *a != 'B' && *a != 'G')
				break;
		}
		if (aend > r.p)
			r.p = aend;
	} else if (aug[0]) {
		return false;	/* an augmentation we cannot skip */
	}
	c->insns = r.p;
	c->end = end;
	return !r.bad;
}

static int cmp_fde(const void *a, const void *b)
{
	const struct cfi_fde *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

int cfi_table_build(struct cfi_table *t, const uint8_t *data, size_t len, uint64_t addr)
{
	size_t off = 0, cap = 0;

	*t = (struct cfi_table){ .data = data, .len = len, .addr = addr };
	while (len - off >= 4) {
		const uint8_t *body, *end;
		size_t idsize;
		struct rd r = { .base = data, .addr = addr };
		uint64_t id;
		const uint8_t *id_at;

		if (!entry_at(data, len, off, &body, &end, &idsize))
			break;
		r.p = body;
		r.end = end;
		id_at = body;
		id = rd_uint(&r, idsize);
		if (id != 0 && id <= (uint64_t)(id_at - data)) {
			struct cie c;
			uint64_t start, range;

			if (parse_cie(t, (size_t)(id_at - data) - (size_t)id, &c)) {
				start = rd_ptr(&r, c.fde_enc);
				range = rd_ptr(&r, c.fde_enc & 0x0f);
				if (!r.bad && range && start + range > start) {
					if (t->n == cap) {
						size_t nc = cap ? cap * 2 : 256;
						void *v = realloc(t->v, nc * sizeof(*t->v));

						if (!v)
							return -ENOMEM;
						t->v = v;
						cap = nc;
					}
					t->v[t->n++] = (struct cfi_fde){ start, start + range, off };
				}
			}
		}
		off = (size_t)(end - data);
	}
	if (t->n > 1)
		qsort(t->v, t->n, sizeof(*t->v), cmp_fde);
	return 0;
}

void cfi_table_release(struct cfi_table *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

/* The registers' rules as a program runs. */
struct state {
	int cfa_reg;
	int64_t cfa_off;
	bool cfa_ok;
	bool ra_at, bp_at;
	int64_t ra_off, bp_off;
	bool ra_bad, bp_bad;	/* a rule this does not model */
};

#define MAX_REMEMBER 16

/* Set the rule of reg from an offset(N) or another op. */
static void set_reg(struct state *s, uint64_t reg, bool at, int64_t off, bool bad)
{
	if (reg == CFI_REG_RA) {
		s->ra_at = at;
		s->ra_off = off;
		s->ra_bad = bad;
	} else if (reg == CFI_REG_RBP) {
		s->bp_at = at;
		s->bp_off = off;
		s->bp_bad = bad;
	}
}

static void restore_reg(struct state *s, const struct state *init, uint64_t reg)
{
	if (reg == CFI_REG_RA)
		set_reg(s, reg, init->ra_at, init->ra_off, init->ra_bad);
	else if (reg == CFI_REG_RBP)
		set_reg(s, reg, init->bp_at, init->bp_off, init->bp_bad);
}

/*
 * Run the program [p, end) from loc until it passes pc (init: the CIE's
 * rules, for restore; NULL while running the CIE's own). false when it
 * is malformed.
 */
static bool run(const struct cie *c, const uint8_t *p, const uint8_t *end, uint64_t loc,
		uint64_t pc, struct state *s, const struct state *init, const struct cfi_table *t)
{
	struct state stack[MAX_REMEMBER];
	int depth = 0;
	struct rd r = { .p = p, .end = end, .base = t->data, .addr = t->addr };

	while (r.p < r.end && !r.bad) {
		uint8_t op = (uint8_t)rd_uint(&r, 1), low = op & 0x3f;
		uint64_t reg, delta = 0;
		bool advance = false;

		switch (op & 0xc0) {
		case 0x40: delta = low; advance = true; break;
		case 0x80: set_reg(s, low, true, (int64_t)rd_uleb(&r) * c->data_align, false); continue;
		case 0xc0: if (init) restore_reg(s, init, low); continue;
		default: break;
		}
		if (!advance) {
			switch (op) {
			case 0x00: break;
			case 0x01: loc = rd_ptr(&r, c->fde_enc); if (loc > pc) return true; break;
			case 0x02: delta = rd_uint(&r, 1); advance = true; break;
			case 0x03: delta = rd_uint(&r, 2); advance = true; break;
			case 0x04: delta = rd_uint(&r, 4); advance = true; break;
			case 0x05: reg = rd_uleb(&r); set_reg(s, reg, true, (int64_t)rd_uleb(&r) * c->data_align, false); break;
			case 0x06: reg = rd_uleb(&r); if (init) restore_reg(s, init, reg); break;
			case 0x07: set_reg(s, rd_uleb(&r), false, 0, true); break;
			case 0x08: set_reg(s, rd_uleb(&r), false, 0, false); break;
			case 0x09: reg = rd_uleb(&r); rd_uleb(&r); set_reg(s, reg, false, 0, true); break;
			case 0x0a:
				if (depth == MAX_REMEMBER)
					return false;
				stack[depth++] = *s;
				break;
			case 0x0b:
				/* the CFA comes back too, as libgcc's unwinder does */
				if (depth == 0)
					return false;
				*s = stack[--depth];
				break;
			case 0x0c: s->cfa_reg = (int)rd_uleb(&r); s->cfa_off = (int64_t)rd_uleb(&r); s->cfa_ok = true; break;
			case 0x0d: s->cfa_reg = (int)rd_uleb(&r); break;
			case 0x0e: s->cfa_off = (int64_t)rd_uleb(&r); break;
			case 0x0f: { uint64_t n = rd_uleb(&r);
				if (n > (uint64_t)(r.end - r.p)) return false;
				r.p += n; s->cfa_ok = false; break; }
			case 0x10: case 0x16: { reg = rd_uleb(&r); uint64_t n = rd_uleb(&r);
				if (n > (uint64_t)(r.end - r.p)) return false;
				r.p += n; set_reg(s, reg, false, 0, true); break; }
			case 0x11: reg = rd_uleb(&r); set_reg(s, reg, true, rd_sleb(&r) * c->data_align, false); break;
			case 0x12: s->cfa_reg = (int)rd_uleb(&r); s->cfa_off = rd_sleb(&r) * c->data_align; s->cfa_ok = true; break;
			case 0x13: s->cfa_off = rd_sleb(&r) * c->data_align; break;
			case 0x14: reg = rd_uleb(&r); rd_uleb(&r); set_reg(s, reg, false, 0, true); break;
			case 0x15: reg = rd_uleb(&r); rd_sleb(&r); set_reg(s, reg, false, 0, true); break;
			case 0x2e: rd_uleb(&r); break;
			case 0x2f: reg = rd_uleb(&r); set_reg(s, reg, true, -(int64_t)rd_uleb(&r) * c->data_align, false); break;
			default: return false;
			}
		}
		if (advance) {
			loc += delta * c->code_align;
			if (loc > pc)
				return true;
		}
	}
	return !r.bad;
}

int cfi_rule_at(const struct cfi_table *t, uint64_t vaddr, struct cfi_rule *out)
{
	size_t lo = 0, hi = t->n;
	const struct cfi_fde *f;
	const uint8_t *body, *end;
	size_t idsize;
	struct rd r = { .base = t->data, .addr = t->addr };
	struct cie c;
	struct state s = { 0 }, init;
	uint64_t id, start, alen;
	const uint8_t *id_at;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].start <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || vaddr >= t->v[lo - 1].end)
		return 0;
	f = &t->v[lo - 1];
	if (!entry_at(t->data, t->len, f->off, &body, &end, &idsize))
		return 0;
	r.p = id_at = body;
	r.end = end;
	id = rd_uint(&r, idsize);
	if (!id || id > (uint64_t)(id_at - t->data) ||
	    !parse_cie(t, (size_t)(id_at - t->data) - (size_t)id, &c))
		return 0;
	start = rd_ptr(&r, c.fde_enc);
	rd_ptr(&r, c.fde_enc & 0x0f);
	if (c.z) {
		alen = rd_uleb(&r);
		if (alen > (uint64_t)(r.end - r.p))
			return 0;
		r.p += alen;
	}
	if (r.bad || c.ra_reg != CFI_REG_RA)
		return 0;
	if (!run(&c, c.insns, c.end, start, vaddr, &s, NULL, t))
		return 0;
	init = s;
	if (!run(&c, r.p, r.end, start, vaddr, &s, &init, t))
		return 0;
	if (!s.cfa_ok || (s.cfa_reg != CFI_REG_RSP && s.cfa_reg != CFI_REG_RBP) || !s.ra_at ||
	    s.ra_bad || s.bp_bad)
		return 0;
	*out = (struct cfi_rule){ .cfa_reg = s.cfa_reg, .cfa_off = s.cfa_off, .ra_at = true,
				  .ra_off = s.ra_off, .bp_at = s.bp_at, .bp_off = s.bp_off };
	return 1;
}
