// SPDX-License-Identifier: MIT
/* Metadata payload codecs (include/uktrace/payload.h, format/FORMAT.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uktrace/payload.h"

/* fixed sizes of the SYMTAB records, for bounding counts before allocating */
#define SEG_BYTES (8 + 8 + 8 + 4)
#define SYM_MIN_BYTES (8 + 8 + 1 + 4)

int ukt_kv_addn(struct ukt_buf *b, const char *key, const void *value,
		size_t vlen)
{
	int err = ukt_buf_add_lstr(b, key, strlen(key));

	return err ? err : ukt_buf_add_lstr(b, value, vlen);
}

int ukt_kv_add(struct ukt_buf *b, const char *key, const char *value)
{
	return ukt_kv_addn(b, key, value ? value : "", value ? strlen(value) : 0);
}

int ukt_kv_next(struct ukt_cursor *c, struct ukt_kv *kv)
{
	if (c->left == 0)
		return 0;
	if (ukt_cur_lstr(c, &kv->key, &kv->klen) ||
	    ukt_cur_lstr(c, &kv->value, &kv->vlen))
		return -EBADMSG;
	return 1;
}

bool ukt_kv_is(const struct ukt_kv *kv, const char *key)
{
	size_t n = strlen(key);

	return kv->klen == n && memcmp(kv->key, key, n) == 0;
}

/* ---- PROBE ---- */

int ukt_probe_encode(struct ukt_buf *out, const struct ukt_probe_rec *p)
{
	char id[32], off[32];
	int err = 0;

	snprintf(id, sizeof(id), "%d", p->id);
	snprintf(off, sizeof(off), "%" PRIu64, p->offset);
	err |= ukt_kv_add(out, "id", id);
	err |= ukt_kv_add(out, "name", p->name);
	err |= ukt_kv_add(out, "system", p->system);
	err |= ukt_kv_add(out, "kind", p->kind);
	err |= ukt_kv_add(out, "spec", p->spec);
	err |= ukt_kv_add(out, "definition", p->definition);
	err |= ukt_kv_add(out, "target", p->target);
	err |= ukt_kv_add(out, "symbol", p->symbol);
	err |= ukt_kv_add(out, "offset", off);
	err |= ukt_kv_add(out, "func", p->func);
	if (p->returns)
		err |= ukt_kv_add(out, "returns", p->returns);
	/* newer keys only when set: older readers skip them */
	if (p->role && *p->role)
		err |= ukt_kv_add(out, "role", p->role);
	if (p->call && *p->call)
		err |= ukt_kv_add(out, "call", p->call);
	if (p->filter && *p->filter)
		err |= ukt_kv_add(out, "filter", p->filter);
	return err ? -ENOMEM : 0;
}

void ukt_probe_release(struct ukt_probe_rec *p)
{
	free(p->name);
	free(p->system);
	free(p->kind);
	free(p->spec);
	free(p->definition);
	free(p->target);
	free(p->symbol);
	free(p->func);
	free(p->returns);
	free(p->role);
	free(p->call);
	free(p->filter);
	memset(p, 0, sizeof(*p));
}

int ukt_probe_decode(const void *data, size_t len, struct ukt_probe_rec *p)
{
	static const struct { const char *key; size_t off; } strs[] = {
		{ "name", offsetof(struct ukt_probe_rec, name) },
		{ "system", offsetof(struct ukt_probe_rec, system) },
		{ "kind", offsetof(struct ukt_probe_rec, kind) },
		{ "spec", offsetof(struct ukt_probe_rec, spec) },
		{ "definition", offsetof(struct ukt_probe_rec, definition) },
		{ "target", offsetof(struct ukt_probe_rec, target) },
		{ "symbol", offsetof(struct ukt_probe_rec, symbol) },
		{ "func", offsetof(struct ukt_probe_rec, func) },
		{ "returns", offsetof(struct ukt_probe_rec, returns) },
		{ "role", offsetof(struct ukt_probe_rec, role) },
		{ "call", offsetof(struct ukt_probe_rec, call) },
		{ "filter", offsetof(struct ukt_probe_rec, filter) },
	};
	struct ukt_cursor c = { data, len };
	struct ukt_kv kv;
	int rc;

	memset(p, 0, sizeof(*p));
	while ((rc = ukt_kv_next(&c, &kv)) == 1) {
		char *v = ukt_memdupz(kv.value, kv.vlen);
		char **slot = NULL;

		if (!v) {
			ukt_probe_release(p);
			return -ENOMEM;
		}
		if (ukt_kv_is(&kv, "id"))
			p->id = atoi(v);
		else if (ukt_kv_is(&kv, "offset"))
			p->offset = strtoull(v, NULL, 10);
		for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]) && !slot; i++)
			if (ukt_kv_is(&kv, strs[i].key))
				slot = (char **)((char *)p + strs[i].off);
		if (slot) {
			free(*slot);
			*slot = v;
		} else {
			free(v);
		}
	}
	if (rc < 0 || !p->name || !p->system || !p->kind) {
		ukt_probe_release(p);
		return -EBADMSG;
	}
	return 0;
}

/* ---- EVENT_FORMAT ---- */

int ukt_event_format_encode(struct ukt_buf *out, const char *system,
			    const char *text, size_t len)
{
	int err = ukt_buf_add_lstr(out, system, strlen(system));

	return err ? err : ukt_buf_add(out, text, len);
}

int ukt_event_format_decode(const void *data, size_t len,
			    const char **system, uint32_t *slen,
			    const char **text, size_t *tlen)
{
	struct ukt_cursor c = { data, len };

	if (ukt_cur_lstr(&c, system, slen))
		return -EBADMSG;
	*text = (const char *)c.p;
	*tlen = c.left;
	return 0;
}

/* ---- SYMTAB ---- */

int ukt_symtab_encode(struct ukt_buf *out, const struct ukt_symtab *s)
{
	int err = 0;

	err |= ukt_buf_add_lstr(out, s->path, s->plen);
	err |= ukt_buf_add_lstr(out, s->build_id, s->build_id_len);
	err |= ukt_buf_add_u32(out, s->nsegs);
	for (uint32_t i = 0; i < s->nsegs; i++) {
		err |= ukt_buf_add_u64(out, s->segs[i].vaddr);
		err |= ukt_buf_add_u64(out, s->segs[i].offset);
		err |= ukt_buf_add_u64(out, s->segs[i].filesz);
		err |= ukt_buf_add_u32(out, s->segs[i].flags);
	}
	err |= ukt_buf_add_u32(out, s->nsyms);
	for (uint32_t i = 0; i < s->nsyms; i++) {
		err |= ukt_buf_add_u64(out, s->syms[i].value);
		err |= ukt_buf_add_u64(out, s->syms[i].size);
		err |= ukt_buf_add(out, &s->syms[i].kind, 1);
		err |= ukt_buf_add_lstr(out, s->syms[i].name, s->syms[i].nlen);
	}
	if (s->has_id) {
		char v[64];

		snprintf(v, sizeof(v), "%u:%u", s->dev_major, s->dev_minor);
		err |= ukt_kv_add(out, "dev", v);
		snprintf(v, sizeof(v), "%" PRIu64, s->ino);
		err |= ukt_kv_add(out, "ino", v);
	}
	if (s->mntns)
		err |= ukt_kv_addn(out, "mntns", s->mntns, s->mntns_len);
	if (s->source)
		err |= ukt_kv_addn(out, "source", s->source, s->source_len);
	return err ? -ENOMEM : 0;
}

void ukt_symtab_release(struct ukt_symtab *s)
{
	free(s->segs);
	free(s->syms);
	memset(s, 0, sizeof(*s));
}

int ukt_symtab_begin(const void *data, size_t len, struct ukt_symtab *s,
		     struct ukt_cursor *c)
{
	const char *bid;
	uint32_t n;

	memset(s, 0, sizeof(*s));
	*c = (struct ukt_cursor){ data, len };
	if (ukt_cur_lstr(c, &s->path, &s->plen) ||
	    ukt_cur_lstr(c, &bid, &s->build_id_len) ||
	    ukt_cur_u32(c, &n) || n > c->left / SEG_BYTES)
		goto bad;
	s->build_id = (const uint8_t *)bid;
	s->segs = calloc(n ? n : 1, sizeof(*s->segs));
	if (!s->segs)
		goto nomem;
	for (uint32_t i = 0; i < n; i++) {
		struct ukt_symtab_seg *g = &s->segs[i];

		if (ukt_cur_u64(c, &g->vaddr) || ukt_cur_u64(c, &g->offset) ||
		    ukt_cur_u64(c, &g->filesz) || ukt_cur_u32(c, &g->flags))
			goto bad;
		s->nsegs++;
	}
	if (ukt_cur_u32(c, &s->nsyms) || s->nsyms > c->left / SYM_MIN_BYTES)
		goto bad;
	return 0;
bad:
	ukt_symtab_release(s);
	return -EBADMSG;
nomem:
	ukt_symtab_release(s);
	return -ENOMEM;
}

int ukt_symtab_next_sym(struct ukt_cursor *c, struct ukt_symtab_sym *y)
{
	if (ukt_cur_u64(c, &y->value) || ukt_cur_u64(c, &y->size) ||
	    ukt_cur_u8(c, &y->kind) || ukt_cur_lstr(c, &y->name, &y->nlen))
		return -EBADMSG;
	return 0;
}

void ukt_symtab_end(struct ukt_symtab *s, struct ukt_cursor *c)
{
	/* the optional records after the symbols (older files have none) */
	struct ukt_kv kv;
	bool dev = false, ino = false;

	while (ukt_kv_next(c, &kv) == 1) {
		char v[64];

		snprintf(v, sizeof(v), "%.*s", (int)(kv.vlen < 63 ? kv.vlen : 63), kv.value);
		if (ukt_kv_is(&kv, "dev"))
			dev = sscanf(v, "%u:%u", &s->dev_major, &s->dev_minor) == 2;
		else if (ukt_kv_is(&kv, "ino"))
			ino = sscanf(v, "%" SCNu64, &s->ino) == 1;
		else if (ukt_kv_is(&kv, "mntns")) {
			s->mntns = kv.value;
			s->mntns_len = kv.vlen;
		} else if (ukt_kv_is(&kv, "source")) {
			s->source = kv.value;
			s->source_len = kv.vlen;
		}
	}
	s->has_id = dev && ino;
}

int ukt_symtab_decode(const void *data, size_t len, struct ukt_symtab *s)
{
	struct ukt_cursor c;
	uint32_t n;
	int rc = ukt_symtab_begin(data, len, s, &c);

	if (rc)
		return rc;
	n = s->nsyms;
	s->nsyms = 0;
	s->syms = calloc(n ? n : 1, sizeof(*s->syms));
	if (!s->syms) {
		ukt_symtab_release(s);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (ukt_symtab_next_sym(&c, &s->syms[i])) {
			ukt_symtab_release(s);
			return -EBADMSG;
		}
		s->nsyms++;
	}
	ukt_symtab_end(s, &c);
	return 0;
}

/* ---- MAPS ---- */

int ukt_maps_encode(struct ukt_buf *out, uint32_t pid, uint64_t ts,
		    const char *text, size_t len)
{
	int err = ukt_buf_add_u32(out, pid);

	if (!err)
		err = ukt_buf_add_u64(out, ts);
	return err ? err : ukt_buf_add(out, text, len);
}

int ukt_maps_decode(const void *data, size_t len, uint32_t *pid,
		    uint64_t *ts, const char **text, size_t *tlen)
{
	struct ukt_cursor c = { data, len };

	if (ukt_cur_u32(&c, pid) || ukt_cur_u64(&c, ts))
		return -EBADMSG;
	*text = (const char *)c.p;
	*tlen = c.left;
	return 0;
}

/* ---- EHFRAME ---- */

int ukt_ehframe_encode(struct ukt_buf *out, const struct ukt_ehframe *e)
{
	int err = ukt_buf_add_u32(out, e->plen);

	if (!err)
		err = ukt_buf_add(out, e->path, e->plen);
	if (!err)
		err = ukt_buf_add_u32(out, e->has_id);
	if (!err)
		err = ukt_buf_add_u32(out, e->dev_major);
	if (!err)
		err = ukt_buf_add_u32(out, e->dev_minor);
	if (!err)
		err = ukt_buf_add_u64(out, e->ino);
	if (!err)
		err = ukt_buf_add_u64(out, e->addr);
	return err ? err : ukt_buf_add(out, e->data, e->len);
}

int ukt_ehframe_decode(const void *data, size_t len, struct ukt_ehframe *e)
{
	struct ukt_cursor c = { data, len };
	uint32_t has_id;

	if (ukt_cur_lstr(&c, &e->path, &e->plen) || ukt_cur_u32(&c, &has_id) ||
	    ukt_cur_u32(&c, &e->dev_major) || ukt_cur_u32(&c, &e->dev_minor) ||
	    ukt_cur_u64(&c, &e->ino) || ukt_cur_u64(&c, &e->addr) || has_id > 1)
		return -EBADMSG;
	e->has_id = has_id;
	e->data = c.p;
	e->len = c.left;
	return 0;
}

/* ---- THREADS ---- */

int ukt_threads_add(struct ukt_buf *out, int tid, int pid, const char *comm,
		    size_t clen)
{
	size_t start;
	int err = ukt_buf_addf(out, "%d %d ", tid, pid);

	start = out->len;
	if (!err)
		err = ukt_buf_add(out, comm, clen);
	for (size_t i = start; !err && i < out->len; i++)
		if (out->data[i] == '\n')
			out->data[i] = ' ';
	return err ? err : ukt_buf_adds(out, "\n");
}

/* A decimal int of at most 10 digits at *p, advancing it. */
static bool parse_int(const char **p, const char *end, int *v)
{
	long long x = 0;
	int n = 0;
	bool neg = false;

	if (*p < end && **p == '-') {
		neg = true;
		(*p)++;
	}
	while (*p < end && **p >= '0' && **p <= '9' && n < 10) {
		x = x * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	if (!n || x > 0x7fffffff)
		return false;
	*v = (int)(neg ? -x : x);
	return true;
}

int ukt_threads_next(struct ukt_cursor *c, int *tid, int *pid,
		     const char **comm, size_t *clen)
{
	while (c->left) {
		const char *line = (const char *)c->p, *end = line + c->left;
		const char *nl = memchr(line, '\n', c->left), *p = line;
		size_t used;

		if (nl)
			end = nl;
		used = (size_t)(end - line) + (nl != NULL);
		c->p += used;
		c->left -= used;
		if (!parse_int(&p, end, tid) || p >= end || *p++ != ' ' ||
		    !parse_int(&p, end, pid) || p >= end || *p++ != ' ')
			continue;
		*comm = p;
		*clen = (size_t)(end - p);
		return 1;
	}
	return 0;
}

/* ---- TASKS ---- */

/* bytes of a record after its length: kind, ts, pid, tid, ppid, ptid, clen */
#define TASK_FIXED (4 + 8 + 4 * 4 + 4)

int ukt_task_add(struct ukt_buf *out, const struct ukt_task *t)
{
	int err = 0;

	if (t->clen > UINT32_MAX - TASK_FIXED)
		return -EOVERFLOW;
	err |= ukt_buf_add_u32(out, TASK_FIXED + t->clen);
	err |= ukt_buf_add_u32(out, t->kind);
	err |= ukt_buf_add_u64(out, t->ts);
	err |= ukt_buf_add_u32(out, (uint32_t)t->pid);
	err |= ukt_buf_add_u32(out, (uint32_t)t->tid);
	err |= ukt_buf_add_u32(out, (uint32_t)t->ppid);
	err |= ukt_buf_add_u32(out, (uint32_t)t->ptid);
	err |= ukt_buf_add_lstr(out, t->comm ? t->comm : "", t->comm ? t->clen : 0);
	return err ? -ENOMEM : 0;
}

int ukt_task_next(struct ukt_cursor *c, struct ukt_task *t)
{
	struct ukt_cursor r;
	const void *rec;
	uint32_t len, v[4];

	if (!c->left)
		return 0;
	if (ukt_cur_u32(c, &len) || len < TASK_FIXED || ukt_cur_bytes(c, &rec, len))
		return -EBADMSG;
	r = (struct ukt_cursor){ rec, len };
	memset(t, 0, sizeof(*t));
	if (ukt_cur_u32(&r, &t->kind) || ukt_cur_u64(&r, &t->ts))
		return -EBADMSG;
	for (int i = 0; i < 4; i++)
		if (ukt_cur_u32(&r, &v[i]))
			return -EBADMSG;
	t->pid = (int32_t)v[0];
	t->tid = (int32_t)v[1];
	t->ppid = (int32_t)v[2];
	t->ptid = (int32_t)v[3];
	if (ukt_cur_lstr(&r, &t->comm, &t->clen))
		return -EBADMSG;
	return 1;
}

/* ---- LOSS ---- */

int ukt_loss_encode(struct ukt_buf *out, const struct ukt_loss *l)
{
	int err = 0;

	err |= ukt_buf_add_u32(out, l->cpu);
	err |= ukt_buf_add_u64(out, l->from_ns);
	err |= ukt_buf_add_u64(out, l->to_ns);
	err |= ukt_buf_add_u64(out, l->overrun);
	err |= ukt_buf_add_u64(out, l->dropped);
	return err ? -ENOMEM : 0;
}

int ukt_loss_decode(const void *data, size_t len, struct ukt_loss *l)
{
	struct ukt_cursor c = { data, len };

	if (ukt_cur_u32(&c, &l->cpu) || ukt_cur_u64(&c, &l->from_ns) ||
	    ukt_cur_u64(&c, &l->to_ns) || ukt_cur_u64(&c, &l->overrun) ||
	    ukt_cur_u64(&c, &l->dropped))
		return -EBADMSG;
	return 0;
}
