// SPDX-License-Identifier: MIT
/*
 * The database schema (schema.h, docs/SCHEMA.md). Calls and events are
 * stored narrow, in call_data and event_data: strings as ids (funcs,
 * sites, call_status), times relative to the trace's first event, and an
 * event that its call row reproduces exactly is not stored twice (it is
 * "folded"). The views calls, events and probe_NAME give them back with
 * the column names the schema has always had, in plain SQL the stock
 * sqlite3 shell runs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "schema.h"
#include "stats.h"
#include "uktrace/pair.h"

static const char tables[] =
"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);\n"
"CREATE TABLE cpus(cpu INTEGER PRIMARY KEY, events INTEGER, lost_events INTEGER,"
" overrun INTEGER, dropped INTEGER, missed_marks INTEGER, pages INTEGER,"
" raw_bytes INTEGER, stored_bytes INTEGER, overwritten INTEGER);\n"
"CREATE TABLE lost(cpu INTEGER, ts INTEGER, count INTEGER, from_ts INTEGER,"
" source TEXT);\n"
"CREATE TABLE probes(id INTEGER PRIMARY KEY, name TEXT, system TEXT, kind TEXT,"
" role TEXT, func TEXT, target TEXT, symbol TEXT, offset INTEGER, spec TEXT,"
" definition TEXT, view TEXT, args TEXT, events INTEGER, filter TEXT, returns TEXT,"
" function TEXT);\n"
"CREATE TABLE threads(tid INTEGER PRIMARY KEY, pid INTEGER, comm TEXT,"
" sp_base INTEGER);\n"
"CREATE TABLE thread_comms(tid INTEGER, ts INTEGER, comm TEXT);\n"
"CREATE TABLE funcs(id INTEGER PRIMARY KEY, name TEXT, entry_probe INTEGER,"
" return_probe INTEGER);\n"
"CREATE TABLE sites(id INTEGER PRIMARY KEY, pid INTEGER, addr INTEGER,"
" symbol TEXT, object TEXT);\n"
"CREATE TABLE call_status(id INTEGER PRIMARY KEY, name TEXT, complete INTEGER);\n"
"CREATE TABLE stacks(id INTEGER PRIMARY KEY, kind TEXT, pid INTEGER, depth INTEGER,"
" complete INTEGER, frames TEXT);\n"
"CREATE TABLE stack_frame_data(stack_id INTEGER, depth INTEGER, site INTEGER,"
" PRIMARY KEY(stack_id, depth)) WITHOUT ROWID;\n"
"CREATE TABLE event_stacks(event_id INTEGER, stack_id INTEGER,"
" PRIMARY KEY(event_id, stack_id)) WITHOUT ROWID;\n"
/* the columns the statistics scan reads come first: SQLite decodes a
 * record's header up to the last column a query reads */
"CREATE TABLE call_data(id INTEGER PRIMARY KEY, func INTEGER, tid INTEGER,"
" flags INTEGER, dur INTEGER, self INTEGER, ts INTEGER, depth INTEGER,"
" parent INTEGER, site INTEGER, ret INTEGER, ev INTEGER, evd INTEGER,"
" cpu INTEGER, rcpu INTEGER, ip INTEGER, sp INTEGER, args TEXT);\n"
"CREATE TABLE func_ips(func INTEGER, pid INTEGER, ip INTEGER,"
" PRIMARY KEY(func, pid)) WITHOUT ROWID;\n"
"CREATE TABLE objects(path TEXT, build_id TEXT, symbols INTEGER, dev TEXT,"
" inode INTEGER, mntns TEXT, symbols_from TEXT);\n"
"CREATE TABLE symbols(object TEXT, addr INTEGER, size INTEGER, name TEXT);\n"
"CREATE TABLE maps(pid INTEGER, ts INTEGER, start INTEGER, end INTEGER,"
" offset INTEGER, object TEXT);\n"
"CREATE TABLE damage(kind TEXT, offset INTEGER, bytes INTEGER, block_type TEXT,"
" cpu INTEGER, first_ts INTEGER, last_ts INTEGER, description TEXT);\n";

/* Every index here is one a command reads through. */
static const char indexes[] =
"CREATE INDEX symbols_object ON symbols(object, addr);\n"
"CREATE INDEX thread_comms_tid ON thread_comms(tid, ts);\n";

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

	ukt_buf_adds(&sql, tables);
	ukt_buf_adds(&sql, "CREATE TABLE event_data(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
			   " cpu INTEGER, tid INTEGER, probe_id INTEGER, ip INTEGER, ret_ip INTEGER");
	for (int i = 0; i < maxargs; i++)
		ukt_buf_addf(&sql, ", arg%d", i);
	ukt_buf_adds(&sql, ");\nCREATE TABLE fold(probe_id INTEGER PRIMARY KEY, func INTEGER,"
			   " role INTEGER, has_ip INTEGER, has_ret_ip INTEGER");
	for (int i = 0; i < maxargs; i++)
		ukt_buf_addf(&sql, ", s%d, v%d", i, i);
	ukt_buf_adds(&sql, ");\n");
	for (int s = 0; s < CALL_NSTATUS; s++)
		ukt_buf_addf(&sql, "INSERT INTO call_status VALUES(%d, '%s', %d);\n", s,
			     call_status_name((enum call_status)s), s == CALL_COMPLETE);
	rc = db_exec_buf(d, &sql, err);
	ukt_buf_release(&sql);
	return rc;
}

void schema_event_columns(int maxargs, struct ukt_buf *out)
{
	ukt_buf_adds(out, "id, ts, cpu, tid, probe_id, ip, ret_ip");
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

/* The joins a folded event needs: its thread (pid, stack base), its call
 * site (caller address), its function's address in its process. */
static const char fold_joins[] =
	" LEFT JOIN threads t ON t.tid = c.tid LEFT JOIN sites s ON s.id = c.site"
	" LEFT JOIN func_ips fi ON fi.func = c.func AND fi.pid = t.pid";

/*
 * The columns of a folded event after its id: ts, cpu, tid, pid, then
 * probe_id when probe is given (the events view), then ip and ret_ip.
 */
static void folded_head(struct ukt_buf *sql, bool ret, int64_t base, const char *probe,
			const char *has_ip, const char *has_ret_ip)
{
	ukt_buf_addf(sql, "c.ts + %" PRId64 "%s, %s, c.tid, t.pid, ", base,
		     ret ? " + c.dur" : "", ret ? "c.rcpu" : "c.cpu");
	if (probe)
		ukt_buf_addf(sql, "%s, ", probe);
	ukt_buf_addf(sql, "CASE WHEN %s THEN COALESCE(c.ip, fi.ip) END, ", has_ip);
	if (ret)
		ukt_buf_addf(sql, "CASE WHEN %s THEN s.addr END", has_ret_ip);
	else
		ukt_buf_adds(sql, "NULL");
}

/* An argument of a folded event from where plan.h says it comes back. */
static void folded_arg(struct ukt_buf *sql, const struct lay_info *li, int k)
{
	switch (li->fold_src[k]) {
	case FOLD_CALLER:
		ukt_buf_adds(sql, "s.addr");
		break;
	case FOLD_SP:
		ukt_buf_addf(sql, "t.sp_base - c.sp + %" PRId64, li->fold_val[k]);
		break;
	case FOLD_RET:
		ukt_buf_adds(sql, "c.ret");
		break;
	case FOLD_CONST:
		if (li->fold_set[k])
			ukt_buf_addf(sql, "%" PRId64, li->fold_val[k]);
		else
			ukt_buf_adds(sql, "NULL");
		break;
	default:
		ukt_buf_adds(sql, "NULL");
		break;
	}
}

/* One view per probe with its arguments under their own names: its
 * stored events, and those folded into its calls. */
static int create_probe_views(struct db *d, const struct plan *p, int64_t base,
			      struct ukt_buf *err)
{
	struct ukt_buf sql = UKT_BUF_INIT, cols = UKT_BUF_INIT;
	int rc = 0;

	for (int i = 0; i < p->nlays && i < SCHEMA_MAX_PROBE_VIEWS && !rc; i++) {
		const struct event_layout *l = &p->lays[i];
		const struct lay_info *li = &p->li[i];
		int n = l->nargs < PLAN_MAX_ARGS ? l->nargs : PLAN_MAX_ARGS;

		ukt_buf_reset(&sql);
		ukt_buf_reset(&cols);
		for (int k = 0; k < n && !rc; k++) {
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
			ukt_buf_addf(&cols, ", \"%s%s\"", dup ? "arg_" : "", col);
			free(col);
		}
		ukt_buf_adds(&sql, "CREATE VIEW IF NOT EXISTS \"");
		schema_probe_view(l, &sql);
		ukt_buf_addf(&sql, "\"(id, ts, cpu, tid, pid, ip, ret_ip%s) AS"
			     " SELECT e.id, e.ts, e.cpu, e.tid, t.pid, e.ip, e.ret_ip", cols.data);
		for (int k = 0; k < n; k++)
			ukt_buf_addf(&sql, ", e.arg%d", k);
		ukt_buf_addf(&sql, " FROM event_data e LEFT JOIN threads t ON t.tid = e.tid"
			     " WHERE e.probe_id = %d", li->probe_id);
		if (li->foldable) {
			bool ret = li->role == ROLE_RETURN;

			ukt_buf_addf(&sql, " UNION ALL SELECT %s, ", ret ? "c.ev + c.evd" : "c.ev");
			folded_head(&sql, ret, base, NULL, l->ip >= 0 ? "1" : "0",
				    l->ret_ip >= 0 ? "1" : "0");
			for (int k = 0; k < n; k++) {
				ukt_buf_adds(&sql, ", ");
				folded_arg(&sql, li, k);
			}
			ukt_buf_addf(&sql, " FROM call_data c%s WHERE c.func = %d AND c.flags & %d",
				     fold_joins, li->func, ret ? CF_RETURN_FOLDED : CF_ENTRY_FOLDED);
		}
		if (!rc)
			rc = db_exec_buf(d, &sql, err);
	}
	ukt_buf_release(&sql);
	ukt_buf_release(&cols);
	return rc;
}

int schema_fill_fold(struct db *d, const struct plan *p, struct ukt_buf *err)
{
	struct ukt_buf sql = UKT_BUF_INIT;
	int rc = 0;

	for (int i = 0; i < p->nlays && !rc; i++) {
		const struct event_layout *l = &p->lays[i];
		const struct lay_info *li = &p->li[i];
		int n = l->nargs < p->maxargs ? l->nargs : p->maxargs;

		if (!li->foldable)
			continue;
		ukt_buf_reset(&sql);
		ukt_buf_addf(&sql, "INSERT INTO fold(probe_id, func, role, has_ip, has_ret_ip");
		for (int k = 0; k < n; k++)
			ukt_buf_addf(&sql, ", s%d, v%d", k, k);
		ukt_buf_addf(&sql, ") VALUES(%d, %d, %d, %d, %d", li->probe_id, li->func,
			     li->role == ROLE_RETURN ? 2 : 1, l->ip >= 0, l->ret_ip >= 0);
		for (int k = 0; k < n; k++) {
			bool known = li->fold_src[k] != FOLD_CONST || li->fold_set[k];

			ukt_buf_addf(&sql, ", %d, ", known ? li->fold_src[k] : 0);
			if (known && (li->fold_src[k] == FOLD_CONST || li->fold_src[k] == FOLD_SP))
				ukt_buf_addf(&sql, "%" PRId64, li->fold_val[k]);
			else
				ukt_buf_adds(&sql, "NULL");
		}
		ukt_buf_adds(&sql, ")");
		rc = db_exec_buf(d, &sql, err);
	}
	ukt_buf_release(&sql);
	return rc;
}

/* events: the stored ones and, through fold, those folded into calls. */
static void events_view(struct ukt_buf *sql, int maxargs, int64_t base)
{
	ukt_buf_adds(sql, "CREATE VIEW events(id, ts, cpu, tid, pid, probe_id, ip, ret_ip");
	for (int k = 0; k < maxargs; k++)
		ukt_buf_addf(sql, ", arg%d", k);
	ukt_buf_adds(sql, ") AS SELECT e.id, e.ts, e.cpu, e.tid, t.pid, e.probe_id, e.ip, e.ret_ip");
	for (int k = 0; k < maxargs; k++)
		ukt_buf_addf(sql, ", e.arg%d", k);
	ukt_buf_adds(sql, " FROM event_data e LEFT JOIN threads t ON t.tid = e.tid");
	for (int ret = 0; ret < 2; ret++) {
		ukt_buf_addf(sql, " UNION ALL SELECT %s, ", ret ? "c.ev + c.evd" : "c.ev");
		folded_head(sql, ret, base, "fo.probe_id", "fo.has_ip", "fo.has_ret_ip");
		for (int k = 0; k < maxargs; k++)
			ukt_buf_addf(sql, ", CASE fo.s%d WHEN %d THEN s.addr"
				     " WHEN %d THEN t.sp_base - c.sp + fo.v%d WHEN %d THEN c.ret"
				     " WHEN %d THEN fo.v%d END", k, FOLD_CALLER, FOLD_SP, k,
				     FOLD_RET, FOLD_CONST, k);
		ukt_buf_addf(sql, " FROM call_data c JOIN fold fo ON fo.func = c.func AND fo.role = %d%s"
			     " WHERE c.flags & %d", ret ? 2 : 1, fold_joins,
			     ret ? CF_RETURN_FOLDED : CF_ENTRY_FOLDED);
	}
	ukt_buf_adds(sql, ";\n");
}

/* Threads that never changed their name (nearly all) are told apart by
 * one lookup in the small set of those that did, made once per query:
 * the name's own lookup would cost every call row twice as much. */
void schema_comm_at(struct ukt_buf *sql, const char *tid, const char *ts)
{
	ukt_buf_addf(sql, "CASE WHEN %s IN (SELECT tid FROM thread_comms) THEN"
		     " COALESCE((SELECT tc.comm FROM thread_comms tc WHERE tc.tid = %s"
		     " AND tc.ts <= %s ORDER BY tc.ts DESC LIMIT 1), (SELECT tc.comm FROM"
		     " thread_comms tc WHERE tc.tid = %s AND tc.ts IS NULL), t.comm)"
		     " ELSE t.comm END", tid, tid, ts, tid);
}

/* calls: one row per call with names, times and ids as the schema says. */
static void calls_view(struct ukt_buf *sql, int64_t base)
{
	char ts[48];

	snprintf(ts, sizeof(ts), "c.ts + %" PRId64, base);
	ukt_buf_adds(sql, "CREATE VIEW calls AS SELECT c.id AS id, f.name AS func, c.tid AS tid,"
		     " t.pid AS pid, ");
	schema_comm_at(sql, "c.tid", ts);
	ukt_buf_addf(sql, " AS comm,"
		" CASE WHEN c.flags & %d THEN c.ts + %" PRId64 " END AS entry_ts,"
		" CASE WHEN c.flags & %d THEN c.ts + %" PRId64 " + COALESCE(c.dur, 0) END AS return_ts,"
		" c.dur AS duration_ns, COALESCE(c.self, c.dur) AS self_ns,"
		" c.depth AS depth, c.parent AS parent_id, s.addr AS caller_addr,"
		" s.symbol AS caller_symbol, s.object AS caller_object, c.args AS args,"
		" c.ret AS ret, (c.flags & %d) = 0 AS complete, st.name AS status,"
		" CASE WHEN c.flags & %d THEN c.ev END AS entry_event_id,"
		" CASE WHEN c.flags & %d THEN c.ev + COALESCE(c.evd, 0) END AS return_event_id,"
		" (c.flags & %d) != 0 AS recursive"
		" FROM call_data c LEFT JOIN funcs f ON f.id = c.func"
		" LEFT JOIN threads t ON t.tid = c.tid LEFT JOIN sites s ON s.id = c.site"
		" LEFT JOIN call_status st ON st.id = c.flags & %d;\n",
		CF_HAS_ENTRY, base, CF_HAS_RETURN, base, CF_STATUS, CF_HAS_ENTRY,
		CF_HAS_RETURN, CF_RECURSIVE, CF_STATUS);
}

int schema_create_views(struct db *d, const struct plan *p, int64_t base,
			struct ukt_buf *err)
{
	struct ukt_buf sql = UKT_BUF_INIT;
	int rc;

	calls_view(&sql, base);
	events_view(&sql, p->maxargs, base);
	ukt_buf_adds(&sql, "CREATE VIEW call_stats AS\n");
	stats_sql_view(&sql, "func", NULL);
	ukt_buf_adds(&sql, ";\nCREATE VIEW call_stats_by_process AS\n");
	stats_sql_view(&sql, "func, pid", NULL);
	ukt_buf_adds(&sql, ";\nCREATE VIEW call_stats_by_comm AS\n");
	stats_sql_view(&sql, "func, comm", NULL);
	ukt_buf_adds(&sql, ";\nCREATE VIEW callers AS\n");
	stats_sql_callers(&sql, NULL);
	ukt_buf_adds(&sql, ";\nCREATE VIEW event_info AS SELECT e.id, e.ts, e.cpu, e.tid,"
			   " e.pid, ");
	schema_comm_at(&sql, "e.tid", "e.ts");
	ukt_buf_adds(&sql, " AS comm, p.name AS probe, p.system, e.ip, e.ret_ip"
			   " FROM events e LEFT JOIN probes p ON p.id = e.probe_id"
			   " LEFT JOIN threads t ON t.tid = e.tid;\n");
	/* stacks (-g): frames named, and a call's stacks are its entry's
	 * (else its return's) */
	ukt_buf_adds(&sql, "CREATE VIEW stack_frames AS SELECT f.stack_id, f.depth, s.addr,"
			   " s.symbol, s.object FROM stack_frame_data f JOIN sites s ON s.id = f.site;\n"
			   "CREATE VIEW call_stacks AS SELECT c.id AS call_id, es.stack_id, k.kind"
			   " FROM call_data c JOIN event_stacks es ON es.event_id = c.ev"
			   " JOIN stacks k ON k.id = es.stack_id;\n");
	rc = db_exec_buf(d, &sql, err);
	ukt_buf_release(&sql);
	return rc ? rc : create_probe_views(d, p, base, err);
}
