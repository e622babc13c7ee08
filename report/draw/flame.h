/* SPDX-License-Identifier: MIT */
/*
 * Flame graphs of probed calls: the stacks their nesting forms on each
 * thread, merged into a tree of frames weighted by time. A frame's total
 * is the time in its calls (the sum of its own self time and its
 * children's totals, so widths add up); its self time is the part no
 * probed call under it took. Drawn as an interactive SVG, or written as
 * folded stacks ("a;b;c SELF_NS" per line) for flamegraph.pl, inferno
 * and speedscope. Memory grows with the distinct stacks, not the calls.
 */
#ifndef UKT_FLAME_H
#define UKT_FLAME_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "stats.h"
#include "strtab.h"
#include "uktrace/hidx.h"
#include "uktrace/buf.h"

struct db;

/*
 * The levels of functions a flame graph keeps (above its root, and its
 * threads' frames). No recording nests
 * complete calls this deep (the kernel arms at most 64 uretprobe returns
 * per thread, and kernel stacks are 16 KiB), but a crafted file can, and
 * a folded stack costs its depth: calls nested deeper are counted in
 * their caller at the last level (flame.deep says how many).
 */
#define FLAME_MAX_DEPTH 1024

struct flame_node {
	int name;		/* index into names.s */
	int parent;		/* -1: the root */
	int level;		/* 0: the root */
	int64_t self, total;	/* ns, complete calls only */
	int64_t calls;		/* complete calls */
	bool thread;		/* a thread's frame ("COMM-PID/TID"), not a function */
	int *kids;
	int nkids, kcap;
};

struct flame {
	struct flame_node *v;	/* v[0] is the root; children after parents */
	int n, cap;
	struct strtab names;	/* the frames' function names */
	int depth;		/* levels above the root */
	bool rooted;		/* the root is a function, not "all" */
	int64_t deep;		/* calls past FLAME_MAX_DEPTH, in their caller */
	struct ukt_hidx idx;	/* nodes by (parent, name) */
};

/*
 * The tree of the calls sel selects (sel->func is ignored). With root, only
 * the calls of that function and the calls under them, the root frame
 * being root; else the root is "all", and above it a frame per thread
 * named as stackcollapse-perf --tid names them, "COMM-PID/TID" ("COMM-PID"
 * for a process's main thread, by the name the thread had at the call),
 * whose outermost calls are above it: threads are not merged. 0, or
 * negative with a message in err.
 */
int flame_build(struct flame *fl, struct db *d, const struct call_select *sel,
		const char *root, struct ukt_buf *err);
/*
 * The tree of the stacks recorded with the calls sel selects (of func
 * only, when not NULL; uktrace-record -g): each complete call's user
 * stack from its outermost frame up to the function, its kernel stack
 * above (frames "name_[k]"), weighted by the call's duration; frames are
 * functions (offsets dropped). Calls without stacks are left out. 0, or
 * negative with a message in err.
 */
int flame_build_stacks(struct flame *fl, struct db *d, const struct call_select *sel,
		       const char *func, struct ukt_buf *err);
/* The same tree upside down: each function's self time at the root, the
 * probed calls that led to it above (flamegraph.pl's --reverse); the
 * threads' frames are left out, so a function's time is one frame. */
int flame_reverse(const struct flame *in, struct flame *out);
void flame_release(struct flame *fl);

/* The folded stacks, one line per frame with self time. 0 or -ENOMEM. */
int flame_write_folded(const struct flame *fl, FILE *f);
/* The SVG element (no XML declaration: svg_prolog for a file). 0 or
 * -ENOMEM. */
int flame_write_svg(const struct flame *fl, const char *title, FILE *f);

#endif
