/* SPDX-License-Identifier: MIT */
/*
 * Which trace files and which database: the identity a cached TRACE.db is
 * checked against (cache.c), and that the import writes into it (tables.c).
 */
#ifndef UKT_CACHE_H
#define UKT_CACHE_H

#include <stddef.h>

struct stat;
struct ukt_buf;

/* The files' identity, one "path\tsize\tmtime\thash" line each: the cache
 * key (cache.c says what the hash covers). */
void report_files_identity(const char *const *paths, size_t n, struct ukt_buf *out);
/* "DEV:INO" of st: which file a database is. The import records its
 * own (meta.db_file), and a cache is used only at that very file. */
void report_file_id(const struct stat *st, char *buf, size_t n);

#endif
