// SPDX-License-Identifier: MIT
/* Symbolization from saved SYMTAB, MAPS and KALLSYMS blocks. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uktrace/demangle.h"
#include "symbolize.h"
#include "tracedat.h"
#include "textscan.h"

static int entry_cmp(const void *a, const void *b)
{
	const struct sym_entry *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int snap_cmp(const void *a, const void *b)
{
	const struct sym_snapshot *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/*
 * One SYMTAB, its symbols decoded one at a time straight into the table
 * (a copy of the decoder's array would double the cost of a big one).
 */
static int parse_symtab(struct symbolizer *s, const struct ukt_buf *b)
{
	struct ukt_symtab st;
	struct ukt_cursor c, c2;
	struct sym_object o = { 0 };
	int rc = ukt_symtab_begin(b->data, b->len, &st, &c);
	size_t names = 0;
	void *p;

	if (rc == -EBADMSG) {
		s->malformed++;
		return 0;
	}
	if (rc)
		return rc;
	/* the names' total, to hold them in one allocation */
	c2 = c;
	for (uint32_t i = 0; i < st.nsyms; i++) {
		struct ukt_symtab_sym y;

		if (ukt_symtab_next_sym(&c2, &y)) {
			s->malformed++;
			rc = 0;
			goto out;
		}
		names += y.nlen + 1;
	}
	rc = -ENOMEM;
	o.path = ukt_memdupz(st.path, st.plen);
	o.segs = calloc(st.nsegs + 1, sizeof(*o.segs));
	o.syms = calloc(st.nsyms + 1, sizeof(*o.syms));
	o.names = malloc(names ? names : 1);
	if (!o.path || !o.segs || !o.syms || !o.names)
		goto out;
	for (uint32_t i = 0; i < st.nsegs; i++) {
		o.segs[i].vaddr = st.segs[i].vaddr;
		o.segs[i].offset = st.segs[i].offset;
		o.segs[i].filesz = st.segs[i].filesz;
	}
	o.nsegs = st.nsegs;
	names = 0;
	for (uint32_t i = 0; i < st.nsyms; i++, o.nsyms++) {
		struct ukt_symtab_sym y;

		ukt_symtab_next_sym(&c, &y);	/* the first pass checked them */
		o.syms[i].addr = y.value;
		o.syms[i].size = y.size;
		o.syms[i].name = o.names + names;
		memcpy(o.names + names, y.name, y.nlen);
		o.names[names + y.nlen] = '\0';
		names += y.nlen + 1;
	}
	ukt_symtab_end(&st, &c);
	o.has_id = st.has_id;
	o.maj = st.dev_major;
	o.min = st.dev_minor;
	o.ino = st.ino;
	if ((st.mntns && !(o.mntns = ukt_memdupz(st.mntns, st.mntns_len))) ||
	    (st.source && !(o.source = ukt_memdupz(st.source, st.source_len))))
		goto out;
	for (uint32_t i = 0; i < st.build_id_len && i < 64; i++)
		sprintf(o.build_id + 2 * i, "%02x", st.build_id[i]);
	if (o.nsyms > 1)
		qsort(o.syms, o.nsyms, sizeof(*o.syms), entry_cmp);
	if (s->nobjects == s->objects_cap) {
		size_t ncap = s->objects_cap ? s->objects_cap * 2 : 16;

		p = reallocarray(s->objects, ncap, sizeof(*s->objects));
		if (!p)
			goto out;
		s->objects = p;
		s->objects_cap = ncap;
	}
	s->objects[s->nobjects++] = o;
	o = (struct sym_object){ 0 };
	rc = 0;
out:
	free(o.names);
	free(o.syms);
	free(o.segs);
	free(o.path);
	free(o.mntns);
	free(o.source);
	ukt_symtab_release(&st);
	return rc;
}

/* The objects by identity and by path (objects_index): the last of equal
 * keys first, a later SYMTAB being newer. */
static int id_cmp(const void *a, const void *b, void *arg)
{
	const struct symbolizer *s = arg;
	const struct sym_object *x = &s->objects[*(const size_t *)a];
	const struct sym_object *y = &s->objects[*(const size_t *)b];

	if (x->maj != y->maj)
		return x->maj < y->maj ? -1 : 1;
	if (x->min != y->min)
		return x->min < y->min ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return *(const size_t *)a > *(const size_t *)b ? -1 : 1;
}

static int path_cmp(const void *a, const void *b, void *arg)
{
	const struct symbolizer *s = arg;
	int c = strcmp(s->objects[*(const size_t *)a].path, s->objects[*(const size_t *)b].path);

	return c ? c : *(const size_t *)a > *(const size_t *)b ? -1 : 1;
}

static int objects_index(struct symbolizer *s)
{
	s->by_id = calloc(s->nobjects + 1, sizeof(*s->by_id));
	s->by_path = calloc(s->nobjects + 1, sizeof(*s->by_path));
	if (!s->by_id || !s->by_path)
		return -ENOMEM;
	for (size_t i = 0; i < s->nobjects; i++)
		if (s->objects[i].has_id)
			s->by_id[s->nby_id++] = i;
		else
			s->by_path[s->nby_path++] = i;
	qsort_r(s->by_id, s->nby_id, sizeof(*s->by_id), id_cmp, s);
	qsort_r(s->by_path, s->nby_path, sizeof(*s->by_path), path_cmp, s);
	return 0;
}

/*
 * The object a maps line maps: the one of its device and inode (the same
 * path may be two files, in two mount namespaces or before and after an
 * upgrade), else the one of its path (traces without identities); the
 * last one wins, a later SYMTAB being newer. Binary searches of
 * objects_index: a maps payload may have a million lines.
 */
static int find_object(const struct symbolizer *s, const char *path,
		       unsigned int maj, unsigned int min, uint64_t ino)
{
	size_t lo = 0, hi = s->nby_id;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct sym_object *o = &s->objects[s->by_id[mid]];

		if (o->maj < maj || (o->maj == maj && (o->min < min ||
		    (o->min == min && o->ino < ino))))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->nby_id) {
		const struct sym_object *o = &s->objects[s->by_id[lo]];

		if (o->maj == maj && o->min == min && o->ino == ino)
			return (int)s->by_id[lo];
	}
	lo = 0;
	hi = s->nby_path;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(s->objects[s->by_path[mid]].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->nby_path && !strcmp(s->objects[s->by_path[lo]].path, path))
		return (int)s->by_path[lo];
	return -1;
}

/* One line of /proc/PID/maps: "start-end perms offset maj:min inode  path". */
static bool maps_line(struct text_cursor *l, uint64_t *a, uint64_t *z, const char **perms,
		      uint64_t *off, unsigned int *maj, unsigned int *mnr, uint64_t *ino,
		      const char **path, size_t *plen)
{
	uint64_t ma, mi;
	int64_t in;
	size_t pn;

	if (!text_hex(l, a) || !text_expect(l, '-') || !text_hex(l, z) ||
	    !text_word(l, perms, &pn) || pn < 3 || !text_hex(l, off) ||
	    !text_hex(l, &ma) || !text_expect(l, ':') || !text_hex(l, &mi) ||
	    !text_dec(l, &in) || ma > UINT32_MAX || mi > UINT32_MAX || in < 0)
		return false;
	*maj = (unsigned int)ma;
	*mnr = (unsigned int)mi;
	*ino = (uint64_t)in;
	text_skip_blanks(l);
	*path = l->p;
	*plen = (size_t)(l->end - l->p);
	if (*plen > 4095)
		*plen = 4095;	/* PATH_MAX */
	return true;
}

static int snap_map_cmp(const void *a, const void *b, void *arg)
{
	const struct sym_map *m = arg;
	uint64_t x = m[*(const size_t *)a].start, y = m[*(const size_t *)b].start;

	if (x != y)
		return x < y ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int parse_maps(struct symbolizer *s, const struct trace_maps *m)
{
	struct sym_snapshot snap = { .pid = m->pid, .ts = m->ts };
	struct text_cursor c = text_cursor(m->text, m->text ? strlen(m->text) : 0), l;
	size_t cap = 0;
	void *p;

	while (text_line(&c, &l)) {
		uint64_t a, z, off, ino;
		unsigned int maj, mnr;
		const char *perms, *path;
		size_t pl;
		struct sym_map *sm;

		if (!maps_line(&l, &a, &z, &perms, &off, &maj, &mnr, &ino, &path, &pl) ||
		    perms[2] != 'x' || a >= z)
			continue;
		if (snap.nmaps == cap) {
			cap = cap ? cap * 2 : 16;
			p = reallocarray(snap.maps, cap, sizeof(*snap.maps));
			if (!p)
				goto nomem;
			snap.maps = p;
		}
		sm = &snap.maps[snap.nmaps];
		*sm = (struct sym_map){ .start = a, .end = z, .pgoff = off, .object = -1 };
		sm->path = ukt_memdupz(path, pl);
		if (!sm->path)
			goto nomem;
		snap.nmaps++;
		if (pl > 10 && !memcmp(path + pl - 10, " (deleted)", 10))
			pl -= 10;
		if (pl) {
			char *name = ukt_memdupz(path, pl);

			if (!name)
				goto nomem;
			sm->object = find_object(s, name, maj, mnr, ino);
			free(name);
		}
	}
	/* by address, for the lookups (the maps keep their order) */
	snap.by_start = calloc(snap.nmaps + 1, sizeof(*snap.by_start));
	if (!snap.by_start)
		goto nomem;
	for (size_t i = 0; i < snap.nmaps; i++)
		snap.by_start[i] = i;
	qsort_r(snap.by_start, snap.nmaps, sizeof(*snap.by_start), snap_map_cmp, snap.maps);
	if (s->nsnaps == s->snaps_cap) {
		size_t ncap = s->snaps_cap ? s->snaps_cap * 2 : 16;

		p = reallocarray(s->snaps, ncap, sizeof(*s->snaps));
		if (!p)
			goto nomem;
		s->snaps = p;
		s->snaps_cap = ncap;
	}
	s->snaps[s->nsnaps++] = snap;
	return 0;
nomem:
	for (size_t i = 0; i < snap.nmaps; i++)
		free(snap.maps[i].path);
	free(snap.maps);
	free(snap.by_start);
	return -ENOMEM;
}

static int parse_kallsyms(struct symbolizer *s, const struct ukt_buf *k)
{
	struct text_cursor c = text_cursor(k->data, k->len), l;
	struct ukt_buf names = UKT_BUF_INIT;
	size_t cap = 0;

	while (text_line(&c, &l)) {
		uint64_t addr;
		const char *name;
		size_t nlen;
		char type;

		/* "ffffffff81000000 T name\t[module]" */
		if (!text_hex(&l, &addr) || !text_char(&l, &type) || !text_word(&l, &name, &nlen) ||
		    !(type == 't' || type == 'T' || type == 'w' || type == 'W') || !addr)
			continue;
		if (nlen > 511)
			nlen = 511;	/* the kernel's KSYM_NAME_LEN */
		if (s->nksyms == cap) {
			void *q;

			cap = cap ? cap * 2 : 65536;
			q = reallocarray(s->ksyms, cap, sizeof(*s->ksyms));
			if (!q) {
				ukt_buf_release(&names);
				return -ENOMEM;
			}
			s->ksyms = q;
		}
		s->ksyms[s->nksyms].addr = addr;
		s->ksyms[s->nksyms].size = 0;
		/* an offset into knames until it stops moving */
		s->ksyms[s->nksyms].name = (char *)(uintptr_t)names.len;
		if (ukt_buf_add(&names, name, nlen) || ukt_buf_add(&names, "", 1)) {
			ukt_buf_release(&names);
			return -ENOMEM;
		}
		s->nksyms++;
	}
	s->knames = ukt_buf_detach(&names);
	if (!s->knames)
		return -ENOMEM;
	for (size_t i = 0; i < s->nksyms; i++)
		s->ksyms[i].name = s->knames + (uintptr_t)s->ksyms[i].name;
	if (s->nksyms > 1)
		qsort(s->ksyms, s->nksyms, sizeof(*s->ksyms), entry_cmp);
	return 0;
}

int symbolizer_load(struct symbolizer *s, const struct trace *t)
{
	int rc = 0;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < t->nsymtabs && !rc; i++)
		rc = parse_symtab(s, &t->symtabs[i]);
	if (!rc)
		rc = objects_index(s);
	for (size_t i = 0; i < t->nmaps && !rc; i++)
		rc = parse_maps(s, &t->maps[i]);
	if (!rc && t->kallsyms.len)
		rc = parse_kallsyms(s, &t->kallsyms);
	/* a trace.dat's kallsyms are libtracecmd's */
	s->dat = t->dat;
	if (s->nsnaps)
		qsort(s->snaps, s->nsnaps, sizeof(*s->snaps), snap_cmp);
	return rc;
}

void symbolizer_release(struct symbolizer *s)
{
	for (size_t i = 0; i < s->nobjects; i++) {
		free(s->objects[i].names);
		free(s->objects[i].syms);
		free(s->objects[i].segs);
		free(s->objects[i].path);
		free(s->objects[i].mntns);
		free(s->objects[i].source);
	}
	free(s->objects);
	free(s->by_id);
	free(s->by_path);
	for (size_t i = 0; i < s->nsnaps; i++) {
		for (size_t k = 0; k < s->snaps[i].nmaps; k++)
			free(s->snaps[i].maps[k].path);
		free(s->snaps[i].maps);
		free(s->snaps[i].by_start);
	}
	free(s->snaps);
	free(s->knames);
	free(s->ksyms);
	memset(s, 0, sizeof(*s));
}

/* The symbol containing a in a sorted table, or NULL. */
static const struct sym_entry *lookup(const struct sym_entry *v, size_t n,
				      uint64_t a, uint64_t limit)
{
	size_t lo = 0, hi = n;
	const struct sym_entry *e;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].addr <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	e = &v[lo - 1];
	/* prefer a sized symbol that covers a among aliases at this address */
	if (e->size)
		return a < e->addr + e->size ? e : NULL;
	if (lo < n)
		return a < v[lo].addr ? e : NULL;
	return a - e->addr < limit ? e : NULL;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/*
 * addr in the maps of one snapshot. Named: "function+0xoff". Unnamed but
 * in a known object: "object+0xVADDR", the address in the object's own
 * terms (its ELF virtual address: what addr2line -e and gdb take, for a
 * non-PIE executable as for a library), never a file offset. Otherwise
 * the runtime address.
 */
/* The map of sn containing addr, or NULL. */
static const struct sym_map *map_of(const struct sym_snapshot *sn, uint64_t addr)
{
	size_t lo = 0, hi = sn->nmaps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sn->maps[sn->by_start[mid]].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || addr >= sn->maps[sn->by_start[lo - 1]].end)
		return NULL;
	return &sn->maps[sn->by_start[lo - 1]];
}

/* The link-time address of file offset off in object o (through the
 * segment holding it): true, or false when no loaded segment holds it. */
static bool seg_vaddr(const struct sym_object *o, uint64_t off, uint64_t *vaddr)
{
	for (size_t g = 0; g < o->nsegs; g++) {
		if (off < o->segs[g].offset || off - o->segs[g].offset >= o->segs[g].filesz)
			continue;
		*vaddr = off - o->segs[g].offset + o->segs[g].vaddr;
		return true;
	}
	return false;
}

/*
 * The snapshots of pid's maps, [*first, *last) (sorted by pid), and the
 * latest of them at or before ts, *best: false when pid has none. They are
 * tried best first, then the others (a process that exec'd maps other
 * objects before and after): snap_order gives the k-th to try.
 */
static bool pid_snaps(const struct symbolizer *s, int pid, uint64_t ts, size_t *first,
		      size_t *last, size_t *best)
{
	size_t lo = 0, hi = s->nsnaps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->snaps[mid].pid < (uint32_t)pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	for (*last = lo; *last < s->nsnaps && s->snaps[*last].pid == (uint32_t)pid; (*last)++)
		;
	*best = lo;
	for (size_t i = *first; i < *last; i++)
		if (s->snaps[i].ts <= ts)
			*best = i;
	return *first < *last;
}

/* The k-th snapshot to try (k <= last - first): best, then the others
 * from the newest; SIZE_MAX for best's own turn among them (skip it). */
static size_t snap_order(size_t last, size_t best, size_t k)
{
	size_t i = k == 0 ? best : last - k;

	return k && i == best ? SIZE_MAX : i;
}

static int resolve_in_snapshot(const struct symbolizer *s,
			       const struct sym_snapshot *sn, uint64_t addr,
			       struct ukt_buf *sym, struct ukt_buf *obj)
{
	const struct sym_map *m = map_of(sn, addr);
	const struct sym_entry *e;
	uint64_t vaddr;

	if (!m)
		return -1;
	ukt_buf_adds(obj, m->path[0] ? m->path : "[anon]");
	if (m->object < 0 ||
	    !seg_vaddr(&s->objects[m->object], addr - m->start + m->pgoff, &vaddr)) {
		ukt_buf_addf(sym, "0x%" PRIx64, addr);
		return 0;
	}
	e = lookup(s->objects[m->object].syms, s->objects[m->object].nsyms, vaddr, 1 << 20);
	if (e) {
		demangle_add_base(sym, e->name);
		ukt_buf_addf(sym, "+0x%" PRIx64, vaddr - e->addr);
	} else
		ukt_buf_addf(sym, "%s+0x%" PRIx64, base_name(m->path), vaddr);
	return e != NULL;
}

int symbolize(const struct symbolizer *s, int pid, uint64_t addr, uint64_t ts,
	      struct ukt_buf *sym, struct ukt_buf *obj)
{
	size_t first, last, best;

	ukt_buf_reset(sym);
	ukt_buf_reset(obj);
	if (sym_is_kernel(addr)) {
		const struct sym_entry *e = lookup(s->ksyms, s->nksyms, addr, 1 << 20);

		ukt_buf_adds(obj, "[kernel]");
		if (e) {
			ukt_buf_addf(sym, "%s+0x%" PRIx64, e->name, addr - e->addr);
			return 1;
		}
		if (s->dat && tracedat_ksym(s->dat, addr, 1 << 20, sym))
			return 1;
		ukt_buf_addf(sym, "0x%" PRIx64, addr);
		return 0;
	}
	if (pid_snaps(s, pid, ts, &first, &last, &best)) {
		for (size_t k = 0; k <= last - first; k++) {
			size_t i = snap_order(last, best, k);
			int rc;

			if (i == SIZE_MAX)
				continue;
			rc = resolve_in_snapshot(s, &s->snaps[i], addr, sym, obj);
			if (rc >= 0)
				return rc;
		}
	}
	/* a trace.dat has no maps: the binaries of --symbols, if any */
	if (s->dat && tracedat_usym(s->dat, addr, sym, obj))
		return 1;
	ukt_buf_addf(sym, "0x%" PRIx64, addr);
	return 0;
}

int sym_locate(const struct symbolizer *s, int pid, uint64_t addr, uint64_t ts,
	       size_t *object, uint64_t *vaddr)
{
	size_t first, last, best;

	if (sym_is_kernel(addr) || !pid_snaps(s, pid, ts, &first, &last, &best))
		return 0;
	/* as symbolize: the latest snapshot at or before ts, then the others */
	for (size_t k = 0; k <= last - first; k++) {
		size_t i = snap_order(last, best, k);
		const struct sym_map *m;

		if (i == SIZE_MAX || !(m = map_of(&s->snaps[i], addr)))
			continue;
		if (m->object < 0 ||
		    !seg_vaddr(&s->objects[m->object], addr - m->start + m->pgoff, vaddr))
			return 0;
		*object = (size_t)m->object;
		return 1;
	}
	return 0;
}
