// SPDX-License-Identifier: MIT
/* Flame graphs of probed calls (flame.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "errors.h"
#include "flame.h"
#include "output.h"
#include "satmath.h"
#include "strtab.h"
#include "svg.h"
#include "uktrace/pair.h"

#define SVG_W 1200
#define PLOT_W (SVG_W - 20)	/* the JavaScript below spells it too */
#define FRAME_H 16
#define PAD_TOP 40
#define PAD_BOTTOM 30

/* The index of name s, added when new. */
static int name_id(struct flame *fl, const char *s)
{
	long i = strtab_intern(&fl->names, s);

	return i > INT32_MAX ? -ENOMEM : (int)i;
}

static uint64_t child_hash(int parent, int name)
{
	return ukt_hash64((uint64_t)(uint32_t)parent << 32 | (uint32_t)name);
}

/*
 * The child of parent named name (created). Found by a hash, not by a
 * walk over the parent's children: a frame may have as many as there
 * are functions, and every call looks one up.
 */
static int child(struct flame *fl, int parent, int name)
{
	uint64_t h = child_hash(parent, name);
	struct ukt_hidx_walk w = ukt_hidx_walk(&fl->idx, h);
	struct flame_node *p;
	long i;

	while ((i = ukt_hidx_next(&fl->idx, &w)) >= 0)
		if (fl->v[i].parent == parent && fl->v[i].name == name)
			return (int)i;
	if (ukt_hidx_reserve(&fl->idx, (size_t)fl->n + 1))
		return -ENOMEM;
	if (fl->n == INT32_MAX)
		return -ENOMEM;
	if (fl->n == fl->cap) {
		int cap = fl->cap > INT32_MAX / 2 ? INT32_MAX : fl->cap ? fl->cap * 2 : 256;
		void *v = reallocarray(fl->v, (size_t)cap, sizeof(*fl->v));

		if (!v)
			return -ENOMEM;
		fl->v = v;
		fl->cap = cap;
	}
	p = &fl->v[parent];
	if (p->nkids == p->kcap) {
		int cap = p->kcap ? p->kcap * 2 : 4;
		void *k = reallocarray(p->kids, (size_t)cap, sizeof(*p->kids));

		if (!k)
			return -ENOMEM;
		p->kids = k;
		p->kcap = cap;
	}
	fl->v[fl->n] = (struct flame_node){ .name = name, .parent = parent,
					    .level = p->level + 1 };
	p->kids[p->nkids++] = fl->n;
	ukt_hidx_add(&fl->idx, h, (size_t)fl->n);	/* reserved: cannot fail */
	return fl->n++;
}

static int init(struct flame *fl, const char *root)
{
	memset(fl, 0, sizeof(*fl));
	fl->v = calloc(1, sizeof(*fl->v));
	if (!fl->v)
		return -ENOMEM;
	fl->n = fl->cap = 1;
	fl->v[0].parent = -1;
	fl->rooted = root != NULL;
	fl->v[0].name = name_id(fl, root ? root : "all");
	return fl->v[0].name < 0 ? fl->v[0].name : 0;
}

/* Totals bottom up (children come after their parents), and the depth. */
static int totals(struct flame *fl)
{
	for (int i = 0; i < fl->n; i++)
		fl->v[i].total = fl->v[i].self;
	for (int i = fl->n - 1; i > 0; i--)
		fl->v[fl->v[i].parent].total = sat_add(fl->v[fl->v[i].parent].total, fl->v[i].total);
	fl->depth = 0;
	for (int i = 1; i < fl->n; i++)
		/* frames of no time (incomplete calls only) are not drawn */
		if (fl->v[i].total > 0 && fl->v[i].level > fl->depth)
			fl->depth = fl->v[i].level;
	return 0;
}

/* The frame of thread tid above the root: "COMM-PID/TID", or "COMM-PID"
 * for a process's main thread. Its node, or -ENOMEM. */
static int thread_frame(struct flame *fl, int tid, int pid, const char *comm,
			struct ukt_buf *b)
{
	int name, node;

	ukt_buf_reset(b);
	if (tid == pid)
		ukt_buf_addf(b, "%s-%d", comm ? comm : "?", pid);
	else
		ukt_buf_addf(b, "%s-%d/%d", comm ? comm : "?", pid, tid);
	if (!b->data)
		return -ENOMEM;
	name = name_id(fl, b->data);
	if (name < 0)
		return name;
	node = child(fl, 0, name);
	if (node >= 0)
		fl->v[node].thread = true;
	return node;
}

int flame_build(struct flame *fl, struct db *d, const struct call_select *sel,
		const char *root, struct ukt_buf *err)
{
	struct sql_filter f = { UKT_BUF_INIT, 0, { { 0 } } };
	struct call_select all = *sel;
	struct ukt_buf sql = UKT_BUF_INIT;
	/* each call's place follows its parent's (the engine's parent ids) */
	struct pair_nest *nest = pair_nest_new();
	struct db_stmt *s = NULL;
	struct ukt_buf name_buf = UKT_BUF_INIT;
	int rc = nest ? init(fl, root) : -ENOMEM;

	if (rc)
		goto out;
	all.func = NULL;
	stats_filter_view(&all, &f);
	/* ids grow with entry: a parent comes before its calls */
	ukt_buf_addf(&sql, "SELECT id, tid, parent_id, func, complete, self_ns, pid, comm"
		     " FROM calls%s%s ORDER BY id", f.where.len ? " WHERE " : "", f.where.data);
	s = db_prepare_buf(d, &sql, err);
	if (!s) {
		rc = -REP_E_SQL;
		goto out;
	}
	filter_bind(s, &f, 1);
	while ((rc = db_step(s, err)) == 1) {
		int tid = (int)db_column_int(s, 1);
		int64_t parent = db_column_type(s, 2) == DB_NULL ? 0 : db_column_int(s, 2);
		const char *func = db_column_text(s, 3) ? db_column_text(s, 3) : "?";
		int up, node = -1;

		/* outside a selected call: at the root, or outside the root
		 * function (-1) */
		if (!pair_nest_parent(nest, tid, parent, &up))
			up = root ? -1 : thread_frame(fl, tid, db_column_type(s, 6) == DB_NULL ?
						      tid : (int)db_column_int(s, 6),
						      db_column_text(s, 7), &name_buf);
		if (up < -1) {
			rc = up;
			break;
		}
		/* FLAME_MAX_DEPTH levels of functions, above the thread's */
		if (up >= 0 && fl->v[up].level >= FLAME_MAX_DEPTH + (root ? 0 : 1)) {
			node = up;	/* too deep: counted in its caller */
			if (db_column_int(s, 4)) {
				fl->v[node].self = sat_add(fl->v[node].self, db_column_int(s, 5));
				fl->deep++;
			}
		} else if (up >= 0) {
			int name = name_id(fl, func);

			node = name < 0 ? name : child(fl, up, name);
			if (node >= 0 && db_column_int(s, 4)) {
				fl->v[node].self = sat_add(fl->v[node].self, db_column_int(s, 5));
				fl->v[node].calls++;
			}
		} else if (!strcmp(func, root)) {
			node = 0;	/* an outermost call of the root function */
			if (db_column_int(s, 4)) {
				fl->v[node].self = sat_add(fl->v[node].self, db_column_int(s, 5));
				fl->v[node].calls++;
			}
		}
		if (node < -1) {
			rc = node;
			break;
		}
		if ((rc = pair_nest_add(nest, tid, db_column_int(s, 0), node)))
			break;
	}
	if (rc < 0)
		goto out;
	rc = totals(fl);
out:
	if (rc < 0 && !err->len)
		ukt_buf_adds(err, rep_strerror(rc));
	db_finalize(s);
	pair_nest_free(nest);
	filter_release(&f);
	ukt_buf_release(&sql);
	ukt_buf_release(&name_buf);
	return rc;
}

/*
 * A frame's name in a stacks flame graph: its function, without the
 * offset, so the calls from one function merge ("main+0x49" is "main");
 * an unnamed frame ("libc.so.6+0x1234", "0x7f..") stays whole. Kernel
 * frames end in "_[k]", as perf's do.
 */
static int frame_name(struct flame *fl, const char *sym, bool kernel, struct ukt_buf *tmp)
{
	size_t n = sym ? strcspn(sym, "+") : 0;

	ukt_buf_reset(tmp);
	if (!sym || !*sym)
		ukt_buf_adds(tmp, "?");
	else if (!strncmp(sym, "0x", 2) || memchr(sym, '/', n) || memchr(sym, '.', n))
		ukt_buf_adds(tmp, sym);
	else
		ukt_buf_add(tmp, sym, n);
	if (kernel)
		ukt_buf_adds(tmp, "_[k]");
	return ukt_buf_error(tmp) ? -ENOMEM : name_id(fl, tmp->data);
}

/* Walk up from node through the frames of stack (outermost first). */
static int climb(struct flame *fl, struct db_stmt *frames, int64_t stack, bool kernel,
		 int *node, struct ukt_buf *tmp, struct ukt_buf *err)
{
	int rc;

	db_bind_int(frames, 1, stack);
	while ((rc = db_step(frames, err)) == 1) {
		int name;

		if (fl->v[*node].level >= FLAME_MAX_DEPTH) {
			fl->deep++;
			continue;
		}
		name = frame_name(fl, db_column_text(frames, 0), kernel, tmp);
		*node = name < 0 ? name : child(fl, *node, name);
		if (*node < 0) {
			rc = *node;
			break;
		}
	}
	db_reset(frames);
	return rc < 0 ? rc : 0;
}

int flame_build_stacks(struct flame *fl, struct db *d, const struct call_select *sel,
		       const char *func, struct ukt_buf *err)
{
	struct sql_filter f = { UKT_BUF_INIT, 0, { { 0 } } };
	struct call_select one = *sel;
	struct ukt_buf sql = UKT_BUF_INIT, tmp = UKT_BUF_INIT;
	struct db_stmt *s = NULL, *frames = NULL;
	int rc = init(fl, NULL);

	if (rc)
		goto out;
	one.func = func;
	stats_filter_view(&one, &f);
	/* the calls' pairs of stacks, user below kernel, with their time */
	ukt_buf_addf(&sql, "WITH c AS (SELECT id, duration_ns FROM calls WHERE complete%s%s),\n"
		     "cs AS (SELECT c.duration_ns AS d,"
		     " (SELECT stack_id FROM call_stacks WHERE call_id = c.id AND kind = 'user') AS us,"
		     " (SELECT stack_id FROM call_stacks WHERE call_id = c.id AND kind = 'kernel') AS ks"
		     " FROM c)\n"
		     "SELECT us, ks, SUM(d), COUNT(*) FROM cs WHERE us IS NOT NULL OR ks IS NOT NULL"
		     " GROUP BY us, ks", f.where.len ? " AND " : "", f.where.data);
	s = db_prepare_buf(d, &sql, err);
	frames = db_prepare(d, "SELECT symbol FROM stack_frames WHERE stack_id = ?"
			    " ORDER BY depth DESC", err);
	if (!s || !frames) {
		rc = -REP_E_SQL;
		goto out;
	}
	filter_bind(s, &f, 1);
	while ((rc = db_step(s, err)) == 1) {
		int node = 0;

		if (db_column_type(s, 0) != DB_NULL)
			rc = climb(fl, frames, db_column_int(s, 0), false, &node, &tmp, err);
		if (!rc && db_column_type(s, 1) != DB_NULL)
			rc = climb(fl, frames, db_column_int(s, 1), true, &node, &tmp, err);
		if (rc)
			break;
		fl->v[node].self = sat_add(fl->v[node].self, db_column_int(s, 2));
		fl->v[node].calls += db_column_int(s, 3);
	}
	if (rc < 0)
		goto out;
	rc = totals(fl);
out:
	if (rc < 0 && !err->len)
		ukt_buf_adds(err, rep_strerror(rc));
	db_finalize(s);
	db_finalize(frames);
	filter_release(&f);
	ukt_buf_release(&sql);
	ukt_buf_release(&tmp);
	return rc;
}

int flame_reverse(const struct flame *in, struct flame *out)
{
	int *path, rc, levels = 0;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < in->n; i++)
		if (in->v[i].level > levels)
			levels = in->v[i].level;
	/* a path is at most FLAME_MAX_DEPTH + 1 frames long (flame_build) */
	path = malloc(((size_t)levels + 1) * sizeof(*path));
	rc = path ? init(out, NULL) : -ENOMEM;
	for (int i = in->rooted ? 0 : 1; !rc && i < in->n; i++) {
		int n = 0, node = 0;

		if ((in->v[i].self <= 0 && !in->v[i].calls) || in->v[i].thread)
			continue;
		for (int k = i; k >= 0 && (k > 0 || in->rooted) && !in->v[k].thread; k = in->v[k].parent)
			path[n++] = k;
		/*
		 * The function at the bottom, then who called it: each frame
		 * counts the function's calls along that path, and the top one
		 * holds their self time, so widths add up as before.
		 */
		for (int k = 0; k < n && node >= 0; k++) {
			int name = name_id(out, in->names.s[in->v[path[k]].name]);

			node = name < 0 ? name : child(out, node, name);
			if (node >= 0)
				out->v[node].calls += in->v[i].calls;
		}
		if (node < 0)
			rc = node;
		else
			out->v[node].self = sat_add(out->v[node].self, in->v[i].self);
	}
	if (!rc) {
		out->deep = in->deep;
		rc = totals(out);
	}
	free(path);
	return rc;
}

void flame_release(struct flame *fl)
{
	for (int i = 0; i < fl->n; i++)
		free(fl->v[i].kids);
	free(fl->v);
	ukt_hidx_release(&fl->idx);
	strtab_release(&fl->names);
	memset(fl, 0, sizeof(*fl));
}

/* "a;b;c" of frame i; the root "all" is not a function and is left out.
 * A ';' inside a name (never in C symbols) would split it: ':' instead.
 * Walked up from i into path (levels + 1 long), written top down: the
 * line costs its length, whatever the depth. */
static void stack_text(const struct flame *fl, int i, int *path, struct ukt_buf *out)
{
	int n = 0;

	for (int k = i; k >= 0 && (k > 0 || fl->rooted); k = fl->v[k].parent)
		path[n++] = k;
	while (n-- > 0) {
		size_t at;

		if (out->len)
			ukt_buf_adds(out, ";");
		at = out->len;
		ukt_buf_adds(out, fl->names.s[fl->v[path[n]].name]);
		for (char *c = out->data + at; (c = strchr(c, ';')); )
			*c = ':';
	}
}

int flame_write_folded(const struct flame *fl, FILE *f)
{
	struct ukt_buf line = UKT_BUF_INIT;
	int levels = 0, *path;

	for (int i = 0; i < fl->n; i++)
		if (fl->v[i].level > levels)
			levels = fl->v[i].level;
	path = malloc(((size_t)levels + 1) * sizeof(*path));
	if (!path)
		return -ENOMEM;
	for (int i = 0; i < fl->n; i++) {
		if (fl->v[i].self <= 0 || (i == 0 && !fl->rooted))
			continue;
		ukt_buf_reset(&line);
		stack_text(fl, i, path, &line);
		fprintf(f, "%s %" PRId64 "\n", line.data, fl->v[i].self);
	}
	free(path);
	ukt_buf_release(&line);
	return 0;
}

/*
 * Click a frame to zoom into it, click "Reset zoom" to go back, as in
 * flamegraph.pl. Scoped to its own <svg class="flame">, and installed once,
 * so several flame graphs can share an HTML page.
 */
static const char zoom_js[] =
"(function(){if(window.uktFlame)return;window.uktFlame=1;var W=1180;\n"
"function fit(n,w){var c=Math.floor((w-6)/7);return c<3?'':n.length<=c?n:n.substr(0,c-2)+'..';}\n"
"function place(e,x,w){var r=e.querySelector('rect'),t=e.querySelector('text');\n"
" r.setAttribute('x',(10+x*W).toFixed(2));r.setAttribute('width',Math.max(w*W-0.5,0).toFixed(2));\n"
" t.setAttribute('x',(13+x*W).toFixed(2));t.textContent=fit(e.getAttribute('data-n'),w*W);}\n"
"function a(e,k){return +e.getAttribute(k);}\n"
"function title(s,n){var t=s.querySelector('text.title');if(!t)return;\n"
" if(!t.hasAttribute('data-t'))t.setAttribute('data-t',t.textContent);\n"
" t.textContent=n==null?t.getAttribute('data-t'):t.getAttribute('data-t')+' \\u2014 zoomed to '+n;}\n"
"function zoom(s,g){var x=a(g,'data-x'),w=a(g,'data-w'),y=a(g,'data-y');\n"
" title(s,y?g.getAttribute('data-n')+' ('+(100*w).toFixed(2)+'%)':null);\n"
" s.querySelectorAll('g.f').forEach(function(e){var ex=a(e,'data-x'),ew=a(e,'data-w'),ey=a(e,'data-y');\n"
"  e.style.display='';e.style.opacity='';\n"
"  if(ey>=y&&ex>=x-1e-12&&ex+ew<=x+w+1e-12)place(e,(ex-x)/w,ew/w);\n"
"  else if(ey<y&&ex<=x+1e-12&&ex+ew>=x+w-1e-12){e.style.opacity='0.5';place(e,0,1);}\n"
"  else e.style.display='none';});}\n"
"function reset(s){title(s,null);s.querySelectorAll('g.f').forEach(function(e){e.style.display='';\n"
" e.style.opacity='';place(e,a(e,'data-x'),a(e,'data-w'));});}\n"
"document.addEventListener('click',function(ev){var s=ev.target.closest&&ev.target.closest('svg.flame');\n"
" if(!s)return;var g=ev.target.closest('g.f');if(g)zoom(s,g);\n"
" else if(ev.target.classList.contains('reset'))reset(s);});})();";

/* name if it fits in chars columns (chars >= 3), else its first chars - 2
 * characters and ".." in cut: cut at a character's boundary, so that a
 * name's UTF-8 stays whole. */
static const char *fit_name(const char *name, int chars, char *cut, size_t n)
{
	size_t cps = 0, keep = 0;
	const char *c;

	for (c = name; *c; c++) {
		if (((unsigned char)*c & 0xc0) == 0x80)
			continue;
		if (cps == (size_t)chars - 2)
			keep = (size_t)(c - name);
		cps++;
	}
	if (cps <= (size_t)chars)
		return name;
	if (keep > n - 3)
		keep = n - 3;
	while (keep && ((unsigned char)name[keep] & 0xc0) == 0x80)
		keep--;
	memcpy(cut, name, keep);
	memcpy(cut + keep, "..", 3);
	return cut;
}

/* Frame i; x in 0..1 of the width, level from the bottom. Whether it was
 * drawn (a frame too narrow to see is not, nor its children). */
static bool draw_frame(const struct flame *fl, int i, double x, int rows, FILE *f)
{
	const struct flame_node *nd = &fl->v[i];
	double w = fl->v[0].total ? (double)nd->total / (double)fl->v[0].total : 1;
	double px;
	int y = PAD_TOP + (rows - 1 - nd->level) * FRAME_H, chars;
	const char *name = fl->names.s[nd->name];
	char color[32], t1[32], t2[32], cut[512];

	/* no wider than the graph: a crafted file's times need not add up */
	if (!(w <= 1))
		w = 1;
	px = w * PLOT_W;
	chars = (int)((px - 6) / 7);
	if (px < 0.1 || (nd->total <= 0 && i > 0))
		return false;	/* too narrow to see: its time shows in its parent */
	if (nd->thread)
		snprintf(color, sizeof(color), "#c8c8d8");	/* a thread, not a function */
	else
		svg_name_color(name, color, sizeof(color));
	fmt_duration(t1, sizeof(t1), nd->total);
	fmt_duration(t2, sizeof(t2), nd->self);
	fprintf(f, "<g class=\"f\" data-x=\"%.9f\" data-w=\"%.9f\" data-y=\"%d\" data-total-ns=\"%"
		PRId64 "\" data-self-ns=\"%" PRId64 "\" data-calls=\"%" PRId64 "\"%s data-n=\"",
		x, w, nd->level, nd->total, nd->self, nd->calls, nd->thread ? " data-thread=\"1\"" : "");
	out_xml_text(f, name);
	fputs("\"><title>", f);
	out_xml_text(f, name);
	if (nd->thread)
		fprintf(f, " (thread: total %s, %.2f%%, in its outermost probed calls)</title>", t1, 100.0 * w);
	else
		fprintf(f, " (total %s, %.2f%%; self %s; %" PRId64 " calls)</title>", t1, 100.0 * w, t2,
			nd->calls);
	fprintf(f, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\" rx=\"2\"/>",
		10 + x * PLOT_W, y, px > 0.5 ? px - 0.5 : px, FRAME_H - 1, color);
	fprintf(f, "<text x=\"%.2f\" y=\"%d\" font-size=\"12\">", 13 + x * PLOT_W, y + FRAME_H - 4);
	if (chars >= 3)
		out_xml_text(f, fit_name(name, chars, cut, sizeof(cut)));
	fputs("</text></g>\n", f);
	return true;
}

/*
 * The frames from the root up, each before its children, as a recursion
 * would draw them, but with a stack of our own: a crafted file nests
 * calls as deep as it likes. 0 or -ENOMEM.
 */
static int draw(const struct flame *fl, int rows, FILE *f)
{
	struct todo { int i; double x; } *st = malloc((size_t)fl->n * sizeof(*st));
	size_t n = 0;

	if (!st)
		return -ENOMEM;
	st[n++] = (struct todo){ 0, 0 };
	while (n) {
		struct todo t = st[--n];
		const struct flame_node *nd = &fl->v[t.i];
		double x = t.x;

		if (!draw_frame(fl, t.i, t.x, rows, f))
			continue;
		/* the children left to right: pushed right to left */
		for (int k = 0; k < nd->nkids; k++)
			if (fl->v[0].total)
				x += (double)fl->v[nd->kids[k]].total / (double)fl->v[0].total;
		for (int k = nd->nkids; k-- > 0;) {
			if (fl->v[0].total)
				x -= (double)fl->v[nd->kids[k]].total / (double)fl->v[0].total;
			st[n++] = (struct todo){ nd->kids[k], x };
		}
	}
	free(st);
	return 0;
}

int flame_write_svg(const struct flame *fl, const char *title, FILE *f)
{
	int rows = fl->depth + 1;
	int h = PAD_TOP + rows * FRAME_H + PAD_BOTTOM;
	int rc;

	svg_begin(f, "flame", SVG_W, h, title, zoom_js);
	rc = draw(fl, rows, f);
	fputs("<text class=\"reset\" x=\"10\" y=\"24\" font-size=\"12\" style=\"cursor:pointer\">"
	      "Reset zoom</text>\n", f);
	svg_text(f, 10, h - 10, "start", 11,
		 "width: time in the function and the probed calls under it (complete calls);"
		 " hover for total, self and calls; click to zoom");
	svg_end(f);
	return rc;
}
