// SPDX-License-Identifier: MIT
/* Loading trace files into ClickHouse (chload.h): the RowBinary sink of
 * the ingest loop (ingest.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "uktrace/clock.h"
#include "chload.h"
#include "clickhouse.h"
#include "errors.h"
#include "ingest.h"
#include "stats.h"
#include "tables.h"
#include "trace.h"

/* rows of a table go out when they reach this many bytes: the server
 * takes 8 MiB batches faster than 1 MiB or 64 MiB ones (tests/bench) */
#define BATCH_BYTES (8u << 20)
/* room kept for a row beyond the batch, so most rows need no growth */
#define ROW_ROOM (64u << 10)
/* events keep this many of their fields (arg0 ... arg15), as text */
#define CH_ARGS 16
/* an interrupted load's rows are deleted (a mutation) within this */
#define MUTATION_WAIT_S 300

/*
 * The tables. Each has the columns of its docs/SCHEMA.md namesake, host
 * and trace_id first; calls and events are the SQLite views' rows, with
 * names and callers resolved (a column store compresses repeated text),
 * and a wall-clock time for "last night" (the trace clock's start mapped
 * to the recording's start_realtime).
 */
static const struct { const char *name, *def; } tables_ddl[] = {
	{ "traces", "(trace_id String, host String, path String,"
	" size Int64, recording_id String, recorded DateTime, loaded DateTime, events Int64,"
	" calls Int64) ENGINE = MergeTree ORDER BY (host, trace_id)" },
	{ "meta", "(host String, trace_id String, key String,"
	" value String) ENGINE = MergeTree ORDER BY (host, trace_id, key)" },
	{ "probes", "(host String, trace_id String, id Int32,"
	" name String, system String, kind String, role Nullable(String), func Nullable(String),"
	" target Nullable(String), symbol Nullable(String), offset Nullable(Int64),"
	" spec Nullable(String), definition Nullable(String), view String, args String,"
	" events Int64) ENGINE = MergeTree ORDER BY (host, trace_id, id)" },
	{ "threads", "(host String, trace_id String, tid Int32,"
	" pid Nullable(Int32), comm Nullable(String)) ENGINE = MergeTree ORDER BY (host, trace_id, tid)" },
	{ "cpus", "(host String, trace_id String, cpu Int32,"
	" events Int64, lost_events Int64, overrun Nullable(Int64), dropped Nullable(Int64),"
	" missed_marks Int64, pages Int64, raw_bytes Int64, stored_bytes Int64,"
	" overwritten Nullable(Int64)) ENGINE = MergeTree ORDER BY (host, trace_id, cpu)" },
	{ "lost", "(host String, trace_id String, cpu Int32,"
	" ts Nullable(Int64), count Nullable(Int64), from_ts Nullable(Int64), source String)"
	" ENGINE = MergeTree ORDER BY (host, trace_id)" },
	{ "calls", "(host String, trace_id String, time DateTime,"
	" id Int64, func String, tid Int32, pid Nullable(Int32), comm Nullable(String),"
	" entry_ts Nullable(Int64), return_ts Nullable(Int64), duration_ns Nullable(Int64),"
	" self_ns Nullable(Int64), depth Int32, parent_id Nullable(Int64),"
	" caller_addr Nullable(Int64), caller_symbol Nullable(String),"
	" caller_object Nullable(String), args Nullable(String), ret Nullable(Int64),"
	" complete UInt8, status String, entry_event_id Nullable(Int64),"
	" return_event_id Nullable(Int64), recursive UInt8)"
	" ENGINE = MergeTree ORDER BY (host, func, trace_id, id)" },
	{ "events", "(host String, trace_id String, time DateTime,"
	" id Int64, ts Int64, cpu Int32, tid Int32, pid Nullable(Int32), probe_id Int32,"
	" probe String, ip Nullable(Int64), ret_ip Nullable(Int64),"
	" arg0 Nullable(String), arg1 Nullable(String), arg2 Nullable(String),"
	" arg3 Nullable(String), arg4 Nullable(String), arg5 Nullable(String),"
	" arg6 Nullable(String), arg7 Nullable(String), arg8 Nullable(String),"
	" arg9 Nullable(String), arg10 Nullable(String), arg11 Nullable(String),"
	" arg12 Nullable(String), arg13 Nullable(String), arg14 Nullable(String),"
	" arg15 Nullable(String)) ENGINE = MergeTree ORDER BY (host, trace_id, id)" },
};

/* The tables a trace's rows are in (traces, the marker, is not one). */
static const char *const data_tables[] = { "meta", "probes", "threads", "cpus", "lost",
					   "calls", "events" };

/*
 * The views, with host: the numbers stats.h defines (exact nearest-rank
 * percentiles, truncated averages, NULL without complete calls; the total
 * counting each call once, at its outermost frame for its function), over
 * the traces whose load finished.
 */
static void views_ddl(const char *db, struct ukt_buf *stats, struct ukt_buf *callers)
{
	ukt_buf_addf(stats,
		"CREATE VIEW IF NOT EXISTS %s.call_stats AS SELECT host, func, calls, incomplete,"
		" if(calls > 0, total, NULL) AS total_ns, if(calls > 0, self, NULL) AS self_ns,"
		" if(calls > 0, mn, NULL) AS min_ns, if(calls > 0, intDiv(durs, calls), NULL) AS avg_ns",
		db);
	for (int i = 0; i < STATS_NPCT; i++) {
		ukt_buf_adds(stats, ", if(calls > 0, s[");
		stats_rank_sql(stats, "calls", stats_pct[i], true);
		ukt_buf_addf(stats, "], NULL) AS p%d_ns", stats_pct[i]);
	}
	ukt_buf_addf(stats,
		", if(calls > 0, mx, NULL) AS max_ns FROM (SELECT host, func,"
		" toInt64(countIf(complete = 1)) AS calls, toInt64(countIf(complete = 0)) AS incomplete,"
		" sumIf(assumeNotNull(duration_ns), complete = 1 AND recursive = 0) AS total,"
		" sumIf(assumeNotNull(duration_ns), complete = 1) AS durs,"
		" sumIf(assumeNotNull(self_ns), complete = 1) AS self,"
		" minIf(assumeNotNull(duration_ns), complete = 1) AS mn,"
		" maxIf(assumeNotNull(duration_ns), complete = 1) AS mx,"
		" arraySort(groupArrayIf(assumeNotNull(duration_ns), complete = 1)) AS s"
		" FROM %s.calls WHERE trace_id IN (SELECT trace_id FROM %s.traces)"
		" GROUP BY host, func)", db, db);
	ukt_buf_addf(callers,
		"CREATE VIEW IF NOT EXISTS %s.callers AS SELECT host, func, caller_symbol,"
		" caller_object, calls, complete_calls, if(complete_calls > 0, total, NULL) AS total_ns,"
		" if(complete_calls > 0, intDiv(durs, complete_calls), NULL) AS avg_ns,"
		" if(complete_calls > 0, mn, NULL) AS min_ns, if(complete_calls > 0, mx, NULL) AS max_ns"
		" FROM (SELECT host, func, caller_symbol, caller_object, toInt64(count()) AS calls,"
		" toInt64(countIf(complete = 1)) AS complete_calls,"
		" sumIf(assumeNotNull(duration_ns), complete = 1 AND recursive = 0) AS total,"
		" sumIf(assumeNotNull(duration_ns), complete = 1) AS durs,"
		" minIf(assumeNotNull(duration_ns), complete = 1) AS mn,"
		" maxIf(assumeNotNull(duration_ns), complete = 1) AS mx"
		" FROM %s.calls WHERE trace_id IN (SELECT trace_id FROM %s.traces)"
		" GROUP BY host, func, caller_symbol, caller_object)", db, db, db);
}

/*
 * A database made by an older uktrace: calls without the recursive column
 * gets it (every call of its traces counted as outermost, as they were),
 * and the views that do not read it are made again.
 */
static int upgrade(struct ch *h, const char *db, struct ukt_buf *sql, struct ukt_buf *err)
{
	static const char *const views[] = { "call_stats", "callers" };
	int64_t n = 0;
	int rc;

	ukt_buf_reset(sql);
	ukt_buf_addf(sql, "SELECT count() FROM system.columns WHERE database = '%s'"
		     " AND table = 'calls' AND name = 'recursive'", db);
	rc = ch_query_int(h, sql->data, &n, err);
	if (!rc && !n) {
		ukt_buf_reset(sql);
		ukt_buf_addf(sql, "ALTER TABLE %s.calls ADD COLUMN recursive UInt8", db);
		rc = ch_exec(h, sql->data, err);
	}
	for (size_t i = 0; !rc && i < sizeof(views) / sizeof(views[0]); i++) {
		ukt_buf_reset(sql);
		ukt_buf_addf(sql, "SELECT count() FROM system.tables WHERE database = '%s'"
			     " AND name = '%s' AND position(create_table_query, 'recursive') = 0",
			     db, views[i]);
		rc = ch_query_int(h, sql->data, &n, err);
		if (rc || !n)
			continue;
		ukt_buf_reset(sql);
		ukt_buf_addf(sql, "DROP TABLE IF EXISTS %s.%s", db, views[i]);
		rc = ch_exec(h, sql->data, err);
	}
	return rc;
}

int chload_schema(struct ch *h, struct ukt_buf *err)
{
	struct ukt_buf sql = UKT_BUF_INIT, stats = UKT_BUF_INIT, callers = UKT_BUF_INIT;
	const char *db = ch_db(h);
	int rc;

	ukt_buf_addf(&sql, "CREATE DATABASE IF NOT EXISTS %s", db);
	rc = ch_exec(h, sql.data, err);
	for (size_t i = 0; !rc && i < sizeof(tables_ddl) / sizeof(tables_ddl[0]); i++) {
		ukt_buf_reset(&sql);
		ukt_buf_addf(&sql, "CREATE TABLE IF NOT EXISTS %s.%s %s", db, tables_ddl[i].name,
			     tables_ddl[i].def);
		rc = ch_exec(h, sql.data, err);
	}
	if (!rc)
		rc = upgrade(h, db, &sql, err);
	views_ddl(db, &stats, &callers);
	if (!rc)
		rc = ch_exec(h, stats.data, err);
	if (!rc)
		rc = ch_exec(h, callers.data, err);
	ukt_buf_release(&sql);
	ukt_buf_release(&stats);
	ukt_buf_release(&callers);
	return rc;
}

int chload_trace_id(const char *path, char *id, size_t n)
{
	static char buf[1 << 20];
	uint32_t a = 0, b = 0;
	struct stat st;
	uint64_t off = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t k;

	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = -errno;

		if (fd >= 0)
			close(fd);
		return e;
	}
	/* two checksums, of each half: 64 bits of the contents, and the size */
	while ((k = read(fd, buf, sizeof(buf))) > 0) {
		size_t half = off < (uint64_t)st.st_size / 2 ?
			      (size_t)((uint64_t)st.st_size / 2 - off) : 0;

		if (half > (size_t)k)
			half = (size_t)k;
		a = ukt_crc32c(a, buf, half);
		b = ukt_crc32c(b, buf + half, (size_t)k - half);
		off += (uint64_t)k;
	}
	close(fd);
	if (k < 0)
		return -errno;
	snprintf(id, n, "%08x%08x-%llx", a, b, (unsigned long long)st.st_size);
	return 0;
}

/*
 * Inserts go out from threads of their own, so the server takes in one
 * batch while the next is decoded (ClickHouse's parsing and sorting is
 * the slower half). At most SENDQ batches wait: memory stays flat.
 */
#define SENDQ 2

struct batch {
	const char *table;
	struct ukt_buf rows;
};

struct sender {
	struct ch *h;
	const char *dump;	/* UKTRACE_CH_DUMP: a directory, or NULL */
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct batch q[SENDQ];
	int n, head;
	/* batches sent: their buffers, emptied, to be filled again (no
	 * malloc and page faults of a fresh 8 MiB per batch) */
	struct ukt_buf spare[SENDQ + 1];
	int nspare;
	bool done;
	int rc;			/* the first error */
	struct ukt_buf err;
};

/*
 * UKTRACE_CH_DUMP=DIR (for tests/bench/clickhouse.sh): every batch also
 * appended to DIR/TABLE.rows, and the insert's target ("events (host,
 * ...)") written to DIR/TABLE.into, so that clickhouse-client can insert
 * the very same bytes.
 */
static int dump_batch(const char *dir, const char *table, const struct ukt_buf *rows)
{
	struct ukt_buf path = UKT_BUF_INIT;
	size_t n = strcspn(table, " ");
	FILE *f;
	int rc = 0;

	ukt_buf_addf(&path, "%s/%.*s.into", dir, (int)n, table);
	f = fopen(path.data, "w");
	if (!f || fputs(table, f) < 0)
		rc = -errno;
	if (f && fclose(f) && !rc)
		rc = -errno;
	ukt_buf_reset(&path);
	ukt_buf_addf(&path, "%s/%.*s.rows", dir, (int)n, table);
	f = rc ? NULL : fopen(path.data, "a");
	if (!rc && (!f || fwrite(rows->data, 1, rows->len, f) != rows->len))
		rc = errno ? -errno : -EIO;
	if (f && fclose(f) && !rc)
		rc = -errno;
	ukt_buf_release(&path);
	return rc;
}

static void *send_main(void *arg)
{
	struct sender *sd = arg;

	pthread_mutex_lock(&sd->lock);
	for (;;) {
		struct batch b;
		int rc;

		while (!sd->n && !sd->done)
			pthread_cond_wait(&sd->cond, &sd->lock);
		if (!sd->n)
			break;
		b = sd->q[sd->head];
		pthread_mutex_unlock(&sd->lock);
		rc = sd->rc ? 0 : ch_insert(sd->h, b.table, &b.rows, &sd->err);
		if (!rc && sd->dump && (rc = dump_batch(sd->dump, b.table, &b.rows)))
			ukt_buf_addf(&sd->err, "cannot write the rows to '%s': %s", sd->dump,
				     strerror(-rc));
		ukt_buf_reset(&b.rows);
		pthread_mutex_lock(&sd->lock);
		if (sd->nspare < SENDQ + 1)
			sd->spare[sd->nspare++] = b.rows;
		else
			ukt_buf_release(&b.rows);
		if (rc && !sd->rc)
			sd->rc = rc;
		sd->head = (sd->head + 1) % SENDQ;
		sd->n--;
		pthread_cond_broadcast(&sd->cond);
	}
	pthread_mutex_unlock(&sd->lock);
	return NULL;
}

static int sender_start(struct sender *sd, struct ch *h)
{
	memset(sd, 0, sizeof(*sd));
	sd->h = h;
	sd->dump = getenv("UKTRACE_CH_DUMP");
	ukt_buf_init(&sd->err);
	pthread_mutex_init(&sd->lock, NULL);
	pthread_cond_init(&sd->cond, NULL);
	sd->started = pthread_create(&sd->thread, NULL, send_main, sd) == 0;
	return sd->started ? 0 : -EAGAIN;
}

/* rows to table, taken over (rows is left empty, or with the emptied
 * buffer of a batch sent); the first error of an insert so far, or 0. */
static int sender_put(struct sender *sd, const char *table, struct ukt_buf *rows)
{
	int rc;

	pthread_mutex_lock(&sd->lock);
	while (sd->n == SENDQ && !sd->rc)
		pthread_cond_wait(&sd->cond, &sd->lock);
	rc = sd->rc;
	if (!rc) {
		struct batch *b = &sd->q[(sd->head + sd->n) % SENDQ];

		b->table = table;
		b->rows = *rows;
		if (sd->nspare)
			*rows = sd->spare[--sd->nspare];
		else
			ukt_buf_init(rows);
		sd->n++;
		pthread_cond_broadcast(&sd->cond);
	}
	pthread_mutex_unlock(&sd->lock);
	return rc;
}

/* Wait for every batch to be in; the first error, with its message
 * appended to err. */
static int sender_stop(struct sender *sd, struct ukt_buf *err)
{
	int rc;

	if (!sd->started)
		return 0;
	pthread_mutex_lock(&sd->lock);
	sd->done = true;
	pthread_cond_broadcast(&sd->cond);
	pthread_mutex_unlock(&sd->lock);
	pthread_join(sd->thread, NULL);
	sd->started = false;
	for (int i = 0; i < sd->n; i++)
		ukt_buf_release(&sd->q[(sd->head + i) % SENDQ].rows);
	while (sd->nspare)
		ukt_buf_release(&sd->spare[--sd->nspare]);
	rc = sd->rc;
	if (rc && !err->len)
		ukt_buf_adds(err, sd->err.data);
	ukt_buf_release(&sd->err);
	pthread_mutex_destroy(&sd->lock);
	pthread_cond_destroy(&sd->cond);
	return rc;
}

struct loader {
	struct ch *h;
	/* events go out on a connection of their own, the other tables on
	 * h's: the server parses two inserts at once */
	struct sender send, send_events;
	struct ch *h_events;
	const char *host;
	char trace_id[40];
	struct trace *t;
	struct ingest in;	/* the loop, and what it knows of the trace */
	struct ukt_buf calls, events, lost, args, sql;
	char **probe_names;	/* per layout: "system:name", made once */
	/* the events columns that can hold a value in this trace: ip and
	 * ret_ip when a layout has them, arg0 ... arg(nargs - 1); the rest
	 * are left out of the inserts (NULL in every row) */
	bool ip, ret_ip;
	int nargs;
	struct ukt_buf event_cols;	/* "events (host, ...)" */
	int64_t start_ns, start_rt;	/* the trace clock's time and Unix time at start */
	uint64_t ncalls, nevents;
	struct ukt_buf *err;
};

static void head(struct loader *L, struct ukt_buf *b)
{
	rb_cstr(b, L->host);
	rb_cstr(b, L->trace_id);
}

/* v in decimal at p (room for 21 bytes); its length. */
static size_t itoa64(char *p, int64_t v)
{
	char tmp[24], *e = tmp + sizeof(tmp), *q = e;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	size_t n;

	do {
		*--q = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--q = '-';
	n = (size_t)(e - q);
	memcpy(p, q, n);
	return n;
}

/* The layout's probe column ("system:name"), made on first use. */
static const char *probe_name(struct loader *L, const struct event_layout *l)
{
	ptrdiff_t i = l - L->in.plan.lays;
	char *s;

	if (i < 0 || i >= L->in.plan.nlays)
		return NULL;
	if (!L->probe_names) {
		L->probe_names = calloc((size_t)L->in.plan.nlays, sizeof(*L->probe_names));
		if (!L->probe_names)
			return NULL;
	}
	if (!L->probe_names[i] && asprintf(&s, "%s:%s", l->system, l->name) >= 0)
		L->probe_names[i] = s;
	return L->probe_names[i];
}

/* A trace-clock time as Unix seconds (a DateTime). */
static void when(struct loader *L, struct ukt_buf *b, int64_t ts)
{
	int64_t t = L->start_rt + (ts - L->start_ns) / 1000000000;

	rb_int(b, t > 0 && t < 4294967296LL ? t : 0, 4);
}

static int flush(struct loader *L, const char *table, struct ukt_buf *rows, size_t at_least)
{
	int rc;

	if (rows->len < at_least || !rows->len)
		return 0;
	rc = sender_put(rows == &L->events ? &L->send_events : &L->send, table, rows);
	/* a big table's next batch, in one allocation (rb_int's fast path) */
	if (!rc && at_least)
		rc = ukt_buf_grow(rows, BATCH_BYTES + ROW_ROOM);
	return rc;
}

static int ch_call(void *ctx, const struct call_row *r, int64_t site)
{
	struct loader *L = ctx;
	struct ukt_buf *b = &L->calls;
	const struct thread_info *ti = threads_get(&L->in.th, r->tid);
	bool both = r->has_entry && r->has_return;
	const char *sym = NULL, *obj = NULL;
	uint64_t addr = 0;

	if (site) {
		int pid;

		sites_at(L->in.sites, (size_t)site - 1, &pid, &addr, &sym, &obj);
	}
	head(L, b);
	when(L, b, (int64_t)(r->has_entry ? r->entry_ts : r->return_ts));
	rb_int(b, r->id, 8);
	rb_cstr(b, L->in.plan.funcs[r->func]);
	rb_int(b, r->tid, 4);
	rb_nint(b, ti && ti->pid, ti ? ti->pid : 0, 4);
	/* the name it had at the call (a fork child's, before its exec) */
	rb_ncstr(b, threads_comm_at(&L->in.th, r->tid, r->has_entry ? r->entry_ts : r->return_ts));
	rb_nint(b, r->has_entry, (int64_t)r->entry_ts, 8);
	rb_nint(b, r->has_return, (int64_t)r->return_ts, 8);
	rb_nint(b, both, r->duration, 8);
	rb_nint(b, both, r->self, 8);
	rb_int(b, r->depth, 4);
	rb_nint(b, r->parent_id != 0, r->parent_id, 8);
	rb_nint(b, r->has_caller, (int64_t)addr, 8);
	rb_ncstr(b, r->has_caller ? sym : NULL);
	rb_ncstr(b, r->has_caller ? obj : NULL);
	rb_ncstr(b, r->args);
	rb_nint(b, r->has_ret, r->ret, 8);
	rb_int(b, r->status == CALL_COMPLETE, 1);
	rb_cstr(b, call_status_name(r->status));
	rb_nint(b, r->has_entry, r->entry_event_id, 8);
	rb_nint(b, r->has_return, r->return_event_id, 8);
	rb_int(b, r->recursive, 1);
	L->ncalls++;
	return flush(L, "calls", b, BATCH_BYTES);
}

static int event_row(struct loader *L, const struct dec_event *ev, int64_t id, int probe_id,
		     const struct thread_info *ti)
{
	struct ukt_buf *b = &L->events;
	const struct event_layout *l = ev->lay;
	const char *name;
	char num[32];
	int64_t v = 0;

	head(L, b);
	when(L, b, (int64_t)ev->ts);
	rb_int(b, id, 8);
	rb_int(b, (int64_t)ev->ts, 8);
	rb_int(b, ev->cpu, 4);
	rb_int(b, ev->tid, 4);
	rb_nint(b, ti && ti->pid, ti ? ti->pid : 0, 4);
	rb_int(b, probe_id, 4);
	name = probe_name(L, l);
	if (!name) {
		ukt_buf_reset(&L->args);
		ukt_buf_addf(&L->args, "%s:%s", l->system, l->name);
		name = L->args.data;
	}
	rb_cstr(b, name);
	if (L->ip)
		rb_nint(b, l->ip >= 0 && dec_int(ev, &l->fields[l->ip], &v) == 0, v, 8);
	if (L->ret_ip)
		rb_nint(b, l->ret_ip >= 0 && dec_int(ev, &l->fields[l->ret_ip], &v) == 0, v, 8);
	for (int k = 0; k < L->nargs; k++) {
		const struct field_layout *f = k < l->nargs ? &l->args[k] : NULL;
		const char *s;
		int n;

		if (f && f->kind == FK_INT && dec_int(ev, f, &v) == 0) {
			rb_null(b, false);
			rb_str(b, num, itoa64(num, v));
		} else if (f && f->kind != FK_INT && dec_string(ev, f, &s, &n) == 0) {
			rb_null(b, false);
			rb_str(b, s, (size_t)n);
		} else {
			rb_null(b, true);
		}
	}
	L->nevents++;
	return flush(L, L->event_cols.data, b, BATCH_BYTES);
}

static void lost_row(struct loader *L, int cpu, bool has_ts, int64_t ts, bool has_count,
		     int64_t count, bool has_from, int64_t from, const char *source)
{
	head(L, &L->lost);
	rb_int(&L->lost, cpu, 4);
	rb_nint(&L->lost, has_ts, ts, 8);
	rb_nint(&L->lost, has_count, count, 8);
	rb_nint(&L->lost, has_from, from, 8);
	rb_cstr(&L->lost, source);
}

static int ch_lost(void *ctx, const struct ingest_lost *l)
{
	lost_row(ctx, l->cpu, l->has_ts, l->ts, l->has_count, l->count, l->has_from, l->from,
		 l->source);
	return 0;
}

/* Every event is a row of events: a column store keeps them cheaply. */
static int ch_event(void *ctx, const struct dec_event *ev, int64_t id, struct lay_info *li,
		    struct thread_info *ti, struct call_event *ce)
{
	if (ce)
		ce->stored = true;
	return event_row(ctx, ev, id, li->probe_id, ti);
}

static const struct ingest_sink clickhouse_sink = {
	.lost = ch_lost, .event = ch_event, .call = ch_call,
};

/* Which events columns this trace can fill, and their list. */
static int event_columns(struct loader *L)
{
	struct ukt_buf *c = &L->event_cols;

	for (int i = 0; i < L->in.plan.nlays; i++) {
		const struct event_layout *l = &L->in.plan.lays[i];

		L->ip |= l->ip >= 0;
		L->ret_ip |= l->ret_ip >= 0;
		if (l->nargs > L->nargs)
			L->nargs = l->nargs < CH_ARGS ? l->nargs : CH_ARGS;
	}
	ukt_buf_adds(c, "events (host, trace_id, time, id, ts, cpu, tid, pid, probe_id, probe");
	if (L->ip)
		ukt_buf_adds(c, ", ip");
	if (L->ret_ip)
		ukt_buf_adds(c, ", ret_ip");
	for (int k = 0; k < L->nargs; k++)
		ukt_buf_addf(c, ", arg%d", k);
	ukt_buf_adds(c, ")");
	return ukt_buf_error(c);
}

static int stream(struct loader *L)
{
	int rc = event_columns(L);

	if (!rc)
		rc = ukt_buf_grow(&L->events, BATCH_BYTES + ROW_ROOM);

	if (!rc)
		rc = ukt_buf_grow(&L->calls, BATCH_BYTES + ROW_ROOM);
	if (!rc)
		rc = ingest_run(&L->in, &clickhouse_sink, L);

	if (!rc)
		rc = flush(L, "calls", &L->calls, 0);
	if (!rc)
		rc = flush(L, L->event_cols.data, &L->events, 0);
	if (!rc)
		rc = flush(L, "lost", &L->lost, 0);
	return rc;
}

/* meta, probes, threads, cpus: the trace's small tables. */
static int small_tables(struct loader *L)
{
	struct probe_row pr = { .view = UKT_BUF_INIT, .args = UKT_BUF_INIT,
				.function = UKT_BUF_INIT };
	struct ukt_buf b = UKT_BUF_INIT;
	int rc;

	for (size_t i = 0; i < L->t->nmeta; i++) {
		head(L, &b);
		rb_cstr(&b, L->t->meta[i].key);
		rb_cstr(&b, L->t->meta[i].value);
	}
	rc = flush(L, "meta", &b, 0);
	for (int i = 0; !rc && i < L->in.plan.nlays; i++) {
		tables_probe_row(L->t, &L->in.plan, i, L->in.lay_events, &pr);
		head(L, &b);
		rb_int(&b, pr.id, 4);
		rb_cstr(&b, pr.name);
		rb_cstr(&b, pr.system);
		rb_cstr(&b, pr.kind);
		rb_ncstr(&b, pr.role);
		rb_ncstr(&b, pr.func);
		rb_ncstr(&b, pr.target);
		rb_ncstr(&b, pr.symbol);
		rb_nint(&b, pr.has_offset, pr.offset, 8);
		rb_ncstr(&b, pr.spec);
		rb_ncstr(&b, pr.definition);
		rb_cstr(&b, pr.view.data);
		rb_cstr(&b, pr.args.data);
		rb_int(&b, pr.events, 8);
	}
	if (!rc)
		rc = flush(L, "probes", &b, 0);
	threads_mark_leaders(&L->in.th);
	for (size_t i = 0; !rc && i < L->in.th.cap; i++) {
		const struct thread_info *e = &L->in.th.v[i];

		if (!threads_wanted(e))
			continue;
		head(L, &b);
		rb_int(&b, e->tid, 4);
		rb_nint(&b, e->pid != 0, e->pid, 4);
		rb_ncstr(&b, e->comm);
	}
	if (!rc)
		rc = flush(L, "threads", &b, 0);
	for (uint32_t c = 0; !rc && c < L->t->ncpus; c++) {
		int64_t v[CPU_NCOLS];
		bool null[CPU_NCOLS];

		tables_cpu_row(L->t, c, L->in.cpu_events, L->in.cpu_marks, v, null);
		head(L, &b);
		rb_int(&b, v[0], 4);
		for (int k = 1; k < CPU_NCOLS; k++) {
			if (k == 3 || k == 4 || k == 9)
				rb_nint(&b, !null[k], v[k], 8);
			else
				rb_int(&b, v[k], 8);
		}
	}
	if (!rc)
		rc = flush(L, "cpus", &b, 0);
	ukt_buf_release(&b);
	ukt_buf_release(&pr.view);
	ukt_buf_release(&pr.args);
	ukt_buf_release(&pr.function);
	return rc;
}

/* Where a trace stands on the server: loaded (as *host), partly, or not. */
static int trace_state(struct loader *L, bool *loaded, bool *partial, char *host, size_t n)
{
	struct ukt_buf out = UKT_BUF_INIT;
	int64_t rows = 0;
	int rc;

	ukt_buf_reset(&L->sql);
	ukt_buf_addf(&L->sql, "SELECT host FROM %s.traces WHERE trace_id = '%s' LIMIT 1 FORMAT TSV",
		     ch_db(L->h), L->trace_id);
	rc = ch_query(L->h, L->sql.data, &out, L->err);
	*loaded = !rc && out.len > 0;
	if (*loaded)
		snprintf(host, n, "%.*s", (int)strcspn(out.data, "\n"), out.data);
	*partial = false;
	for (size_t i = 0; !rc && !*loaded && i < sizeof(data_tables) / sizeof(*data_tables); i++) {
		ukt_buf_reset(&L->sql);
		ukt_buf_addf(&L->sql, "SELECT count() FROM %s.%s WHERE trace_id = '%s'", ch_db(L->h),
			     data_tables[i], L->trace_id);
		rc = ch_query_int(L->h, L->sql.data, &rows, L->err);
		*partial |= rows > 0;
	}
	ukt_buf_release(&out);
	return rc;
}

/* An interrupted load's rows, deleted; the deletes (mutations) waited for. */
static int delete_partial(struct loader *L)
{
	int64_t pending = 1;
	int rc = 0;

	for (size_t i = 0; !rc && i < sizeof(data_tables) / sizeof(*data_tables); i++) {
		ukt_buf_reset(&L->sql);
		ukt_buf_addf(&L->sql, "ALTER TABLE %s.%s DELETE WHERE trace_id = '%s'", ch_db(L->h),
			     data_tables[i], L->trace_id);
		rc = ch_exec(L->h, L->sql.data, L->err);
	}
	for (int waited = 0; !rc && pending && waited < MUTATION_WAIT_S * 10; waited++) {
		struct timespec ts = { 0, 100000000 };

		ukt_buf_reset(&L->sql);
		ukt_buf_addf(&L->sql, "SELECT count() FROM system.mutations WHERE database = '%s'"
			     " AND is_done = 0", ch_db(L->h));
		rc = ch_query_int(L->h, L->sql.data, &pending, L->err);
		if (!rc && pending)
			nanosleep(&ts, NULL);
	}
	if (!rc && pending) {
		ukt_buf_addf(L->err, "the rows of an interrupted load of trace %s are still being deleted after %d s; try again later",
			     L->trace_id, MUTATION_WAIT_S);
		rc = -ETIMEDOUT;
	}
	return rc;
}

/* The marker: this trace's rows are all there. */
static int mark_loaded(struct loader *L, const char *path, int64_t size)
{
	struct ukt_buf b = UKT_BUF_INIT;
	const char *rid = trace_meta(L->t, "recording_id");
	int rc;

	rb_cstr(&b, L->trace_id);
	rb_cstr(&b, L->host);
	rb_cstr(&b, path);
	rb_int(&b, size, 8);
	rb_cstr(&b, rid ? rid : "");
	rb_int(&b, L->start_rt > 0 ? L->start_rt : 0, 4);
	rb_int(&b, (int64_t)time(NULL), 4);
	rb_int(&b, (int64_t)L->nevents, 8);
	rb_int(&b, (int64_t)L->ncalls, 8);
	rc = ch_insert(L->h, "traces", &b, L->err);
	ukt_buf_release(&b);
	return rc;
}

int chload_file(struct ch *h, const char *path, const char *host,
		struct chload_result *res, struct ukt_buf *err, struct ukt_buf *warn)
{
	struct loader L = {
		.h = h, .err = err, .calls = UKT_BUF_INIT, .events = UKT_BUF_INIT,
		.lost = UKT_BUF_INIT, .args = UKT_BUF_INIT, .sql = UKT_BUF_INIT,
		.event_cols = UKT_BUF_INIT,
	};
	double start = ukt_now_s();
	bool loaded, partial;
	struct stat st;
	int rc, e;

	memset(res, 0, sizeof(*res));
	rc = chload_trace_id(path, L.trace_id, sizeof(L.trace_id));
	if (rc) {
		ukt_buf_addf(err, "cannot read '%s': %s", path, strerror(-rc));
		return rc;
	}
	snprintf(res->trace_id, sizeof(res->trace_id), "%s", L.trace_id);
	L.t = trace_open(path, &rc, err);
	if (!L.t)
		return rc;
	L.host = host ? host : trace_meta(L.t, "host") ? trace_meta(L.t, "host") : "unknown";
	snprintf(res->host, sizeof(res->host), "%s", L.host);
	rc = trace_state(&L, &loaded, &partial, res->host, sizeof(res->host));
	if (rc || loaded) {
		res->skipped = loaded;
		goto out;
	}
	if (partial && (rc = delete_partial(&L)))
		goto out;
	if (L.t->ndamage)
		trace_describe_damage(L.t, warn);
	L.start_ns = trace_meta(L.t, "start_ns") ? strtoll(trace_meta(L.t, "start_ns"), NULL, 10) : 0;
	L.start_rt = trace_meta(L.t, "start_realtime") ?
		     strtoll(trace_meta(L.t, "start_realtime"), NULL, 10) : 0;
	rc = ingest_open(&L.in, L.t, err, warn);
	if (!rc)
		rc = sender_start(&L.send, h);
	if (!rc && !(L.h_events = ch_dup(h, err)))
		rc = -ENOMEM;
	if (!rc)
		rc = sender_start(&L.send_events, L.h_events);
	if (!rc)
		rc = stream(&L);
	if (!rc)
		rc = small_tables(&L);
	if (!rc)
		decoder_warnings(L.in.dec, warn);
	/* every row is in before the marker says so */
	e = sender_stop(&L.send, err);
	if (!rc)
		rc = e;
	e = sender_stop(&L.send_events, err);
	if (!rc)
		rc = e;
	if (!rc)
		rc = mark_loaded(&L, path, stat(path, &st) == 0 ? (int64_t)st.st_size : 0);
	res->events = L.nevents;
	res->calls = L.ncalls;
out:
	sender_stop(&L.send, err);
	sender_stop(&L.send_events, err);
	ch_close(L.h_events);
	res->seconds = ukt_now_s() - start;
	if (rc && !err->len)
		ukt_buf_addf(err, "loading '%s' failed: %s", path, rep_strerror(rc));
	for (int i = 0; L.probe_names && i < L.in.plan.nlays; i++)
		free(L.probe_names[i]);
	free(L.probe_names);
	ingest_release(&L.in);
	ukt_buf_release(&L.calls);
	ukt_buf_release(&L.events);
	ukt_buf_release(&L.lost);
	ukt_buf_release(&L.args);
	ukt_buf_release(&L.sql);
	ukt_buf_release(&L.event_cols);
	trace_free(L.t);
	return rc;
}
