// SPDX-License-Identifier: MIT
/* Table, CSV and JSON output (output.h). */
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

int out_format_parse(const char *s)
{
	if (!strcmp(s, "table"))
		return OUT_TABLE;
	if (!strcmp(s, "csv"))
		return OUT_CSV;
	if (!strcmp(s, "json"))
		return OUT_JSON;
	return -1;
}

int out_table_init(struct out_table *t, int ncols, const char *const *headers)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->headers = calloc((size_t)ncols + 1, sizeof(*t->headers));
	t->right = calloc((size_t)ncols + 1, sizeof(*t->right));
	if (!t->headers || !t->right)
		return -ENOMEM;
	for (int i = 0; i < ncols; i++) {
		t->headers[i] = strdup(headers[i] ? headers[i] : "");
		if (!t->headers[i])
			return -ENOMEM;
	}
	return 0;
}

void out_table_release(struct out_table *t)
{
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i].text);
	for (int i = 0; t->headers && i < t->ncols; i++)
		free(t->headers[i]);
	free(t->headers);
	free(t->right);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

int out_table_row(struct out_table *t)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		void *p = reallocarray(t->cells, cap * (size_t)t->ncols, sizeof(*t->cells));

		if (!p)
			return -ENOMEM;
		t->cells = p;
		t->cap = cap;
	}
	memset(&t->cells[t->nrows * (size_t)t->ncols], 0, (size_t)t->ncols * sizeof(*t->cells));
	t->nrows++;
	return 0;
}

static struct out_cell *cell(struct out_table *t, int col)
{
	struct out_cell *c = &t->cells[(t->nrows - 1) * (size_t)t->ncols + (size_t)col];

	free(c->text);
	c->text = NULL;
	return c;
}

void out_set_null(struct out_table *t, int col)
{
	cell(t, col)->type = CELL_NULL;
}

void out_set_int(struct out_table *t, int col, int64_t v)
{
	struct out_cell *c = cell(t, col);
	char b[32];

	snprintf(b, sizeof(b), "%" PRId64, v);
	c->type = CELL_INT;
	c->i = v;
	c->text = strdup(b);
	t->right[col] = true;
}

void out_set_int_shown(struct out_table *t, int col, int64_t v, const char *shown)
{
	struct out_cell *c = cell(t, col);

	c->type = CELL_INT;
	c->i = v;
	c->text = strdup(shown);
	t->right[col] = true;
}

void out_set_real(struct out_table *t, int col, double v)
{
	struct out_cell *c = cell(t, col);
	char b[64];

	snprintf(b, sizeof(b), "%.6g", v);
	c->type = CELL_REAL;
	c->r = v;
	c->text = strdup(b);
	t->right[col] = true;
}

void out_set_text(struct out_table *t, int col, const char *s)
{
	struct out_cell *c = cell(t, col);

	c->type = s ? CELL_TEXT : CELL_NULL;
	c->text = s ? strdup(s) : NULL;
}

static void csv_field(FILE *out, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

/* The length of the valid UTF-8 sequence at s, or 0. */
static int utf8_len(const unsigned char *s)
{
	int n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 :
		(s[0] & 0xf8) == 0xf0 ? 4 : 0;

	if (s[0] >= 0xc0 && s[0] < 0xc2)
		return 0;	/* overlong */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xf0 && s[1] < 0x90))
		return 0;	/* overlong */
	if (s[0] == 0xed && s[1] >= 0xa0)
		return 0;	/* a UTF-16 surrogate */
	if (s[0] > 0xf4 || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;	/* beyond U+10FFFF */
	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void out_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	while (s && *s) {
		unsigned char c = (unsigned char)*s;
		int n = utf8_len((const unsigned char *)s);

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20 || !n)
			fprintf(out, "\\u%04x", c);	/* a stray byte as its code point */
		else {
			fwrite(s, 1, (size_t)n, out);
			s += n;
			continue;
		}
		s++;
	}
	fputc('"', out);
}

/* The code point of the valid UTF-8 sequence of n bytes at s. */
static unsigned int utf8_cp(const unsigned char *s, int n)
{
	unsigned int cp = n == 1 ? s[0] : s[0] & (0x7f >> n);

	for (int i = 1; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	return cp;
}

/*
 * Whether XML 1.0 and HTML take code point cp as text: not the C0
 * controls but tab and newline (carriage return is written as a
 * reference), DEL and the C1 controls, nor the noncharacters (U+FDD0 to
 * U+FDEF, and the last two of every plane: U+FFFE is what made an SVG
 * not well-formed).
 */
static bool xml_char(unsigned int cp)
{
	if (cp < 0x20)
		return cp == '\t' || cp == '\n';
	if (cp >= 0x7f && cp < 0xa0)
		return false;
	if (cp >= 0xfdd0 && cp <= 0xfdef)
		return false;
	return (cp & 0xfffe) != 0xfffe;
}

void out_xml_text(FILE *out, const char *s)
{
	while (s && *s) {
		unsigned char c = (unsigned char)*s;
		int n = utf8_len((const unsigned char *)s);

		switch (c) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		case '\r': fputs("&#13;", out); break;
		default:
			/* what XML cannot hold, and bytes that are not UTF-8,
			 * become U+FFFD, the replacement character */
			if (!n || !xml_char(utf8_cp((const unsigned char *)s, n))) {
				fputs("\xef\xbf\xbd", out);
				s += n ? n : 1;
				continue;
			}
			fwrite(s, 1, (size_t)n, out);
			s += n;
			continue;
		}
		s++;
	}
}

/* Display width of UTF-8 text (code points; good enough for names). */
static size_t width(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

void out_table_print(const struct out_table *t, enum out_format f, FILE *out)
{
	const struct out_cell *c;

	if (f == OUT_CSV) {
		for (int i = 0; i < t->ncols; i++) {
			if (i)
				fputc(',', out);
			csv_field(out, t->headers[i]);
		}
		fputc('\n', out);
		for (size_t r = 0; r < t->nrows; r++) {
			for (int i = 0; i < t->ncols; i++) {
				c = &t->cells[r * (size_t)t->ncols + (size_t)i];
				if (i)
					fputc(',', out);
				if (c->type == CELL_INT)
					fprintf(out, "%" PRId64, c->i);
				else if (c->type == CELL_REAL)
					fprintf(out, "%.17g", c->r);
				else
					csv_field(out, c->text);
			}
			fputc('\n', out);
		}
		return;
	}
	if (f == OUT_JSON) {
		fputs("[", out);
		for (size_t r = 0; r < t->nrows; r++) {
			fputs(r ? ",\n {" : "\n {", out);
			for (int i = 0; i < t->ncols; i++) {
				c = &t->cells[r * (size_t)t->ncols + (size_t)i];
				if (i)
					fputs(", ", out);
				out_json_string(out, t->headers[i]);
				fputs(": ", out);
				if (c->type == CELL_INT)
					fprintf(out, "%" PRId64, c->i);
				else if (c->type == CELL_REAL)
					fprintf(out, "%.17g", c->r);
				else if (c->type == CELL_TEXT && c->text)
					out_json_string(out, c->text);
				else
					fputs("null", out);
			}
			fputs("}", out);
		}
		fputs(t->nrows ? "\n]\n" : "]\n", out);
		return;
	}
	{
		size_t *w = calloc((size_t)t->ncols + 1, sizeof(*w));

		if (!w)
			return;
		for (int i = 0; i < t->ncols; i++)
			w[i] = width(t->headers[i]);
		for (size_t r = 0; r < t->nrows; r++)
			for (int i = 0; i < t->ncols; i++) {
				size_t x;

				c = &t->cells[r * (size_t)t->ncols + (size_t)i];
				x = width(c->text ? c->text : "");
				if (x > w[i])
					w[i] = x;
			}
		for (int pass = 0; pass < 2; pass++) {
			for (size_t r = 0; r < (pass ? t->nrows : 1); r++) {
				for (int i = 0; i < t->ncols; i++) {
					const char *s = pass ? t->cells[r * (size_t)t->ncols + (size_t)i].text
							     : t->headers[i];
					size_t pad;

					if (!s)
						s = "";
					pad = w[i] - width(s);
					if (t->right[i])
						fprintf(out, "%*s%s", (int)pad, "", s);
					else if (i == t->ncols - 1)
						fputs(s, out);
					else
						fprintf(out, "%s%*s", s, (int)pad, "");
					fputs(i == t->ncols - 1 ? "\n" : "  ", out);
				}
			}
		}
		free(w);
	}
}

void fmt_duration(char *buf, size_t n, int64_t ns)
{
	double v = (double)ns;

	if (ns < 0)
		snprintf(buf, n, "-");
	else if (ns < 1000)
		snprintf(buf, n, "%" PRId64 " ns", ns);
	else if (ns < 1000000)
		snprintf(buf, n, "%.2f us", v / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, n, "%.2f ms", v / 1e6);
	else
		snprintf(buf, n, "%.3f s", v / 1e9);
}

