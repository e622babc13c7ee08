// SPDX-License-Identifier: MIT
/* The database schema (schema.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "schema.h"
#include "stats.h"

static const char schema[] =
"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);\n"
"CREATE TABLE cpus(cpu INTEGER PRIMARY KEY, events INTEGER, lost_events INTEGER,"
" overrun INTEGER, dropped INTEGER, missed_marks INTEGER, pages INTEGER,"
" raw_bytes INTEGER, stored_bytes INTEGER);\n"
"CREATE TABLE lost(cpu INTEGER, ts INTEGER, count INTEGER, from_ts INTEGER,"
" source TEXT);\n"
"CREATE TABLE probes(id INTEGER PRIMARY KEY, name TEXT, system TEXT, kind TEXT,"
" role TEXT, func TEXT, target TEXT, symbol TEXT, offset INTEGER, spec TEXT,"
" definition TEXT, view TEXT, args TEXT, events INTEGER);\n"
"CREATE TABLE threads(tid INTEGER PRIMARY KEY, pid INTEGER, comm TEXT);\n"
"CREATE TABLE calls(id INTEGER PRIMARY KEY, func TEXT, tid INTEGER, pid INTEGER,"
" comm TEXT, entry_ts INTEGER, return_ts INTEGER, duration_ns INTEGER,"
" self_ns INTEGER, depth INTEGER, parent_id INTEGER, caller_addr INTEGER,"
" caller_symbol TEXT, caller_object TEXT, args TEXT, ret INTEGER,"
" complete INTEGER, status TEXT, entry_event_id INTEGER, return_event_id INTEGER);\n"
"CREATE TABLE objects(path TEXT, build_id TEXT, symbols INTEGER);\n"
"CREATE TABLE symbols(object TEXT, addr INTEGER, size INTEGER, name TEXT);\n"
"CREATE TABLE maps(pid INTEGER, ts INTEGER, start INTEGER, end INTEGER,"
" offset INTEGER, object TEXT);\n"
"CREATE TABLE damage(kind TEXT, offset INTEGER, bytes INTEGER, block_type TEXT,"
" cpu INTEGER, first_ts INTEGER, last_ts INTEGER, description TEXT);\n";

/*
 * Events are stored in time order (id increases with ts), so they need no
 * index for time ranges; every index here is one a command reads through.
 */
static const char indexes[] =
"CREATE INDEX calls_func ON calls(func, complete, duration_ns, self_ns);\n"
"CREATE INDEX symbols_object ON symbols(object, addr);\n";

static char *sanitize(const char *s)
{
	size_t n = strlen(s);
	char *o = malloc(n + 2), *p = o;

	if (!o)
		return NULL;
	if (!n || (*s >= '0' && *s <= '9'))
		*p++ = '_';
	for (; *s && p - o < 120; s++)
		*p++ = ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			(*s >= '0' && *s <= '9') || *s == '_') ? *s : '_';
	*p = '\0';
	return o;
}

int schema_create_tables(struct db *d, int maxargs, struct ukt_buf *err)
{
	struct ukt_buf sql = UKT_BUF_INIT;
	int rc;

	ukt_buf_adds(&sql, schema);
	ukt_buf_adds(&sql, "CREATE TABLE events(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
			   " cpu INTEGER, tid INTEGER, pid INTEGER, probe_id INTEGER, ip INTEGER,"
			   " ret_ip INTEGER");
	for (int i = 0; i < maxargs; i++)
		ukt_buf_addf(&sql, ", arg%d", i);
	ukt_buf_adds(&sql, ");\n");
	rc = db_exec(d, sql.data, err);
	ukt_buf_release(&sql);
	return rc;
}

void schema_event_columns(int maxargs, struct ukt_buf *out)
{
	ukt_buf_adds(out, "id, ts, cpu, tid, pid, probe_id, ip, ret_ip");
	for (int i = 0; i < maxargs; i++)
		ukt_buf_addf(out, ", arg%d", i);
}

int schema_create_indexes(struct db *d, struct ukt_buf *err)
{
	return db_exec(d, indexes, err);
}

void schema_probe_view(const struct event_layout *l, struct ukt_buf *out)
{
	char *sv = sanitize(l->name);

	ukt_buf_addf(out, "probe_%s", sv ? sv : "x");
	free(sv);
}

static bool is_event_column(const char *col)
{
	static const char *const cols[] = { "id", "ts", "cpu", "tid", "pid", "ip", "ret_ip" };

	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		if (!strcmp(col, cols[i]))
			return true;
	return false;
}

/* One view per probe with its arguments under their own names. */
static int create_probe_views(struct db *d, const struct plan *p, struct ukt_buf *err)
{
	struct ukt_buf sql = UKT_BUF_INIT;
	int rc = 0;

	for (int i = 0; i < p->nlays && !rc; i++) {
		const struct event_layout *l = &p->lays[i];

		ukt_buf_reset(&sql);
		ukt_buf_adds(&sql, "CREATE VIEW IF NOT EXISTS \"");
		schema_probe_view(l, &sql);
		ukt_buf_adds(&sql, "\" AS SELECT id, ts, cpu, tid, pid, ip, ret_ip");
		for (int k = 0; k < l->nargs && k < PLAN_MAX_ARGS && !rc; k++) {
			char *col = sanitize(l->args[k].name);
			bool dup;

			if (!col) {
				rc = -ENOMEM;
				break;
			}
			dup = is_event_column(col);
			for (int j = 0; j < k && !dup; j++) {
				char *o = sanitize(l->args[j].name);

				dup = o && !strcmp(o, col);
				free(o);
			}
			ukt_buf_addf(&sql, ", arg%d AS \"%s%s\"", k, dup ? "arg_" : "", col);
			free(col);
		}
		ukt_buf_addf(&sql, " FROM events WHERE probe_id = %d", p->li[i].probe_id);
		if (!rc)
			rc = db_exec(d, sql.data, err);
	}
	ukt_buf_release(&sql);
	return rc;
}

int schema_create_views(struct db *d, const struct plan *p, struct ukt_buf *err)
{
	struct ukt_buf sql = UKT_BUF_INIT;
	int rc;

	ukt_buf_adds(&sql, "CREATE VIEW call_stats AS\n");
	stats_sql_view(&sql, "func", NULL);
	ukt_buf_adds(&sql, ";\nCREATE VIEW call_stats_by_process AS\n");
	stats_sql_view(&sql, "func, pid", NULL);
	ukt_buf_adds(&sql, ";\nCREATE VIEW call_stats_by_comm AS\n");
	stats_sql_view(&sql, "func, comm", NULL);
	ukt_buf_adds(&sql, ";\nCREATE VIEW callers AS\n");
	stats_sql_callers(&sql, NULL);
	ukt_buf_adds(&sql, ";\nCREATE VIEW event_info AS SELECT e.id, e.ts, e.cpu, e.tid,"
			   " e.pid, t.comm, p.name AS probe, p.system, e.ip, e.ret_ip"
			   " FROM events e LEFT JOIN probes p ON p.id = e.probe_id"
			   " LEFT JOIN threads t ON t.tid = e.tid;\n");
	rc = db_exec(d, sql.data, err);
	ukt_buf_release(&sql);
	return rc ? rc : create_probe_views(d, p, err);
}
