/* SPDX-License-Identifier: MIT */
/*
 * SQLite, wrapped: the only module that sees sqlite3. Results are 0 or a
 * negative error; SQLite's own message is copied into the caller's buffer.
 */
#ifndef UKT_DB_H
#define UKT_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "uktrace/buf.h"

struct db;
struct db_stmt;

enum {
	DB_READONLY = 1,
	DB_CREATE = 2,		/* create a new file, mode 0600 (EEXIST when
				 * anything is at path: the caller removes) */
	DB_FAST = 4,		/* bulk-load pragmas: no journal, no fsync */
};

enum db_type { DB_NULL, DB_INT, DB_REAL, DB_TEXT, DB_BLOB };

/* Every database is opened with SQLite's defensive settings: an
 * untrusted schema cannot run functions with side effects or triggers;
 * an existing file cannot have its pages or schema written directly
 * either (db.c, harden). */
struct db *db_open(const char *path, int flags, struct ukt_buf *err);
/* The file's absolute path, or NULL (an in-memory database). */
const char *db_filename(struct db *d);
/* Close; 0 or negative (NULL is a no-op). */
int db_close(struct db *d);

/* Run one or more statements without results. */
int db_exec(struct db *d, const char *sql, struct ukt_buf *err);
/* Run a query with one integer result (0 when no row). */
int db_query_int(struct db *d, const char *sql, int64_t *v);
/* How many parameters one statement may have (SQLite's limit). */
int db_max_params(struct db *d);

struct db_stmt *db_prepare(struct db *d, const char *sql, struct ukt_buf *err);
/* db_exec and db_prepare of SQL built in a buffer: refused (with -ENOMEM,
 * NULL) when an append to it failed, so a statement cut short never runs. */
int db_exec_buf(struct db *d, const struct ukt_buf *sql, struct ukt_buf *err);
struct db_stmt *db_prepare_buf(struct db *d, const struct ukt_buf *sql, struct ukt_buf *err);
void db_finalize(struct db_stmt *s);

/* Binding is 1-based, as in SQLite. */
int db_bind_int(struct db_stmt *s, int i, int64_t v);
int db_bind_text(struct db_stmt *s, int i, const char *v, int len);
/* Text that stays valid and unchanged until the statement is reset. */
int db_bind_text_static(struct db_stmt *s, int i, const char *v);
int db_bind_blob(struct db_stmt *s, int i, const void *v, int len);
int db_bind_null(struct db_stmt *s, int i);
/* 1 a row is ready, 0 done, negative error (message in err if given). */
int db_step(struct db_stmt *s, struct ukt_buf *err);
int db_reset(struct db_stmt *s);
/* Ready to run again with new values for every parameter (no clearing:
 * the caller binds them all). */
int db_rerun(struct db_stmt *s);

int db_columns(struct db_stmt *s);
const char *db_column_name(struct db_stmt *s, int i);
enum db_type db_column_type(struct db_stmt *s, int i);
int64_t db_column_int(struct db_stmt *s, int i);
double db_column_real(struct db_stmt *s, int i);
const char *db_column_text(struct db_stmt *s, int i);	/* NULL for NULL */
/* Whether the statement only reads (sqlite3_stmt_readonly). */
bool db_stmt_readonly(struct db_stmt *s);

#endif
