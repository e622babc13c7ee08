// SPDX-License-Identifier: MIT
/* Table, CSV and JSON output (output.h). */
#include <ctype.h>
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

/*
 * Text a spreadsheet would take for a formula (OWASP, "CSV Injection"):
 * a cell that begins with =, +, -, @, a tab or a carriage return. A
 * number stays a number: -12 and +1.5e3 are not formulas.
 */
static bool csv_formula(const char *s)
{
	const char *p = s + 1;
	bool digits = false;

	if (!*s || !strchr("=+-@\t\r", *s))
		return false;
	if (*s != '-' && *s != '+')
		return true;
	for (; isdigit((unsigned char)*p); p++)
		digits = true;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			digits = true;
	if (digits && (*p == 'e' || *p == 'E')) {
		const char *q = p + 1 + (p[1] == '+' || p[1] == '-');

		if (isdigit((unsigned char)*q)) {
			p = q;
			while (isdigit((unsigned char)*p))
				p++;
		}
	}
	return !digits || *p;
}

static void csv_field(FILE *out, const char *s)
{
	bool formula;

	if (!s)
		return;
	formula = csv_formula(s);
	if (!strpbrk(s, ",\"\n\r")) {
		if (formula)
			fputc('\'', out);
		fputs(s, out);
		return;
	}
	fputc('"', out);
	if (formula)
		fputc('\'', out);
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

/*
 * A code point a terminal acts on instead of showing (n bytes of valid
 * UTF-8 at s): the C1 controls U+0080..U+009F (U+009B is CSI to many
 * terminals), and the bidirectional marks, embeddings, overrides and
 * isolates, and the line and paragraph separators, which reorder or
 * break what follows them on the screen.
 */
static bool term_control(const unsigned char *s, int n)
{
	unsigned int cp;

	if (n == 2)
		return s[0] == 0xc2 && s[1] < 0xa0;
	if (n != 3 || s[0] != 0xe2)
		return false;
	cp = 0x2000u | (s[1] & 0x3fu) << 6 | (s[2] & 0x3fu);
	return cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* Bytes of the character at s as text shows it: n >= 1, or 0 when it
 * must be escaped (then one byte is escaped and the next looked at). */
static int term_len(const unsigned char *s, bool lines)
{
	int n = utf8_len(s);

	if (n == 1 && (s[0] >= 0x20 ? s[0] != 0x7f : lines && s[0] == '\n'))
		return 1;
	if (n > 1 && !term_control(s, n))
		return n;
	return 0;
}

void out_escape(struct ukt_buf *b, const char *s, bool lines)
{
	static const char hex[] = "0123456789abcdef";

	while (s && *s) {
		const unsigned char *u = (const unsigned char *)s;
		int n = term_len(u, lines);
		char e[4] = { '\\', 'x', hex[u[0] >> 4], hex[u[0] & 15] };

		if (n) {
			ukt_buf_add(b, s, (size_t)n);
			s += n;
		} else {
			ukt_buf_add(b, e, sizeof(e));
			s++;
		}
	}
}

/* Whether out_escape would change s (the common case is no: no copy). */
static bool term_clean(const char *s, bool lines)
{
	while (s && *s) {
		int n = term_len((const unsigned char *)s, lines);

		if (!n)
			return false;
		s += n;
	}
	return true;
}

const char *out_term(const char *s)
{
	static struct ukt_buf ring[8];
	static unsigned int next;
	struct ukt_buf *b;

	if (!s || term_clean(s, false))
		return s;
	b = &ring[next++ % 8];
	ukt_buf_reset(b);
	out_escape(b, s, false);
	return b->data;
}

void out_term_puts(FILE *f, const char *s)
{
	struct ukt_buf b = UKT_BUF_INIT;

	if (term_clean(s, true)) {
		fputs(s ? s : "", f);
		return;
	}
	out_escape(&b, s, true);
	fputs(b.data, f);
	ukt_buf_release(&b);
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

/* The width of s as out_escape shows it: code points, and four for
 * each escaped byte (good enough for names). */
static size_t term_width(const char *s)
{
	size_t w = 0;

	while (s && *s) {
		int n = term_len((const unsigned char *)s, false);

		w += n ? 1 : 4;
		s += n ? n : 1;
	}
	return w;
}

/* The table for people: every cell and header as out_term shows it
 * (text from a trace must not drive the terminal), in aligned columns. */
static void print_aligned(const struct out_table *t, FILE *out)
{
	struct ukt_buf esc = UKT_BUF_INIT;
	size_t *w = calloc((size_t)t->ncols + 1, sizeof(*w));

	if (!w)
		return;
	/* row 0 is the headers */
	for (size_t r = 0; r <= t->nrows; r++)
		for (int i = 0; i < t->ncols; i++) {
			const char *s = r ? t->cells[(r - 1) * (size_t)t->ncols + (size_t)i].text :
					t->headers[i];
			size_t x = term_width(s);

			if (x > w[i])
				w[i] = x;
		}
	for (size_t r = 0; r <= t->nrows; r++)
		for (int i = 0; i < t->ncols; i++) {
			const char *s = r ? t->cells[(r - 1) * (size_t)t->ncols + (size_t)i].text :
					t->headers[i];
			size_t pad = w[i] - term_width(s);

			if (!s)
				s = "";
			if (!term_clean(s, false)) {
				ukt_buf_reset(&esc);
				out_escape(&esc, s, false);
				s = esc.data;
			}
			if (t->right[i])
				fprintf(out, "%*s%s", (int)pad, "", s);
			else if (i == t->ncols - 1)
				fputs(s, out);
			else
				fprintf(out, "%s%*s", s, (int)pad, "");
			fputs(i == t->ncols - 1 ? "\n" : "  ", out);
		}
	ukt_buf_release(&esc);
	free(w);
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
	print_aligned(t, out);
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

