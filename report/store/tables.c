// SPDX-License-Identifier: MIT
/* Metadata tables (tables.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache.h"
#include "db.h"
#include "errors.h"
#include "import.h"
#include "schema.h"
#include "tables.h"

char *tables_meta(struct db *d, const char *key)
{
	struct db_stmt *s = db_prepare(d, "SELECT value FROM meta WHERE key = ?", NULL);
	char *v = NULL;

	if (!s)
		return NULL;
	db_bind_text(s, 1, key, -1);
	if (db_step(s, NULL) == 1 && db_column_text(s, 0))
		v = strdup(db_column_text(s, 0));
	db_finalize(s);
	return v;
}

int64_t tables_first_ts(struct db *d)
{
	int64_t v = 0;

	db_query_int(d, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'first_ts'", &v);
	return v;
}

int tables_set_meta(struct db *d, const char *k, const char *v,
		    struct ukt_buf *err)
{
	struct db_stmt *s = db_prepare(d, "INSERT OR REPLACE INTO meta VALUES(?, ?)", err);
	int rc;

	if (!s)
		return -REP_E_SQL;
	db_bind_text(s, 1, k, -1);
	db_bind_text(s, 2, v, -1);
	rc = db_step(s, err);
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

void tables_probe_row(const struct trace *t, const struct plan *p, int i,
		      const uint64_t *events, struct probe_row *r)
{
	static const char *const roles[] = { NULL, "entry", "return" };
	const struct event_layout *l = &p->lays[i];
	const struct lay_info *li = &p->li[i];
	const struct ukt_probe_rec *pr = l->probe >= 0 ? &t->probes[l->probe] : NULL;

	ukt_buf_reset(&r->args);
	for (int k = 0; k < l->nargs && k < PLAN_MAX_ARGS; k++)
		ukt_buf_addf(&r->args, "%s%s", k ? " " : "", l->args[k].name);
	ukt_buf_reset(&r->view);
	if (i < SCHEMA_MAX_PROBE_VIEWS)
		schema_probe_view(l, &r->view);
	r->id = li->probe_id;
	r->name = l->name;
	r->system = l->system;
	r->kind = pr ? pr->kind : "tracepoint";
	r->role = roles[li->role];
	r->func = li->func >= 0 ? p->funcs[li->func] : NULL;
	r->target = pr && pr->target && *pr->target ? pr->target : NULL;
	r->symbol = pr && pr->symbol && *pr->symbol ? pr->symbol : NULL;
	r->has_offset = r->target != NULL;
	r->offset = pr ? (int64_t)pr->offset : 0;
	r->spec = pr ? pr->spec : NULL;
	r->definition = pr && pr->definition && *pr->definition ? pr->definition : NULL;
	r->filter = pr && pr->filter && *pr->filter ? pr->filter : NULL;
	r->events = (int64_t)events[i];
	r->returns = pr ? pr->returns : NULL;
	/* a paired probe's is its call's name; another's, as readable */
	if (r->func) {
		ukt_buf_reset(&r->function);
		ukt_buf_adds(&r->function, r->func);
	} else {
		plan_probe_name(p, pr, &r->function);
	}
}

int tables_insert_probes(struct db *d, const struct trace *t,
			 const struct plan *p, const uint64_t *events,
			 struct ukt_buf *err)
{
	struct db_stmt *s = db_prepare(d,
		"INSERT INTO probes VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", err);
	struct probe_row r = { .view = UKT_BUF_INIT, .args = UKT_BUF_INIT,
			       .function = UKT_BUF_INIT };
	int rc = 0;

	if (!s)
		return -REP_E_SQL;
	for (int i = 0; i < p->nlays && rc >= 0; i++) {
		tables_probe_row(t, p, i, events, &r);
		db_bind_int(s, 1, r.id);
		db_bind_text(s, 2, r.name, -1);
		db_bind_text(s, 3, r.system, -1);
		db_bind_text(s, 4, r.kind, -1);
		if (r.role)
			db_bind_text(s, 5, r.role, -1);
		if (r.func)
			db_bind_text(s, 6, r.func, -1);
		if (r.target)
			db_bind_text(s, 7, r.target, -1);
		if (r.symbol)
			db_bind_text(s, 8, r.symbol, -1);
		if (r.has_offset)
			db_bind_int(s, 9, r.offset);
		if (r.spec)
			db_bind_text(s, 10, r.spec, -1);
		if (r.definition)
			db_bind_text(s, 11, r.definition, -1);
		if (r.view.len)
			db_bind_text(s, 12, r.view.data, -1);
		db_bind_text(s, 13, r.args.data, -1);
		db_bind_int(s, 14, r.events);
		if (r.filter)
			db_bind_text(s, 15, r.filter, -1);
		if (r.returns)
			db_bind_text(s, 16, r.returns, -1);
		if (r.function.len)
			db_bind_text(s, 17, r.function.data, -1);
		rc = db_step(s, err);
		db_reset(s);
	}
	db_finalize(s);
	ukt_buf_release(&r.args);
	ukt_buf_release(&r.view);
	ukt_buf_release(&r.function);
	return rc < 0 ? rc : 0;
}

/* The names of a thread that changed its name: thread_comms. */
static int insert_names(struct db *d, const struct thread_info *e, struct ukt_buf *err)
{
	struct db_stmt *s = db_prepare(d, "INSERT INTO thread_comms VALUES(?,?,?)", err);
	int rc = 0;

	if (!s)
		return -REP_E_SQL;
	if (e->first_comm) {
		db_bind_int(s, 1, e->tid);
		db_bind_text(s, 3, e->first_comm, -1);
		rc = db_step(s, err);
		db_reset(s);
	}
	for (size_t k = 0; k < e->nnames && rc >= 0; k++) {
		const char *prev = k ? e->names[k - 1].comm : e->first_comm;

		if (prev && !strcmp(prev, e->names[k].comm))
			continue;	/* a rename to the same name, or an exec of it */
		db_bind_int(s, 1, e->tid);
		db_bind_int(s, 2, (int64_t)e->names[k].ts);
		db_bind_text(s, 3, e->names[k].comm, -1);
		rc = db_step(s, err);
		db_reset(s);
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int tables_insert_threads(struct db *d, const struct threads *th,
			  struct ukt_buf *err)
{
	struct db_stmt *s = db_prepare(d, "INSERT OR REPLACE INTO threads VALUES(?,?,?,?)", err);
	int rc = 0;

	if (!s)
		return -REP_E_SQL;
	for (size_t i = 0; i < th->cap && rc >= 0; i++) {
		const struct thread_info *e = &th->v[i];

		if (!threads_wanted(e))
			continue;
		db_bind_int(s, 1, e->tid);
		if (e->pid)
			db_bind_int(s, 2, e->pid);
		if (e->comm)
			db_bind_text(s, 3, e->comm, -1);
		if (e->has_sp_base)
			db_bind_int(s, 4, (int64_t)e->sp_base);
		rc = db_step(s, err);
		db_reset(s);
		if (rc >= 0 && threads_renamed(e))
			rc = insert_names(d, e, err);
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int tables_insert_symbols(struct db *d, const struct symbolizer *sy,
			  struct ukt_buf *err)
{
	struct db_stmt *o = db_prepare(d, "INSERT INTO objects VALUES(?,?,?,?,?,?,?)", err);
	struct db_stmt *s = db_prepare(d, "INSERT INTO symbols VALUES(?,?,?,?)", err);
	struct db_stmt *m = db_prepare(d, "INSERT INTO maps VALUES(?,?,?,?,?,?)", err);
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
		if (ob->has_id) {
			char dev[32];

			snprintf(dev, sizeof(dev), "%u:%u", ob->maj, ob->min);
			db_bind_text(o, 4, dev, -1);
			db_bind_int(o, 5, (int64_t)ob->ino);
		}
		if (ob->mntns)
			db_bind_text(o, 6, ob->mntns, -1);
		if (ob->source)
			db_bind_text(o, 7, ob->source, -1);
		rc = db_step(o, err);
		db_reset(o);
		for (size_t k = 0; k < ob->nsyms && rc >= 0; k++) {
			db_bind_text(s, 1, ob->path, -1);
			db_bind_int(s, 2, (int64_t)ob->syms[k].addr);
			db_bind_int(s, 3, (int64_t)ob->syms[k].size);
			db_bind_text(s, 4, ob->syms[k].name, -1);
			rc = db_step(s, err);
			db_reset(s);
		}
	}
	for (size_t k = 0; k < sy->nksyms && rc >= 0; k++) {
		db_bind_text(s, 1, "[kernel]", -1);
		db_bind_int(s, 2, (int64_t)sy->ksyms[k].addr);
		db_bind_null(s, 3);
		db_bind_text(s, 4, sy->ksyms[k].name, -1);
		rc = db_step(s, err);
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
			rc = db_step(m, err);
			db_reset(m);
		}
	}
out:
	db_finalize(o);
	db_finalize(s);
	db_finalize(m);
	return rc < 0 ? rc : 0;
}

int tables_insert_damage(struct db *d, const struct trace *t,
			 struct ukt_buf *err)
{
	struct db_stmt *s = db_prepare(d, "INSERT INTO damage VALUES(?,?,?,?,?,?,?,?)", err);
	static const char *const kinds[] = { "", "truncated", "bad_frame", "bad_payload", "no_trailer" };
	struct ukt_buf text = UKT_BUF_INIT;
	int rc = 0;

	if (!s)
		return -REP_E_SQL;
	for (size_t i = 0; i < t->ndamage && rc >= 0; i++) {
		const struct ukt_damage *dm = &t->damage[i];

		ukt_buf_reset(&text);
		trace_damage_text(t, i, &text);
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
		db_bind_text(s, 8, text.data, -1);
		rc = db_step(s, err);
		db_reset(s);
	}
	db_finalize(s);
	ukt_buf_release(&text);
	return rc < 0 ? rc : 0;
}

void tables_cpu_row(const struct trace *t, uint32_t c, const uint64_t *events,
		    const uint64_t *marks, int64_t v[CPU_NCOLS], bool null[CPU_NCOLS])
{
	const struct trace_cpu *tc = &t->cpus[c];
	const char *mode = trace_meta(t, "mode"), *ow = trace_meta(t, "overwritten");
	bool flight = mode && !strcmp(mode, "flight");
	uint64_t over = trace_cpu_stat(tc->stats, "overrun: ");
	uint64_t drop = trace_cpu_stat(tc->stats, "dropped events: ");

	for (int i = 0; i < CPU_NCOLS; i++)
		null[i] = false;
	v[0] = c;
	v[1] = (int64_t)events[c];
	/* a flight recorder overwrites the oldest events by design: a dump
	 * says how many its window lost that way ("overwritten", one count
	 * per CPU), which is not a loss */
	v[2] = (int64_t)(flight ? drop : over + drop);
	v[3] = (int64_t)over;
	v[4] = (int64_t)drop;
	null[3] = null[4] = !tc->stats;
	v[5] = (int64_t)marks[c];
	v[6] = (int64_t)tc->pages;
	v[7] = (int64_t)tc->raw_bytes;
	v[8] = (int64_t)tc->stored_bytes;
	null[9] = !(flight && ow);
	v[9] = 0;
	if (!null[9]) {
		const char *p = ow;

		for (uint32_t k = 0; k < c && *p; k++)
			strtoull(p, (char **)&p, 10);
		v[9] = (int64_t)strtoull(p, NULL, 10);
	}
}

int tables_insert_cpus(struct db *d, const struct trace *t,
		       const uint64_t *events, const uint64_t *marks,
		       struct ukt_buf *err)
{
	struct db_stmt *s = db_prepare(d, "INSERT INTO cpus VALUES(?,?,?,?,?,?,?,?,?,?)", err);
	int rc = 0;

	if (!s)
		return -REP_E_SQL;
	for (uint32_t c = 0; c < t->ncpus && rc >= 0; c++) {
		int64_t v[CPU_NCOLS];
		bool null[CPU_NCOLS];

		tables_cpu_row(t, c, events, marks, v, null);
		for (int i = 0; i < CPU_NCOLS; i++)
			if (!null[i])
				db_bind_int(s, i + 1, v[i]);
		rc = db_step(s, err);
		db_reset(s);
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int tables_write_meta(struct db *d, const struct trace *t, uint64_t events,
		      struct ukt_buf *err)
{
	struct stat st;
	char v[64];
	int rc = 0;

	for (size_t i = 0; i < t->nmeta && !rc; i++)
		rc = tables_set_meta(d, t->meta[i].key, t->meta[i].value, err);
	if (rc)
		return rc;
	snprintf(v, sizeof(v), "%d", UKT_SCHEMA_VERSION);
	rc = tables_set_meta(d, "schema_version", v, err);
	if (!rc)
		rc = tables_set_meta(d, "trace_path", t->path, err);
	if (!rc) {
		struct ukt_buf files = UKT_BUF_INIT;

		report_files_identity((const char *const *)t->paths, t->npaths, &files);
		rc = tables_set_meta(d, "trace_files", files.data, err);
		ukt_buf_release(&files);
	}
	if (!rc && db_filename(d) && stat(db_filename(d), &st) == 0) {
		/* this file, which rename() keeps: a copy of it is not it */
		report_file_id(&st, v, sizeof(v));
		rc = tables_set_meta(d, "db_file", v, err);
	}
	if (!rc && stat(t->path, &st) == 0) {
		snprintf(v, sizeof(v), "%lld", (long long)st.st_size);
		rc = tables_set_meta(d, "trace_size", v, err);
		snprintf(v, sizeof(v), "%lld.%09ld", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		if (!rc)
			rc = tables_set_meta(d, "trace_mtime", v, err);
	}
	snprintf(v, sizeof(v), "%" PRIu64, events);
	if (!rc)
		rc = tables_set_meta(d, "events", v, err);
	if (!rc)
		rc = tables_set_meta(d, "trace_complete", t->complete ? "1" : "0", err);
	snprintf(v, sizeof(v), "%u", t->info.ncpus);
	if (!rc)
		rc = tables_set_meta(d, "ncpus", v, err);
	snprintf(v, sizeof(v), "%u", t->info.subbuf_size);
	if (!rc)
		rc = tables_set_meta(d, "subbuf_size", v, err);
	if (!rc && !trace_meta(t, "clock"))
		rc = tables_set_meta(d, "clock", t->info.clock, err);
	if (!rc)
		rc = tables_set_meta(d, "report_version", UKT_VERSION, err);
	return rc;
}

int tables_insert_funcs(struct db *d, const struct plan *p, struct ukt_buf *err)
{
	struct db_stmt *s = db_prepare(d, "INSERT INTO funcs VALUES(?,?,?,?)", err);
	int rc = 0;

	if (!s)
		return -REP_E_SQL;
	for (int i = 0; i < p->nfuncs && rc >= 0; i++) {
		db_bind_int(s, 1, i);
		db_bind_text(s, 2, p->funcs[i], -1);
		if (p->entry_probe[i])
			db_bind_int(s, 3, p->entry_probe[i]);
		if (p->return_probe[i])
			db_bind_int(s, 4, p->return_probe[i]);
		rc = db_step(s, err);
		db_reset(s);
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

int tables_insert_sites(struct db *d, const struct sites *st, struct ukt_buf *err)
{
	struct db_stmt *s = db_prepare(d, "INSERT INTO sites VALUES(?,?,?,?,?)", err);
	int rc = 0;

	if (!s)
		return -REP_E_SQL;
	for (size_t i = 0; i < sites_count(st) && rc >= 0; i++) {
		const char *sym, *obj;
		uint64_t addr;
		int pid;

		sites_at(st, i, &pid, &addr, &sym, &obj);
		db_bind_int(s, 1, (int64_t)i + 1);
		if (pid)
			db_bind_int(s, 2, pid);
		db_bind_int(s, 3, (int64_t)addr);
		db_bind_text(s, 4, sym, -1);
		db_bind_text(s, 5, obj, -1);
		rc = db_step(s, err);
		db_reset(s);
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}

/* The frames' symbols, outermost first, ';' between: the folded form of
 * flame graph tools (a ';' in a name becomes ':'). */
static void folded_frames(const struct sites *si, const struct stack_info *k,
			  struct ukt_buf *out)
{
	ukt_buf_reset(out);
	for (int i = k->nframes - 1; i >= 0; i--) {
		const char *sym, *obj;
		uint64_t addr;
		int pid;

		sites_at(si, (size_t)(k->frames[i] - 1), &pid, &addr, &sym, &obj);
		if (i != k->nframes - 1)
			ukt_buf_adds(out, ";");
		for (const char *c = sym ? sym : "?"; *c; c++)
			ukt_buf_add(out, *c == ';' ? ":" : c, 1);
	}
}

int tables_insert_stacks(struct db *d, const struct stacks *st, const struct sites *si,
			 struct ukt_buf *err)
{
	struct db_stmt *s = db_prepare(d, "INSERT INTO stacks VALUES(?,?,?,?,?,?)", err);
	struct db_stmt *f = db_prepare(d, "INSERT INTO stack_frame_data VALUES(?,?,?)", err);
	struct db_stmt *e = db_prepare(d, "INSERT INTO event_stacks VALUES(?,?)", err);
	struct ukt_buf text = UKT_BUF_INIT;
	int rc = s && f && e ? 0 : -REP_E_SQL;

	for (size_t i = 0; !rc && i < stacks_count(st); i++) {
		struct stack_info k;

		stacks_at(st, i, &k);
		folded_frames(si, &k, &text);
		if (ukt_buf_error(&text)) {
			rc = -ENOMEM;
			break;
		}
		db_bind_int(s, 1, (int64_t)i + 1);
		db_bind_text(s, 2, stack_kind_name(k.kind), -1);
		if (k.kind == STACK_USER)
			db_bind_int(s, 3, k.pid);
		db_bind_int(s, 4, k.nframes);
		db_bind_int(s, 5, k.complete);
		db_bind_text(s, 6, text.data ? text.data : "", -1);
		rc = db_step(s, err);
		db_reset(s);
		for (int j = 0; rc >= 0 && j < k.nframes; j++) {
			db_bind_int(f, 1, (int64_t)i + 1);
			db_bind_int(f, 2, j);
			db_bind_int(f, 3, k.frames[j]);
			rc = db_step(f, err);
			db_reset(f);
		}
		rc = rc < 0 ? rc : 0;
	}
	for (size_t i = 0; !rc && i < stacks_nevents(st); i++) {
		int64_t ev, id;

		stacks_event_at(st, i, &ev, &id);
		db_bind_int(e, 1, ev);
		db_bind_int(e, 2, id);
		rc = db_step(e, err);
		db_reset(e);
		rc = rc < 0 ? rc : 0;
	}
	db_finalize(s);
	db_finalize(f);
	db_finalize(e);
	ukt_buf_release(&text);
	return rc;
}
