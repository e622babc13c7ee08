// SPDX-License-Identifier: MIT
/*
 * Probe spec parsing and resolution. Accepts what people already type:
 * the raw tracefs syntax verbatim, perf probe's BIN:FUNC[+OFF][%return],
 * bpftrace's uprobe:/uretprobe:/kprobe:/kretprobe:/tracepoint: prefixes, and
 * globs over the symbols of a binary. Everything that reaches tracefs is
 * rebuilt from parsed fields, so a spec cannot smuggle a second definition.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uktrace/vec.h"
#include "dwret.h"
#include "elfsym.h"
#include "kfuncs.h"
#include "libfind.h"
#include "errors.h"
#include "filter.h"
#include "spec.h"
#include "suggest.h"
#include "tracefs.h"
#include "unwind.h"
#include "uktrace/demangle.h"
#include "usdtspec.h"

#define NAME_MAX_LEN 48

static const char *const kind_names[] = {
	[PK_UPROBE] = "uprobe",
	[PK_URETPROBE] = "uretprobe",
	[PK_KPROBE] = "kprobe",
	[PK_KRETPROBE] = "kretprobe",
	[PK_TRACEPOINT] = "tracepoint",
};

const char *probe_kind_name(enum probe_kind k)
{
	return kind_names[k];
}

void probe_release(struct probe *p)
{
	free(p->name);
	free(p->system);
	free(p->spec);
	free(p->target);
	free(p->symbol);
	free(p->args);
	free(p->func);
	free(p->def);
	free(p->call);
	free(p->filter);
	memset(p, 0, sizeof(*p));
}

void probe_list_release(struct probe_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		probe_release(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* Append p (its strings now belong to the list). */
void probe_list_drop(struct probe_list *l, const bool *drop)
{
	size_t out = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (drop[i])
			probe_release(&l->v[i]);
		else
			l->v[out++] = l->v[i];
	}
	l->n = out;
}

static int list_add(struct probe_list *l, struct probe *p)
{
	if (UKT_GROW(l->v, l->cap, l->n)) {
		probe_release(p);
		return -ENOMEM;
	}
	l->v[l->n++] = *p;
	return 0;
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static char *xstrndup(const char *s, size_t n)
{
	return strndup(s, n);
}

/* An event name the kernel accepts: [A-Za-z_][A-Za-z0-9_]*, bounded. */
static char *event_name(const char *base, const char *suffix)
{
	char buf[NAME_MAX_LEN + 16];
	size_t n = 0;

	if (!isalpha((unsigned char)*base) && *base != '_')
		buf[n++] = '_';
	for (const char *s = base; *s && n < NAME_MAX_LEN; s++)
		buf[n++] = isalnum((unsigned char)*s) ? *s : '_';
	buf[n] = '\0';
	if (suffix)
		strcat(buf, suffix);
	return strdup(buf);
}

int probe_list_unique_names(struct probe_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		char *base = NULL;
		int k = 2;

		for (size_t j = 0; j < i; j++) {
			char *nn;

			if (strcmp(l->v[i].name, l->v[j].name) != 0 ||
			    strcmp(l->v[i].system ? l->v[i].system : "",
				   l->v[j].system ? l->v[j].system : "") != 0)
				continue;
			if (!base)
				base = l->v[i].name;
			else
				free(l->v[i].name);
			/* always from the original name: kfree_2, kfree_3 */
			if (asprintf(&nn, "%.*s_%d", NAME_MAX_LEN, base, k++) < 0) {
				l->v[i].name = base;
				return -ENOMEM;
			}
			l->v[i].name = nn;
			j = (size_t)-1;	/* check the new name from the start */
		}
		free(base);
	}
	return 0;
}

/* ---- ELF cache: a spec list often names one library many times ---- */

static struct elfsym **elf_cache;
static size_t elf_ncache;

static struct elfsym *elf_get(const char *path)
{
	struct elfsym *e;
	void *p;

	for (size_t i = 0; i < elf_ncache; i++)
		if (strcmp(elf_cache[i]->path, path) == 0)
			return elf_cache[i];
	e = elfsym_load(path);
	if (!e)
		return NULL;
	p = reallocarray(elf_cache, elf_ncache + 1, sizeof(*elf_cache));
	if (!p) {
		elfsym_free(e);
		errno = ENOMEM;
		return NULL;
	}
	elf_cache = p;
	elf_cache[elf_ncache++] = e;
	return e;
}

__attribute__((destructor)) static void elf_cache_release(void)
{
	for (size_t i = 0; i < elf_ncache; i++)
		elfsym_free(elf_cache[i]);
	free(elf_cache);
	elf_cache = NULL;
	elf_ncache = 0;
}

/* ---- helpers ---- */

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

/* Check the whole spec for characters that could end a definition. */
static int check_chars(const char *text, struct ukt_buf *err)
{
	for (const char *s = text; *s; s++) {
		if (*s == '\n' || *s == '\r') {
			ukt_buf_addf(err, "probe spec '%.*s...' contains a line break: give one definition per spec",
				     (int)(s - text), text);
			return -REC_E_SPEC;
		}
		if ((unsigned char)*s < 0x20 && *s != '\t') {
			ukt_buf_adds(err, "probe spec contains a control character");
			return -REC_E_SPEC;
		}
	}
	return 0;
}

/* Split "LOC ARGS..." at the first blank outside parentheses (LOC may be
 * f(a, b) or a C++ f(int, char)); args normalized to single spaces. */
static int split_args(const char *text, char **loc, char **args)
{
	const char *p = text + strspn(text, " \t");
	size_t n = 0;
	int depth = 0;
	struct ukt_buf a = UKT_BUF_INIT;

	for (; p[n] && (depth > 0 || (p[n] != ' ' && p[n] != '\t')); n++) {
		if (p[n] == '(')
			depth++;
		else if (p[n] == ')' && depth > 0)
			depth--;
	}

	*loc = xstrndup(p, n);
	p += n;
	for (;;) {
		p += strspn(p, " \t");
		if (!*p)
			break;
		n = strcspn(p, " \t");
		if (a.len)
			ukt_buf_adds(&a, " ");
		ukt_buf_add(&a, p, n);
		p += n;
	}
	*args = ukt_buf_detach(&a);
	return *loc && *args ? 0 : -ENOMEM;
}

static void add_args(struct ukt_buf *b, const char *a, const char *more)
{
	if (a && *a)
		ukt_buf_addf(b, "%s%s", b->len ? " " : "", a);
	if (more && *more)
		ukt_buf_addf(b, "%s%s", b->len ? " " : "", more);
}

static int resolve_binary(const char *name, const struct spec_opts *o,
			  struct ukt_buf *path, struct ukt_buf *err)
{
	int e = libfind_resolve_in(name, o ? o->targets : NULL, path);

	if (e == -REC_E_NOT_ELF && path->len && strcmp(path->data, name))
		/* a wrapper script found first on PATH, as exec finds it */
		ukt_buf_addf(err, "'%s' is '%s' (as exec finds it), which is not an ELF binary%s: probe the program it runs, by its path",
			     name, path->data, libfind_is_script(path->data) ? " but a script, run by its interpreter" : "");
	else if (e == -REC_E_NOT_ELF)
		ukt_buf_addf(err, "'%s' is not an ELF binary or library", name);
	else if (e)
		ukt_buf_addf(err, "cannot find binary or library '%s': %s%s", name,
			     rec_strerror(e),
			     strchr(name, '/') ? "" :
			     " (give a path, a library name such as 'libc', or a program on PATH)");
	return e;
}

/* ---- user-space probes by symbol or offset ---- */

struct user_req {
	const char *spec;
	const char *path;	/* absolute */
	const char *sym;	/* symbol, glob, or NULL with have_off */
	uint64_t off;		/* +OFF, or the raw file offset when !sym */
	bool ret;
	bool pair;		/* -f: entry and return */
	const char *args;
	const char *name;	/* explicit event name (raw syntax) */
	unsigned int maxactive;
	/* a glob: the functions whose return probe was refused (unwind.h)
	 * are skipped, named here, not an error */
	struct ukt_buf *unwind_skipped;
	size_t *nunwind_skipped;
	uint64_t ref_ctr;	/* raw syntax PATH:0xOFF(0xREF): reference counter */
	const char *dwargs;	/* arguments named as the debug information
				 * names them (space-separated), fetched at
				 * entry; NULL: none */
	/* a glob: the functions without them are skipped, named here (and
	 * why for the first), not an error */
	struct ukt_buf *dwarf_skipped;
	size_t *ndwarf_skipped;
	struct ukt_buf *dwarf_why;
};

/* spec as an entry-only probe: what the user can give -p instead */
static void entry_spec(const char *spec, struct ukt_buf *out)
{
	size_t n = strlen(spec);

	if (!strncmp(spec, "uretprobe:", 10) || !strncmp(spec, "ur:", 3)) {
		ukt_buf_addf(out, "uprobe:%s", strchr(spec, ':') + 1);
		return;
	}
	if (spec[0] == 'r' && (spec[1] == ':' || spec[1] == ' ' || isdigit((unsigned char)spec[1]))) {
		const char *p = spec + 1;

		while (isdigit((unsigned char)*p))
			p++;
		ukt_buf_addf(out, "p%s", p);
		return;
	}
	if (n > 7 && !strcmp(spec + n - 7, "%return"))
		n -= 7;
	ukt_buf_add(out, spec, n);
}

/*
 * A return probe on a function a C++ exception unwinds through kills the
 * program at the first throw through it (unwind.h): refused, unless the
 * user said otherwise. 0, 1 (a glob's: skip it), or negative with err.
 */
static int refuse_unwind(const struct user_req *r, const struct elfsym *e,
			 const struct elf_sym *s, const struct spec_opts *o, struct ukt_buf *err)
{
	struct ukt_buf name = UKT_BUF_INIT;
	int risky;

	if ((!r->pair && !r->ret) || (o && o->allow_unwind))
		return 0;
	risky = unwind_risky(e->path, s->value);
	if (risky <= 0)
		return risky;
	if (!demangle_add(&name, s->name))
		ukt_buf_adds(&name, s->name);
	if (r->unwind_skipped) {
		if (*r->nunwind_skipped < 10)
			ukt_buf_addf(r->unwind_skipped, "%s'%s'", *r->nunwind_skipped ? ", " : "",
				     name.data);
		(*r->nunwind_skipped)++;
		ukt_buf_release(&name);
		return 1;
	}
	ukt_buf_addf(err, "refusing a return probe on '%s' in '%s': a C++ exception can unwind through it (it has cleanups or handlers), and the kernel's uretprobe breaks the unwinding: the program would die in std::terminate at the first throw through it. Probe its entry only (-p '",
		     name.data, r->path);
	entry_spec(r->spec, err);
	ukt_buf_adds(err, "'), or give --allow-uretprobe-unwind to probe its return anyway");
	ukt_buf_release(&name);
	return -REC_E_UNWIND;
}

static int user_probe(struct probe_list *out, const struct user_req *r,
		      const char *symname, uint64_t fileoff, bool ret,
		      const char *name_suffix, enum dwret returns)
{
	struct probe p = { 0 };
	struct ukt_buf args = UKT_BUF_INIT;
	char funcid[4200];
	const char *base = r->path;
	char offname[64];

	if (strrchr(base, '/'))
		base = strrchr(base, '/') + 1;
	p.kind = ret ? PK_URETPROBE : PK_UPROBE;
	p.spec = xstrdup(r->spec);
	p.target = xstrdup(r->path);
	p.symbol = xstrdup(symname);
	p.offset = fileoff;
	p.maxactive = r->maxactive;
	p.ref_ctr = r->ref_ctr;
	if (r->name) {
		p.name = event_name(r->name, NULL);
	} else if (symname) {
		if (r->off && r->sym) {
			snprintf(offname, sizeof(offname), "%s_0x%" PRIx64, symname, r->off);
			p.name = event_name(offname, name_suffix);
		} else {
			p.name = event_name(symname, name_suffix);
		}
	} else {
		snprintf(offname, sizeof(offname), "%c_%.30s_0x%" PRIx64,
			 ret ? 'r' : 'p', base, fileoff);
		p.name = event_name(offname, NULL);
	}
	/* Entry and return probes of one function share this identity. */
	snprintf(funcid, sizeof(funcid), "%s:0x%" PRIx64, r->path, fileoff);
	p.func = xstrdup(funcid);
	if (r->pair && !ret) {
#if defined(__x86_64__)
		p.caller = true;
#endif
	}
	add_args(&args, r->args, NULL);
	p.returns = dwret_name(returns);
	/* a void function's return register holds whatever was there */
	if (r->pair && ret && returns != DWRET_VOID)
		add_args(&args, NULL, "ret=$retval");
	if (p.caller)
		add_args(&args, NULL, "caller=+0(%sp):x64");
#if defined(__x86_64__)
	/*
	 * The stack pointer at entry and at return (8 higher: the return
	 * address is popped) names the frame a return belongs to: the report
	 * pairs by it, never by nesting alone, because the kernel reports no
	 * return for calls entered with 64 uretprobe returns pending.
	 */
	if (r->pair)
		add_args(&args, NULL, "sp=%sp:x64");
#endif
	p.args = ukt_buf_detach(&args);
	if (!p.spec || !p.target || !p.name || !p.func || !p.args ||
	    (symname && !p.symbol)) {
		probe_release(&p);
		return -ENOMEM;
	}
	return list_add(out, &p);
}

/* ---- arguments by name (debug information) ---- */

/* A fetcharg naming a variable rather than a register or an address:
 * [NAME=]VAR..., as perf probe takes them. */
static bool is_dwarf_arg(const char *t)
{
	const char *eq = strchr(t, '='), *v = eq ? eq + 1 : t;

	return isalpha((unsigned char)*v) || *v == '_';
}

/* The field name of a fetcharg: up to its '=' (or, for a variable, the
 * name it gets: VAR, or VAR_MEMBER). */
static void field_name(const char *fetch, struct ukt_buf *out)
{
	ukt_buf_add(out, fetch, strcspn(fetch, "= "));
}

/* The longest fetcharg name the kernel takes (MAX_ARG_NAME_LEN). */
#define MAX_FIELD_NAME 32

/* Whether name is a field of the probe already: uktrace's own of an
 * entry probe of a pair, or one of the fetchargs in args. */
static const char *field_taken(const char *name, const char *args, bool pair)
{
	static const char *const own[] = { "caller", "sp" };
	size_t n = strlen(name);

	for (size_t i = 0; pair && i < sizeof(own) / sizeof(own[0]); i++)
		if (!strcmp(name, own[i]))
			return "taken by uktrace's own field";
	for (const char *a = args; a && *a;) {
		size_t k = strcspn(a, "= ");

		if (a[k] == '=' && k == n && !strncmp(a, name, n))
			return "taken by another argument";
		a += strcspn(a, " ");
		a += strspn(a, " ");
	}
	return NULL;
}

/* The name of the first argument, for the hint of the register form. */
static void first_name(const char *dwargs, struct ukt_buf *out)
{
	const char *eq = memchr(dwargs, '=', strcspn(dwargs, " "));

	if (eq)
		ukt_buf_add(out, dwargs, (size_t)(eq - dwargs));
	else
		ukt_buf_add(out, dwargs, strcspn(dwargs, " -:"));
}

/*
 * r's raw fetchargs and those of its named arguments (dwret.h), for the
 * entry probe of the function s of e, appended to out.
 */
static int dwarf_fetchargs(const struct user_req *r, const struct elfsym *e,
			   const struct elf_sym *s, struct ukt_buf *out, struct ukt_buf *err)
{
	struct dwret_func *f;
	struct ukt_buf one = UKT_BUF_INIT, why = UKT_BUF_INIT, name = UKT_BUF_INIT;
	const char *a, *taken;
	int rc = 0;

	if (r->ret && !r->pair) {
		ukt_buf_addf(err, "'%s': arguments by name are fetched at the function's entry, and a return probe sees other values in their registers: give -f (entry and return) or probe the entry",
			     r->spec);
		return -REC_E_SPEC;
	}
	f = dwret_func_find(e->path, e->symsrc, s->value);
	if (!f && errno == ENOENT) {
		/* symbols of its own, DWARF in a debug file */
		struct ukt_buf dbg = UKT_BUF_INIT;

		if (!elfsym_debug_file(e, &dbg) && strcmp(dbg.data, e->symsrc ? e->symsrc : ""))
			f = dwret_func_find(e->path, dbg.data, s->value);
		else
			errno = ENOENT;
		ukt_buf_release(&dbg);
	}
	if (!f && errno == ENOMEM)
		return -ENOMEM;
	if (!f) {
		first_name(r->dwargs, &name);
		ukt_buf_addf(err, "cannot fetch arguments by name of '%s' in '%s': it has no debug information (DWARF). Build it with -g, or install its debug file (Debian: the -dbgsym package, libc6-dbg for libc; found by build-id under /usr/lib/debug/.build-id, by .gnu_debuglink, or through DEBUGINFOD_URLS); or fetch registers: x86-64 passes the first six integer and pointer arguments in %%di %%si %%dx %%cx %%r8 %%r9, e.g. '%s:%s %s=%%di:u64'",
			     s->name, e->path, e->path, s->name, name.data);
		ukt_buf_release(&name);
		return -REC_E_NO_DWARF;
	}
	if (r->args && *r->args)
		ukt_buf_adds(out, r->args);
	for (a = r->dwargs; *a && !rc;) {
		size_t n = strcspn(a, " ");
		char *tok = strndup(a, n);

		if (!tok) {
			rc = -ENOMEM;
			break;
		}
		ukt_buf_reset(&one);
		ukt_buf_reset(&why);
		rc = dwret_fetcharg(f, r->off, !strchr(s->name, '.'), tok, &one, &why);
		if (rc == -ENOMEM) {
			free(tok);
			break;
		}
		if (rc) {
			ukt_buf_addf(err, "cannot fetch '%s' of '%s' in '%s': %s", tok, s->name,
				     e->path, why.data);
		} else {
			const char *eq = memchr(tok, '=', strcspn(tok, "-:"));
			const char *var = eq ? eq + 1 : tok;

			ukt_buf_reset(&name);
			field_name(one.data, &name);
			taken = field_taken(name.data, out->data, r->pair);
			if (name.len > MAX_FIELD_NAME) {
				ukt_buf_addf(err, "cannot fetch '%s' of '%s': its field name '%s' is longer than the kernel takes (%d characters); name it: 'NAME=%s'",
					     tok, s->name, name.data, MAX_FIELD_NAME, var);
				rc = -REC_E_SPEC;
			} else if (taken) {
				ukt_buf_addf(err, "cannot fetch '%s' of '%s': its field name '%s' is %s; name it differently: 'NEWNAME=%s'",
					     tok, s->name, name.data, taken, var);
				rc = -REC_E_SPEC;
			} else {
				ukt_buf_addf(out, "%s%s", out->len ? " " : "", one.data);
			}
		}
		free(tok);
		a += n;
		a += strspn(a, " ");
	}
	ukt_buf_release(&one);
	ukt_buf_release(&why);
	ukt_buf_release(&name);
	dwret_func_free(f);
	return rc;
}

static int user_probes_at(struct probe_list *out, const struct user_req *r,
			  const struct elfsym *e, const struct elf_sym *s,
			  const struct spec_opts *o, struct ukt_buf *err)
{
	uint64_t fileoff;
	int rc;

	if (elfsym_vaddr_to_offset(e, s->value + r->off, &fileoff)) {
		ukt_buf_addf(err, "'%s' in '%s' (0x%" PRIx64 ") is not in a loadable segment",
			     s->name, r->path, s->value);
		return -REC_E_NO_SYMBOL;
	}
	if ((r->pair || r->ret) && !strcmp(s->name, "_start")) {
		/*
		 * The entry point is jumped to, not called: the word at the top
		 * of its stack is argc, not a return address, and a uretprobe
		 * would overwrite it, breaking the program before main.
		 */
		if (r->unwind_skipped)
			return 0;	/* a glob's match: left out */
		ukt_buf_addf(err, "refusing a return probe on '_start' in '%s': the program's entry point is jumped to, not called, and never returns; a return probe there overwrites argc and breaks the program. Probe its entry only (-p '",
			     r->path);
		entry_spec(r->spec, err);
		ukt_buf_adds(err, "')");
		return -REC_E_SPEC;
	}
	rc = refuse_unwind(r, e, s, o, err);
	if (rc)
		return rc > 0 ? 0 : rc;
	if (s->ifunc && o->warnings)
		ukt_buf_addf(o->warnings,
			     "'%s' in '%s' is an IFUNC: the probe fires on its resolver, which runs once when the library loads; probe the implementation it selects instead\n",
			     s->name, r->path);
	if (r->dwargs) {
		/* the entry probe fetches them; a pair's return probe not */
		struct user_req er = *r;
		struct ukt_buf a = UKT_BUF_INIT;
		size_t before = err->len;

		rc = dwarf_fetchargs(r, e, s, &a, err);
		if ((rc == -REC_E_NO_DWARF || rc == -REC_E_DWARF_ARG) && r->dwarf_skipped) {
			if (!*r->ndwarf_skipped)
				ukt_buf_adds(r->dwarf_why, err->data + before);
			if (*r->ndwarf_skipped < 10)
				ukt_buf_addf(r->dwarf_skipped, "%s'%s'",
					     *r->ndwarf_skipped ? ", " : "", s->name);
			(*r->ndwarf_skipped)++;
			ukt_buf_truncate(err, before);
			ukt_buf_release(&a);
			return 0;
		}
		er.args = a.data;
		if (!rc && r->pair)
			rc = user_probe(out, &er, s->name, fileoff, false, NULL,
					dwret_lookup(e->path, e->symsrc, s->value));
		else if (!rc)
			rc = user_probe(out, &er, s->name, fileoff, false, NULL, DWRET_UNKNOWN);
		if (!rc && r->pair)
			rc = user_probe(out, r, s->name, fileoff, true, "__return",
					dwret_lookup(e->path, e->symsrc, s->value));
		ukt_buf_release(&a);
		return rc;
	}
	if (r->pair) {
		enum dwret returns = dwret_lookup(e->path, e->symsrc, s->value);

		rc = user_probe(out, r, s->name, fileoff, false, NULL, returns);
		if (!rc)
			rc = user_probe(out, r, s->name, fileoff, true, "__return", returns);
		return rc;
	}
	return user_probe(out, r, s->name, fileoff, r->ret, r->ret ? "__return" : NULL,
			  DWRET_UNKNOWN);
}

#define STRIPPED_HINT "; the binary is stripped: only exported functions are visible unless debug symbols are installed"

static int resolve_user(struct probe_list *out, const struct user_req *r,
			const struct spec_opts *o, struct ukt_buf *err)
{
	struct elfsym *e = elf_get(r->path);
	const struct elf_sym *s;
	struct ukt_buf tmp = UKT_BUF_INIT;
	size_t n;
	uint64_t last = UINT64_MAX;
	bool cxx, glob, *match;
	int rc;

	if (!e) {
		int en = errno;

		ukt_buf_addf(err, "cannot read '%s': %s", r->path, rec_strerror(-en));
		return -en;
	}
	if (!r->sym && r->dwargs) {
		ukt_buf_addf(err, "'%s': arguments by name need the function: give BINARY:FUNCTION, not a file offset",
			     r->spec);
		return -REC_E_SPEC;
	}
	if (!r->sym) {
		/* a raw file offset: name it after the function there, if any */
		const char *symname = NULL;
		const struct elf_sym *at = NULL;
		struct user_req rr = *r;

		for (size_t i = 0; i < e->nsyms; i++) {
			uint64_t off;

			if (!elfsym_vaddr_to_offset(e, e->syms[i].value, &off) &&
			    off == r->off) {
				symname = e->syms[i].name;
				at = &e->syms[i];
			}
		}
		rr.off = 0;
		if (at && (rc = refuse_unwind(&rr, e, at, o, err)))
			return rc;
		if (r->pair) {
			rc = user_probe(out, &rr, symname, r->off, false, NULL, DWRET_UNKNOWN);
			return rc ? rc : user_probe(out, &rr, symname, r->off, true, "__return",
						    DWRET_UNKNOWN);
		}
		return user_probe(out, &rr, symname, r->off, r->ret,
				  r->ret && !r->name ? "__return" : NULL, DWRET_UNKNOWN);
	}
	cxx = elfsym_is_cxx_name(r->sym);
	glob = has_glob(r->sym);
	if (!glob && !cxx) {
		n = elfsym_find(e, r->sym, &s);
		if (!n) {
			size_t before = err->len;

			ukt_buf_addf(err, "cannot resolve '%s' in '%s': no such function in its %s",
				     r->sym, r->path, e->table);
			before = err->len;
			ukt_buf_adds(err, " (did you mean ");
			elfsym_suggest(e, r->sym, err, 3);
			if (err->len == before + strlen(" (did you mean "))
				ukt_buf_truncate(err, before);
			else
				ukt_buf_adds(err, "?)");
			if (!strcmp(e->table, ".dynsym"))
				ukt_buf_adds(err, STRIPPED_HINT);
			return -REC_E_NO_SYMBOL;
		}
		/* One probe per distinct address (static functions may repeat). */
		for (const struct elf_sym *p = s; p < e->syms + e->nsyms; p++) {
			if (strcmp(p->name, r->sym) != 0 || p->value == last)
				continue;
			last = p->value;
			rc = user_probes_at(out, r, e, p, o, err);
			if (rc)
				return rc;
		}
		if (n > 1 && o->warnings)
			ukt_buf_addf(o->warnings, "'%s' names %zu functions in '%s': probing all of them\n",
				     r->sym, n, r->path);
		return 0;
	}
	/*
	 * A glob, or a C++ name as people write it (matched against the
	 * demangled symbols, with or without their parameter lists): count
	 * first, so the limit message says how many.
	 */
	match = calloc(e->nsyms ? e->nsyms : 1, sizeof(*match));
	if (!match)
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < e->nsyms; i++) {
		const char *name = e->syms[i].name;

		match[i] = (glob && fnmatch(r->sym, name, 0) == 0) ||
			   (cxx && elfsym_cxx_matches(r->sym, glob, name, &tmp));
		if (match[i] && e->syms[i].value != last) {
			n++;
			last = e->syms[i].value;
		}
	}
	ukt_buf_release(&tmp);
	rc = 0;
	if (!n) {
		ukt_buf_addf(err, "no function in '%s' matches '%s'", r->path, r->sym);
		if (cxx && !strstr(r->sym, "::") && strchr(r->sym, '('))
			ukt_buf_adds(err, " (as a C++ name with parameter types; arguments by name are FUNC(NAME, ...), each [ALIAS=]PARAM[->MEMBER...][:TYPE])");
		else if (cxx && !strcmp(e->table, ".dynsym"))
			ukt_buf_adds(err, STRIPPED_HINT);
		else if (cxx)
			ukt_buf_addf(err, " (its C++ functions: uktrace-record --list %s '*NAME*')", r->path);
		rc = -REC_E_NO_SYMBOL;
	} else if (o->max_probes && n > o->max_probes) {
		ukt_buf_addf(err, "'%s' matches %zu functions in '%s', more than the limit of %zu: narrow the pattern or raise the limit with --max-probes",
			     r->sym, n, r->path, o->max_probes);
		rc = -E2BIG;
	} else if (cxx && !glob && n > 1 && o->warnings) {
		ukt_buf_addf(o->warnings, "'%s' names %zu functions in '%s' (overloads): probing all of them\n",
			     r->sym, n, r->path);
	}
	last = UINT64_MAX;
	{
		struct user_req gr = *r;
		struct ukt_buf skipped = UKT_BUF_INIT, dskipped = UKT_BUF_INIT, dwhy = UKT_BUF_INIT;
		size_t nskipped = 0, ndskipped = 0;

		if (glob) {
			gr.unwind_skipped = &skipped;
			gr.nunwind_skipped = &nskipped;
			gr.dwarf_skipped = &dskipped;
			gr.ndwarf_skipped = &ndskipped;
			gr.dwarf_why = &dwhy;
		}
		for (size_t i = 0; !rc && i < e->nsyms; i++) {
			if (!match[i] || e->syms[i].value == last)
				continue;
			last = e->syms[i].value;
			rc = user_probes_at(out, &gr, e, &e->syms[i], o, err);
		}
		if (!rc && ndskipped && nskipped + ndskipped == n) {
			ukt_buf_addf(err, "no function '%s' matches in '%s' has those arguments (%s%s): %s",
				     r->sym, r->path, dskipped.data, ndskipped > 10 ? ", ..." : "",
				     dwhy.data);
			rc = -REC_E_DWARF_ARG;
		} else if (!rc && ndskipped && o->warnings) {
			ukt_buf_addf(o->warnings, "skipped %zu function%s of '%s' in '%s' without those arguments: %s%s (the first: %s)\n",
				     ndskipped, ndskipped == 1 ? "" : "s", r->sym, r->path,
				     dskipped.data, ndskipped > 10 ? ", ..." : "", dwhy.data);
		}
		if (!rc && nskipped == n) {
			ukt_buf_addf(err, "refusing the return probes of every function '%s' matches in '%s' (%s%s): a C++ exception can unwind through each (they have cleanups or handlers), and the kernel's uretprobe breaks the unwinding: the program would die in std::terminate at the first throw. Probe their entries only (-p), or give --allow-uretprobe-unwind to probe their returns anyway",
				     r->sym, r->path, skipped.data, nskipped > 10 ? ", ..." : "");
			rc = -REC_E_UNWIND;
		} else if (!rc && nskipped && o->warnings) {
			ukt_buf_addf(o->warnings, "skipped %zu function%s of '%s' in '%s' that a C++ exception can unwind through: %s%s (a return probe there kills the program at the first throw: the kernel's uretprobe breaks the unwinding; -p probes their entries only, --allow-uretprobe-unwind probes them anyway)\n",
				     nskipped, nskipped == 1 ? "" : "s", r->sym, r->path, skipped.data,
				     nskipped > 10 ? ", ..." : "");
		}
		ukt_buf_release(&skipped);
		ukt_buf_release(&dskipped);
		ukt_buf_release(&dwhy);
	}
	free(match);
	return rc;
}

/* ---- kernel probes ---- */

static bool valid_ksym(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != ':')
			return false;
	return true;
}

static int kernel_probe(struct probe_list *out, const char *spec,
			const char *target, bool ret, bool pair,
			const char *args, const char *name, unsigned int maxactive,
			const struct spec_opts *o, struct ukt_buf *err);

/* Loaded at the first kernel glob, kept for the next ones. */
static struct kfuncs kfuncs;
static bool kfuncs_loaded;

__attribute__((destructor)) static void kfuncs_cache_release(void)
{
	kfuncs_release(&kfuncs);
}

/* A glob over kernel function names: a probe (or pair) per match. */
static int kernel_glob(struct probe_list *out, const char *spec, const char *glob,
		       bool has_off, bool ret, bool pair, const char *args,
		       const char *name, unsigned int maxactive,
		       const struct spec_opts *o, struct ukt_buf *err)
{
	size_t n = 0;
	int rc;

	if (has_off || name) {
		ukt_buf_addf(err, "'%s': a glob over kernel functions takes neither +OFFSET nor an event name", spec);
		return -REC_E_SPEC;
	}
	if (!kfuncs_loaded) {
		rc = kfuncs_load(&kfuncs, err);
		if (rc)
			return rc;
		kfuncs_loaded = true;
	}
	for (size_t i = 0; i < kfuncs.n; i++)
		n += fnmatch(glob, kfuncs.names[i], 0) == 0;
	if (!n) {
		ukt_buf_addf(err, "no kernel function matches '%s' (in %s)", glob, kfuncs.source);
		return -REC_E_NO_SYMBOL;
	}
	if (o->max_probes && n > o->max_probes) {
		ukt_buf_addf(err, "'%s' matches %zu kernel functions, more than the limit of %zu: narrow the pattern or raise the limit with --max-probes",
			     glob, n, o->max_probes);
		return -E2BIG;
	}
	for (size_t i = 0; i < kfuncs.n; i++) {
		size_t first = out->n;

		if (fnmatch(glob, kfuncs.names[i], 0))
			continue;
		rc = kernel_probe(out, spec, kfuncs.names[i], ret, pair, args, NULL,
				  maxactive, o, err);
		if (rc)
			return rc;
		/* a list is a superset of what kprobes accept (kallsyms
		 * holds freed __init code, for one) */
		for (size_t k = first; k < out->n; k++)
			out->v[k].optional = true;
	}
	return 0;
}

static int kernel_probe(struct probe_list *out, const char *spec,
			const char *target, bool ret, bool pair,
			const char *args, const char *name, unsigned int maxactive,
			const struct spec_opts *o, struct ukt_buf *err)
{
	char sym[256];
	uint64_t off = 0;
	const char *plus = strchr(target, '+');
	size_t n = plus ? (size_t)(plus - target) : strlen(target);
	int rc;

	if (n >= sizeof(sym)) {
		ukt_buf_addf(err, "kernel symbol in '%s' is too long", spec);
		return -REC_E_SPEC;
	}
	memcpy(sym, target, n);
	sym[n] = '\0';
	if (has_glob(sym))
		return kernel_glob(out, spec, sym, plus != NULL, ret, pair, args,
				   name, maxactive, o, err);
	if (!valid_ksym(sym) || (plus && parse_u64(plus + 1, &off))) {
		ukt_buf_addf(err, "'%s' is not a kernel function: expected SYMBOL[+OFFSET] or 0xADDRESS", target);
		return -REC_E_SPEC;
	}
	if ((ret || pair) && off) {
		ukt_buf_addf(err, "'%s': a return probe goes on a function's start, not on an offset inside it", spec);
		return -REC_E_SPEC;
	}
	for (int i = 0; i < (pair ? 2 : 1); i++) {
		struct probe p = { 0 };
		struct ukt_buf a = UKT_BUF_INIT;
		bool r = pair ? i == 1 : ret;
		char base[300];

		p.kind = r ? PK_KRETPROBE : PK_KPROBE;
		p.spec = xstrdup(spec);
		p.target = xstrdup(target);
		p.symbol = xstrdup(sym);
		p.offset = off;
		p.maxactive = maxactive;
		if (name && !pair) {
			p.name = event_name(name, NULL);
		} else if (off) {
			snprintf(base, sizeof(base), "%s_0x%" PRIx64, sym, off);
			p.name = event_name(base, NULL);
		} else {
			p.name = event_name(sym, r ? "__return" : NULL);
		}
		p.func = xstrdup(sym);
		if (off)
			free(p.func), p.func = xstrdup(target);
		if (pair && !r) {
#if defined(__x86_64__)
			p.caller = true;
#endif
		}
		if (!r || !pair)
			add_args(&a, args, NULL);
		if (pair && r)
			add_args(&a, NULL, "ret=$retval");
		if (p.caller)
			add_args(&a, NULL, "caller=+0(%sp):x64");
		p.args = ukt_buf_detach(&a);
		if (!p.spec || !p.target || !p.symbol || !p.name || !p.func || !p.args) {
			probe_release(&p);
			return -ENOMEM;
		}
		rc = list_add(out, &p);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- tracepoints ---- */

static int tracepoint(struct probe_list *out, const char *spec, const char *loc,
		      struct ukt_buf *err)
{
	struct probe p = { 0 };
	const char *colon = strchr(loc, ':');

	if (!colon || colon == loc || !colon[1] || strchr(colon + 1, ':') ||
	    strchr(loc, '/')) {
		ukt_buf_addf(err, "'%s' is not a tracepoint: expected SYSTEM:EVENT, e.g. 'sched:sched_switch' or 'syscalls:sys_enter_open*'", spec);
		return -REC_E_SPEC;
	}
	for (const char *s = loc; *s; s++) {
		if (!isalnum((unsigned char)*s) && !strchr("_:*?[]!-", *s)) {
			ukt_buf_addf(err, "'%s' is not a tracepoint name", loc);
			return -REC_E_SPEC;
		}
	}
	p.kind = PK_TRACEPOINT;
	p.spec = xstrdup(spec);
	p.system = xstrndup(loc, (size_t)(colon - loc));
	p.name = xstrdup(colon + 1);
	p.args = strdup("");
	p.func = xstrdup(loc);
	if (!p.spec || !p.system || !p.name || !p.args || !p.func) {
		probe_release(&p);
		return -ENOMEM;
	}
	return list_add(out, &p);
}

/* Whether event system:name matches the tracepoint glob of p. */
static bool tracepoint_matches(const struct probe *p, const char *system,
			       const char *name)
{
	return !fnmatch(p->system, system, 0) && !fnmatch(p->name, name, 0);
}

struct lines {
	const char **v;
	size_t n;
};

static const char *line_at(const void *ctx, size_t i)
{
	return ((const struct lines *)ctx)->v[i];
}

/* ", did you mean 'sched:sched_switch'?" for a misspelt tracepoint. */
static void tracepoint_hint(const char *available, const struct probe *p,
			    struct ukt_buf *err)
{
	struct ukt_buf copy = UKT_BUF_INIT, want = UKT_BUF_INIT;
	struct lines l = { 0 };
	size_t cap = 0, before;
	char *line, *save = NULL;

	if (strpbrk(p->system, "*?[") || strpbrk(p->name, "*?["))
		return;		/* a glob that matched nothing: nothing to correct */
	ukt_buf_adds(&copy, available);
	ukt_buf_addf(&want, "%s:%s", p->system, p->name);
	for (line = strtok_r(copy.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (l.n == cap) {
			void *v = reallocarray(l.v, cap ? cap * 2 : 1024, sizeof(*l.v));

			if (!v)
				goto out;
			l.v = v;
			cap = cap ? cap * 2 : 1024;
		}
		l.v[l.n++] = line;
	}
	before = err->len;
	ukt_buf_adds(err, ", did you mean ");
	if (!suggest(want.data, &l, l.n, line_at, err, 3)) {
		ukt_buf_truncate(err, before);
	} else {
		ukt_buf_adds(err, "?");
	}
out:
	free(l.v);
	ukt_buf_release(&copy);
	ukt_buf_release(&want);
}

int spec_expand_tracepoints(struct probe_list *l, const char *available,
			    const char *where, struct ukt_buf *err)
{
	struct probe_list out = { 0 };
	int rc = 0;

	for (size_t i = 0; i < l->n && !rc; i++) {
		struct probe *p = &l->v[i];
		size_t matched = 0;
		const char *line, *next;

		if (p->kind != PK_TRACEPOINT) {
			rc = list_add(&out, p);
			memset(p, 0, sizeof(*p));
			continue;
		}
		for (line = available; line && *line && !rc; line = next) {
			size_t len = strcspn(line, "\n");
			const char *c = memchr(line, ':', len);
			char sys[256], name[256];
			struct probe q = { 0 };

			next = line[len] ? line + len + 1 : NULL;
			if (!c || (size_t)(c - line) >= sizeof(sys) ||
			    len - (size_t)(c - line) > sizeof(name))
				continue;
			snprintf(sys, sizeof(sys), "%.*s", (int)(c - line), line);
			snprintf(name, sizeof(name), "%.*s", (int)(len - (size_t)(c - line) - 1), c + 1);
			if (!tracepoint_matches(p, sys, name))
				continue;
			if (!strncmp(sys, TFS_PREFIX, strlen(TFS_PREFIX)))
				continue;	/* another recorder's probes */
			q.kind = PK_TRACEPOINT;
			q.system = strdup(sys);
			q.name = strdup(name);
			q.spec = strdup(p->spec);
			q.args = strdup("");
			q.filter = p->filter ? strdup(p->filter) : NULL;
			if (asprintf(&q.func, "%s:%s", sys, name) < 0)
				q.func = NULL;
			if (!q.system || !q.name || !q.spec || !q.args || !q.func ||
			    (p->filter && !q.filter)) {
				probe_release(&q);
				rc = -ENOMEM;
				break;
			}
			rc = list_add(&out, &q);
			matched++;
		}
		if (!rc && !matched) {
			ukt_buf_addf(err, "no tracepoint matches '%s:%s'", p->system, p->name);
			tracepoint_hint(available, p, err);
			ukt_buf_addf(err, " (see %s)", where);
			rc = -ENOENT;
		}
	}
	if (rc) {
		probe_list_release(&out);
		return rc;
	}
	probe_list_release(l);
	*l = out;
	return 0;
}

int probe_list_define(struct probe_list *l, const char *group)
{
	struct ukt_buf def = UKT_BUF_INIT;
	int rc = 0;

	for (size_t i = 0; i < l->n && !rc; i++) {
		struct probe *p = &l->v[i];

		free(p->def);
		p->def = NULL;
		if (!probe_is_dynamic(p))
			continue;
		ukt_buf_reset(&def);
		rc = probe_definition(p, group, &def);
		if (!rc)
			p->def = ukt_buf_detach(&def);
		if (!rc && !p->def)
			rc = -ENOMEM;
	}
	ukt_buf_release(&def);
	return rc;
}

/* ---- the raw tracefs syntax ---- */

/* "p", "r", "r10", "p:name", "r:grp/name": the first token of a raw spec. */
static bool is_raw_head(const char *tok, char *type, unsigned int *maxactive,
			const char **name)
{
	const char *s = tok;

	if (*s != 'p' && *s != 'r')
		return false;
	*type = *s++;
	*maxactive = 0;
	while (isdigit((unsigned char)*s))
		*maxactive = *maxactive * 10 + (unsigned int)(*s++ - '0');
	if (*s == '\0') {
		*name = NULL;
		return true;
	}
	if (*s != ':' || !s[1])
		return false;
	*name = s + 1;
	if (strchr(*name, '/'))
		*name = strchr(*name, '/') + 1;	/* our group replaces theirs */
	return **name != '\0';
}

/* 'X:NAME' or 'X' followed by a definition: the head of a raw tracefs
 * definition, whatever its type letter */
static bool looks_raw_head(const char *tok)
{
	return isalpha((unsigned char)tok[0]) &&
	       (tok[1] == ':' || tok[1] == '\0' || isdigit((unsigned char)tok[1]));
}

static int parse_raw(struct probe_list *out, const char *text, char type,
		     unsigned int maxactive, const char *name,
		     const char *rest, struct ukt_buf *err,
		     const struct spec_opts *o)
{
	char *target = NULL, *args = NULL;
	const char *colon;
	int rc;

	rc = split_args(rest, &target, &args);
	if (rc)
		goto out;
	if (!*target) {
		ukt_buf_addf(err, "'%s': no probe location after '%c'", text, type);
		rc = -REC_E_SPEC;
		goto out;
	}
	colon = strrchr(target, ':');
	if (colon && colon != target && isdigit((unsigned char)colon[1])) {
		/* uprobe: PATH:OFFSET */
		struct ukt_buf path = UKT_BUF_INIT;
		char *bin = xstrndup(target, (size_t)(colon - target));
		struct user_req r = { .spec = text, .ret = type == 'r', .args = args,
				      .name = name, .maxactive = maxactive };

		char *lp = strchr(colon, '(');

		if (lp) {
			/* perf's PATH:0xOFF(0xREF): a semaphore the kernel raises */
			size_t n = strlen(lp);
			bool ok = n >= 3 && lp[n - 1] == ')';

			*lp = '\0';
			if (ok) {
				lp[n - 1] = '\0';
				ok = !parse_u64(lp + 1, &r.ref_ctr) && r.ref_ctr;
			}
			if (!ok) {
				ukt_buf_addf(err, "'%s': bad reference counter offset (expected PATH:0xOFFSET(0xOFFSET))", text);
				rc = -REC_E_SPEC;
				goto raw_out;
			}
		}
		if (parse_u64(colon + 1, &r.off)) {
			ukt_buf_addf(err, "'%s': bad offset '%s' (expected 0x... or a decimal number)", target, colon + 1);
			rc = -REC_E_SPEC;
		} else {
			rc = bin ? resolve_binary(bin, o, &path, err) : -ENOMEM;
		}
		if (!rc) {
			r.path = path.data;
			rc = resolve_user(out, &r, o, err);
		}
raw_out:
		free(bin);
		ukt_buf_release(&path);
		goto out;
	}
	rc = kernel_probe(out, text, target, type == 'r', false, args, name,
			  maxactive, o, err);
out:
	free(target);
	free(args);
	return rc;
}

/* ---- USDT probes ---- */

/* "PROVIDER:NAME" of perf's BIN:sdt_PROVIDER:NAME (not a C++ name). */
static bool is_sdt_name(const char *s)
{
	const char *c = strchr(s, ':');

	return c && c > s && c[1] && c[1] != ':' && !strchr(c + 1, ':');
}

/* BIN:PROVIDER:NAME or BIN:NAME, after usdt: (BIN found), or perf's
 * form with PROVIDER:NAME given. */
static int usdt_location(struct probe_list *out, char how, const char *text,
			 const char *bin, const char *provname, const char *args,
			 const struct spec_opts *o, struct ukt_buf *err)
{
	struct ukt_buf path = UKT_BUF_INIT;
	char *prov = NULL;
	const char *c = strchr(provname, ':');
	struct usdt_req r = { .spec = text, .pair = how == 'f', .args = args };
	int rc;

	if (!*bin || !*provname || (c && (c == provname || !c[1]))) {
		ukt_buf_addf(err, "'%s': expected usdt:BINARY:PROVIDER:NAME (or usdt:BINARY:NAME)", text);
		return -REC_E_SPEC;
	}
	if (strstr(provname, "%return")) {
		ukt_buf_addf(err, "'%s': a USDT probe has no return probe; -f pairs NAME__entry with NAME__return", text);
		return -REC_E_SPEC;
	}
	if (c) {
		prov = xstrndup(provname, (size_t)(c - provname));
		if (!prov)
			return -ENOMEM;
		r.provider = prov;
		r.name = c + 1;
	} else {
		r.name = provname;
	}
	rc = resolve_binary(bin, o, &path, err);
	if (!rc) {
		r.path = path.data;
		rc = usdt_resolve(out, &r, o, err);
	}
	free(prov);
	ukt_buf_release(&path);
	return rc;
}

/* args split into raw fetchargs and arguments by name (raw: in order). */
static int split_dwarf_args(const char *args, struct ukt_buf *raw, struct ukt_buf *dw)
{
	for (const char *a = args; *a;) {
		size_t n = strcspn(a, " ");
		char *tok = xstrndup(a, n);
		struct ukt_buf *to;

		if (!tok)
			return -ENOMEM;
		to = is_dwarf_arg(tok) ? dw : raw;
		ukt_buf_addf(to, "%s%s", to->len ? " " : "", tok);
		free(tok);
		a += n;
		a += strspn(a, " ");
	}
	return 0;
}

/*
 * FUNC(ARG, ARG...): arguments by name, moved from sym to dw. A C++ name with a
 * parameter list (ns::f(int), f(char const*)) is left as it is: its
 * parentheses hold types, or nothing.
 */
static int paren_args(char *sym, struct ukt_buf *dw)
{
	static const char *const types[] = {
		"int", "char", "short", "long", "unsigned", "signed", "void", "float",
		"double", "bool", "_Bool", "const", "volatile", "struct", "union",
		"enum", "class", "wchar_t", "char8_t", "char16_t", "char32_t", "auto",
	};
	char *lp = strchr(sym, '('), *list, *t;
	size_t n = strlen(sym), k;

	if (!lp || lp == sym || sym[n - 1] != ')' || strstr(sym, "::") ||
	    strchr(lp + 1, '(') || lp[1] == ')')
		return 0;
	list = xstrndup(lp + 1, (size_t)(sym + n - 1 - lp - 1));
	if (!list)
		return -ENOMEM;
	for (t = list; *t; t++)
		if (*t == ',')
			*t = ' ';
	for (t = list; *t; t += k) {
		t += strspn(t, " \t");
		k = strcspn(t, " \t");
		for (size_t i = 0; k && i < sizeof(types) / sizeof(types[0]); i++)
			if (strlen(types[i]) == k && !strncmp(t, types[i], k))
				goto out;
		if (k && (!is_dwarf_arg(t) || memchr(t, '*', k) || memchr(t, '&', k)))
			goto out;
	}
	for (t = list; *t; t += k) {
		t += strspn(t, " \t");
		k = strcspn(t, " \t");
		if (k)
			ukt_buf_addf(dw, "%s%.*s", dw->len ? " " : "", (int)k, t);
	}
	*lp = '\0';
out:
	free(list);
	return 0;
}

/* ---- entry point ---- */

static int parse_location(struct probe_list *out, char how, const char *text,
			  const char *loc, const char *args,
			  const struct spec_opts *o, struct ukt_buf *err)
{
	bool ret = false, pair = how == 'f';
	const char *colon;
	struct ukt_buf path = UKT_BUF_INIT, raw = UKT_BUF_INIT, dw = UKT_BUF_INIT;
	char *bin = NULL, *sym = NULL;
	int rc;
	size_t len;

	if (!strncmp(loc, "tracepoint:", 11) || !strncmp(loc, "t:", 2) || how == 'e') {
		if (*args) {
			ukt_buf_addf(err, "'%s': tracepoints take no arguments (their fields are recorded)", text);
			return -REC_E_SPEC;
		}
		if (!strncmp(loc, "tracepoint:", 11) || !strncmp(loc, "t:", 2))
			loc = strchr(loc, ':') + 1;
		return tracepoint(out, text, loc, err);
	}
	if (!strncmp(loc, "usdt:", 5) || !strncmp(loc, "U:", 2)) {
		const char *rest = strchr(loc, ':') + 1, *c = strchr(rest, ':');
		char *b = xstrndup(rest, c ? (size_t)(c - rest) : strlen(rest));

		rc = b ? usdt_location(out, how, text, b, c ? c + 1 : "", args, o, err) : -ENOMEM;
		free(b);
		return rc;
	}
	if (!strncmp(loc, "uprobe:", 7) || !strncmp(loc, "u:", 2)) {
		loc = strchr(loc, ':') + 1;
	} else if (!strncmp(loc, "uretprobe:", 10) || !strncmp(loc, "ur:", 3)) {
		loc = strchr(loc, ':') + 1;
		ret = true;
	} else if (!strncmp(loc, "kprobe:", 7) || !strncmp(loc, "k:", 2)) {
		return kernel_probe(out, text, strchr(loc, ':') + 1, false, pair,
				    args, NULL, 0, o, err);
	} else if (!strncmp(loc, "kretprobe:", 10) || !strncmp(loc, "kr:", 3)) {
		return kernel_probe(out, text, strchr(loc, ':') + 1, true, false,
				    args, NULL, 0, o, err);
	}
	len = strlen(loc);
	if (len > 7 && !strcmp(loc + len - 7, "%return")) {
		ret = true;
		len -= 7;
	}
	if (ret && pair) {
		ukt_buf_addf(err, "'%s': a function spec (-f) installs the return probe itself; drop '%%return'", text);
		return -REC_E_SPEC;
	}
	colon = memchr(loc, ':', len);
	if (!colon) {
		char *k = xstrndup(loc, len);

		rc = k ? kernel_probe(out, text, k, ret, pair, args, NULL, 0, o, err) : -ENOMEM;
		free(k);
		return rc;
	}
	bin = xstrndup(loc, (size_t)(colon - loc));
	sym = xstrndup(colon + 1, len - (size_t)(colon - loc) - 1);
	if (!bin || !sym) {
		rc = -ENOMEM;
		goto out;
	}
	if (!*bin || !*sym) {
		ukt_buf_addf(err, "'%s': expected BINARY:FUNCTION", text);
		rc = -REC_E_SPEC;
		goto out;
	}
	if (!strncmp(sym, "sdt_", 4) && is_sdt_name(sym + 4)) {
		/* perf's BIN:sdt_PROVIDER:NAME */
		if (ret) {
			ukt_buf_addf(err, "'%s': a USDT probe has no return probe; -f pairs NAME__entry with NAME__return", text);
			rc = -REC_E_SPEC;
		} else {
			rc = usdt_location(out, how, text, bin, sym + 4, args, o, err);
		}
		goto out;
	}
	rc = paren_args(sym, &dw);
	if (!rc)
		rc = split_dwarf_args(args, &raw, &dw);
	if (!rc)
		rc = resolve_binary(bin, o, &path, err);
	if (rc)
		goto out;
	{
		struct user_req r = { .spec = text, .path = path.data, .ret = ret,
				      .pair = pair, .args = raw.data,
				      .dwargs = dw.len ? dw.data : NULL };
		char *plus = strchr(sym, '+');

		if (isdigit((unsigned char)sym[0])) {
			/* BIN:0x620 — a raw file offset */
			if (parse_u64(sym, &r.off)) {
				ukt_buf_addf(err, "'%s': bad offset '%s'", text, sym);
				rc = -REC_E_SPEC;
				goto out;
			}
		} else {
			if (plus) {
				*plus = '\0';
				if (parse_u64(plus + 1, &r.off)) {
					ukt_buf_addf(err, "'%s': bad offset '+%s'", text, plus + 1);
					rc = -REC_E_SPEC;
					goto out;
				}
				if ((ret || pair) && r.off) {
					ukt_buf_addf(err, "'%s': a return probe goes on a function's start, not on an offset inside it", text);
					rc = -REC_E_SPEC;
					goto out;
				}
			}
			r.sym = sym;
		}
		rc = resolve_user(out, &r, o, err);
	}
out:
	free(bin);
	free(sym);
	ukt_buf_release(&path);
	ukt_buf_release(&raw);
	ukt_buf_release(&dw);
	return rc;
}

int spec_parse(struct probe_list *out, char how, const char *text,
	       const struct spec_opts *o, struct ukt_buf *err)
{
	char *loc = NULL, *args = NULL, *rest;
	const char *name;
	unsigned int maxactive;
	char type;
	int rc;

	rc = check_chars(text, err);
	if (rc)
		return rc;
	text += strspn(text, " \t");
	if (!*text) {
		ukt_buf_adds(err, "empty probe spec");
		return -REC_E_SPEC;
	}
	if (text[0] == '-' && (text[1] == ':' || text[1] == ' ')) {
		ukt_buf_addf(err, "'%s': removal definitions are not accepted; uktrace-record removes the probes it created itself", text);
		return -REC_E_SPEC;
	}
	rc = split_args(text, &loc, &args);
	if (rc)
		goto out;
	if (how == 'p' && is_raw_head(loc, &type, &maxactive, &name) &&
	    text[strlen(loc)] != '\0') {
		rest = (char *)text + strlen(loc);
		rc = parse_raw(out, text, type, maxactive, name, rest, err, o);
		goto out;
	}
	rc = parse_location(out, how, text, loc, args, o, err);
	if (rc == -ENOENT && how == 'p' && looks_raw_head(loc) && args && *args) {
		/* 'q:foo ...' is a mistyped raw definition, not a binary 'q' */
		ukt_buf_reset(err);
		ukt_buf_addf(err, "'%s': unknown probe type '%c': the raw tracefs syntax takes p (entry) or r (return): 'p:NAME BINARY:0xOFFSET' or 'p:NAME KERNEL_FUNCTION'",
			     text, loc[0]);
		rc = -REC_E_SPEC;
	}
out:
	free(loc);
	free(args);
	return rc;
}

int spec_parse_file(struct probe_list *out, const char *path,
		    const struct spec_opts *o, struct ukt_buf *err)
{
	struct ukt_buf text = UKT_BUF_INIT, e = UKT_BUF_INIT;
	char *line, *next;
	int lineno = 0, rc;
	size_t prev = SIZE_MAX;	/* the previous spec's first probe */
	char *prev_spec = NULL;

	rc = ukt_buf_read_file(&text, path);
	if (rc) {
		ukt_buf_addf(err, "cannot read config file '%s': %s", path, rec_strerror(rc));
		return rc;
	}
	for (line = text.data; line && *line; line = next) {
		char how = 'p';
		char *s;
		static const struct { const char *kw; char how; } kws[] = {
			{ "probe", 'p' }, { "function", 'f' }, { "tracepoint", 'e' },
			{ "-p", 'p' }, { "-f", 'f' }, { "-e", 'e' },
		};

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		s = strchr(line, '#');
		if (s)
			*s = '\0';
		s = line + strspn(line, " \t");
		if (!*s || strspn(s, " \t\r") == strlen(s))
			continue;
		if (s[strlen(s) - 1] == '\r')
			s[strlen(s) - 1] = '\0';
		for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]); i++) {
			size_t n = strlen(kws[i].kw);

			if (!strncmp(s, kws[i].kw, n) && (s[n] == ' ' || s[n] == '\t')) {
				how = kws[i].how;
				s += n + strspn(s + n, " \t");
				break;
			}
		}
		ukt_buf_reset(&e);
		if ((!strncmp(s, "filter", 6) && (s[6] == ' ' || s[6] == '\t')) ||
		    (!strncmp(s, "--filter", 8) && (s[8] == ' ' || s[8] == '\t'))) {
			/* "filter EXPR": for the probes of the line before */
			s += strcspn(s, " \t");
			s += strspn(s, " \t");
			if (prev == SIZE_MAX) {
				ukt_buf_adds(&e, "a filter line applies to the probe on the line before it: give a probe first");
				rc = -REC_E_SPEC;
			} else {
				rc = probe_list_filter(out, prev, s, prev_spec, &e);
			}
		} else {
			prev = out->n;
			free(prev_spec);
			prev_spec = strdup(s);
			rc = prev_spec ? spec_parse(out, how, s, o, &e) : -ENOMEM;
		}
		if (rc) {
			ukt_buf_addf(err, "%s:%d: %s", path, lineno, e.len ? e.data : rec_strerror(rc));
			break;
		}
	}
	free(prev_spec);
	ukt_buf_release(&text);
	ukt_buf_release(&e);
	return rc;
}

int probe_definition(const struct probe *p, const char *group,
		     struct ukt_buf *out)
{
	char type = (p->kind == PK_URETPROBE || p->kind == PK_KRETPROBE) ? 'r' : 'p';

	ukt_buf_addf(out, "%c", type);
	if (p->maxactive && p->kind == PK_KRETPROBE)
		ukt_buf_addf(out, "%u", p->maxactive);
	ukt_buf_addf(out, ":%s/%s ", group, p->name);
	switch (p->kind) {
	case PK_UPROBE:
	case PK_URETPROBE:
		ukt_buf_addf(out, "%s:0x%" PRIx64, p->target, p->offset);
		if (p->ref_ctr)
			ukt_buf_addf(out, "(0x%" PRIx64 ")", p->ref_ctr);
		break;
	case PK_KPROBE:
	case PK_KRETPROBE:
		ukt_buf_adds(out, p->symbol);
		if (p->offset)
			ukt_buf_addf(out, "+0x%" PRIx64, p->offset);
		break;
	case PK_TRACEPOINT:
		return -EINVAL;
	}
	if (p->args && *p->args)
		ukt_buf_addf(out, " %s", p->args);
	return 0;
}

int probe_list_add(struct probe_list *l, struct probe *p)
{
	return list_add(l, p);
}

char *probe_event_name(const char *base, const char *suffix)
{
	return event_name(base, suffix);
}
