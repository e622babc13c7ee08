// SPDX-License-Identifier: MIT
/* USDT specs into probes (usdtspec.h). */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "suggest.h"
#include "usdt.h"
#include "usdtspec.h"

/* ---- the notes of each file, read once ---- */

static struct usdt_file *cache;
static size_t ncache;

static const struct usdt_file *usdt_get(const char *path, int *rc)
{
	struct usdt_file f;
	void *v;

	for (size_t i = 0; i < ncache; i++)
		if (!strcmp(cache[i].path, path))
			return &cache[i];
	*rc = usdt_load(path, &f);
	if (*rc)
		return NULL;
	v = reallocarray(cache, ncache + 1, sizeof(*cache));
	if (!v) {
		usdt_file_release(&f);
		*rc = -ENOMEM;
		return NULL;
	}
	cache = v;
	cache[ncache] = f;
	return &cache[ncache++];
}

__attribute__((destructor)) static void usdt_cache_release(void)
{
	for (size_t i = 0; i < ncache; i++)
		usdt_file_release(&cache[i]);
	free(cache);
	cache = NULL;
	ncache = 0;
}

/* ---- the user's arguments ---- */

#define MAX_RETYPES 32

struct user_args {
	struct { int n; char type[24]; } retype[MAX_RETYPES];
	int nretype;
	struct ukt_buf extra;	/* NAME=FETCHARG ... */
};

/* "arg2:string x=+8(%sp):u64" into retypes and extra fetchargs. */
static int parse_user_args(const char *spec, const char *args, struct user_args *u,
			   struct ukt_buf *err)
{
	const char *p = args ? args : "";

	while (*p) {
		size_t len = strcspn(p, " ");
		const char *colon = memchr(p, ':', len), *eq = memchr(p, '=', len);
		char *end;
		long n;

		if (!eq && colon && !strncmp(p, "arg", 3) &&
		    (n = strtol(p + 3, &end, 10)) > 0 && end == colon) {
			size_t tl = len - (size_t)(colon + 1 - p);
			bool ok = tl > 0 && tl < sizeof(u->retype[0].type);

			for (size_t i = 0; ok && i < tl; i++)
				ok = isalnum((unsigned char)colon[1 + i]);
			if (!ok || u->nretype == MAX_RETYPES) {
				ukt_buf_addf(err, "'%s': bad type in '%.*s' (argN:string, or a kernel type such as x64 or u8)",
					     spec, (int)len, p);
				return -REC_E_SPEC;
			}
			u->retype[u->nretype].n = (int)n;
			snprintf(u->retype[u->nretype].type, sizeof(u->retype[0].type), "%.*s",
				 (int)tl, colon + 1);
			u->nretype++;
		} else if (eq && eq > p) {
			ukt_buf_addf(&u->extra, "%s%.*s", u->extra.len ? " " : "", (int)len, p);
		} else {
			ukt_buf_addf(err, "'%s': '%.*s' is neither argN:TYPE (a USDT argument retyped) nor NAME=FETCHARG",
				     spec, (int)len, p);
			return -REC_E_SPEC;
		}
		p += len;
		p += strspn(p, " ");
	}
	return 0;
}

static const char *retype_of(const struct user_args *u, int n)
{
	const char *t = NULL;

	for (int i = 0; i < u->nretype; i++)
		if (u->retype[i].n == n)
			t = u->retype[i].type;
	return t;
}

/* ---- matching ---- */

static bool has_glob(const char *s)
{
	return s && strpbrk(s, "*?[") != NULL;
}

static bool prov_matches(const struct usdt_req *r, const struct usdt_note *n)
{
	return !r->provider || !fnmatch(r->provider, n->provider, 0);
}

/* Whether the file has a site of provider:name. */
static bool file_has(const struct usdt_file *f, const char *provider, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].provider, provider) && !strcmp(f->v[i].name, name))
			return true;
	return false;
}

struct pair {
	const char *provider;
	char *base, *entry, *ret;
};

struct pairs {
	struct pair *v;
	size_t n;
};

static void pairs_release(struct pairs *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->v[i].base);
		free(ps->v[i].entry);
		free(ps->v[i].ret);
	}
	free(ps->v);
}

/* The pair note n is a half of (or the base of, with a glob or name
 * that is X), when its other half is in the file too. */
static int pair_of(const struct usdt_file *f, const struct usdt_note *n,
		   const char *want, struct pairs *ps, bool *paired)
{
	static const char *const sfx[][2] = {
		{ "__entry", "__return" }, { "__start", "__done" },
		{ "__begin", "__end" }, { "__enter", "__exit" },
	};
	struct ukt_buf other = UKT_BUF_INIT, e = UKT_BUF_INIT, r = UKT_BUF_INIT;
	size_t bl;
	bool entry;
	int rc = 0;

	*paired = false;
	if (usdt_pair_name(n->name, &bl, &entry, &other) &&
	    file_has(f, n->provider, other.data)) {
		ukt_buf_adds(&e, entry ? n->name : other.data);
		ukt_buf_adds(&r, entry ? other.data : n->name);
	} else if (!fnmatch(want, n->name, 0)) {
		/* -f usdt:...:X with X__entry and X__return in the file */
		bl = strlen(n->name);
		for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]) && !e.len; i++) {
			ukt_buf_reset(&e);
			ukt_buf_reset(&r);
			ukt_buf_addf(&e, "%s%s", n->name, sfx[i][0]);
			ukt_buf_addf(&r, "%s%s", n->name, sfx[i][1]);
			if (!file_has(f, n->provider, e.data) || !file_has(f, n->provider, r.data))
				ukt_buf_reset(&e);
		}
	}
	if (e.len) {
		void *v;

		*paired = true;
		for (size_t i = 0; i < ps->n; i++)
			if (!strcmp(ps->v[i].provider, n->provider) && !strcmp(ps->v[i].entry, e.data))
				goto out;
		v = reallocarray(ps->v, ps->n + 1, sizeof(*ps->v));
		if (!v) {
			rc = -ENOMEM;
			goto out;
		}
		ps->v = v;
		ps->v[ps->n] = (struct pair){
			.provider = n->provider, .base = strndup(n->name, bl),
			.entry = ukt_buf_detach(&e), .ret = ukt_buf_detach(&r),
		};
		if (!ps->v[ps->n].base || !ps->v[ps->n].entry || !ps->v[ps->n].ret)
			rc = -ENOMEM;
		ps->n++;
	}
out:
	ukt_buf_release(&other);
	ukt_buf_release(&e);
	ukt_buf_release(&r);
	return rc;
}

/* Whether n is what the request names (for -f also: the base X of an
 * X__entry/X__return note). */
static bool note_matches(const struct usdt_req *r, const struct usdt_note *n)
{
	struct ukt_buf base = UKT_BUF_INIT;
	size_t bl;
	bool entry, m;

	if (!prov_matches(r, n))
		return false;
	if (!fnmatch(r->name, n->name, 0))
		return true;
	if (!r->pair || !usdt_pair_name(n->name, &bl, &entry, NULL))
		return false;
	ukt_buf_addf(&base, "%.*s", (int)bl, n->name);
	m = !fnmatch(r->name, base.data, 0);
	ukt_buf_release(&base);
	return m;
}

/* ---- probes ---- */

/* Warnings about arguments left out, once per probe name. */
static void warn_args(const struct usdt_req *r, const struct usdt_file *f,
		      const struct usdt_note *n, const struct spec_opts *o,
		      struct ukt_buf *why)
{
	if (!o->warnings || !why->len)
		return;
	if (!f->translated)
		ukt_buf_addf(o->warnings, "'%s:%s' in '%s': USDT argument specs are translated on x86-64 only; recorded without its arguments (%s)\n",
			     n->provider, n->name, r->path, n->args);
	else
		ukt_buf_addf(o->warnings, "'%s:%s' in '%s': %s: left out\n",
			     n->provider, n->name, r->path, why->data);
}

static int add_site(struct probe_list *out, const struct usdt_req *r,
		    const struct usdt_file *f, const struct usdt_note *n,
		    const struct user_args *u, const struct pair *pr, bool ret,
		    bool warn, const struct spec_opts *o, struct ukt_buf *err)
{
	struct probe p = { 0 };
	struct ukt_buf a = UKT_BUF_INIT, why = UKT_BUF_INIT, name = UKT_BUF_INIT;
	struct ukt_buf one = UKT_BUF_INIT;
	int rc = 0;

	for (int i = 0; i < n->nargs; i++) {
		const char *t = retype_of(u, i + 1);
		size_t before = a.len;

		ukt_buf_reset(&one);
		ukt_buf_addf(&a, "%sarg%d=", a.len ? " " : "", i + 1);
		if (!usdt_arg_fetch(&n->argv[i], t, &a, &one))
			continue;
		ukt_buf_truncate(&a, before);
		if (t && n->argv[i].kind != UA_BAD) {
			ukt_buf_addf(err, "'%s': arg%d of '%s:%s': %s", r->spec, i + 1,
				     n->provider, n->name, one.data);
			rc = -REC_E_SPEC;
			goto out;
		}
		ukt_buf_addf(&why, "%sarg%d %s", why.len ? "; " : "", i + 1, one.data);
	}
	for (int i = 0; i < u->nretype; i++) {
		if (u->retype[i].n > n->nargs) {
			ukt_buf_addf(err, "'%s': '%s:%s' has %d argument%s, not %d (uktrace-record --list %s)",
				     r->spec, n->provider, n->name, n->nargs, n->nargs == 1 ? "" : "s",
				     u->retype[i].n, r->path);
			rc = -REC_E_SPEC;
			goto out;
		}
	}
	if (warn)
		warn_args(r, f, n, o, &why);
	if (u->extra.len)
		ukt_buf_addf(&a, "%s%s", a.len ? " " : "", u->extra.data);
	ukt_buf_addf(&name, "%s_%s", n->provider, n->name);
	p.kind = PK_UPROBE;
	p.name = probe_event_name(name.data, NULL);
	p.spec = strdup(r->spec);
	p.target = strdup(r->path);
	ukt_buf_reset(&name);
	ukt_buf_addf(&name, "%s:%s", n->provider, n->name);
	p.symbol = strdup(name.data);
	p.offset = n->offset;
	p.ref_ctr = n->sem_offset;
	p.args = ukt_buf_detach(&a);
	ukt_buf_reset(&name);
	if (pr) {
		/* both halves of a pair, and every site of each, share it */
		ukt_buf_addf(&name, "usdt:%s:%s:%s", r->path, n->provider, pr->base);
		p.role = ret ? PROBE_ROLE_RETURN : PROBE_ROLE_ENTRY;
		if (asprintf(&p.call, "%s:%s", n->provider, pr->base) < 0)
			p.call = NULL;
	} else {
		ukt_buf_addf(&name, "usdt:%s:%s:%s", r->path, n->provider, n->name);
	}
	p.func = ukt_buf_detach(&name);
	if (!p.name || !p.spec || !p.target || !p.symbol || !p.args || !p.func ||
	    (pr && !p.call)) {
		probe_release(&p);
		rc = -ENOMEM;
		goto out;
	}
	rc = probe_list_add(out, &p);
out:
	ukt_buf_release(&a);
	ukt_buf_release(&why);
	ukt_buf_release(&one);
	ukt_buf_release(&name);
	return rc;
}

/* Every site of provider:name, as a half of pr (NULL: a probe alone). */
static int add_sites(struct probe_list *out, const struct usdt_req *r,
		     const struct usdt_file *f, const char *provider, const char *name,
		     const struct user_args *u, const struct pair *pr, bool ret,
		     const struct spec_opts *o, struct ukt_buf *err)
{
	bool first = true;
	int rc = 0;

	for (size_t i = 0; i < f->n && !rc; i++) {
		if (strcmp(f->v[i].provider, provider) || strcmp(f->v[i].name, name))
			continue;
		rc = add_site(out, r, f, &f->v[i], u, pr, ret, first, o, err);
		first = false;
	}
	return rc;
}

static const char *note_label(const void *ctx, size_t i)
{
	return ((const struct usdt_file *)ctx)->v[i].name;
}

static void no_match(const struct usdt_req *r, const struct usdt_file *f, struct ukt_buf *err)
{
	size_t before;

	ukt_buf_addf(err, "no USDT probe in '%s' matches '%s%s%s'", r->path,
		     r->provider ? r->provider : "", r->provider ? ":" : "", r->name);
	if (!has_glob(r->name)) {
		before = err->len;
		ukt_buf_adds(err, " (did you mean ");
		if (suggest(r->name, f, f->n, note_label, err, 3) > 0)
			ukt_buf_adds(err, "?)");
		else
			ukt_buf_truncate(err, before);
	}
	ukt_buf_addf(err, "; its probes: uktrace-record --list %s", r->path);
}

int usdt_resolve(struct probe_list *out, const struct usdt_req *r,
		 const struct spec_opts *o, struct ukt_buf *err)
{
	struct user_args u = { .extra = UKT_BUF_INIT };
	struct pairs ps = { 0 };
	struct ukt_buf alone = UKT_BUF_INIT;
	const struct usdt_file *f;
	bool *single = NULL;
	size_t nmatch = 0, nprobes = 0, nalone = 0;
	bool glob = has_glob(r->provider) || has_glob(r->name);
	int rc = 0;

	f = usdt_get(r->path, &rc);
	if (!f) {
		ukt_buf_addf(err, "cannot read the USDT probes of '%s': %s", r->path, rec_strerror(rc));
		goto out;
	}
	if (!f->n) {
		ukt_buf_addf(err, "'%s' has no USDT probes (no .note.stapsdt notes: it was built without <sys/sdt.h> probes)",
			     r->path);
		rc = -REC_E_NO_SYMBOL;
		goto out;
	}
	rc = parse_user_args(r->spec, r->args, &u, err);
	if (rc)
		goto out;
	single = calloc(f->n, sizeof(*single));
	if (!single) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < f->n && !rc; i++) {
		const struct usdt_note *n = &f->v[i];
		bool paired = false;

		if (!note_matches(r, n))
			continue;
		nmatch++;
		if (r->pair)
			rc = pair_of(f, n, r->name, &ps, &paired);
		single[i] = !paired;
	}
	if (rc)
		goto out;
	if (!nmatch) {
		no_match(r, f, err);
		rc = -REC_E_NO_SYMBOL;
		goto out;
	}
	/* the names that pair with nothing, once each */
	for (size_t i = 0; i < f->n; i++) {
		bool seen = false;

		if (!single[i])
			continue;
		for (size_t k = 0; k < i && !seen; k++)
			seen = single[k] && !strcmp(f->v[k].provider, f->v[i].provider) &&
			       !strcmp(f->v[k].name, f->v[i].name);
		if (!seen) {
			ukt_buf_addf(&alone, "%s%s:%s", nalone ? ", " : "", f->v[i].provider,
				     f->v[i].name);
			nalone++;
		}
	}
	if (r->pair && nalone && !glob) {
		ukt_buf_addf(err, "'%s' has no entry/return pair for '%s' in '%s': -f pairs X__entry with X__return, X__start with X__done, X__begin with X__end, X__enter with X__exit; record it alone with -p",
			     r->spec, alone.data, r->path);
		rc = -REC_E_SPEC;
		goto out;
	}
	for (size_t i = 0; i < f->n; i++) {
		for (size_t k = 0; k < ps.n; k++)
			nprobes += !strcmp(f->v[i].provider, ps.v[k].provider) &&
				   (!strcmp(f->v[i].name, ps.v[k].entry) ||
				    !strcmp(f->v[i].name, ps.v[k].ret));
		nprobes += single[i];
	}
	if (glob && o->max_probes && nprobes > o->max_probes) {
		ukt_buf_addf(err, "'%s' matches %zu USDT probe sites in '%s', more than the limit of %zu: narrow the pattern or raise the limit with --max-probes",
			     r->spec, nprobes, r->path, o->max_probes);
		rc = -E2BIG;
		goto out;
	}
	if (r->pair && nalone && o->warnings)
		ukt_buf_addf(o->warnings, "'%s': %s pair%s with no other probe: recorded as events, not calls\n",
			     r->spec, alone.data, nalone == 1 ? "s" : "");
	for (size_t k = 0; k < ps.n && !rc; k++) {
		rc = add_sites(out, r, f, ps.v[k].provider, ps.v[k].entry, &u, &ps.v[k], false, o, err);
		if (!rc)
			rc = add_sites(out, r, f, ps.v[k].provider, ps.v[k].ret, &u, &ps.v[k], true, o, err);
	}
	for (size_t i = 0; i < f->n && !rc; i++) {
		bool first = true;

		if (!single[i])
			continue;
		for (size_t k = 0; k < i && first; k++)
			first = !(single[k] && !strcmp(f->v[k].provider, f->v[i].provider) &&
				  !strcmp(f->v[k].name, f->v[i].name));
		rc = add_site(out, r, f, &f->v[i], &u, NULL, false, first, o, err);
	}
out:
	free(single);
	pairs_release(&ps);
	ukt_buf_release(&alone);
	ukt_buf_release(&u.extra);
	return rc;
}

int usdt_list(const char *path, const char *pattern, struct ukt_buf *out)
{
	struct ukt_buf pn = UKT_BUF_INIT, partner = UKT_BUF_INIT;
	const struct usdt_file *f;
	size_t n = 0;
	int rc = 0;

	f = usdt_get(path, &rc);
	if (!f)
		return rc;
	for (size_t i = 0; i < f->n; i++) {
		const struct usdt_note *no = &f->v[i];
		size_t bl;
		bool entry;

		ukt_buf_reset(&pn);
		ukt_buf_addf(&pn, "%s:%s", no->provider, no->name);
		if (pattern && fnmatch(pattern, no->name, 0) && fnmatch(pattern, pn.data, 0))
			continue;
		if (!n++)
			ukt_buf_addf(out, "# USDT probes (-p usdt:%s:PROVIDER:NAME; -f for a pair)\n", path);
		ukt_buf_addf(out, "%-40s 0x%-10" PRIx64, pn.data, no->offset);
		if (no->sem)
			ukt_buf_addf(out, " semaphore 0x%" PRIx64, no->sem_offset);
		if (*no->args)
			ukt_buf_addf(out, "  %s", no->args);
		if (usdt_pair_name(no->name, &bl, &entry, &partner) &&
		    file_has(f, no->provider, partner.data))
			ukt_buf_addf(out, "  (-f %s:%.*s: %s with %s)", no->provider, (int)bl, no->name,
				     entry ? "entry" : "return", partner.data);
		ukt_buf_adds(out, "\n");
	}
	ukt_buf_release(&pn);
	ukt_buf_release(&partner);
	return (int)n;
}
