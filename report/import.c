// SPDX-License-Identifier: MIT
/*
 * The import. Everything from the file is data: values are bound, never
 * spliced into SQL, and the only identifiers made from file contents (the
 * per-probe views and their columns) are reduced to [A-Za-z0-9_] and quoted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "calls.h"
#include "db.h"
#include "decode.h"
#include "import.h"
#include "sqlgen.h"
#include "stats.h"
#include "symbolize.h"
#include "threads.h"
#include "errors.h"

#define MAX_ARGS 64

static const char schema[] =
"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);\n"
"CREATE TABLE cpus(cpu INTEGER PRIMARY KEY, events INTEGER, lost_events INTEGER,"
" overrun INTEGER, dropped INTEGER, missed_marks INTEGER, pages INTEGER,"
" raw_bytes INTEGER, stored_bytes INTEGER);\n"
"CREATE TABLE lost(cpu INTEGER, ts INTEGER, count INTEGER);\n"
"CREATE TABLE probes(id INTEGER PRIMARY KEY, name TEXT, system TEXT, kind TEXT,"
" role TEXT, func TEXT, target TEXT, symbol TEXT, offset INTEGER, spec TEXT,"
" definition TEXT, view TEXT, args TEXT);\n"
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

enum role { ROLE_NONE, ROLE_ENTRY, ROLE_RETURN };

/* What the import knows about each event layout. */
struct lay_info {
	int probe_id;		/* probes.id */
	enum role role;
	int func;		/* index into funcs, or -1 */
	int caller_arg;		/* index into args: "caller", or -1 */
	int ret_arg;		/* "ret", or -1 */
	bool render_args;	/* entry with arguments worth keeping in calls */
};

struct importer {
	struct trace *t;
	struct db *db;
	struct decoder *dec;
	struct threads th;
	struct pairer *pairer;
	struct batch events, calls;
	struct db_stmt *ins_lost;
	const struct event_layout *lays;
	int nlays;
	struct lay_info *li;
	char **funcs;		/* display names */
	int nfuncs;
	int maxargs;
	uint64_t *cpu_events, *cpu_marks;
	struct ukt_buf args;	/* scratch */
	struct ukt_buf *err;
	const struct symbolizer *sy;
	struct caller_cache {
		int pid;
		uint64_t addr;
		char *sym, *obj;	/* sym NULL: empty slot */
	} *cc;
	size_t cc_cap, cc_used;
	struct ukt_buf sym, obj;
};

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

static const char *basename_of(const char *p)
{
	const char *s = p ? strrchr(p, '/') : NULL;

	return s ? s + 1 : (p ? p : "");
}

static int find_arg(const struct event_layout *l, const char *name)
{
	for (int i = 0; i < l->nargs; i++)
		if (!strcmp(l->args[i].name, name))
			return i;
	return -1;
}

static int add_func(struct importer *im, const char *name)
{
	for (int i = 0; i < im->nfuncs; i++)
		if (!strcmp(im->funcs[i], name))
			return i;
	char **p = reallocarray(im->funcs, (size_t)im->nfuncs + 1, sizeof(*im->funcs));

	if (!p)
		return -ENOMEM;
	im->funcs = p;
	im->funcs[im->nfuncs] = strdup(name);
	return im->funcs[im->nfuncs] ? im->nfuncs++ : -ENOMEM;
}

/* The pairing key of a probe (entry and return of one function share it),
 * or NULL when the probe is not half of a pair. */
static void pair_key(const struct ukt_probe_rec *p, const struct event_layout *l,
		     struct ukt_buf *key, enum role *role)
{
	ukt_buf_reset(key);
	*role = ROLE_NONE;
	if (p && (!strcmp(p->kind, "uprobe") || !strcmp(p->kind, "kprobe"))) {
		*role = ROLE_ENTRY;
	} else if (p && (!strcmp(p->kind, "uretprobe") || !strcmp(p->kind, "kretprobe"))) {
		*role = ROLE_RETURN;
	} else if (!strcmp(l->system, "syscalls") && !strncmp(l->name, "sys_enter_", 10)) {
		*role = ROLE_ENTRY;
		ukt_buf_addf(key, "syscall:%s", l->name + 10);
		return;
	} else if (!strcmp(l->system, "syscalls") && !strncmp(l->name, "sys_exit_", 9)) {
		*role = ROLE_RETURN;
		ukt_buf_addf(key, "syscall:%s", l->name + 9);
		return;
	}
	if (*role != ROLE_NONE)
		ukt_buf_adds(key, p->func && *p->func ? p->func : p->name);
}

/* A readable name for a paired function. */
static void display_name(const struct ukt_probe_rec *p, const char *key,
			 struct ukt_buf *out)
{
	ukt_buf_reset(out);
	if (!strncmp(key, "syscall:", 8) || !p)
		ukt_buf_adds(out, key);
	else if (p->symbol && *p->symbol)
		ukt_buf_adds(out, p->symbol);
	else
		ukt_buf_adds(out, key);
}

static int plan_layouts(struct importer *im)
{
	struct ukt_buf key = UKT_BUF_INIT, key2 = UKT_BUF_INIT, name = UKT_BUF_INIT;
	int rc = 0;

	im->lays = decoder_layouts(im->dec, &im->nlays);
	im->li = calloc((size_t)im->nlays + 1, sizeof(*im->li));
	if (!im->li)
		return -ENOMEM;
	for (int i = 0; i < im->nlays; i++) {
		const struct event_layout *l = &im->lays[i];
		const struct ukt_probe_rec *p = l->probe >= 0 ? &im->t->probes[l->probe] : NULL;
		enum role role;

		im->li[i].probe_id = p ? p->id : 0;
		im->li[i].func = -1;
		im->li[i].caller_arg = find_arg(l, "caller");
		im->li[i].ret_arg = find_arg(l, "ret");
		if (l->nargs > im->maxargs)
			im->maxargs = l->nargs > MAX_ARGS ? MAX_ARGS : l->nargs;
		pair_key(p, l, &key, &role);
		if (role == ROLE_NONE)
			continue;
		/* only pairs: an entry without a return probe is just events */
		for (int k = 0; k < im->nlays; k++) {
			const struct event_layout *o = &im->lays[k];
			const struct ukt_probe_rec *q = o->probe >= 0 ? &im->t->probes[o->probe] : NULL;
			enum role r2;

			pair_key(q, o, &key2, &r2);
			if (r2 != ROLE_NONE && r2 != role && !strcmp(key.data, key2.data)) {
				im->li[i].role = role;
				break;
			}
		}
		if (im->li[i].role == ROLE_NONE)
			continue;
		/*
		 * One entry and one return probe per function: a second probe on
		 * the same address (say, one that fetches arguments) is plain
		 * events, or every call would push two frames. The -f probe,
		 * which fetches the caller, wins.
		 */
		for (int k = 0; k < im->nlays; k++) {
			const struct event_layout *o = &im->lays[k];
			const struct ukt_probe_rec *q = o->probe >= 0 ? &im->t->probes[o->probe] : NULL;
			enum role r2;

			if (k == i)
				continue;
			pair_key(q, o, &key2, &r2);
			if (r2 != role || strcmp(key.data, key2.data))
				continue;
			if (role == ROLE_ENTRY && (find_arg(o, "caller") >= 0) != (im->li[i].caller_arg >= 0)) {
				if (find_arg(o, "caller") >= 0)
					im->li[i].role = ROLE_NONE;
			} else if (k < i) {
				im->li[i].role = ROLE_NONE;
			}
		}
		if (im->li[i].role == ROLE_NONE)
			continue;
		display_name(p, key.data, &name);
		/* two functions of one name in different objects */
		for (int k = 0; k < i; k++) {
			const struct event_layout *o = &im->lays[k];
			const struct ukt_probe_rec *q = o->probe >= 0 ? &im->t->probes[o->probe] : NULL;
			enum role r2;

			if (im->li[k].func < 0 || strcmp(im->funcs[im->li[k].func], name.data))
				continue;
			pair_key(q, o, &key2, &r2);
			if (strcmp(key.data, key2.data)) {
				ukt_buf_addf(&name, "@%s", basename_of(p ? p->target : NULL));
				break;
			}
		}
		rc = add_func(im, name.data);
		if (rc < 0)
			break;
		im->li[i].func = rc;
		rc = 0;
		im->li[i].render_args = role == ROLE_ENTRY &&
			l->nargs > (im->li[i].caller_arg >= 0 ? 1 : 0) &&
			strcmp(l->system, "syscalls") != 0;
	}
	ukt_buf_release(&key);
	ukt_buf_release(&key2);
	ukt_buf_release(&name);
	return rc;
}

static int exec(struct importer *im, const char *sql)
{
	return db_exec(im->db, sql, im->err);
}

static int create_events_table(struct importer *im)
{
	struct ukt_buf sql = UKT_BUF_INIT;
	int rc;

	ukt_buf_adds(&sql, "CREATE TABLE events(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
			   " cpu INTEGER, tid INTEGER, pid INTEGER, probe_id INTEGER, ip INTEGER,"
			   " ret_ip INTEGER");
	for (int i = 0; i < im->maxargs; i++)
		ukt_buf_addf(&sql, ", arg%d", i);
	ukt_buf_adds(&sql, ")");
	rc = exec(im, sql.data);
	ukt_buf_reset(&sql);
	ukt_buf_adds(&sql, "id, ts, cpu, tid, pid, probe_id, ip, ret_ip");
	for (int i = 0; i < im->maxargs; i++)
		ukt_buf_addf(&sql, ", arg%d", i);
	if (!rc)
		rc = batch_init(&im->events, im->db, "events", sql.data, 8 + im->maxargs, im->err);
	ukt_buf_release(&sql);
	return rc;
}

static int insert_meta(struct importer *im, const char *k, const char *v)
{
	struct db_stmt *s = db_prepare(im->db, "INSERT OR REPLACE INTO meta VALUES(?, ?)", im->err);
	int rc;

	if (!s)
		return -REP_E_SQL;
	db_bind_text(s, 1, k, -1);
	db_bind_text(s, 2, v, -1);
	rc = db_step(s, im->err);
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

static int insert_probes(struct importer *im)
{
	struct db_stmt *s = db_prepare(im->db,
		"INSERT INTO probes VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)", im->err);
	struct ukt_buf args = UKT_BUF_INIT, view = UKT_BUF_INIT;
	int rc = 0, next_id = 1;

	if (!s)
		return -REP_E_SQL;
	for (size_t i = 0; i < im->t->nprobes; i++)
		if (im->t->probes[i].id >= next_id)
			next_id = im->t->probes[i].id + 1;
	for (int i = 0; i < im->nlays && rc >= 0; i++) {
		const struct event_layout *l = &im->lays[i];
		const struct ukt_probe_rec *p = l->probe >= 0 ? &im->t->probes[l->probe] : NULL;
		static const char *const roles[] = { NULL, "entry", "return" };
		char *sv = sanitize(l->name);

		if (!p)
			im->li[i].probe_id = next_id++;	/* a format without a PROBE record */
		ukt_buf_reset(&args);
		for (int k = 0; k < l->nargs && k < MAX_ARGS; k++)
			ukt_buf_addf(&args, "%s%s", k ? " " : "", l->args[k].name);
		ukt_buf_reset(&view);
		ukt_buf_addf(&view, "probe_%s", sv ? sv : "x");
		free(sv);
		db_bind_int(s, 1, im->li[i].probe_id);
		db_bind_text(s, 2, l->name, -1);
		db_bind_text(s, 3, l->system, -1);
		db_bind_text(s, 4, p ? p->kind : "tracepoint", -1);
		if (roles[im->li[i].role])
			db_bind_text(s, 5, roles[im->li[i].role], -1);
		if (im->li[i].func >= 0)
			db_bind_text(s, 6, im->funcs[im->li[i].func], -1);
		if (p && p->target && *p->target)
			db_bind_text(s, 7, p->target, -1);
		if (p && p->symbol && *p->symbol)
			db_bind_text(s, 8, p->symbol, -1);
		if (p && (p->target && *p->target))
			db_bind_int(s, 9, (int64_t)p->offset);
		if (p && p->spec)
			db_bind_text(s, 10, p->spec, -1);
		if (p && p->definition && *p->definition)
			db_bind_text(s, 11, p->definition, -1);
		db_bind_text(s, 12, view.data, -1);
		db_bind_text(s, 13, args.data, -1);
		rc = db_step(s, im->err);
		db_reset(s);
	}
	db_finalize(s);
	ukt_buf_release(&args);
	ukt_buf_release(&view);
	return rc < 0 ? rc : 0;
}

/* One view per probe with its arguments under their own names. */
static int create_probe_views(struct importer *im)
{
	struct ukt_buf sql = UKT_BUF_INIT;
	int rc = 0;

	for (int i = 0; i < im->nlays && !rc; i++) {
		const struct event_layout *l = &im->lays[i];
		char *sv = sanitize(l->name);

		ukt_buf_reset(&sql);
		ukt_buf_adds(&sql, "CREATE VIEW IF NOT EXISTS ");
		ukt_buf_addf(&sql, "\"probe_%s\"", sv ? sv : "x");
		ukt_buf_adds(&sql, " AS SELECT id, ts, cpu, tid, pid, ip, ret_ip");
		for (int k = 0; k < l->nargs && k < MAX_ARGS; k++) {
			char *col = sanitize(l->args[k].name);
			bool dup = !strcmp(col, "id") || !strcmp(col, "ts") || !strcmp(col, "cpu") ||
				   !strcmp(col, "tid") || !strcmp(col, "pid") || !strcmp(col, "ip") ||
				   !strcmp(col, "ret_ip");

			for (int j = 0; j < k && !dup; j++) {
				char *o = sanitize(l->args[j].name);

				dup = o && col && !strcmp(o, col);
				free(o);
			}
			ukt_buf_addf(&sql, ", arg%d AS \"%s%s\"", k, dup ? "arg_" : "",
				     col ? col : "x");
			free(col);
		}
		ukt_buf_addf(&sql, " FROM events WHERE probe_id = %d", im->li[i].probe_id);
		free(sv);
		rc = exec(im, sql.data);
	}
	ukt_buf_release(&sql);
	return rc;
}

static int insert_threads(struct importer *im)
{
	struct db_stmt *s = db_prepare(im->db, "INSERT OR REPLACE INTO threads VALUES(?,?,?)", im->err);
	int rc = 0;

	if (!s)
		return -REP_E_SQL;
	for (size_t i = 0; i < im->th.cap && rc >= 0; i++) {
		const struct thread_info *e = &im->th.v[i];

		if (e->tid == 0 && !e->comm)
			continue;
		db_bind_int(s, 1, e->tid);
		if (e->pid)
			db_bind_int(s, 2, e->pid);
		if (e->comm)
			db_bind_text(s, 3, e->comm, -1);
		rc = db_step(s, im->err);
		db_reset(s);
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

static int insert_symbols(struct importer *im, const struct symbolizer *sy)
{
	struct db_stmt *o = db_prepare(im->db, "INSERT INTO objects VALUES(?,?,?)", im->err);
	struct db_stmt *s = db_prepare(im->db, "INSERT INTO symbols VALUES(?,?,?,?)", im->err);
	struct db_stmt *m = db_prepare(im->db, "INSERT INTO maps VALUES(?,?,?,?,?,?)", im->err);
	int rc = 0;

	if (!o || !s || !m) {
		rc = -REP_E_SQL;
		goto out;
	}
	for (size_t i = 0; i < sy->nobjects && rc >= 0; i++) {
		const struct sym_object *ob = &sy->objects[i];

		db_bind_text(o, 1, ob->path, -1);
		db_bind_text(o, 2, ob->build_id, -1);
		db_bind_int(o, 3, (int64_t)ob->nsyms);
		rc = db_step(o, im->err);
		db_reset(o);
		for (size_t k = 0; k < ob->nsyms && rc >= 0; k++) {
			db_bind_text(s, 1, ob->path, -1);
			db_bind_int(s, 2, (int64_t)ob->syms[k].addr);
			db_bind_int(s, 3, (int64_t)ob->syms[k].size);
			db_bind_text(s, 4, ob->syms[k].name, -1);
			rc = db_step(s, im->err);
			db_reset(s);
		}
	}
	for (size_t k = 0; k < sy->nksyms && rc >= 0; k++) {
		db_bind_text(s, 1, "[kernel]", -1);
		db_bind_int(s, 2, (int64_t)sy->ksyms[k].addr);
		db_bind_null(s, 3);
		db_bind_text(s, 4, sy->ksyms[k].name, -1);
		rc = db_step(s, im->err);
		db_reset(s);
	}
	for (size_t i = 0; i < sy->nsnaps && rc >= 0; i++) {
		const struct sym_snapshot *sn = &sy->snaps[i];

		for (size_t k = 0; k < sn->nmaps && rc >= 0; k++) {
			db_bind_int(m, 1, sn->pid);
			db_bind_int(m, 2, (int64_t)sn->ts);
			db_bind_int(m, 3, (int64_t)sn->maps[k].start);
			db_bind_int(m, 4, (int64_t)sn->maps[k].end);
			db_bind_int(m, 5, (int64_t)sn->maps[k].pgoff);
			db_bind_text(m, 6, sn->maps[k].path, -1);
			rc = db_step(m, im->err);
			db_reset(m);
		}
	}
out:
	db_finalize(o);
	db_finalize(s);
	db_finalize(m);
	return rc < 0 ? rc : 0;
}

static int insert_damage(struct importer *im)
{
	struct db_stmt *s = db_prepare(im->db, "INSERT INTO damage VALUES(?,?,?,?,?,?,?,?)", im->err);
	static const char *const kinds[] = { "", "truncated", "bad_frame", "bad_payload", "no_trailer" };
	struct ukt_buf d = UKT_BUF_INIT;
	int rc = 0;

	if (!s)
		return -REP_E_SQL;
	for (size_t i = 0; i < im->t->ndamage && rc >= 0; i++) {
		const struct ukt_damage *dm = &im->t->damage[i];

		ukt_buf_reset(&d);
		ukt_damage_describe(dm, &d);
		db_bind_text(s, 1, kinds[dm->kind], -1);
		db_bind_int(s, 2, (int64_t)dm->offset);
		db_bind_int(s, 3, (int64_t)dm->bytes);
		if (dm->frame_known) {
			db_bind_text(s, 4, ukt_block_type_name(dm->desc.type), -1);
			if (dm->desc.cpu != UKT_NO_CPU)
				db_bind_int(s, 5, dm->desc.cpu);
			if (dm->desc.type == UKT_B_DATA) {
				db_bind_int(s, 6, (int64_t)dm->desc.ts_first);
				db_bind_int(s, 7, (int64_t)dm->desc.ts_last);
			}
		}
		db_bind_text(s, 8, d.data, -1);
		rc = db_step(s, im->err);
		db_reset(s);
	}
	db_finalize(s);
	ukt_buf_release(&d);
	return rc < 0 ? rc : 0;
}

static int insert_cpus(struct importer *im)
{
	struct db_stmt *s = db_prepare(im->db, "INSERT INTO cpus VALUES(?,?,?,?,?,?,?,?,?)", im->err);
	int rc = 0;

	if (!s)
		return -REP_E_SQL;
	for (uint32_t c = 0; c < im->t->ncpus && rc >= 0; c++) {
		const struct trace_cpu *tc = &im->t->cpus[c];
		uint64_t over = trace_cpu_stat(tc->stats, "overrun: ");
		uint64_t drop = trace_cpu_stat(tc->stats, "dropped events: ");

		db_bind_int(s, 1, c);
		db_bind_int(s, 2, (int64_t)im->cpu_events[c]);
		db_bind_int(s, 3, (int64_t)(over + drop));
		if (tc->stats) {
			db_bind_int(s, 4, (int64_t)over);
			db_bind_int(s, 5, (int64_t)drop);
		}
		db_bind_int(s, 6, (int64_t)im->cpu_marks[c]);
		db_bind_int(s, 7, (int64_t)tc->pages);
		db_bind_int(s, 8, (int64_t)tc->raw_bytes);
		db_bind_int(s, 9, (int64_t)tc->stored_bytes);
		rc = db_step(s, im->err);
		db_reset(s);
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

/*
 * Caller names, resolved once per (pid, address): a hot loop calls from a
 * handful of places. When the cache is full, resolve every time.
 */
static int caller_name(struct importer *im, int pid, uint64_t addr, uint64_t ts,
		       const char **sym, const char **obj)
{
	size_t i;

	if (!im->cc) {
		im->cc_cap = 1 << 14;
		im->cc = calloc(im->cc_cap, sizeof(*im->cc));
		if (!im->cc)
			return -ENOMEM;
	}
	i = (size_t)((addr * 0x9e3779b97f4a7c15ull) >> 40 ^ (uint64_t)pid) & (im->cc_cap - 1);
	for (size_t probes = 0; probes < im->cc_cap; probes++, i = (i + 1) & (im->cc_cap - 1)) {
		struct caller_cache *c = &im->cc[i];

		if (c->sym && c->pid == pid && c->addr == addr) {
			*sym = c->sym;
			*obj = c->obj;
			return 0;
		}
		if (c->sym)
			continue;
		symbolize(im->sy, pid, addr, ts, &im->sym, &im->obj);
		*sym = im->sym.data;
		*obj = im->obj.data;
		if (im->cc_used * 4 >= im->cc_cap * 3)
			return 0;	/* full: do not cache */
		c->sym = strdup(*sym);
		c->obj = strdup(*obj);
		if (!c->sym || !c->obj) {
			free(c->sym);
			free(c->obj);
			c->sym = c->obj = NULL;
			return -ENOMEM;
		}
		c->pid = pid;
		c->addr = addr;
		im->cc_used++;
		return 0;
	}
	return 0;
}

static int emit_call(void *ctx, const struct call_row *r)
{
	struct importer *im = ctx;
	struct batch *s = &im->calls;
	const struct thread_info *ti = threads_get(&im->th, r->tid);
	const char *sym = "", *obj = "";
	int rc;

	batch_row(s);
	batch_int(s, 0, r->id);
	batch_text(s, 1, im->funcs[r->func], -1);
	batch_int(s, 2, r->tid);
	if (r->pid)
		batch_int(s, 3, r->pid);
	if (ti && ti->comm)
		batch_text(s, 4, ti->comm, -1);
	if (r->has_entry)
		batch_int(s, 5, (int64_t)r->entry_ts);
	if (r->has_return)
		batch_int(s, 6, (int64_t)r->return_ts);
	if (r->has_entry && r->has_return) {
		batch_int(s, 7, r->duration);
		batch_int(s, 8, r->self);
	}
	batch_int(s, 9, r->depth);
	if (r->parent_id)
		batch_int(s, 10, r->parent_id);
	if (r->has_caller) {
		batch_int(s, 11, (int64_t)r->caller);
		rc = caller_name(im, r->pid, r->caller,
				 r->has_entry ? r->entry_ts : r->return_ts, &sym, &obj);
		if (rc)
			return rc;
		batch_text(s, 12, sym, -1);
		batch_text(s, 13, obj, -1);
	}
	if (r->args)
		batch_text(s, 14, r->args, -1);
	if (r->has_ret)
		batch_int(s, 15, r->ret);
	batch_int(s, 16, r->status == CALL_COMPLETE);
	batch_text(s, 17, call_status_name(r->status), -1);
	if (r->entry_event_id)
		batch_int(s, 18, r->entry_event_id);
	if (r->return_event_id)
		batch_int(s, 19, r->return_event_id);
	return batch_end_row(s);
}

static void render_args(struct importer *im, const struct dec_event *ev,
			int skip)
{
	const struct event_layout *l = ev->lay;

	ukt_buf_reset(&im->args);
	for (int k = 0; k < l->nargs; k++) {
		const struct field_layout *f = &l->args[k];
		int64_t v;
		const char *s;
		int n;

		if (k == skip)
			continue;
		if (im->args.len)
			ukt_buf_adds(&im->args, " ");
		if (f->kind == FK_INT && dec_int(ev, f, &v) == 0)
			ukt_buf_addf(&im->args, "%s=%" PRId64, f->name, v);
		else if (f->kind == FK_STRING && dec_string(ev, f, &s, &n) == 0)
			ukt_buf_addf(&im->args, "%s=\"%.*s\"", f->name, n, s);
		else
			ukt_buf_addf(&im->args, "%s=?", f->name);
	}
}

static int import_events(struct importer *im, struct import_result *res)
{
	struct dec_event ev;
	struct batch *s = &im->events;
	struct db_stmt *lost = im->ins_lost;
	int64_t id = 0;
	int rc;

	while ((rc = decoder_next(im->dec, &ev)) == 1) {
		const struct lay_info *li = &im->li[ev.lay - im->lays];
		const struct thread_info *ti;
		int64_t v;
		int n = ev.lay->nargs < im->maxargs ? ev.lay->nargs : im->maxargs;

		id++;
		if (ev.missed) {
			db_bind_int(lost, 1, ev.cpu);
			db_bind_int(lost, 2, (int64_t)ev.ts);
			if (ev.missed > 0)
				db_bind_int(lost, 3, ev.missed);
			rc = db_step(lost, im->err);
			db_reset(lost);
			if (rc < 0)
				return rc;
			res->lost_marks++;
			im->cpu_marks[ev.cpu]++;
			pairer_missed(im->pairer, ev.cpu);
		}
		ti = threads_get(&im->th, ev.tid);
		if (!ti)
			ti = threads_add(&im->th, ev.tid);
		batch_row(s);
		batch_int(s, 0, id);
		batch_int(s, 1, (int64_t)ev.ts);
		batch_int(s, 2, ev.cpu);
		batch_int(s, 3, ev.tid);
		if (ti && ti->pid)
			batch_int(s, 4, ti->pid);
		batch_int(s, 5, li->probe_id);
		if (ev.lay->ip >= 0 && dec_int(&ev, &ev.lay->fields[ev.lay->ip], &v) == 0)
			batch_int(s, 6, v);
		if (ev.lay->ret_ip >= 0 && dec_int(&ev, &ev.lay->fields[ev.lay->ret_ip], &v) == 0)
			batch_int(s, 7, v);
		for (int k = 0; k < n; k++) {
			const struct field_layout *f = &ev.lay->args[k];
			const char *str;
			int len;

			if (f->kind == FK_INT) {
				if (dec_int(&ev, f, &v) == 0)
					batch_int(s, 8 + k, v);
			} else if (dec_string(&ev, f, &str, &len) == 0) {
				if (f->kind == FK_STRING)
					batch_text(s, 8 + k, str, len);
				else
					batch_blob(s, 8 + k, str, len);
			}
		}
		rc = batch_end_row(s);
		if (rc < 0)
			return rc;
		im->cpu_events[ev.cpu]++;
		if (li->role != ROLE_NONE) {
			struct call_event ce = {
				.ts = ev.ts, .cpu = ev.cpu, .tid = ev.tid,
				.pid = ti ? ti->pid : 0, .func = li->func,
				.is_return = li->role == ROLE_RETURN,
				.probe_id = li->probe_id, .event_id = id,
			};

			if (li->caller_arg >= 0 &&
			    dec_int(&ev, &ev.lay->args[li->caller_arg], &v) == 0) {
				ce.has_caller = true;
				ce.caller = (uint64_t)v;
			} else if (ce.is_return && ev.lay->ret_ip >= 0 &&
				   dec_int(&ev, &ev.lay->fields[ev.lay->ret_ip], &v) == 0) {
				ce.has_caller = true;
				ce.caller = (uint64_t)v;
			}
			if (li->ret_arg >= 0 && ce.is_return &&
			    dec_int(&ev, &ev.lay->args[li->ret_arg], &v) == 0) {
				ce.has_ret = true;
				ce.ret = v;
			}
			if (li->render_args) {
				render_args(im, &ev, li->caller_arg);
				ce.args = im->args.data;
			}
			rc = pairer_feed(im->pairer, &ce);
			if (rc)
				return rc;
		}
	}
	res->events = (uint64_t)id;
	if (rc >= 0)
		rc = batch_flush(s);
	return rc;
}

/* call_summary: call_stats as it stands at import, for a fast summary. */
static int materialize_summary(struct importer *im)
{
	struct stats_row *rows = NULL;
	struct db_stmt *s;
	size_t n = 0;
	int rc;

	rc = exec(im, "CREATE TABLE call_summary(func TEXT PRIMARY KEY, calls INTEGER,"
		      " incomplete INTEGER, total_ns INTEGER, self_ns INTEGER, min_ns INTEGER,"
		      " avg_ns INTEGER, p50_ns INTEGER, p90_ns INTEGER, p99_ns INTEGER, max_ns INTEGER)");
	if (!rc)
		rc = stats_compute(im->db, "func", 1, NULL, &rows, &n, im->err);
	if (rc)
		return rc;
	s = db_prepare(im->db, "INSERT INTO call_summary VALUES(?,?,?,?,?,?,?,?,?,?,?)", im->err);
	for (size_t i = 0; s && i < n && rc >= 0; i++) {
		db_bind_text(s, 1, rows[i].k1, -1);
		for (int k = 0; k < S_NCOLS; k++)
			if (!rows[i].null[k])
				db_bind_int(s, k + 2, rows[i].v[k]);
		rc = db_step(s, im->err);
		db_reset(s);
	}
	if (!s)
		rc = -REP_E_SQL;
	db_finalize(s);
	stats_free(rows, n);
	return rc < 0 ? rc : 0;
}

static int create_views(struct importer *im)
{
	struct ukt_buf sql = UKT_BUF_INIT;
	int rc;

	ukt_buf_adds(&sql, "CREATE VIEW call_stats AS\n");
	sql_call_stats(&sql, "func", NULL);
	ukt_buf_adds(&sql, ";\nCREATE VIEW call_stats_by_process AS\n");
	sql_call_stats(&sql, "func, pid", NULL);
	ukt_buf_adds(&sql, ";\nCREATE VIEW call_stats_by_comm AS\n");
	sql_call_stats(&sql, "func, comm", NULL);
	ukt_buf_adds(&sql, ";\nCREATE VIEW callers AS\n");
	sql_callers(&sql, NULL);
	ukt_buf_adds(&sql, ";\nCREATE VIEW event_info AS SELECT e.id, e.ts, e.cpu, e.tid,"
			   " e.pid, t.comm, p.name AS probe, p.system, e.ip, e.ret_ip"
			   " FROM events e LEFT JOIN probes p ON p.id = e.probe_id"
			   " LEFT JOIN threads t ON t.tid = e.tid;\n");
	rc = exec(im, sql.data);
	ukt_buf_release(&sql);
	return rc;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_meta(struct importer *im, const struct import_result *res)
{
	struct stat st;
	char v[64];
	int rc = 0;

	for (size_t i = 0; i < im->t->nmeta && !rc; i++)
		rc = insert_meta(im, im->t->meta[i].key, im->t->meta[i].value);
	if (rc)
		return rc;
	snprintf(v, sizeof(v), "%d", UKT_SCHEMA_VERSION);
	rc = insert_meta(im, "schema_version", v);
	if (!rc)
		rc = insert_meta(im, "trace_path", im->t->path);
	if (!rc && stat(im->t->path, &st) == 0) {
		snprintf(v, sizeof(v), "%lld", (long long)st.st_size);
		rc = insert_meta(im, "trace_size", v);
		snprintf(v, sizeof(v), "%lld.%09ld", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		if (!rc)
			rc = insert_meta(im, "trace_mtime", v);
	}
	snprintf(v, sizeof(v), "%" PRIu64, res->events);
	if (!rc)
		rc = insert_meta(im, "events", v);
	if (!rc)
		rc = insert_meta(im, "trace_complete", im->t->complete ? "1" : "0");
	snprintf(v, sizeof(v), "%u", im->t->info.ncpus);
	if (!rc)
		rc = insert_meta(im, "ncpus", v);
	snprintf(v, sizeof(v), "%u", im->t->info.subbuf_size);
	if (!rc)
		rc = insert_meta(im, "subbuf_size", v);
	if (!rc && !trace_meta(im->t, "clock"))
		rc = insert_meta(im, "clock", im->t->info.clock);
	if (!rc)
		rc = insert_meta(im, "report_version", UKT_VERSION);
	return rc;
}

int import_trace(struct trace *t, const char *db_path,
		 struct import_result *res, struct ukt_buf *err,
		 struct ukt_buf *warn)
{
	struct importer im = { .t = t, .err = err, .args = UKT_BUF_INIT,
			       .sym = UKT_BUF_INIT, .obj = UKT_BUF_INIT };
	struct symbolizer sy = { 0 };
	struct ukt_buf tmp = UKT_BUF_INIT;
	double start = now_s();
	uint64_t counts[4];
	int rc;

	memset(res, 0, sizeof(*res));
	ukt_buf_addf(&tmp, "%s.tmp-%d", db_path, (int)getpid());
	unlink(tmp.data);
	im.dec = decoder_new(t, err, warn);
	if (!im.dec) {
		rc = -REP_E_TEP;
		goto out;
	}
	im.cpu_events = calloc(t->ncpus + 1, sizeof(*im.cpu_events));
	im.cpu_marks = calloc(t->ncpus + 1, sizeof(*im.cpu_marks));
	im.pairer = pairer_new(emit_call, &im);
	if (!im.cpu_events || !im.cpu_marks || !im.pairer) {
		rc = -ENOMEM;
		goto out;
	}
	rc = threads_load(&im.th, t);
	if (!rc)
		rc = symbolizer_load(&sy, t);
	if (!rc)
		rc = plan_layouts(&im);
	im.sy = &sy;
	if (rc)
		goto out;
	im.db = db_open(tmp.data, DB_CREATE | DB_FAST, err);
	if (!im.db) {
		rc = -errno;
		goto out;
	}
	rc = exec(&im, "BEGIN");
	if (!rc)
		rc = exec(&im, schema);
	if (!rc)
		rc = create_events_table(&im);
	if (rc)
		goto out;
	rc = batch_init(&im.calls, im.db, "calls",
			"id, func, tid, pid, comm, entry_ts, return_ts, duration_ns, self_ns,"
			" depth, parent_id, caller_addr, caller_symbol, caller_object, args, ret,"
			" complete, status, entry_event_id, return_event_id", 20, err);
	if (rc)
		goto out;
	im.ins_lost = db_prepare(im.db, "INSERT INTO lost VALUES(?,?,?)", err);
	if (!im.ins_lost) {
		rc = -REP_E_SQL;
		goto out;
	}
	rc = insert_probes(&im);
	if (!rc)
		rc = import_events(&im, res);
	if (getenv("UKT_PROFILE"))
		fprintf(stderr, "profile: events and calls inserted at %.2f s\n", now_s() - start);
	if (!rc)
		rc = pairer_finish(im.pairer);
	if (!rc)
		rc = batch_flush(&im.calls);
	if (rc)
		goto out;
	pairer_counts(im.pairer, counts);
	res->calls = counts[0] + counts[1] + counts[2] + counts[3];
	res->incomplete = res->calls - counts[CALL_COMPLETE];
	rc = insert_threads(&im);
	if (!rc)
		rc = insert_symbols(&im, &sy);
	if (!rc)
		rc = insert_damage(&im);
	if (!rc)
		rc = insert_cpus(&im);
	if (getenv("UKT_PROFILE"))
		fprintf(stderr, "profile: metadata tables at %.2f s\n", now_s() - start);
	if (!rc)
		rc = exec(&im, indexes);
	if (getenv("UKT_PROFILE"))
		fprintf(stderr, "profile: indexes at %.2f s\n", now_s() - start);
	if (!rc)
		rc = materialize_summary(&im);
	if (getenv("UKT_PROFILE"))
		fprintf(stderr, "profile: call_summary at %.2f s\n", now_s() - start);
	if (!rc)
		rc = create_views(&im);
	if (!rc)
		rc = create_probe_views(&im);
	res->seconds = now_s() - start;
	if (!rc)
		rc = write_meta(&im, res);
	if (!rc)
		rc = exec(&im, "COMMIT");
	if (rc)
		goto out;
	{
		const struct decode_stats *ds = decoder_stats(im.dec);

		if (ds->bad_pages || ds->bad_blocks)
			ukt_buf_addf(warn, "%" PRIu64 " ring-buffer pages and %" PRIu64 " blocks could not be decoded and were skipped\n",
				     ds->bad_pages, ds->bad_blocks);
		if (ds->unknown_events)
			ukt_buf_addf(warn, "%" PRIu64 " events had no saved format and were skipped\n",
				     ds->unknown_events);
	}
	batch_release(&im.events);
	batch_release(&im.calls);
	db_finalize(im.ins_lost);
	im.ins_lost = NULL;
	rc = db_close(im.db);
	im.db = NULL;
	if (!rc && rename(tmp.data, db_path) < 0) {
		rc = -errno;
		ukt_buf_addf(err, "cannot create '%s': %s", db_path, strerror(errno));
	}
out:
	if (rc && !err->len)
		ukt_buf_addf(err, "import failed: %s", rep_strerror(rc));
	batch_release(&im.events);
	batch_release(&im.calls);
	db_finalize(im.ins_lost);
	db_close(im.db);
	if (rc)
		unlink(tmp.data);
	decoder_free(im.dec);
	pairer_free(im.pairer);
	threads_release(&im.th);
	symbolizer_release(&sy);
	for (int i = 0; i < im.nfuncs; i++)
		free(im.funcs[i]);
	free(im.funcs);
	free(im.li);
	free(im.cpu_events);
	free(im.cpu_marks);
	ukt_buf_release(&im.args);
	ukt_buf_release(&im.sym);
	ukt_buf_release(&im.obj);
	for (size_t i = 0; i < im.cc_cap; i++) {
		free(im.cc[i].sym);
		free(im.cc[i].obj);
	}
	free(im.cc);
	ukt_buf_release(&tmp);
	return rc;
}
