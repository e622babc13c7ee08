// SPDX-License-Identifier: MIT
/*
 * libtraceevent boundary for event formats. Pages are read through the
 * engine's page reader (uktrace/rbpage.h), which checks them before
 * kbuffer sees them, so hostile files cannot make kbuffer or our field
 * readers leave the buffer.
 */
#include <byteswap.h>
#include <errno.h>
#include <event-parse.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <trace-seq.h>

#include "decode.h"
#include "pagefeed.h"
#include "errors.h"
#include "strtab.h"
#include "textscan.h"
#include "tracedat.h"
#include "uktrace/rbpage.h"

struct cpu_cursor {
	int cpu;
	const struct trace_cpu *tc;
	size_t next_block;
	struct ukt_buf raw;
	uint32_t page, npages;
	struct ukt_rbpage *rb;
	struct ukt_rbevent ev;		/* the next event, when have */
	bool have;
	uint64_t last_ts;		/* of the event handed out last */
	long long pending_missed;
	bool done;
	/* with stack formats: the event handed out, copied, as reading on
	 * for its stacks may leave its page */
	struct ukt_buf copy;
	uint64_t kst[DEC_MAX_STACK], ust[DEC_MAX_STACK];
	struct pagefeed *feed;		/* its pages read ahead on a thread */
};

struct decoder {
	struct trace *t;
	struct tep_handle *tep;
	struct event_layout *lays;
	int nlays;
	struct event_layout **by_id;	/* 65536 entries */
	struct cpu_cursor *cur;
	int ncur;
	struct ukt_decoder *zd;
	bool swap;
	int pid_off;			/* common_pid */
	int type_size;			/* common_type: 2 */
	bool kallsyms_parsed;
	struct tracedat *dat;		/* records from a trace.dat, its tep */
	struct decode_stats st;
	int feed_err;			/* a feed that could not go on */
	struct strtab probe_keys;	/* index_probes */
	int *probe_of;
	uint8_t print_unsafe[65536 / 8];	/* by id: tep_may_print */
	/* ftrace's stack entries (-g), by their layouts; NULL: not in the trace */
	const struct event_layout *kstack_lay, *ustack_lay;
};

static int layout_field(struct field_layout *f, const struct tep_format_field *tf)
{
	f->name = strdup(tf->name);
	if (!f->name)
		return -ENOMEM;
	f->offset = tf->offset;
	f->size = tf->size;
	f->is_signed = tf->flags & TEP_FIELD_IS_SIGNED;
	f->dynamic = tf->flags & TEP_FIELD_IS_DYNAMIC;
	f->relative = tf->flags & TEP_FIELD_IS_RELATIVE;
	if (f->dynamic || (tf->flags & TEP_FIELD_IS_ARRAY))
		f->kind = (tf->flags & TEP_FIELD_IS_STRING) ? FK_STRING : FK_BYTES;
	else if (f->size >= 1 && f->size <= 8)
		f->kind = FK_INT;
	else
		f->kind = FK_BYTES;
	return 0;
}

/* The key of a probe's event: its system and name, unambiguous. */
static void probe_key(struct ukt_buf *key, const char *system, const char *name)
{
	ukt_buf_reset(key);
	ukt_buf_addf(key, "%zu:%s:%s", strlen(system), system, name);
}

/*
 * The PROBE records by event (the last of one event wins, as it always
 * did): each layout finds its own by a hash, not by a walk over them
 * all. probe_of[k] is the probe of the k-th key of keys.
 */
static int index_probes(struct decoder *d)
{
	struct ukt_buf key = UKT_BUF_INIT;
	int rc = 0;

	d->probe_of = calloc(d->t->nprobes + 1, sizeof(*d->probe_of));
	if (!d->probe_of)
		return -ENOMEM;
	for (size_t i = 0; i < d->t->nprobes && !rc; i++) {
		const struct ukt_probe_rec *p = &d->t->probes[i];
		long k;

		probe_key(&key, p->system, p->name);
		k = strtab_intern(&d->probe_keys, key.data);
		if (k < 0)
			rc = (int)k;
		else
			d->probe_of[k] = (int)i;
	}
	ukt_buf_release(&key);
	return rc;
}

static int build_layout(struct decoder *d, struct event_layout *l,
			struct tep_event *e)
{
	struct tep_format_field *tf;
	int n = 0;

	l->id = e->id;
	l->system = strdup(e->system ? e->system : "");
	l->name = strdup(e->name ? e->name : "");
	l->tep_event = e;
	l->probe = -1;
	l->ip = l->ret_ip = -1;
	if (!l->system || !l->name)
		return -ENOMEM;
	for (tf = e->format.fields; tf; tf = tf->next)
		n++;
	l->fields = calloc((size_t)n + 1, sizeof(*l->fields));
	l->args = calloc((size_t)n + 1, sizeof(*l->args));
	if (!l->fields || !l->args)
		return -ENOMEM;
	for (tf = e->format.fields; tf; tf = tf->next) {
		struct field_layout *f = &l->fields[l->nfields];
		int rc = layout_field(f, tf);

		if (rc)
			return rc;
		if (!strcmp(f->name, "__probe_ip") || !strcmp(f->name, "__probe_func"))
			l->ip = l->nfields;
		else if (!strcmp(f->name, "__probe_ret_ip"))
			l->ret_ip = l->nfields;
		else if (!strncmp(f->name, "__ustk", 6))
			;	/* --stack dwarf's stack window: not an argument */
		else {
			rc = layout_field(&l->args[l->nargs], tf);
			if (rc)
				return rc;
			l->nargs++;
		}
		l->nfields++;
	}
	{
		struct ukt_buf key = UKT_BUF_INIT;
		long k;

		probe_key(&key, l->system, l->name);
		k = strtab_find(&d->probe_keys, key.data);
		ukt_buf_release(&key);
		if (k >= 0)
			l->probe = d->probe_of[k];
	}
	return 0;
}

/*
 * The lines of printk_formats as the kernel writes them ('0xADDR : "FMT"'),
 * for tep: libtraceevent takes what follows the first ':' and one
 * character, and reads past the ends of a line without them, or with a
 * format too short for the quotes it strips. NULL on ENOMEM.
 */
static char *printk_lines(const struct trace *t)
{
	struct text_cursor c = text_cursor(t->printk.data, strlen(t->printk.data)), l;
	struct ukt_buf out = UKT_BUF_INIT;

	while (text_line(&c, &l)) {
		struct text_cursor w = l;
		uint64_t addr;

		if (!text_hex(&w, &addr))
			continue;
		text_skip_blanks(&w);
		/* ' "' and a quoted format of 2 characters or more: tep
		 * strips the quotes and a "\\n" from the end, where a shorter
		 * one has none to strip */
		if (!text_expect(&w, ':') || !text_expect(&w, ' ') || !text_expect(&w, '"') ||
		    w.end - w.p < 3 || w.end[-1] != '"')
			continue;
		if (ukt_buf_add(&out, l.p, (size_t)(l.end - l.p)) || ukt_buf_adds(&out, "\n")) {
			ukt_buf_release(&out);
			return NULL;
		}
	}
	return ukt_buf_detach(&out);
}

/* The ID of an event format ("ID: 123" on a line of its own), or -1. */
static long format_id(const struct trace_format *f)
{
	struct text_cursor c = text_cursor(f->text, f->len), l;
	int64_t id;

	while (text_line(&c, &l))
		if (l.end - l.p > 3 && !memcmp(l.p, "ID:", 3)) {
			l.p += 3;
			return text_dec(&l, &id) && id >= 0 && id <= 65535 ? (long)id : -1;
		}
	return -1;
}

/*
 * Whether tep may have the print format of f: libtraceevent folds and
 * evaluates its arithmetic, and divides by zero (SIGFPE) where a divisor
 * is 0, as a crafted format's "x / y" is, and an event's field may be.
 * Only divisions and remainders by a literal that is not 0 are taken;
 * the lengths of __print_hex and __print_array are the event's to say
 * (tep_may_print).
 */
static bool print_fmt_safe(const struct trace_format *f)
{
	const char *p = memmem(f->text, f->len, "print fmt:", 10), *end = f->text + f->len;
	char quote = 0;

	if (!p)
		return true;
	if (memmem(p, (size_t)(end - p), "__print_hex", 11) ||
	    memmem(p, (size_t)(end - p), "__print_array", 13))
		return false;
	for (p += 10; p < end; p++) {
		if (quote) {
			if (*p == '\\')
				p++;
			else if (*p == quote)
				quote = 0;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == '/' || *p == '%') {
			const char *q = p + 1;

			while (q < end && (*q == ' ' || *q == '\t'))
				q++;
			if (q >= end || *q < '1' || *q > '9')
				return false;
		}
	}
	return true;
}

/* The text of f for tep: its own, or (print_fmt_safe says no) with an
 * empty print format, its fields all the same. NULL on ENOMEM. */
static char *tep_text(const struct trace_format *f, bool safe, size_t *len)
{
	const char *p = memmem(f->text, f->len, "print fmt:", 10);
	struct ukt_buf b = UKT_BUF_INIT;

	if (safe || !p) {
		*len = f->len;
		return ukt_memdupz(f->text, f->len);
	}
	if (ukt_buf_add(&b, f->text, (size_t)(p - f->text)) || ukt_buf_adds(&b, "print fmt: \"\"\n")) {
		ukt_buf_release(&b);
		return NULL;
	}
	*len = b.len;
	return ukt_buf_detach(&b);
}

static int id_desc(const void *a, const void *b)
{
	const long *x = a, *y = b;

	return x[0] != y[0] ? (x[0] < y[0] ? 1 : -1) : (x[1] > y[1]) - (x[1] < y[1]);
}

/*
 * The saved formats into tep: the first of each event id (events carry
 * 16-bit ids; a later format of the same id was never used), in
 * descending order of ids. libtraceevent inserts each event into a sorted
 * array after a walk from its start; descending ids stop that walk at
 * once, where ascending ones (the order of a file) walk it all: 20,000
 * formats took minutes.
 */
static int parse_formats(struct decoder *d, struct ukt_buf *warn)
{
	const struct trace *t = d->t;
	long (*v)[2] = calloc(t->nformats + 1, sizeof(*v));
	uint8_t *seen = calloc(65536 / 8, 1);
	size_t n = 0, bad = 0;

	if (!v || !seen) {
		free(v);
		free(seen);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->nformats; i++) {
		long id = format_id(&t->formats[i]);

		if (id < 0 || (seen[id / 8] & (1u << (id % 8)))) {
			bad += id < 0;
			continue;
		}
		seen[id / 8] |= (uint8_t)(1u << (id % 8));
		if (!print_fmt_safe(&t->formats[i]))
			d->print_unsafe[id / 8] |= (uint8_t)(1u << (id % 8));
		v[n][0] = id;
		v[n++][1] = (long)i;
	}
	qsort(v, n, sizeof(*v), id_desc);
	for (size_t k = 0; k < n; k++) {
		const struct trace_format *f = &t->formats[v[k][1]];
		long id = v[k][0];
		size_t len;
		char *text = tep_text(f, !(d->print_unsafe[id / 8] & (1u << (id % 8))), &len);

		if (!text) {
			free(v);
			free(seen);
			return -ENOMEM;
		}
		if (tep_parse_event(d->tep, text, len, f->system) != 0)
			ukt_buf_addf(warn, "an event format of system '%.64s' did not parse and its events are skipped\n",
				     f->system);
		free(text);
	}
	if (bad)
		ukt_buf_addf(warn, "%zu event formats have no event id from 0 to 65535 and their events are skipped\n",
			     bad);
	free(v);
	free(seen);
	return 0;
}

static int common_offsets(struct decoder *d)
{
	for (int i = 0; i < d->nlays; i++) {
		struct tep_event *e = d->lays[i].tep_event;
		struct tep_format_field *f;

		int type_off = 0;

		for (f = e->format.common_fields; f; f = f->next) {
			if (!strcmp(f->name, "common_pid") && f->size == 4)
				d->pid_off = f->offset;
			if (!strcmp(f->name, "common_type")) {
				d->type_size = f->size;
				type_off = f->offset;
			}
		}
		/* every event is at least 8 bytes (settle): the type and the
		 * pid must lie in them, as the kernel puts them (tep reads the
		 * type where this first format says, for every event) */
		return d->type_size == 2 && type_off == 0 && d->pid_off >= 2 && d->pid_off <= 4 ?
		       0 : -REP_E_TEP;
	}
	return 0;
}

struct decoder *decoder_new(struct trace *t, struct ukt_buf *err,
			    struct ukt_buf *warn)
{
	struct decoder *d = calloc(1, sizeof(*d));
	bool host_big = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
	bool file_big = t->info.endian == 2;
	int rc = 0, n;
	char *hp = NULL;

	if (!d)
		return NULL;
	d->t = t;
	d->type_size = 2;
	d->pid_off = 4;
	d->swap = host_big != file_big;
	d->dat = t->dat;
	d->tep = d->dat ? tracedat_tep(d->dat) : tep_alloc();
	d->zd = ukt_decoder_new();
	d->by_id = calloc(65536, sizeof(*d->by_id));
	if (!d->tep || !d->zd || !d->by_id) {
		rc = -ENOMEM;
		goto out;
	}
	if (t->info.long_size != 4 && t->info.long_size != 8) {
		ukt_buf_addf(err, "the trace header gives a long size of %u; only 4 and 8 are possible",
			     t->info.long_size);
		rc = -UKT_E_CORRUPT;
		goto out;
	}
	if (t->info.subbuf_size < 64 || t->info.subbuf_size > (64u << 20)) {
		ukt_buf_addf(err, "the trace header gives a sub-buffer size of %u bytes, which cannot be right",
			     t->info.subbuf_size);
		rc = -UKT_E_CORRUPT;
		goto out;
	}
	if (d->dat) {
		/* libtracecmd parsed the formats, printk and kallsyms */
		d->kallsyms_parsed = true;
		goto layouts;
	}
	tep_set_file_bigendian(d->tep, file_big ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(d->tep, host_big ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_long_size(d->tep, t->info.long_size);
	tep_set_page_size(d->tep, (int)t->info.subbuf_size);
	if (t->header_page.len) {
		hp = ukt_memdupz(t->header_page.data, t->header_page.len);
		if (!hp || tep_parse_header_page(d->tep, hp, t->header_page.len,
						 t->info.long_size) != 0)
			ukt_buf_adds(warn, "the saved header_page did not parse; using the default page layout\n");
	}
	rc = parse_formats(d, warn);
	if (rc)
		goto out;
	if (t->printk.len) {
		char *pk = printk_lines(t);

		if (pk)
			tep_parse_printk_formats(d->tep, pk);
		free(pk);
	}
layouts:
	n = tep_get_events_count(d->tep);
	d->lays = calloc((size_t)n + 1, sizeof(*d->lays));
	if (!d->lays) {
		rc = -ENOMEM;
		goto out;
	}
	rc = index_probes(d);
	if (rc)
		goto out;
	for (int i = 0; i < n; i++) {
		struct tep_event *e = tep_get_event(d->tep, i);

		if (!e || e->id < 0 || e->id > 65535 || d->by_id[e->id])
			continue;
		rc = build_layout(d, &d->lays[d->nlays], e);
		if (rc)
			goto out;
		d->by_id[e->id] = &d->lays[d->nlays];
		d->nlays++;
	}
	for (int i = 0; i < d->nlays; i++) {
		const struct event_layout *l = &d->lays[i];

		if (!l->system || strcmp(l->system, "ftrace") || !l->name)
			continue;
		if (!strcmp(l->name, "kernel_stack"))
			d->kstack_lay = l;
		else if (!strcmp(l->name, "user_stack"))
			d->ustack_lay = l;
	}
	rc = common_offsets(d);
	if (rc) {
		ukt_buf_adds(err, "the saved event formats have unexpected common fields");
		goto out;
	}
	d->ncur = d->dat ? 0 : (int)t->ncpus;
	d->cur = calloc((size_t)d->ncur + 1, sizeof(*d->cur));
	if (!d->cur) {
		rc = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < d->ncur; i++) {
		struct cpu_cursor *c = &d->cur[i];

		c->cpu = i;
		c->tc = &t->cpus[i];
		ukt_buf_init(&c->raw);
		ukt_buf_init(&c->copy);
		c->rb = ukt_rbpage_new(t->info.subbuf_size, t->info.long_size, file_big);
		if (!c->rb) {
			rc = -ENOMEM;
			goto out;
		}
	}
out:
	free(hp);
	if (rc) {
		if (!err->len)
			ukt_buf_addf(err, "cannot decode the trace: %s", rep_strerror(rc));
		decoder_free(d);
		return NULL;
	}
	return d;
}

static void stop_feeds(struct decoder *d)
{
	for (int i = 0; d->cur && i < d->ncur; i++) {
		pagefeed_stop(d->cur[i].feed);
		d->cur[i].feed = NULL;
	}
}

void decoder_free(struct decoder *d)
{
	if (!d)
		return;
	for (int i = 0; d->lays && i < d->nlays; i++) {
		struct event_layout *l = &d->lays[i];

		for (int k = 0; k < l->nfields; k++)
			free(l->fields[k].name);
		for (int k = 0; k < l->nargs; k++)
			free(l->args[k].name);
		free(l->fields);
		free(l->args);
		free(l->system);
		free(l->name);
	}
	free(d->lays);
	stop_feeds(d);
	for (int i = 0; d->cur && i < d->ncur; i++) {
		ukt_buf_release(&d->cur[i].raw);
		ukt_buf_release(&d->cur[i].copy);
		ukt_rbpage_free(d->cur[i].rb);
	}
	free(d->cur);
	free(d->by_id);
	free(d->probe_of);
	strtab_release(&d->probe_keys);
	ukt_decoder_free(d->zd);
	if (d->tep && !d->dat)
		tep_free(d->tep);
	free(d);
}

const struct event_layout *decoder_layouts(const struct decoder *d, int *n)
{
	*n = d->nlays;
	return d->lays;
}

const struct decode_stats *decoder_stats(const struct decoder *d)
{
	return &d->st;
}

void decoder_warnings(const struct decoder *d, struct ukt_buf *warn)
{
	const struct decode_stats *ds = &d->st;

	if (ds->bad_pages || ds->bad_blocks)
		ukt_buf_addf(warn, "%" PRIu64 " ring-buffer pages and %" PRIu64 " blocks could not be decoded and were skipped\n",
			     ds->bad_pages, ds->bad_blocks);
	if (ds->unknown_events)
		ukt_buf_addf(warn, "%" PRIu64 " events had no saved format and were skipped\n",
			     ds->unknown_events);
	if (ds->orphan_stacks)
		ukt_buf_addf(warn, "%" PRIu64 " recorded stacks followed no event of their thread"
			     " (lost events, or a window's edge) and were skipped\n",
			     ds->orphan_stacks);
}

void decoder_rewind(struct decoder *d)
{
	stop_feeds(d);
	d->feed_err = 0;
	for (int i = 0; i < d->ncur; i++) {
		struct cpu_cursor *c = &d->cur[i];

		c->next_block = 0;
		c->page = c->npages = 0;
		c->have = false;
		ukt_rbpage_reset(c->rb);
		c->done = false;
		c->last_ts = 0;
		c->pending_missed = 0;
	}
	if (d->dat)
		tracedat_rewind(d->dat);
	memset(&d->st, 0, sizeof(d->st));
}

static uint64_t rd(const struct decoder *d, const uint8_t *p, int size)
{
	uint64_t v = 0;

	switch (size) {
	case 1: return *p;
	case 2: { uint16_t x; memcpy(&x, p, 2); return d->swap ? bswap_16(x) : x; }
	case 4: { uint32_t x; memcpy(&x, p, 4); return d->swap ? bswap_32(x) : x; }
	case 8: memcpy(&v, p, 8); return d->swap ? bswap_64(v) : v;
	default:
		/* odd sizes: little-endian assembly */
		for (int i = size - 1; i >= 0; i--)
			v = v << 8 | p[i];
		return v;
	}
}

/* Load the next page of c that has events; false at the end of c's data. */
static bool load_page(struct decoder *d, struct cpu_cursor *c)
{
	uint32_t sz = d->t->info.subbuf_size;

	for (;;) {
		if (c->page < c->npages) {
			const uint8_t *src = (const uint8_t *)c->raw.data + (size_t)c->page * sz;
			long long missed;
			int rc;

			c->page++;
			rc = ukt_rbpage_load(c->rb, src, sz);
			if (rc < 0)
				d->st.bad_pages++;
			if (rc <= 0)
				continue;	/* damaged, or empty */
			missed = ukt_rbpage_missed(c->rb);
			if (missed) {
				c->pending_missed = missed;
				d->st.missed_marks++;
			}
			return true;
		}
		if (c->next_block >= c->tc->nblocks)
			return false;
		if (ukt_block_decode(d->zd, &c->tc->blocks[c->next_block++], &c->raw)) {
			d->st.bad_blocks++;
			c->npages = 0;
			continue;
		}
		c->npages = (uint32_t)(c->raw.len / sz);
		c->page = 0;
	}
}

/* c's feed is over: what its thread counted is the decoder's. */
static void end_feed(struct decoder *d, struct cpu_cursor *c)
{
	struct pagefeed_stats st;

	pagefeed_stats(c->feed, &st);
	d->st.bad_pages += st.bad_pages;
	d->st.bad_blocks += st.bad_blocks;
	d->st.missed_marks += st.missed_marks;
	pagefeed_stop(c->feed);
	c->feed = NULL;
}

void decoder_read_ahead(struct decoder *d)
{
	for (int i = 0; i < d->ncur; i++) {
		struct cpu_cursor *c = &d->cur[i];

		/* from the start only (a rewound decoder) */
		if (c->have || c->done || c->next_block || c->npages || c->feed)
			return;
	}
	for (int i = 0; i < d->ncur; i++)
		if (d->cur[i].tc->nblocks)
			d->cur[i].feed = pagefeed_start(d->t, d->cur[i].tc);
}

/* Make c->ev the next valid event (or mark c done). */
static void settle(struct decoder *d, struct cpu_cursor *c)
{
	if (c->feed && !c->have) {
		long long missed;
		int rc = pagefeed_next(c->feed, &c->ev, &missed);

		if (rc == 1) {
			c->have = true;
			if (missed)
				c->pending_missed = missed;
			return;
		}
		if (rc < 0)
			d->feed_err = rc;
		end_feed(d, c);
		c->done = true;
		return;
	}
	while (!c->have) {
		int rc = ukt_rbpage_next(c->rb, &c->ev);

		if (rc == 1) {
			c->have = true;
			return;
		}
		/* an event that leaves its page: the rest is garbage */
		if (rc < 0)
			d->st.bad_pages++;
		if (!load_page(d, c)) {
			c->done = true;
			return;
		}
	}
}

/* The next record of a trace.dat, merged by libtracecmd's cursors. */
static int next_dat(struct decoder *d, struct dec_event *ev)
{
	struct tracedat_rec r;

	while (tracedat_next(d->dat, &r) == 1) {
		ev->ts = r.ts;
		ev->cpu = r.cpu;
		ev->data = r.data;
		ev->size = r.size;
		ev->missed = r.missed;
		ev->missed_since = r.missed_since;
		ev->swap = d->swap;
		/* a trace.dat's stacks are not read (yet): none */
		ev->kstack = ev->ustack = NULL;
		ev->nkstack = ev->nustack = 0;
		ev->kstack_cut = ev->ustack_full = false;
		if (r.missed)
			d->st.missed_marks++;
		/* the type and the pid where common_offsets checked them */
		if (r.size < d->pid_off + 4) {
			d->st.unknown_events++;
			continue;
		}
		ev->tid = (int32_t)rd(d, r.data + d->pid_off, 4);
		ev->lay = d->by_id[rd(d, r.data, 2)];
		if (!ev->lay) {
			d->st.unknown_events++;
			continue;
		}
		d->st.events++;
		return 1;
	}
	return 0;
}

static const struct field_layout *lay_field(const struct event_layout *l, const char *name)
{
	for (int i = 0; i < l->nfields; i++)
		if (!strcmp(l->fields[i].name, name))
			return &l->fields[i];
	return NULL;
}

static bool is_stack(const struct decoder *d, const struct event_layout *l)
{
	return l && (l == d->kstack_lay || l == d->ustack_lay);
}

/*
 * The frames of a stack entry se into out (at most DEC_MAX_STACK): its
 * caller[] array, as long as the entry is. A kernel_stack says how many
 * frames it holds (size); a user_stack ends at the first 0. Older
 * kernels end either with ULONG_MAX. *cut: the entry said more frames
 * than it holds, or (user) filled every slot.
 */
static int stack_frames(const struct decoder *d, const struct dec_event *se,
			uint64_t *out, bool *cut)
{
	const struct field_layout *caller = lay_field(se->lay, "caller");
	const struct field_layout *size = lay_field(se->lay, "size");
	int ls = (int)d->t->info.long_size, n = 0, slots;
	int64_t want = -1;

	*cut = false;
	if (!caller || caller->offset < 0 || caller->offset >= se->size)
		return 0;
	slots = (se->size - caller->offset) / ls;
	if (se->lay == d->kstack_lay && size && dec_int(se, size, &want) == 0 && want >= 0 &&
	    want < slots)
		slots = (int)want;
	else if (se->lay == d->kstack_lay && want > slots)
		*cut = true;
	for (int i = 0; i < slots && n < DEC_MAX_STACK; i++) {
		uint64_t a = rd(d, se->data + caller->offset + (size_t)i * (size_t)ls, ls);

		if (a == 0 || a == (ls == 4 ? 0xffffffffull : ~0ull))
			return n;
		out[n++] = a;
	}
	if (se->lay == d->ustack_lay || n == DEC_MAX_STACK)
		*cut = true;
	return n;
}

/*
 * Give ev the stack entries that follow it on its CPU, of its thread:
 * tracefs writes them right after the event (uktrace-record -g). ev's
 * data is copied first, as reading on may load the next page.
 */
static int take_stacks(struct decoder *d, struct cpu_cursor *c, struct dec_event *ev)
{
	ukt_buf_reset(&c->copy);
	ukt_buf_add(&c->copy, ev->data, (size_t)ev->size);
	if (ukt_buf_error(&c->copy))
		return -ENOMEM;
	ev->data = (const uint8_t *)c->copy.data;
	for (;;) {
		struct dec_event se = *ev;
		bool cut;
		int n;

		settle(d, c);
		if (c->done || !c->have || c->pending_missed)
			return 0;
		se.lay = d->by_id[c->ev.type];
		se.data = c->ev.data;
		se.size = c->ev.size;
		if (!is_stack(d, se.lay) || (int32_t)rd(d, se.data + d->pid_off, 4) != ev->tid)
			return 0;
		c->have = false;
		c->last_ts = c->ev.ts;
		d->st.stacks++;
		if (se.lay == d->kstack_lay && !ev->kstack) {
			n = stack_frames(d, &se, c->kst, &cut);
			ev->kstack = c->kst;
			ev->nkstack = n;
			ev->kstack_cut = cut;
		} else if (se.lay == d->ustack_lay && !ev->ustack) {
			n = stack_frames(d, &se, c->ust, &cut);
			ev->ustack = c->ust;
			ev->nustack = n;
			ev->ustack_full = cut;
		}
	}
}

int decoder_next(struct decoder *d, struct dec_event *ev)
{
	if (d->dat)
		return next_dat(d, ev);
	for (;;) {
		struct cpu_cursor *best = NULL;
		const uint8_t *p;

		for (int i = 0; i < d->ncur; i++) {
			struct cpu_cursor *c = &d->cur[i];

			if (c->done)
				continue;
			if (!c->have)
				settle(d, c);
			if (c->done)
				continue;
			if (!best || c->ev.ts < best->ev.ts)
				best = c;
		}
		if (!best)
			return d->feed_err;
		/* the data stays valid until this cursor reads on, at the
		 * next call */
		p = best->ev.data;
		ev->ts = best->ev.ts;
		ev->cpu = best->cpu;
		ev->data = p;
		ev->size = best->ev.size;
		ev->missed = best->pending_missed;
		ev->missed_since = best->last_ts;
		best->last_ts = best->ev.ts;
		ev->swap = d->swap;
		best->pending_missed = 0;
		best->have = false;
		ev->tid = (int32_t)rd(d, p + d->pid_off, 4);
		ev->lay = d->by_id[best->ev.type];
		ev->kstack = ev->ustack = NULL;
		ev->nkstack = ev->nustack = 0;
		ev->kstack_cut = ev->ustack_full = false;
		if (!ev->lay) {
			d->st.unknown_events++;
			continue;
		}
		/* a stack entry with no event of its own before it (the
		 * window's edge, a lost event) */
		if (is_stack(d, ev->lay)) {
			d->st.orphan_stacks++;
			continue;
		}
		if ((d->kstack_lay || d->ustack_lay) && take_stacks(d, best, ev) < 0)
			return -ENOMEM;
		d->st.events++;
		return 1;
	}
}

/* Whether [off, off + size) lies in the event: the format's numbers are
 * the file's, as large as an int holds (no sum of them may overflow). */
static bool in_event(const struct dec_event *ev, int64_t off, int64_t size)
{
	return off >= 0 && size > 0 && ev->size >= 0 && size <= ev->size &&
	       off <= ev->size - size;
}

int dec_int(const struct dec_event *ev, const struct field_layout *f,
	    int64_t *v)
{
	uint64_t u = 0;

	if (f->size > 8 || !in_event(ev, f->offset, f->size))
		return -ERANGE;
	/* little-endian hosts (the report runs on x86-64 and arm64) */
	memcpy(&u, ev->data + f->offset, (size_t)f->size);
	if (ev->swap)
		u = bswap_64(u) >> (8 * (8 - f->size));
	if (f->is_signed && f->size < 8) {
		int shift = 64 - 8 * f->size;

		*v = (int64_t)(u << shift) >> shift;
	} else {
		*v = (int64_t)u;
	}
	return 0;
}

int dec_string(const struct dec_event *ev, const struct field_layout *f,
	       const char **s, int *len)
{
	const char *p;
	int n;

	if (!in_event(ev, f->offset, f->size))
		return -ERANGE;
	if (f->dynamic) {
		uint32_t loc;
		int64_t off;

		if (f->size != 4)
			return -ERANGE;
		memcpy(&loc, ev->data + f->offset, 4);
		if (ev->swap)
			loc = bswap_32(loc);
		off = loc & 0xffff;
		n = (int)(loc >> 16);
		if (f->relative)
			off += (int64_t)f->offset + 4;
		if (n && !in_event(ev, off, n))
			return -ERANGE;
		if (!n && (off < 0 || off > ev->size))
			return -ERANGE;
		p = (const char *)ev->data + off;
	} else {
		p = (const char *)ev->data + f->offset;
		n = f->size;
	}
	if (f->kind == FK_STRING) {
		const char *z = memchr(p, '\0', (size_t)n);

		if (z)
			n = (int)(z - p);
	}
	*s = p;
	*len = n;
	return 0;
}

/*
 * Whether tep may print ev: libtraceevent reads the fields where the
 * format says, and only the format's word for how far, so every field
 * (the common ones too) and every __data_loc's target must lie in the
 * event, and the print format must take no lengths of its own
 * (__print_hex, __print_array: they read as many bytes as a value of the
 * event says).
 */
static bool tep_may_print(const struct decoder *d, const struct dec_event *ev)
{
	const struct tep_event *e = ev->lay->tep_event;
	const struct tep_format_field *lists[2] = { e->format.common_fields, e->format.fields };

	if ((unsigned int)ev->lay->id < 65536 &&
	    (d->print_unsafe[ev->lay->id / 8] & (1u << (ev->lay->id % 8))))
		return false;
	for (int k = 0; k < 2; k++)
		for (const struct tep_format_field *tf = lists[k]; tf; tf = tf->next) {
			struct field_layout f = {
				.offset = tf->offset, .size = tf->size,
				.dynamic = tf->flags & TEP_FIELD_IS_DYNAMIC,
				.relative = tf->flags & TEP_FIELD_IS_RELATIVE,
			};
			const char *str;
			int len;

			if (!in_event(ev, f.offset, f.size) ||
			    (f.dynamic && dec_string(ev, &f, &str, &len)))
				return false;
		}
	return true;
}

/* The fields as name=value, where tep may not print them. */
static void print_fields(const struct dec_event *ev, struct ukt_buf *out)
{
	const struct event_layout *l = ev->lay;

	for (int k = 0; k < l->nfields; k++) {
		const struct field_layout *f = &l->fields[k];
		int64_t v;
		const char *str;
		int n;

		if (!strncmp(f->name, "__ustk", 6))
			continue;	/* --stack dwarf's window: shown as frames */
		if (k)
			ukt_buf_adds(out, " ");
		if (f->kind == FK_INT && dec_int(ev, f, &v) == 0)
			ukt_buf_addf(out, "%s=%" PRId64, f->name, v);
		else if (f->kind == FK_STRING && dec_string(ev, f, &str, &n) == 0)
			ukt_buf_addf(out, "%s=\"%.*s\"", f->name, n, str);
		else
			ukt_buf_addf(out, "%s=?", f->name);
	}
}

void dec_print_info(struct decoder *d, const struct dec_event *ev,
		    struct ukt_buf *out)
{
	struct tep_record rec = { 0 };
	struct trace_seq s;

	if (!tep_may_print(d, ev)) {
		print_fields(ev, out);
		return;
	}
	if (!d->kallsyms_parsed && d->t->kallsyms.len) {
		char *k = ukt_memdupz(d->t->kallsyms.data, d->t->kallsyms.len);

		if (k)
			tep_parse_kallsyms(d->tep, k);
		free(k);
		d->kallsyms_parsed = true;
	}
	rec.ts = ev->ts;
	rec.cpu = ev->cpu;
	rec.data = (void *)ev->data;
	rec.size = ev->size;
	trace_seq_init(&s);
	tep_print_event(d->tep, &s, &rec, "%s", TEP_PRINT_INFO);
	trace_seq_terminate(&s);
	{
		/* --stack dwarf's window is the unwinder's, shown as frames
		 * (and tep prints its arrays wrong): not as fields */
		const char *w = s.buffer ? strstr(s.buffer, " __ustk_sp=") : NULL;

		ukt_buf_add(out, s.buffer, w ? (size_t)(w - s.buffer) : s.len);
	}
	trace_seq_destroy(&s);
}
