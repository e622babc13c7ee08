// SPDX-License-Identifier: MIT
/* The SQLite boundary (db.h). */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "uktrace/outfile.h"

#include "db.h"
#include "errors.h"

struct db {
	sqlite3 *h;
};

struct db_stmt {
	sqlite3_stmt *s;
	sqlite3 *h;
};

static int rc_to_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK: return 0;
	case SQLITE_NOMEM: return -ENOMEM;
	case SQLITE_FULL: return -ENOSPC;
	case SQLITE_READONLY: return -EROFS;
	case SQLITE_PERM: case SQLITE_AUTH: return -EACCES;
	case SQLITE_CANTOPEN: return -ENOENT;
	case SQLITE_BUSY: case SQLITE_LOCKED: return -EBUSY;
	case SQLITE_IOERR: return -EIO;
	default: return -REP_E_SQL;
	}
}

/*
 * A database file is data, not code: a cache found next to a trace may
 * have been written by anyone. SQLite's defensive settings keep its
 * schema from reaching beyond the data (no functions with side effects or
 * table-valued pragmas in views, no loadable extensions; SQLite's
 * "Defense Against The Dark Arts"); triggers are never ours, so none run.
 * An existing file is also defensive: no writable_schema, no raw page
 * writes (a new one is ours from its first byte, and its bulk load needs
 * journal_mode=OFF, which defensive mode refuses). Views stay: the
 * schema's calls and call_stats are views, and a cache is only used once
 * it is known to be ours (cache.c).
 */
static int harden(sqlite3 *h, bool created)
{
	static const int off[] = {
		SQLITE_DBCONFIG_TRUSTED_SCHEMA, SQLITE_DBCONFIG_ENABLE_TRIGGER,
		SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION,
	};
	int rc = sqlite3_db_config(h, SQLITE_DBCONFIG_DEFENSIVE, !created, NULL);

	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]) && rc == SQLITE_OK; i++)
		rc = sqlite3_db_config(h, off[i], 0, NULL);
	return rc;
}

struct db *db_open(const char *path, int flags, struct ukt_buf *err)
{
	struct db *d = calloc(1, sizeof(*d));
	int of = (flags & DB_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	int rc;

	if (!d)
		return NULL;
	if (flags & DB_CREATE) {
		/* made here, new and private, so SQLite opens a file of ours
		 * (it would create one with mode 0644 and follow a symlink) */
		int fd = ukt_create_new(path, 0600);

		if (fd < 0) {
			if (err)
				ukt_buf_addf(err, "cannot create database '%s': %s", path, strerror(-fd));
			free(d);
			errno = -fd;
			return NULL;
		}
		close(fd);
		of |= SQLITE_OPEN_NOFOLLOW;
	}
	rc = sqlite3_open_v2(path, &d->h, of | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = harden(d->h, flags & DB_CREATE);
	if (rc != SQLITE_OK) {
		if (err)
			ukt_buf_addf(err, "cannot open database '%s': %s", path,
				     d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc));
		sqlite3_close(d->h);
		if (flags & DB_CREATE)
			unlink(path);
		free(d);
		errno = -rc_to_err(rc);
		return NULL;
	}
	sqlite3_extended_result_codes(d->h, 0);
	if (flags & DB_FAST)
		db_exec(d, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
			   "PRAGMA locking_mode=EXCLUSIVE; PRAGMA page_size=16384;"
			   "PRAGMA cache_size=-16384;", NULL);
	return d;
}

const char *db_filename(struct db *d)
{
	const char *f = sqlite3_db_filename(d->h, "main");

	return f && *f ? f : NULL;
}

int db_close(struct db *d)
{
	int rc;

	if (!d)
		return 0;
	rc = sqlite3_close(d->h);
	free(d);
	return rc_to_err(rc);
}

int db_exec(struct db *d, const char *sql, struct ukt_buf *err)
{
	char *msg = NULL;
	int rc = sqlite3_exec(d->h, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK && err)
		ukt_buf_addf(err, "%s", msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return rc_to_err(rc);
}

int db_exec_buf(struct db *d, const struct ukt_buf *sql, struct ukt_buf *err)
{
	if (ukt_buf_error(sql)) {
		if (err)
			ukt_buf_adds(err, strerror(-ukt_buf_error(sql)));
		return ukt_buf_error(sql);
	}
	return db_exec(d, sql->data, err);
}

struct db_stmt *db_prepare_buf(struct db *d, const struct ukt_buf *sql, struct ukt_buf *err)
{
	if (ukt_buf_error(sql)) {
		if (err)
			ukt_buf_adds(err, strerror(-ukt_buf_error(sql)));
		return NULL;
	}
	return db_prepare(d, sql->data, err);
}

int db_query_int(struct db *d, const char *sql, int64_t *v)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(d->h, sql, -1, &s, NULL);

	*v = 0;
	if (rc != SQLITE_OK)
		return rc_to_err(rc);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : rc_to_err(rc);
}

int db_max_params(struct db *d)
{
	return sqlite3_limit(d->h, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
}

struct db_stmt *db_prepare(struct db *d, const char *sql, struct ukt_buf *err)
{
	struct db_stmt *st = calloc(1, sizeof(*st));
	const char *tail = NULL;
	int rc;

	if (!st)
		return NULL;
	st->h = d->h;
	rc = sqlite3_prepare_v2(d->h, sql, -1, &st->s, &tail);
	if (rc != SQLITE_OK || !st->s) {
		if (err)
			ukt_buf_addf(err, "%s", rc != SQLITE_OK ? sqlite3_errmsg(d->h) : "empty statement");
		sqlite3_finalize(st->s);
		free(st);
		errno = rc != SQLITE_OK ? -rc_to_err(rc) : EINVAL;
		return NULL;
	}
	if (tail && tail[strspn(tail, " \t\r\n;")]) {
		if (err)
			ukt_buf_addf(err, "give one statement at a time (extra text: '%.40s')", tail);
		sqlite3_finalize(st->s);
		free(st);
		errno = EINVAL;
		return NULL;
	}
	return st;
}

void db_finalize(struct db_stmt *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->s);
	free(s);
}

int db_bind_int(struct db_stmt *s, int i, int64_t v)
{
	return rc_to_err(sqlite3_bind_int64(s->s, i, v));
}

int db_bind_text(struct db_stmt *s, int i, const char *v, int len)
{
	return rc_to_err(sqlite3_bind_text(s->s, i, v, len, SQLITE_TRANSIENT));
}

int db_bind_text_static(struct db_stmt *s, int i, const char *v)
{
	return rc_to_err(sqlite3_bind_text(s->s, i, v, -1, SQLITE_STATIC));
}

int db_bind_blob(struct db_stmt *s, int i, const void *v, int len)
{
	return rc_to_err(sqlite3_bind_blob(s->s, i, v, len, SQLITE_TRANSIENT));
}

int db_bind_null(struct db_stmt *s, int i)
{
	return rc_to_err(sqlite3_bind_null(s->s, i));
}

int db_step(struct db_stmt *s, struct ukt_buf *err)
{
	int rc = sqlite3_step(s->s);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s->s);
		return 0;
	}
	if (err)
		ukt_buf_addf(err, "%s", sqlite3_errmsg(s->h));
	rc = rc_to_err(sqlite3_reset(s->s) ? rc : rc);
	return rc ? rc : -REP_E_SQL;
}

int db_reset(struct db_stmt *s)
{
	sqlite3_reset(s->s);
	sqlite3_clear_bindings(s->s);
	return 0;
}

int db_rerun(struct db_stmt *s)
{
	sqlite3_reset(s->s);
	return 0;
}

int db_columns(struct db_stmt *s)
{
	return sqlite3_column_count(s->s);
}

const char *db_column_name(struct db_stmt *s, int i)
{
	const char *n = sqlite3_column_name(s->s, i);

	return n ? n : "?";
}

enum db_type db_column_type(struct db_stmt *s, int i)
{
	switch (sqlite3_column_type(s->s, i)) {
	case SQLITE_INTEGER: return DB_INT;
	case SQLITE_FLOAT: return DB_REAL;
	case SQLITE_TEXT: return DB_TEXT;
	case SQLITE_BLOB: return DB_BLOB;
	default: return DB_NULL;
	}
}

int64_t db_column_int(struct db_stmt *s, int i)
{
	return sqlite3_column_int64(s->s, i);
}

double db_column_real(struct db_stmt *s, int i)
{
	return sqlite3_column_double(s->s, i);
}

const char *db_column_text(struct db_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s->s, i);
}

bool db_stmt_readonly(struct db_stmt *s)
{
	return sqlite3_stmt_readonly(s->s);
}

