// SPDX-License-Identifier: MIT
/* ClickHouse over HTTP (clickhouse.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clickhouse.h"
#include "http.h"

struct ch {
	struct http_conn *c;
	char *db;
	bool readonly;
};

struct ch *ch_open(const char *url, const char *db, const struct ch_login *login,
		   struct ukt_buf *err)
{
	struct http_opts ho = { .port = CH_HTTP_PORT, .tls_port = CH_HTTPS_PORT };
	struct ch *h;

	if (login) {
		ho.user = login->user;
		ho.password = login->password;
		ho.cacert = login->cacert;
		ho.compress = login->compress == CH_COMPRESS_YES ? HTTP_COMPRESS_YES :
			      login->compress == CH_COMPRESS_NO ? HTTP_COMPRESS_NO :
			      HTTP_COMPRESS_AUTO;
	}
	for (const char *p = db; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_')) {
			ukt_buf_addf(err, "--database '%s': a database name has letters, digits and '_' only", db);
			return NULL;
		}
	}
	h = calloc(1, sizeof(*h));
	if (!h || !(h->db = strdup(db))) {
		ch_close(h);
		ukt_buf_adds(err, strerror(ENOMEM));
		return NULL;
	}
	h->c = http_open(url ? url : CH_DEFAULT_URL, &ho, err);
	if (!h->c) {
		ch_close(h);
		return NULL;
	}
	return h;
}

struct ch *ch_dup(const struct ch *h, struct ukt_buf *err)
{
	struct ch *d = calloc(1, sizeof(*d));

	if (d && (d->db = strdup(h->db)) && (d->c = http_dup(h->c))) {
		d->readonly = h->readonly;
		return d;
	}
	ch_close(d);
	ukt_buf_addf(err, "cannot open a second connection to %s: %s", http_where(h->c),
		     strerror(ENOMEM));
	return NULL;
}

void ch_close(struct ch *h)
{
	if (!h)
		return;
	http_free(h->c);
	free(h->db);
	free(h);
}

const char *ch_db(const struct ch *h)
{
	return h->db;
}

const char *ch_url(const struct ch *h)
{
	return http_url(h->c);
}

void ch_set_readonly(struct ch *h)
{
	h->readonly = true;
}

/* The server's words say that it did not take the user or the password:
 * 192 unknown user, 193 wrong password, 194 a password is needed, 516
 * authentication failed (newer servers). */
static bool login_refused(const char *said)
{
	long code = strncmp(said, "Code: ", 6) ? 0 : strtol(said + 6, NULL, 10);

	return (code >= 192 && code <= 194) || code == 516;
}

/* POST the body with the query string q (encoded) and the settings
 * (name=value&..., or NULL), in our database unless it does not exist
 * yet (CREATE DATABASE). */
static int post(struct ch *h, const char *q, const char *settings, bool in_db,
		const void *body, size_t len, struct ukt_buf *out, struct ukt_buf *err)
{
	struct ukt_buf target = UKT_BUF_INIT;
	int status = 0, rc;

	if (in_db) {
		ukt_buf_adds(&target, "database=");
		http_urlencode(h->db, &target);
	}
	if (h->readonly)
		ukt_buf_adds(&target, in_db ? "&readonly=1" : "readonly=1");
	if (q) {
		ukt_buf_adds(&target, in_db || h->readonly ? "&query=" : "query=");
		http_urlencode(q, &target);
	}
	if (settings)
		ukt_buf_addf(&target, "%s%s", target.len ? "&" : "", settings);
	rc = http_post(h->c, target.len ? target.data : NULL, body, len, &status, out, err);
	if (!rc && (status < 200 || status > 299)) {
		/* "Code: 60, e.displayText() = DB::Exception: Table ... doesn't exist" */
		ukt_buf_addf(err, "ClickHouse refused it (HTTP %d): %.*s", status,
			     (int)strcspn(out->data, "\n"), out->data);
		if (status == 401 || status == 403 || login_refused(out->data))
			ukt_buf_adds(err, "\n(the user comes from the URL, http://USER@HOST:PORT, or CLICKHOUSE_USER; the password from --password-file FILE or CLICKHOUSE_PASSWORD)");
		rc = -EIO;
	}
	ukt_buf_release(&target);
	return rc;
}

int ch_exec(struct ch *h, const char *sql, struct ukt_buf *err)
{
	struct ukt_buf out = UKT_BUF_INIT;
	bool in_db = strncmp(sql, "CREATE DATABASE", 15) != 0;
	int rc = post(h, NULL, NULL, in_db, sql, strlen(sql), &out, err);

	ukt_buf_release(&out);
	return rc;
}

int ch_query(struct ch *h, const char *sql, struct ukt_buf *out, struct ukt_buf *err)
{
	return post(h, NULL, NULL, true, sql, strlen(sql), out, err);
}

int ch_query_int(struct ch *h, const char *sql, int64_t *v, struct ukt_buf *err)
{
	struct ukt_buf out = UKT_BUF_INIT;
	int rc = ch_query(h, sql, &out, err);

	*v = rc ? 0 : strtoll(out.data, NULL, 10);
	ukt_buf_release(&out);
	return rc;
}

int ch_insert(struct ch *h, const char *table, const struct ukt_buf *rows,
	      struct ukt_buf *err)
{
	struct ukt_buf q = UKT_BUF_INIT, out = UKT_BUF_INIT;
	int rc;

	if (!rows->len)
		return 0;
	ukt_buf_addf(&q, "INSERT INTO %s FORMAT RowBinary", table);
	/* a batch is one block already: not squashed (copied) into
	 * another, larger one before it is written */
	rc = post(h, q.data, "min_insert_block_size_rows=0&min_insert_block_size_bytes=0", true,
		  rows->data, rows->len, &out, err);
	ukt_buf_release(&q);
	ukt_buf_release(&out);
	return rc;
}

void rb_int_slow(struct ukt_buf *b, int64_t v, int bytes)
{
	unsigned char le[8];

	for (int i = 0; i < bytes; i++)
		le[i] = (unsigned char)((uint64_t)v >> (8 * i));
	ukt_buf_add(b, (const char *)le, (size_t)bytes);
}

void rb_str_slow(struct ukt_buf *b, const char *s, size_t n)
{
	unsigned char len[10];
	size_t k = 0, v = n;

	/* the length as a LEB128 varint */
	do {
		len[k++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	ukt_buf_add(b, (const char *)len, k);
	ukt_buf_add(b, s, n);
}

void ch_quote(const char *s, struct ukt_buf *out)
{
	ukt_buf_adds(out, "'");
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			ukt_buf_add(out, "\\", 1);
		ukt_buf_add(out, s, 1);
	}
	ukt_buf_adds(out, "'");
}

/* A TSV field unescaped in place: \t \n \\ and the others. */
static void tsv_unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s != '\\' || !s[1]) {
			*w++ = *s;
			continue;
		}
		s++;
		switch (*s) {
		case 't': *w++ = '\t'; break;
		case 'n': *w++ = '\n'; break;
		case 'r': *w++ = '\r'; break;
		case '0': *w++ = '\0'; break;
		case 'b': *w++ = '\b'; break;
		case 'f': *w++ = '\f'; break;
		default: *w++ = *s; break;
		}
	}
	*w = '\0';
}

/* The fields of one TSV line (modified in place); how many. */
static int split(char *line, char **f, int max)
{
	int n = 0;

	while (n < max) {
		char *tab = strchr(line, '\t');

		f[n++] = line;
		if (!tab)
			break;
		*tab = '\0';
		line = tab + 1;
	}
	return n;
}

static bool int_type(const char *t)
{
	if (!strncmp(t, "Nullable(", 9))
		t += 9;
	return !strncmp(t, "Int", 3) || !strncmp(t, "UInt", 4);
}

static bool real_type(const char *t)
{
	if (!strncmp(t, "Nullable(", 9))
		t += 9;
	return !strncmp(t, "Float", 5) || !strncmp(t, "Decimal", 7);
}

int ch_query_table(struct ch *h, const char *sql, const char *const *durations,
		   struct out_table *t, struct ukt_buf *err)
{
	struct ukt_buf q = UKT_BUF_INIT, out = UKT_BUF_INIT;
	char *names[256], *types[256], *f[256], *line, *next;
	bool dur[256];
	int rc, nc = 0;

	ukt_buf_addf(&q, "%s\nFORMAT TSVWithNamesAndTypes", sql);
	rc = ch_query(h, q.data, &out, err);
	if (rc)
		goto done;
	line = out.data;
	next = strchr(line, '\n');
	if (!next) {
		ukt_buf_adds(err, "the query returned no columns");
		rc = -EIO;
		goto done;
	}
	*next++ = '\0';
	nc = split(line, names, 256);
	line = next;
	next = strchr(line, '\n');
	if (!next || split((*next = '\0', line), types, 256) != nc) {
		ukt_buf_adds(err, "a result without its column types");
		rc = -EIO;
		goto done;
	}
	for (int i = 0; i < nc; i++) {
		size_t l = strlen(names[i]);

		tsv_unescape(names[i]);
		dur[i] = l > 3 && !strcmp(names[i] + l - 3, "_ns");
		for (const char *const *d = durations; d && *d; d++)
			dur[i] |= !strcmp(names[i], *d);
	}
	rc = out_table_init(t, nc, (const char *const *)names);
	for (line = next + 1; !rc && *line; line = next) {
		int n;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		n = split(line, f, 256);
		out_table_row(t);
		for (int i = 0; i < nc; i++) {
			if (i >= n || !strcmp(f[i], "\\N")) {
				out_set_null(t, i);
			} else if (int_type(types[i])) {
				int64_t v = strtoll(f[i], NULL, 10);
				char b[32];

				if (dur[i]) {
					fmt_duration(b, sizeof(b), v);
					out_set_int_shown(t, i, v, b);
				} else {
					out_set_int(t, i, v);
				}
			} else if (real_type(types[i])) {
				out_set_real(t, i, strtod(f[i], NULL));
			} else {
				tsv_unescape(f[i]);
				out_set_text(t, i, f[i]);
			}
		}
	}
done:
	ukt_buf_release(&q);
	ukt_buf_release(&out);
	return rc;
}
