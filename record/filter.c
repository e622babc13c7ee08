// SPDX-License-Identifier: MIT
/* Record-time filters onto probes (filter.h). */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "filter.h"

/* Characters that end a word of a filter: blanks and operators. */
static bool word_char(char c)
{
	return c && !isspace((unsigned char)c) && !strchr("&|=!<>~()\"'", c);
}

static bool listed(const struct ukt_buf *fields, const char *w, size_t n)
{
	const char *p = fields->data;

	while (*p) {
		size_t len = strcspn(p, " ");

		if (len == n && !memcmp(p, w, n))
			return true;
		p += len;
		p += *p == ' ';
	}
	return false;
}

int filter_fields(const char *expr, struct ukt_buf *fields, struct ukt_buf *err)
{
	const char *p = expr;
	bool want_field = true, any = false;

	for (const char *s = expr; *s; s++) {
		if ((unsigned char)*s < 0x20 && *s != '\t') {
			ukt_buf_adds(err, "a filter holds no line breaks or control characters");
			return -EINVAL;
		}
	}
	while (*p) {
		if (isspace((unsigned char)*p)) {
			p++;
		} else if (*p == '"' || *p == '\'') {
			/* a value: skip to its closing quote */
			const char *q = strchr(p + 1, *p);

			p = q ? q + 1 : p + strlen(p);
			want_field = false;
			any = true;
		} else if (!strncmp(p, "&&", 2) || !strncmp(p, "||", 2)) {
			p += 2;
			want_field = true;
		} else if (*p == '(' || *p == '!') {
			/* "!=" is an operator, "!" before a predicate a negation */
			if (*p == '!' && p[1] == '=')
				p++;
			else
				want_field = true;
			p++;
		} else if (!word_char(*p)) {
			p++;		/* an operator or ')' */
		} else {
			const char *w = p;
			size_t n;

			while (word_char(*p))
				p++;
			n = (size_t)(p - w);
			any = true;
			if (!want_field)
				continue;
			want_field = false;
			/* size.hex, call_site.function: the field is before the dot */
			if (memchr(w, '.', n))
				n = (size_t)((const char *)memchr(w, '.', n) - w);
			if (n && !listed(fields, w, n))
				ukt_buf_addf(fields, "%s%.*s", fields->len ? " " : "", (int)n, w);
		}
	}
	if (!any) {
		ukt_buf_adds(err, "empty filter: give an expression such as 'size > 4096' or 'comm ~ \"nginx*\"'");
		return -EINVAL;
	}
	return 0;
}

/* Whether expr names nothing but the fields of the task (the same at a
 * function's entry and its return). */
static bool task_fields_only(const char *expr)
{
	struct ukt_buf f = UKT_BUF_INIT, err = UKT_BUF_INIT;
	bool only = filter_fields(expr, &f, &err) == 0;
	const char *p = f.data;

	while (only && *p) {
		size_t n = strcspn(p, " ");

		only = (n == 4 && (!strncmp(p, "comm", 4) || !strncmp(p, "COMM", 4))) ||
		       (n == 10 && !strncmp(p, "common_pid", 10));
		p += n;
		p += *p == ' ';
	}
	ukt_buf_release(&f);
	ukt_buf_release(&err);
	return only;
}

static bool is_ret_kind(const struct probe *p)
{
	return p->kind == PK_URETPROBE || p->kind == PK_KRETPROBE;
}

/* Whether l->v[i] is the return half of an entry/return pair of the
 * probes from first on. */
static bool return_half(const struct probe_list *l, size_t first, size_t i)
{
	const struct probe *p = &l->v[i];

	if (p->role == PROBE_ROLE_RETURN)
		return true;
	if (!is_ret_kind(p) || !p->func)
		return false;
	for (size_t k = first; k < l->n; k++) {
		const struct probe *q = &l->v[k];

		if (k != i && !is_ret_kind(q) && q->kind != PK_TRACEPOINT && q->func &&
		    !strcmp(q->func, p->func))
			return true;
	}
	return false;
}

static int add_filter(struct probe *p, const char *expr, bool optional)
{
	char *f;

	if (!p->filter) {
		f = strdup(expr);
		p->filter_optional = optional;
	} else if (asprintf(&f, "(%s) && (%s)", p->filter, expr) < 0) {
		f = NULL;
	}
	if (!f)
		return -ENOMEM;
	free(p->filter);
	p->filter = f;
	return 0;
}

int probe_list_filter(struct probe_list *l, size_t first, const char *expr,
		      const char *spec, struct ukt_buf *err)
{
	struct ukt_buf fields = UKT_BUF_INIT, why = UKT_BUF_INIT;
	int rc = filter_fields(expr, &fields, &why);

	if (rc) {
		ukt_buf_addf(err, "--filter '%s' for '%s': %s", expr, spec, why.data);
		goto out;
	}
	for (size_t i = first; i < l->n && !rc; i++) {
		struct probe *p = &l->v[i];

		if (!return_half(l, first, i))
			rc = add_filter(p, expr, false);
		else if (p->role == PROBE_ROLE_RETURN)
			rc = add_filter(p, expr, true);
		else if (task_fields_only(expr))
			rc = add_filter(p, expr, false);
	}
out:
	ukt_buf_release(&fields);
	ukt_buf_release(&why);
	return rc;
}

void filter_format_fields(const char *format, struct ukt_buf *out)
{
	const char *p = format;
	size_t before = out->len;

	while ((p = strstr(p, "field:"))) {
		const char *semi = strchr(p, ';'), *name;

		if (!semi)
			break;
		/* "field:unsigned long __probe_ip;": the name is the last word */
		for (name = semi; name > p && !isspace((unsigned char)name[-1]) && name[-1] != ':'; name--)
			;
		if (strncmp(name, "common_", 7) && name < semi) {
			const char *br = memchr(name, '[', (size_t)(semi - name));
			size_t n = br ? (size_t)(br - name) : (size_t)(semi - name);

			ukt_buf_addf(out, "%s%.*s", out->len > before ? ", " : "", (int)n, name);
		}
		p = semi;
	}
	ukt_buf_addf(out, "%scomm, common_pid", out->len > before ? ", " : "");
}
