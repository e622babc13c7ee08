// SPDX-License-Identifier: MIT
/*
 * Loading a trace file: one pass over the blocks. Metadata is copied out of
 * the mapping and parsed with bounds-checked cursors; anything malformed is
 * counted and skipped, never trusted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"
#include "tracedat.h"
#include "errors.h"
#include "uktrace/hidx.h"
#include "uktrace/vec.h"

/* Refuse t: past limit, a count the message says (format/FORMAT.md). */
static int refuse(struct trace *t, const char *what, uint64_t limit)
{
	free(t->refused);
	t->refused = NULL;
	if (asprintf(&t->refused, "it holds more than %llu %s, more than any recording"
		     " writes: the file is damaged or crafted (format/FORMAT.md, Limits)",
		     (unsigned long long)limit, what) < 0)
		t->refused = NULL;
	return -REP_E_LIMIT;
}

/* Set key to value (taking both); a later value of a key replaces the
 * earlier one where it was. */
static int set_meta(struct trace *t, char *key, char *value)
{
	long i = key && value ? strtab_intern(&t->meta_keys, key) : -ENOMEM;
	int rc = 0;

	if (i < 0) {
		rc = (int)i;
	} else if ((size_t)i < t->nmeta) {
		free(t->meta[i].value);
		t->meta[i].value = value;
		value = NULL;
	} else if (t->nmeta >= TRACE_MAX_META_KEYS) {
		rc = refuse(t, "metadata keys", TRACE_MAX_META_KEYS);
	} else if (!(rc = UKT_GROW(t->meta, t->meta_cap, t->nmeta))) {
		t->meta[t->nmeta++] = (struct trace_kv){ key, value };
		return 0;
	}
	free(key);
	free(value);
	return rc;
}

static int add_meta(struct trace *t, const struct ukt_kv *kv)
{
	return set_meta(t, ukt_memdupz(kv->key, kv->klen), ukt_memdupz(kv->value, kv->vlen));
}

const char *trace_meta(const struct trace *t, const char *key)
{
	long i;

	i = strtab_find(&t->meta_keys, key);
	return i >= 0 && (size_t)i < t->nmeta ? t->meta[i].value : NULL;
}

int trace_set_meta(struct trace *t, const char *key, const char *value)
{
	return set_meta(t, strdup(key), strdup(value));
}

int trace_add_probe(struct trace *t, struct ukt_probe_rec *p)
{
	int rc = t->nprobes >= TRACE_MAX_PROBES ? refuse(t, "probes", TRACE_MAX_PROBES) :
		 UKT_GROW(t->probes, t->probes_cap, t->nprobes);

	if (rc)
		return rc;
	t->probes[t->nprobes++] = *p;
	return 0;
}

int trace_add_loss(struct trace *t, const struct ukt_loss *l)
{
	if (UKT_GROW(t->losses, t->losses_cap, t->nlosses))
		return -ENOMEM;
	t->losses[t->nlosses++] = *l;
	return 0;
}

static int parse_meta(struct trace *t, const struct ukt_block *b)
{
	struct ukt_cursor c = { b->data, b->len };
	struct ukt_kv kv;
	int rc;

	while ((rc = ukt_kv_next(&c, &kv)) == 1) {
		rc = add_meta(t, &kv);
		if (rc)
			return rc;
	}
	if (rc < 0)
		t->malformed++;
	return 0;
}

static int parse_probe(struct trace *t, const struct ukt_block *b)
{
	struct ukt_probe_rec p;
	int rc = ukt_probe_decode(b->data, b->len, &p);

	if (rc == -EBADMSG) {
		t->malformed++;
		return 0;
	}
	if (rc)
		return rc;
	rc = t->nprobes >= TRACE_MAX_PROBES ? refuse(t, "probes", TRACE_MAX_PROBES) :
		UKT_GROW(t->probes, t->probes_cap, t->nprobes);
	if (rc) {
		ukt_probe_release(&p);
		return rc;
	}
	if (p.id <= 0)
		p.id = (int)t->nprobes + 1;
	t->probes[t->nprobes++] = p;
	return 0;
}

static int parse_format(struct trace *t, const struct ukt_block *b)
{
	const char *sys, *text;
	uint32_t slen;
	size_t tlen;

	if (ukt_event_format_decode(b->data, b->len, &sys, &slen, &text, &tlen)) {
		t->malformed++;
		return 0;
	}
	if (t->nformats >= TRACE_MAX_FORMATS)
		return refuse(t, "event formats", TRACE_MAX_FORMATS);
	if (UKT_GROW(t->formats, t->formats_cap, t->nformats))
		return -ENOMEM;
	t->formats[t->nformats].system = ukt_memdupz(sys, slen);
	t->formats[t->nformats].text = ukt_memdupz(text, tlen);
	t->formats[t->nformats].len = tlen;
	if (!t->formats[t->nformats].system || !t->formats[t->nformats].text)
		return -ENOMEM;
	t->nformats++;
	return 0;
}

static int parse_maps(struct trace *t, const struct ukt_block *b)
{
	const char *text;
	size_t tlen;
	uint32_t pid;
	uint64_t ts;

	if (ukt_maps_decode(b->data, b->len, &pid, &ts, &text, &tlen)) {
		t->malformed++;
		return 0;
	}
	if (UKT_GROW(t->maps, t->maps_cap, t->nmaps))
		return -ENOMEM;
	t->maps[t->nmaps].pid = pid;
	t->maps[t->nmaps].ts = ts;
	t->maps[t->nmaps].text = ukt_memdupz(text, tlen);
	if (!t->maps[t->nmaps].text)
		return -ENOMEM;
	t->nmaps++;
	return 0;
}

static int add_data(struct trace *t, const struct ukt_block *b)
{
	struct trace_cpu *c;

	if (b->desc.cpu >= t->ncpus || t->info.subbuf_size == 0 ||
	    (uint64_t)b->desc.count * t->info.subbuf_size != b->raw_len) {
		t->malformed++;
		return 0;
	}
	c = &t->cpus[b->desc.cpu];
	if (UKT_GROW(c->blocks, c->cap, c->nblocks))
		return -ENOMEM;
	c->blocks[c->nblocks++] = *b;
	c->pages += b->desc.count;
	c->raw_bytes += b->raw_len;
	c->stored_bytes += b->stored_len;
	return 0;
}

static int append(struct ukt_buf *dst, const struct ukt_block *b)
{
	return ukt_buf_add(dst, b->data, b->len);
}

/* A text that every block of its type adds to (THREADS, PRINTK). */
static int append_text(struct trace *t, struct ukt_buf *dst, const struct ukt_block *b,
		       const char *what)
{
	if (b->len > TRACE_MAX_TEXT - dst->len)
		return refuse(t, what, TRACE_MAX_TEXT);
	return append(dst, b);
}

/*
 * A SYMTAB: its counts of segments and symbols are read (not the rest:
 * the symbolizer decodes it) to keep them within the limits.
 */
static int add_symtab(struct trace *t, const struct ukt_block *b)
{
	struct ukt_cursor c = { b->data, b->len };
	const char *s;
	uint32_t n, nsegs = 0, nsyms = 0;
	const void *skip;

	if (!ukt_cur_lstr(&c, &s, &n) && !ukt_cur_lstr(&c, &s, &n) && !ukt_cur_u32(&c, &nsegs) &&
	    (uint64_t)nsegs * 28 <= c.left && !ukt_cur_bytes(&c, &skip, (size_t)nsegs * 28))
		ukt_cur_u32(&c, &nsyms);
	if (nsegs > TRACE_MAX_SEGMENTS)
		return refuse(t, "segments in one object", TRACE_MAX_SEGMENTS);
	if (t->nsymtabs >= TRACE_MAX_SYMTABS)
		return refuse(t, "objects", TRACE_MAX_SYMTABS);
	if (nsyms > TRACE_MAX_SYMBOLS - t->nsymbols)
		return refuse(t, "symbols", TRACE_MAX_SYMBOLS);
	if (UKT_GROW(t->symtabs, t->symtabs_cap, t->nsymtabs))
		return -ENOMEM;
	t->nsymbols += nsyms;
	ukt_buf_init(&t->symtabs[t->nsymtabs]);
	t->nsymtabs++;
	return append(&t->symtabs[t->nsymtabs - 1], b);
}

static int handle_block(struct trace *t, struct ukt_block *b)
{
	switch (b->desc.type) {
	case UKT_B_META: return parse_meta(t, b);
	case UKT_B_HEADER_PAGE: ukt_buf_reset(&t->header_page); return append(&t->header_page, b);
	case UKT_B_HEADER_EVENT: ukt_buf_reset(&t->header_event); return append(&t->header_event, b);
	case UKT_B_EVENT_FORMAT: return parse_format(t, b);
	case UKT_B_KALLSYMS: ukt_buf_reset(&t->kallsyms); return append(&t->kallsyms, b);
	case UKT_B_PRINTK: return append_text(t, &t->printk, b, "bytes of printk formats");
	case UKT_B_CMDLINES: ukt_buf_reset(&t->cmdlines); return append(&t->cmdlines, b);
	case UKT_B_TGIDS: ukt_buf_reset(&t->tgids); return append(&t->tgids, b);
	case UKT_B_THREADS: return append_text(t, &t->threads, b, "bytes of thread names");
	case UKT_B_TASKS: return append_text(t, &t->tasks, b, "bytes of task records");
	case UKT_B_PROBE: return parse_probe(t, b);
	case UKT_B_MAPS: return parse_maps(t, b);
	case UKT_B_SYMTAB: return add_symtab(t, b);
	case UKT_B_EHFRAME:
		/* one per object, as SYMTABs: the same limit */
		if (t->nehframes >= TRACE_MAX_SYMTABS)
			return refuse(t, "unwind tables", TRACE_MAX_SYMTABS);
		if (UKT_GROW(t->ehframes, t->ehframes_cap, t->nehframes))
			return -ENOMEM;
		ukt_buf_init(&t->ehframes[t->nehframes]);
		t->nehframes++;
		return append(&t->ehframes[t->nehframes - 1], b);
	case UKT_B_LOSS: {
		struct ukt_loss l;

		if (ukt_loss_decode(b->data, b->len, &l)) {
			t->malformed++;
			return 0;
		}
		if (UKT_GROW(t->losses, t->losses_cap, t->nlosses))
			return -ENOMEM;
		t->losses[t->nlosses++] = l;
		return 0;
	}
	case UKT_B_CPU_STATS:
		if (b->desc.cpu < t->ncpus) {
			free(t->cpus[b->desc.cpu].stats);
			t->cpus[b->desc.cpu].stats = ukt_memdupz(b->data, b->len);
		}
		return 0;
	case UKT_B_TRAILER:
		return 0;
	default:
		t->blocks_unknown++;
		return 0;
	}
}

struct trace *trace_open(const char *path, int *err, struct ukt_buf *msg)
{
	struct trace *t = calloc(1, sizeof(*t));
	struct ukt_decoder *dec = NULL;
	struct ukt_buf tmp = UKT_BUF_INIT;
	struct ukt_block b;
	int rc;

	if (!t) {
		*err = -ENOMEM;
		return NULL;
	}
	ukt_buf_init(&t->header_page);
	ukt_buf_init(&t->header_event);
	ukt_buf_init(&t->printk);
	ukt_buf_init(&t->kallsyms);
	ukt_buf_init(&t->cmdlines);
	ukt_buf_init(&t->tgids);
	ukt_buf_init(&t->threads);
	ukt_buf_init(&t->tasks);
	t->path = strdup(path);
	/* trace-cmd's trace.dat, by its magic: the second trace source */
	if (tracedat_detect(path) == 1) {
		t->paths = calloc(1, sizeof(*t->paths));
		rc = !t->path || !t->paths || !(t->paths[0] = strdup(path)) ? -ENOMEM : 0;
		if (!rc)
			t->npaths = 1;
		if (!rc)
			rc = tracedat_load(t, path, msg);
		if (rc) {
			if (!msg->len)
				ukt_buf_addf(msg, "cannot read '%s': %s", path, rep_strerror(rc));
			*err = rc;
			trace_free(t);
			return NULL;
		}
		return t;
	}
	t->r = ukt_reader_open(path, err);
	if (!t->r) {
		ukt_buf_addf(msg, "cannot read '%s': %s", path, rep_strerror(*err));
		trace_free(t);
		return NULL;
	}
	t->info = *ukt_reader_info(t->r);
	t->file_size = ukt_reader_size(t->r);
	/* a CPU count from a damaged header must not size our memory */
	t->ncpus = t->info.ncpus > 4096 ? 4096 : t->info.ncpus;
	t->cpus = calloc(t->ncpus ? t->ncpus : 1, sizeof(*t->cpus));
	dec = ukt_decoder_new();
	if (!t->cpus || !dec) {
		*err = -ENOMEM;
		ukt_decoder_free(dec);
		trace_free(t);
		return NULL;
	}
	for (;;) {
		/* data stays compressed in the mapping until decoded */
		rc = ukt_reader_next(t->r, &b, UKT_READ_STORED);
		if (rc <= 0)
			break;
		t->blocks_good++;
		if (b.desc.type == UKT_B_DATA) {
			rc = add_data(t, &b);
		} else {
			rc = ukt_block_decode(dec, &b, &tmp);
			if (rc == 0) {
				b.data = tmp.data;
				b.len = tmp.len;
				rc = handle_block(t, &b);
			} else if (rc != -ENOMEM) {
				t->malformed++;
				rc = 0;
			}
		}
		if (rc < 0)
			break;
	}
	ukt_decoder_free(dec);
	ukt_buf_release(&tmp);
	if (rc < 0) {
		*err = rc;
		ukt_buf_addf(msg, "cannot read '%s': %s", path,
			     t->refused ? t->refused : rep_strerror(rc));
		trace_free(t);
		return NULL;
	}
	{
		size_t nd = 0;
		const struct ukt_damage *dm = ukt_reader_damage(t->r, &nd);

		t->damage = calloc(nd + 1, sizeof(*t->damage));
		t->damage_file = calloc(nd + 1, sizeof(*t->damage_file));
		t->paths = calloc(1, sizeof(*t->paths));
		if (!t->damage || !t->damage_file || !t->paths || !(t->paths[0] = strdup(path))) {
			*err = -ENOMEM;
			trace_free(t);
			return NULL;
		}
		if (nd)
			memcpy(t->damage, dm, nd * sizeof(*dm));
		t->ndamage = nd;
		t->npaths = 1;
	}
	t->complete = ukt_reader_complete(t->r);
	*err = 0;
	return t;
}

/* The first data timestamp of t, or UINT64_MAX when it has none. */
static uint64_t first_data_ts(const struct trace *t)
{
	uint64_t ts = UINT64_MAX;

	for (uint32_t c = 0; c < t->ncpus; c++)
		if (t->cpus[c].nblocks && t->cpus[c].blocks[0].desc.ts_first < ts)
			ts = t->cpus[c].blocks[0].desc.ts_first;
	return ts;
}

static int cmp_start(const void *a, const void *b)
{
	uint64_t x = first_data_ts(*(struct trace *const *)a);
	uint64_t y = first_data_ts(*(struct trace *const *)b);

	return (x > y) - (x < y);
}

/*
 * The metadata t already has, by a hash of its bytes: every file of a
 * recording repeats its SYMTABs and recent MAPS, and comparing each with
 * all the others would cost their square.
 */
static uint32_t symtab_hash(const struct ukt_buf *b)
{
	return ukt_crc32c((uint32_t)b->len, b->data, b->len);
}

static uint32_t maps_hash(const struct trace_maps *m)
{
	uint32_t h = ukt_crc32c(m->pid, &m->ts, sizeof(m->ts));

	return ukt_crc32c(h, m->text, strlen(m->text));
}

/* Whether item i of t equals the item (same(t, k) tells), hashed h; else
 * i is recorded (the set has room: ukt_hidx_reserve covered every item). */
static bool seen_add(struct ukt_hidx *s, uint32_t h, size_t i,
		     bool (*same)(const struct trace *, size_t, const void *),
		     const struct trace *t, const void *item)
{
	struct ukt_hidx_walk w = ukt_hidx_walk(s, h);
	long k;

	while ((k = ukt_hidx_next(s, &w)) >= 0)
		if (same(t, (size_t)k, item))
			return true;
	ukt_hidx_add(s, h, i);
	return false;
}

static bool same_symtab(const struct trace *t, size_t i, const void *item)
{
	const struct ukt_buf *b = item;

	return t->symtabs[i].len == b->len && !memcmp(t->symtabs[i].data, b->data, b->len);
}

static bool same_ehframe(const struct trace *t, size_t i, const void *item)
{
	const struct ukt_buf *b = item;

	return t->ehframes[i].len == b->len && !memcmp(t->ehframes[i].data, b->data, b->len);
}

static bool same_maps(const struct trace *t, size_t i, const void *item)
{
	const struct trace_maps *m = item;

	return t->maps[i].pid == m->pid && t->maps[i].ts == m->ts &&
	       !strcmp(t->maps[i].text, m->text);
}

/* Where a file's key replaces the set's: the end; the rest is the
 * recording's, said the same by every file, or the first file's own. */
static bool later_wins(const char *key)
{
	return !strncmp(key, "stop_", 5);
}

static int merge_meta(struct trace *t, struct trace *o)
{
	for (size_t i = 0; i < o->nmeta; i++) {
		struct trace_kv *kv = &o->meta[i];
		int rc;

		if (trace_meta(t, kv->key) && !later_wins(kv->key))
			continue;
		rc = set_meta(t, kv->key, kv->value);	/* moved */
		kv->key = kv->value = NULL;
		if (rc)
			return rc;
	}
	return 0;
}

/* Move what o adds to t: its data after t's, and metadata t lacks. */
static int merge(struct trace *t, struct trace *o, size_t file)
{
	struct ukt_hidx seen = { 0 };
	void *p;
	int rc = merge_meta(t, o);

	for (uint32_t c = 0; c < t->ncpus && !rc; c++) {
		struct trace_cpu *tc = &t->cpus[c], *oc = &o->cpus[c];

		for (size_t i = 0; i < oc->nblocks && !rc; i++) {
			if (tc->nblocks == tc->cap) {
				size_t cap = tc->cap ? tc->cap * 2 : 64;

				p = reallocarray(tc->blocks, cap, sizeof(*tc->blocks));
				if (!p) {
					rc = -ENOMEM;
					break;
				}
				tc->blocks = p;
				tc->cap = cap;
			}
			tc->blocks[tc->nblocks++] = oc->blocks[i];
		}
		tc->pages += oc->pages;
		tc->raw_bytes += oc->raw_bytes;
		tc->stored_bytes += oc->stored_bytes;
		if (oc->stats) {
			/* the kernel's counters since the recording began */
			free(tc->stats);
			tc->stats = oc->stats;
			oc->stats = NULL;
		}
	}
	if (!rc)
		rc = ukt_hidx_reserve(&seen, t->nsymtabs + o->nsymtabs);
	for (size_t i = 0; i < t->nsymtabs && !rc; i++)
		seen_add(&seen, symtab_hash(&t->symtabs[i]), i, same_symtab, t, &t->symtabs[i]);
	for (size_t i = 0; i < o->nsymtabs && !rc; i++) {
		if (seen_add(&seen, symtab_hash(&o->symtabs[i]), t->nsymtabs, same_symtab, t,
			     &o->symtabs[i]))
			continue;
		if (t->nsymtabs >= TRACE_MAX_SYMTABS) {
			rc = refuse(t, "objects", TRACE_MAX_SYMTABS);
			break;
		}
		if ((rc = UKT_GROW(t->symtabs, t->symtabs_cap, t->nsymtabs)))
			break;
		t->symtabs[t->nsymtabs++] = o->symtabs[i];
		ukt_buf_init(&o->symtabs[i]);
	}
	ukt_hidx_release(&seen);
	/* --stack dwarf's unwind tables, as the symbol tables */
	if (!rc)
		rc = ukt_hidx_reserve(&seen, t->nehframes + o->nehframes);
	for (size_t i = 0; i < t->nehframes && !rc; i++)
		seen_add(&seen, symtab_hash(&t->ehframes[i]), i, same_ehframe, t, &t->ehframes[i]);
	for (size_t i = 0; i < o->nehframes && !rc; i++) {
		if (seen_add(&seen, symtab_hash(&o->ehframes[i]), t->nehframes, same_ehframe, t,
			     &o->ehframes[i]))
			continue;
		if (t->nehframes >= TRACE_MAX_SYMTABS) {
			rc = refuse(t, "unwind tables", TRACE_MAX_SYMTABS);
			break;
		}
		if ((rc = UKT_GROW(t->ehframes, t->ehframes_cap, t->nehframes)))
			break;
		t->ehframes[t->nehframes++] = o->ehframes[i];
		ukt_buf_init(&o->ehframes[i]);
	}
	ukt_hidx_release(&seen);
	if (!rc)
		rc = ukt_hidx_reserve(&seen, t->nmaps + o->nmaps);
	for (size_t i = 0; i < t->nmaps && !rc; i++)
		seen_add(&seen, maps_hash(&t->maps[i]), i, same_maps, t, &t->maps[i]);
	for (size_t i = 0; i < o->nmaps && !rc; i++) {
		if (seen_add(&seen, maps_hash(&o->maps[i]), t->nmaps, same_maps, t, &o->maps[i]))
			continue;
		if ((rc = UKT_GROW(t->maps, t->maps_cap, t->nmaps)))
			break;
		t->maps[t->nmaps++] = o->maps[i];
		o->maps[i].text = NULL;
	}
	ukt_hidx_release(&seen);
	for (size_t i = 0; i < o->nlosses && !rc; i++) {
		if ((rc = UKT_GROW(t->losses, t->losses_cap, t->nlosses)))
			break;
		t->losses[t->nlosses++] = o->losses[i];
	}
	if (rc)
		return rc;
	if (!rc && o->ndamage) {
		void *d = reallocarray(t->damage, t->ndamage + o->ndamage, sizeof(*t->damage));
		void *f = d ? reallocarray(t->damage_file, t->ndamage + o->ndamage,
					   sizeof(*t->damage_file)) : NULL;

		if (d)
			t->damage = d;
		if (!f)
			return -ENOMEM;
		t->damage_file = f;
		for (size_t i = 0; i < o->ndamage; i++) {
			t->damage[t->ndamage + i] = o->damage[i];
			t->damage_file[t->ndamage + i] = file;
		}
		t->ndamage += o->ndamage;
	}
	/* thread names: the later files' too, which name later threads */
	if (!rc)
		rc = ukt_buf_add(&t->threads, o->threads.data, o->threads.len);
	if (!rc)
		rc = ukt_buf_add(&t->tasks, o->tasks.data, o->tasks.len);
	if (!rc && o->cmdlines.len) {
		rc = ukt_buf_adds(&t->cmdlines, "\n");
		if (!rc)
			rc = ukt_buf_add(&t->cmdlines, o->cmdlines.data, o->cmdlines.len);
	}
	if (!rc && o->tgids.len) {
		rc = ukt_buf_adds(&t->tgids, "\n");
		if (!rc)
			rc = ukt_buf_add(&t->tgids, o->tgids.data, o->tgids.len);
	}
	t->file_size += o->file_size;
	t->blocks_good += o->blocks_good;
	t->blocks_unknown += o->blocks_unknown;
	t->malformed += o->malformed;
	t->complete = t->complete && o->complete;
	return rc;
}

/* Whether o can join t: the same recording, the same data layout. */
static bool compatible(const struct trace *t, const struct trace *o, struct ukt_buf *msg)
{
	const char *a = trace_meta(t, "recording_id"), *b = trace_meta(o, "recording_id");

	if (!a || !b || strcmp(a, b)) {
		ukt_buf_addf(msg, "'%s' and '%s' are not files of one recording (%s); give the files one --rotate or --flight recording wrote",
			     t->path, o->path, a && b ? "their recording ids differ" : "a file without a recording id was recorded alone");
		return false;
	}
	if (t->ncpus != o->ncpus || t->info.subbuf_size != o->info.subbuf_size ||
	    t->info.long_size != o->info.long_size || t->info.endian != o->info.endian) {
		ukt_buf_addf(msg, "'%s' and '%s' describe different machines", t->path, o->path);
		return false;
	}
	return true;
}

struct trace *trace_open_set(const char *const *paths, size_t n, int *err,
			     struct ukt_buf *msg)
{
	struct trace **v, *t = NULL;
	size_t k;

	if (n == 1)
		return trace_open(paths[0], err, msg);
	for (k = 0; k < n; k++)
		if (tracedat_detect(paths[k]) == 1) {
			ukt_buf_addf(msg, "'%s' is a trace-cmd trace.dat, which is read alone:"
				     " give it as the only trace file", paths[k]);
			*err = -EINVAL;
			return NULL;
		}
	v = calloc(n, sizeof(*v));
	if (!v) {
		*err = -ENOMEM;
		return NULL;
	}
	for (k = 0; k < n; k++) {
		v[k] = trace_open(paths[k], err, msg);
		if (!v[k])
			goto out;
		if (k && !compatible(v[0], v[k], msg)) {
			*err = -EINVAL;
			goto out;
		}
	}
	/* in the order they were written: each CPU's data must follow on */
	qsort(v, n, sizeof(*v), cmp_start);
	t = v[0];
	t->more = calloc(n, sizeof(*t->more));
	if (!t->more || !(t->paths = reallocarray(t->paths, n, sizeof(*t->paths)))) {
		*err = -ENOMEM;
		goto out;
	}
	for (k = 1; k < n; k++) {
		*err = merge(t, v[k], k);
		t->paths[k] = v[k]->path;
		v[k]->path = NULL;
		t->npaths = k + 1;
		/* the data stays in that file's mapping */
		t->more[k - 1] = v[k]->r;
		v[k]->r = NULL;
		if (*err)
			goto out;
	}
	for (k = 1; k < n; k++)
		trace_free(v[k]);
	free(v);
	*err = 0;
	return t;
out:
	if (!msg->len)
		ukt_buf_addf(msg, "cannot read the files: %s", rep_strerror(*err));
	for (k = 0; k < n; k++)
		trace_free(v[k]);
	free(v);
	return NULL;
}

uint64_t trace_cpu_stat(const char *stats, const char *field)
{
	const char *p = stats ? strstr(stats, field) : NULL;

	return p ? strtoull(p + strlen(field), NULL, 10) : 0;
}

void trace_describe_damage(const struct trace *t, struct ukt_buf *out)
{
	for (size_t i = 0; i < t->ndamage; i++) {
		trace_damage_text(t, i, out);
		ukt_buf_adds(out, "\n");
	}
	if (t->malformed)
		ukt_buf_addf(out, "%llu metadata records were malformed and skipped\n",
			     (unsigned long long)t->malformed);
}

void trace_damage_text(const struct trace *t, size_t i, struct ukt_buf *out)
{
	if (t->npaths > 1)
		ukt_buf_addf(out, "%s: ", t->paths[t->damage_file[i]]);
	ukt_damage_describe(&t->damage[i], out);
}

void trace_free(struct trace *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nmeta; i++) {
		free(t->meta[i].key);
		free(t->meta[i].value);
	}
	free(t->meta);
	strtab_release(&t->meta_keys);
	free(t->refused);
	for (size_t i = 0; i < t->nprobes; i++)
		ukt_probe_release(&t->probes[i]);
	free(t->probes);
	for (size_t i = 0; i < t->nformats; i++) {
		free(t->formats[i].system);
		free(t->formats[i].text);
	}
	free(t->formats);
	for (size_t i = 0; i < t->nsymtabs; i++)
		ukt_buf_release(&t->symtabs[i]);
	free(t->symtabs);
	for (size_t i = 0; i < t->nehframes; i++)
		ukt_buf_release(&t->ehframes[i]);
	free(t->ehframes);
	for (size_t i = 0; i < t->nmaps; i++)
		free(t->maps[i].text);
	free(t->maps);
	free(t->losses);
	for (uint32_t i = 0; t->cpus && i < t->ncpus; i++) {
		free(t->cpus[i].blocks);
		free(t->cpus[i].stats);
	}
	free(t->cpus);
	ukt_buf_release(&t->header_page);
	ukt_buf_release(&t->header_event);
	ukt_buf_release(&t->printk);
	ukt_buf_release(&t->kallsyms);
	ukt_buf_release(&t->cmdlines);
	ukt_buf_release(&t->tgids);
	ukt_buf_release(&t->threads);
	ukt_buf_release(&t->tasks);
	ukt_reader_free(t->r);
	tracedat_free(t->dat);
	for (size_t i = 0; t->more && i + 1 < t->npaths; i++)
		ukt_reader_free(t->more[i]);
	free(t->more);
	for (size_t i = 0; i < t->npaths; i++)
		free(t->paths[i]);
	free(t->paths);
	free(t->damage);
	free(t->damage_file);
	free(t->path);
	free(t);
}
