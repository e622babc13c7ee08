// SPDX-License-Identifier: MIT
/* .eh_frame's FDEs with an LSDA (ehframe.h; the LSB's "Exception Frames"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "uktrace/vec.h"
#include "ehframe.h"

/* DW_EH_PE_*: the low nibble is the format, the high one how it applies */
#define PE_OMIT 0xff
#define PE_ABSPTR 0x00
#define PE_ULEB128 0x01
#define PE_UDATA2 0x02
#define PE_UDATA4 0x03
#define PE_UDATA8 0x04
#define PE_SLEB128 0x09
#define PE_SDATA2 0x0a
#define PE_SDATA4 0x0b
#define PE_SDATA8 0x0c
#define PE_PCREL 0x10

struct rd {
	const uint8_t *p, *end;
	const uint8_t *base;	/* the section's first byte */
	uint64_t addr;		/* its virtual address */
	int ptr_size;
	bool bad;
};

static uint64_t rd_uint(struct rd *r, size_t n)
{
	uint64_t v = 0;

	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return 0;
	}
	for (size_t i = 0; i < n; i++)	/* little-endian hosts' files */
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += n;
	return v;
}

static uint64_t rd_uleb(struct rd *r)
{
	uint64_t v = 0;
	unsigned int shift = 0;

	while (!r->bad) {
		uint8_t b;

		if (r->p >= r->end) {
			r->bad = true;
			break;
		}
		b = *r->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	return v;
}

static int64_t rd_sleb(struct rd *r)
{
	int64_t v = 0;
	unsigned int shift = 0;
	uint8_t b = 0;

	while (!r->bad) {
		if (r->p >= r->end) {
			r->bad = true;
			break;
		}
		b = *r->p++;
		if (shift < 64)
			v |= (int64_t)((uint64_t)(b & 0x7f) << shift);
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	if (shift < 64 && (b & 0x40))
		v |= -(int64_t)((uint64_t)1 << shift);
	return v;
}

/* A pointer in encoding enc; *zero says whether its stored value is 0. */
static uint64_t rd_ptr(struct rd *r, uint8_t enc, bool *zero)
{
	uint64_t at = r->addr + (uint64_t)(r->p - r->base), v;

	switch (enc & 0x0f) {
	case PE_ABSPTR: v = rd_uint(r, (size_t)r->ptr_size); break;
	case PE_ULEB128: v = rd_uleb(r); break;
	case PE_UDATA2: v = rd_uint(r, 2); break;
	case PE_UDATA4: v = rd_uint(r, 4); break;
	case PE_UDATA8: v = rd_uint(r, 8); break;
	case PE_SLEB128: v = (uint64_t)rd_sleb(r); break;
	case PE_SDATA2: v = (uint64_t)(int64_t)(int16_t)rd_uint(r, 2); break;
	case PE_SDATA4: v = (uint64_t)(int64_t)(int32_t)rd_uint(r, 4); break;
	case PE_SDATA8: v = rd_uint(r, 8); break;
	default: r->bad = true; return 0;
	}
	if (zero)
		*zero = v == 0;
	if ((enc & 0x70) == PE_PCREL)
		v += at;
	return v;
}

/* What an FDE needs of its CIE. */
struct cie {
	bool z;			/* augmentation data follows */
	uint8_t fde_enc;	/* 'R' */
	uint8_t lsda_enc;	/* 'L', PE_OMIT: none */
};

static bool parse_cie(struct rd *r, struct cie *c)
{
	const char *aug;
	uint8_t version = (uint8_t)rd_uint(r, 1);

	*c = (struct cie){ .fde_enc = PE_ABSPTR, .lsda_enc = PE_OMIT };
	aug = (const char *)r->p;
	if (r->bad || !memchr(aug, '\0', (size_t)(r->end - r->p)))
		return false;
	r->p += strlen(aug) + 1;
	if (strstr(aug, "eh"))
		rd_uint(r, (size_t)r->ptr_size);
	rd_uleb(r);		/* code alignment */
	rd_sleb(r);		/* data alignment */
	if (version == 1)
		rd_uint(r, 1);	/* return address register */
	else
		rd_uleb(r);
	if (aug[0] != 'z')
		return !r->bad;	/* nothing more we can read */
	c->z = true;
	rd_uleb(r);		/* the augmentation data's length */
	for (const char *a = aug + 1; *a && !r->bad; a++) {
		switch (*a) {
		case 'L':
			c->lsda_enc = (uint8_t)rd_uint(r, 1);
			break;
		case 'R':
			c->fde_enc = (uint8_t)rd_uint(r, 1);
			break;
		case 'P': {
			uint8_t enc = (uint8_t)rd_uint(r, 1);

			rd_ptr(r, enc, NULL);
			break;
		}
		case 'S': case 'B': case 'G':
			break;
		default:
			return !r->bad;	/* unknown: the rest is not ours */
		}
	}
	return !r->bad;
}

static int add_range(struct ehf_ranges *out, size_t *cap, uint64_t start, uint64_t end)
{
	if (UKT_GROW(out->v, *cap, out->n))
		return -ENOMEM;
	out->v[out->n++] = (struct ehf_range){ start, end };
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct ehf_range *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

int ehframe_lsda_ranges(const void *data, size_t len, uint64_t addr, int ptr_size,
			struct ehf_ranges *out)
{
	const uint8_t *base = data, *p = base, *end = base + len;
	size_t cap = 0;
	int rc = 0;

	out->v = NULL;
	out->n = 0;
	while (!rc && end - p >= 4) {
		struct rd r = { .p = p, .end = end, .base = base, .addr = addr,
				.ptr_size = ptr_size };
		uint64_t length = rd_uint(&r, 4), id;
		const uint8_t *id_at, *next;
		size_t idsize = 4;

		if (length == 0)
			break;		/* the terminator */
		if (length == 0xffffffffu) {
			length = rd_uint(&r, 8);
			idsize = 8;
		}
		if (r.bad || length > (uint64_t)(end - r.p) || length < idsize)
			break;
		next = r.p + length;
		r.end = next;
		id_at = r.p;
		id = rd_uint(&r, idsize);
		if (id != 0) {
			/* an FDE: id is the distance back to its CIE */
			struct rd cr = { .base = base, .addr = addr, .ptr_size = ptr_size };
			struct cie c;
			uint64_t start, range, cie_len;
			bool lsda_zero = true;

			if (id > (uint64_t)(id_at - base))
				break;
			cr.p = id_at - id;
			cr.end = end;
			cie_len = rd_uint(&cr, 4);
			idsize = 4;
			if (cie_len == 0xffffffffu) {
				cie_len = rd_uint(&cr, 8);
				idsize = 8;
			}
			if (cr.bad || cie_len > (uint64_t)(end - cr.p) || cie_len < idsize)
				break;
			cr.end = cr.p + cie_len;
			if (rd_uint(&cr, idsize) != 0 || !parse_cie(&cr, &c))
				break;	/* not a CIE there */
			start = rd_ptr(&r, c.fde_enc, NULL);
			range = rd_ptr(&r, c.fde_enc & 0x0f, NULL);
			/* an LSDA pointer of 0 is none */
			if (c.z && rd_uleb(&r) && c.lsda_enc != PE_OMIT)
				rd_ptr(&r, c.lsda_enc, &lsda_zero);
			if (r.bad)
				break;
			if (!lsda_zero && range)
				rc = add_range(out, &cap, start, start + range);
		}
		p = next;
	}
	if (!rc && out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_range);
	return rc;
}

bool ehframe_in(const struct ehf_ranges *r, uint64_t vaddr)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->v[mid].start <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && vaddr < r->v[lo - 1].end;
}

void ehframe_release(struct ehf_ranges *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}
