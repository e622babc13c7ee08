/* SPDX-License-Identifier: MIT */
/*
 * ClickHouse over its HTTP interface: statements, queries, and inserts of
 * rows in RowBinary (each value in its column's binary form: no escaping,
 * no parsing of text on the server). The one module that speaks to
 * ClickHouse; http.c carries the bytes (http or https, libcurl).
 */
#ifndef UKT_CLICKHOUSE_H
#define UKT_CLICKHOUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output.h"
#include "uktrace/buf.h"

#define CH_DEFAULT_URL "http://127.0.0.1:8123"
#define CH_DEFAULT_DB "uktrace"
/* ClickHouse's own defaults, for a URL without a port */
#define CH_HTTP_PORT 8123
#define CH_HTTPS_PORT 8443

struct ch;

/* Whether the load's batches go deflated (HTTP Content-Encoding). */
enum ch_compress {
	CH_COMPRESS_AUTO,	/* to a server on another host */
	CH_COMPRESS_YES,
	CH_COMPRESS_NO,
};

/* Who we are to the server and whom we trust; each NULL when not given. */
struct ch_login {
	const char *user;	/* when the URL has no user@ */
	const char *password;	/* when the URL has no :password@ */
	const char *cacert;	/* https: a PEM file of the certificates to
				 * trust (a self-signed server's), instead of
				 * the system's authorities */
	enum ch_compress compress;	/* bodies of 4 KiB and more deflated */
};

/*
 * A client of the server at url ("[http[s]://][user[:password]@]host
 * [:port]", http://127.0.0.1:8123 when NULL), for database db (which need
 * not exist yet); login may be NULL. Nothing is sent yet. NULL with a
 * message in err.
 */
struct ch *ch_open(const char *url, const char *db, const struct ch_login *login,
		   struct ukt_buf *err);
void ch_close(struct ch *h);
const char *ch_db(const struct ch *h);
/* A second connection to h's server and database, as h's user, for
 * requests from another thread in parallel. NULL with a message in err. */
struct ch *ch_dup(const struct ch *h, struct ukt_buf *err);
/* The server's URL as given, without its password: safe to print. */
const char *ch_url(const struct ch *h);

/* Run one statement; the server's words in err when it refuses (and how
 * to log in, when it did not take the user or the password). 0, or -EIO
 * (refused) / -errno (not reached, http.h). */
int ch_exec(struct ch *h, const char *sql, struct ukt_buf *err);
/* Run a query; its output (in the FORMAT the query names) into out. */
int ch_query(struct ch *h, const char *sql, struct ukt_buf *out, struct ukt_buf *err);
/* A query's single integer (0 when it returned nothing). */
int ch_query_int(struct ch *h, const char *sql, int64_t *v, struct ukt_buf *err);
/* INSERT INTO db.table FORMAT RowBinary: rows, encoded with rb_*().
 * table may name the columns the rows have, "events (host, id)": the
 * others take their defaults (NULL for a Nullable), which the server
 * fills without parsing a value per row. */
int ch_insert(struct ch *h, const char *table, const struct ukt_buf *rows,
	      struct ukt_buf *err);

/*
 * A query's result as a table for output.h: the query is run with
 * FORMAT TSVWithNamesAndTypes (the caller's SQL must not name a format);
 * integers stay integers, \N is NULL. Columns named *_ns, or in durations
 * (a NULL-terminated list, or NULL), show as durations in tables.
 */
int ch_query_table(struct ch *h, const char *sql, const char *const *durations,
		   struct out_table *t, struct ukt_buf *err);

/* From now on, every request runs with readonly=1: queries only. */
void ch_set_readonly(struct ch *h);

/*
 * RowBinary values (little-endian, as the server reads them). Loading
 * writes tens of values per event: the common case (room in b, reserved
 * ahead with ukt_buf_grow) is inline stores, the rest goes through
 * ukt_buf_add in rb_int_slow/rb_str_slow.
 */
void rb_int_slow(struct ukt_buf *b, int64_t v, int bytes);
void rb_str_slow(struct ukt_buf *b, const char *s, size_t n);
static inline void rb_int(struct ukt_buf *b, int64_t v, int bytes)
{
	if (__builtin_expect(b->cap - b->len > 8 && !b->err, 1)) {
		unsigned char *p = (unsigned char *)b->data + b->len;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		__builtin_memcpy(p, &v, 8);
#else
		for (int i = 0; i < 8; i++)
			p[i] = (unsigned char)((uint64_t)v >> (8 * i));
#endif
		/* the 8 - bytes stored past the value are overwritten next */
		b->len += (size_t)bytes;
		b->data[b->len] = '\0';
		return;
	}
	rb_int_slow(b, v, bytes);
}
static inline void rb_str(struct ukt_buf *b, const char *s, size_t n)
{
	if (__builtin_expect(n < 128 && b->cap - b->len > n + 2 && !b->err, 1)) {
		char *p = b->data + b->len;

		/* a length below 128 is one byte of LEB128 */
		p[0] = (char)n;
		__builtin_memcpy(p + 1, s, n);
		b->len += n + 1;
		b->data[b->len] = '\0';
		return;
	}
	rb_str_slow(b, s, n);
}
static inline void rb_cstr(struct ukt_buf *b, const char *s)
{
	rb_str(b, s ? s : "", s ? __builtin_strlen(s) : 0);
}
/* A Nullable column's null marker: true for NULL (no value follows). */
static inline void rb_null(struct ukt_buf *b, bool is_null)
{
	rb_int(b, is_null, 1);
}
static inline void rb_nint(struct ukt_buf *b, bool has, int64_t v, int bytes)
{
	rb_null(b, !has);
	if (has)
		rb_int(b, v, bytes);
}
static inline void rb_ncstr(struct ukt_buf *b, const char *s)
{
	rb_null(b, !s);
	if (s)
		rb_cstr(b, s);
}

/* s as a ClickHouse string literal ('...' with escapes), appended. */
void ch_quote(const char *s, struct ukt_buf *out);

#endif
