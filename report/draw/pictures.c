// SPDX-License-Identifier: MIT
/* Histogram and heat map pictures (pictures.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "uktrace/outfile.h"

#include "cleanup.h"
#include "output.h"
#include "pictures.h"
#include "svg.h"

#define PIC_W 900
#define LEFT 80
#define RIGHT 20
#define TOP 50

/* A round step for about n ticks up to max. */
static uint64_t tick_step(uint64_t max, int n)
{
	uint64_t step = 1;

	while (step * (uint64_t)n < max) {
		if (step * 2 * (uint64_t)n >= max)
			return step * 2;
		if (step * 5 * (uint64_t)n >= max)
			return step * 5;
		step *= 10;
	}
	return step;
}

/* A round duration for an axis: "10 us", "2 ms", "500 ns". */
static void round_dur(char *buf, size_t n, double ns)
{
	if (ns < 1e3)
		snprintf(buf, n, "%g ns", ns);
	else if (ns < 1e6)
		snprintf(buf, n, "%g us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, n, "%g ms", ns / 1e6);
	else
		snprintf(buf, n, "%g s", ns / 1e9);
}

/*
 * Round durations for a log axis over [lo, hi] ns: the powers of ten,
 * and 2x and 5x them when fewer than three powers of ten fall inside.
 * Up to max values in v; their number.
 */
static int log_ticks(double lo, double hi, double *v, int max)
{
	static const int mult[] = { 1, 2, 5 };
	int n = 0, decades = 0;

	for (double p = 1; p <= 1e18; p *= 10)
		decades += p >= lo && p <= hi;
	for (double p = 1; p <= 1e18 && n < max; p *= 10)
		for (int m = 0; m < 3 && n < max; m++)
			if ((decades >= 3 ? m == 0 : true) && p * mult[m] >= lo && p * mult[m] <= hi)
				v[n++] = p * mult[m];
	return n;
}

/* A round step (1, 2 or 5 times a power of ten) for about n ticks over
 * span, which may be below 1 (seconds). */
static double nice_step(double span, int n)
{
	double raw = span > 0 ? span / n : 1, p = pow(10, floor(log10(raw)));

	return raw <= p ? p : raw <= 2 * p ? 2 * p : raw <= 5 * p ? 5 * p : 10 * p;
}

/* Decimals that tell apart ticks step seconds apart. */
static int decimals(double step)
{
	int d = 0;

	while (d < 9 && step > 0 && step < 0.9999999) {
		step *= 10;
		d++;
	}
	return d;
}

/*
 * Where a duration falls on a histogram's axis, in buckets from the first
 * one's start: the buckets are contiguous, each twice the last (log2,
 * bucket 0 being [0, 1)) or of one width (linear).
 */
static double hist_pos(const struct hist *h, double ns)
{
	double from = (double)h->from[0], width = (double)h->to[0] - from;

	if (h->linear)
		return width > 0 ? (ns - from) / width : 0;
	if (from <= 0)
		return ns < 1 ? ns : 1 + log2(ns);
	return log2(ns / from);
}

/* The duration at a position of hist_pos, its inverse. */
static double hist_at(const struct hist *h, double pos)
{
	double from = (double)h->from[0], width = (double)h->to[0] - from;

	if (h->linear)
		return from + pos * width;
	if (from <= 0)
		return pos < 1 ? pos : exp2(pos - 1);
	return from * exp2(pos);
}

/* A histogram shows at least this many bucket widths, its bars centred:
 * a single bucket is a bar, not the whole picture filled. */
#define HIST_MIN_SLOTS 8

void pic_hist_svg(FILE *f, const struct hist *h, const char *title)
{
	const int bottom = 80, ph = 260, height = TOP + ph + bottom;
	double pw = PIC_W - LEFT - RIGHT;
	int slots = h->n < HIST_MIN_SLOTS ? HIST_MIN_SLOTS : h->n;
	double bw = pw / slots, x0 = LEFT + (slots - (h->n > 0 ? h->n : 0)) * bw / 2;
	uint64_t step = tick_step(h->max ? h->max : 1, 4);
	double ticks[64];
	int nt = 0;

	svg_begin(f, "hist", PIC_W, height, title, NULL);
	/* the count axis, with grid lines */
	for (uint64_t v = 0; v <= (h->max ? h->max : 1); v += step) {
		double y = TOP + ph - (double)v / (double)(h->max ? h->max : 1) * ph;
		char b[32];

		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			LEFT, y, PIC_W - RIGHT, y);
		snprintf(b, sizeof(b), "%" PRIu64, v);
		svg_text(f, LEFT - 6, y + 4, "end", 11, b);
	}
	for (int i = 0; i < h->n; i++) {
		double bh = h->max ? (double)h->count[i] / (double)h->max * ph : 0;
		double x = x0 + i * bw, pct = h->total ? 100.0 * (double)h->count[i] / (double)h->total : 0;
		char label[96], num[32];

		hist_label(h, i, label, sizeof(label));
		fprintf(f, "<g class=\"bar\" data-from-ns=\"%" PRId64 "\" data-to-ns=\"%" PRId64
			"\" data-count=\"%" PRIu64 "\"><title>", h->from[i], h->to[i], h->count[i]);
		out_xml_text(f, label);
		fprintf(f, ": %" PRIu64 " calls (%.1f%%)</title>", h->count[i], pct);
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/></g>\n",
			x + 1, TOP + ph - bh, bw > 3 ? bw - 2 : bw, bh, "rgb(230,120,40)");
		if (h->count[i] && bw >= 28) {
			snprintf(num, sizeof(num), "%" PRIu64, h->count[i]);
			svg_text(f, x + bw / 2, TOP + ph - bh - 4, "middle", bw >= 44 ? 11 : 9, num);
		}
	}
	/* the duration axis: round values where they fall (the buckets'
	 * own edges are powers of two: in each bar's tooltip) */
	if (h->n > 0) {
		double plo = -(x0 - LEFT) / bw, phi = plo + slots;
		double lo = hist_at(h, plo), hi = hist_at(h, phi);

		if (h->linear) {
			double st = nice_step(hi - lo, 6);

			for (double v = ceil(lo / st) * st; v <= hi && nt < 64; v += st)
				if (v >= 0)
					ticks[nt++] = v;
		} else {
			nt = log_ticks(lo < 1 ? 1 : lo, hi, ticks, 64);
		}
	}
	for (int k = 0; k < nt; k++) {
		double x = x0 + hist_pos(h, ticks[k]) * bw;
		char b[32];

		round_dur(b, sizeof(b), ticks[k]);
		fprintf(f, "<g class=\"tick\" data-ns=\"%.0f\"><line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\""
			" y2=\"%d\" stroke=\"#444\"/>", ticks[k], x, TOP + ph, x, TOP + ph + 5);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\">%s</text></g>\n",
			x, TOP + ph + 18, b);
	}
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n", LEFT,
		TOP + ph, PIC_W - RIGHT, TOP + ph);
	svg_text(f, LEFT + pw / 2, height - 30, "middle", 12, h->linear ?
		 "call duration (linear buckets; hover a bar for its range)" :
		 "call duration (log scale: each bar twice as wide a range as the last; hover for its range)");
	fprintf(f, "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\""
		" transform=\"rotate(-90 16 %d)\">calls</text>\n", TOP + ph / 2, TOP + ph / 2);
	svg_end(f);
}

static double heat_level(uint64_t c, uint64_t max)
{
	/* logarithmic: one slow call must still show next to thousands */
	return c ? log1p((double)c) / log1p((double)(max ? max : 1)) : 0;
}

/* Where a duration falls on the heat map's rows, counted from the
 * bottom: row r holds log2 bucket row0 + r ([2^(b-1), 2^b), 0 for 0). */
static double heat_row_pos(const struct heat *h, double ns)
{
	double p = ns < 1 ? ns : 1 + log2(ns);

	return p - h->row0;
}

void pic_heat_svg(FILE *f, const struct heat *h, int64_t origin, const char *title)
{
	int rows = h->rows ? h->rows : 1;
	int ch = 320 / rows < 8 ? 8 : 320 / rows > 24 ? 24 : 320 / rows;
	int ph = rows * ch, height = TOP + ph + 80;
	double pw = PIC_W - LEFT - RIGHT - 90, cw = h->cols ? pw / h->cols : pw;
	double span = ((double)h->t1 - (double)h->t0) / 1e9;
	double s0 = ((double)h->t0 - (double)origin) / 1e9;
	double st = nice_step(span, 6), ticks[64];
	int dec = decimals(st), nt;
	char color[32], b[64];

	svg_begin(f, "heat", PIC_W, height, title, NULL);
	/* the plot: [t0, t1) of the trace clock across */
	fprintf(f, "<rect class=\"plot\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#fff\""
		" stroke=\"#ccc\" data-t0-ns=\"%" PRId64 "\" data-t1-ns=\"%" PRId64 "\"/>\n",
		LEFT, TOP, pw, ph, h->t0, h->t1);
	for (int r = 0; r < h->rows; r++) {
		int b2 = h->row0 + r;
		/* buckets 0..63 (hist.c): bucket 63 ends at INT64_MAX */
		int64_t from = b2 ? (int64_t)1 << (b2 - 1) : 0;
		int64_t to = b2 >= 63 ? INT64_MAX : (int64_t)1 << b2;
		double y = TOP + ph - (r + 1) * ch;

		for (int c = 0; c < h->cols; c++) {
			uint64_t n = h->count[(size_t)r * (size_t)h->cols + (size_t)c];
			double t = s0 + span * c / h->cols;
			char d1[32], d2[32];

			if (!n)
				continue;
			svg_heat_color(heat_level(n, h->max), color, sizeof(color));
			fmt_duration(d1, sizeof(d1), from);
			fmt_duration(d2, sizeof(d2), to);
			fprintf(f, "<rect class=\"cell\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%d\""
				" fill=\"%s\" data-count=\"%" PRIu64 "\" data-row=\"%d\" data-col=\"%d\">"
				"<title>+%.*f s to +%.*f s, %s -> %s: %" PRIu64 " calls</title></rect>\n",
				LEFT + c * cw, y, cw + 0.05, ch, color, n, r, c, dec + 2, t, dec + 2,
				t + span / h->cols,
				d1, d2, n);
		}
	}
	/* the duration axis: round values where they fall on the log2 rows */
	nt = h->rows ? log_ticks(h->row0 > 1 ? (double)((int64_t)1 << (h->row0 - 1)) : 1,
				 h->row0 + h->rows - 1 >= 63 ? 9.2e18 :
				 (double)((int64_t)1 << (h->row0 + h->rows - 1)), ticks, 64) : 0;
	for (int k = 0; k < nt; k++) {
		double y = TOP + ph - heat_row_pos(h, ticks[k]) * ch;

		round_dur(b, sizeof(b), ticks[k]);
		fprintf(f, "<g class=\"tick ytick\" data-ns=\"%.0f\"><line x1=\"%d\" y1=\"%.1f\" x2=\"%d\""
			" y2=\"%.1f\" stroke=\"#444\"/>", ticks[k], LEFT - 5, y, LEFT, y);
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"10\">%s</text></g>\n",
			LEFT - 7, y + 4, b);
	}
	/* the time axis: round seconds from the trace's first event, over
	 * the whole trace (or the window asked for) */
	nt = 0;
	for (double v = ceil(s0 / st - 1e-9) * st; span > 0 && v <= s0 + span + 1e-12 && nt < 64; v += st)
		ticks[nt++] = v;
	for (int k = 0; k < nt; k++) {
		double x = LEFT + pw * (ticks[k] - s0) / span;

		snprintf(b, sizeof(b), "+%.*f s", dec, fabs(ticks[k]) < st / 1e6 ? 0.0 : ticks[k]);
		fprintf(f, "<g class=\"tick xtick\" data-s=\"%.*f\"><line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\""
			" y2=\"%d\" stroke=\"#444\"/>", dec, ticks[k], x, TOP + ph, x, TOP + ph + 5);
		svg_text(f, x, TOP + ph + 18, "middle", 11, b);
		fputs("</g>\n", f);
	}
	svg_text(f, LEFT + pw / 2, height - 24, "middle", 12,
		 "time of the call's entry, from the trace's first event (as --since +S takes it)");
	fprintf(f, "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\""
		" transform=\"rotate(-90 16 %d)\">call duration (log scale)</text>\n", TOP + ph / 2, TOP + ph / 2);
	/* the legend: a cell's colour by its calls, on a log scale, with
	 * round counts marked */
	{
		double lx = LEFT + pw + 14, lh = ph < 100 ? 100 : ph;
		uint64_t max = h->max ? h->max : 1;

		fprintf(f, "<g class=\"legend\">");
		svg_text(f, lx, TOP - 8, "start", 10, "calls in a cell");
		for (int k = 0; k < 20; k++) {
			svg_heat_color((k + 0.5) / 20.0, color, sizeof(color));
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"%.2f\" fill=\"%s\"/>\n",
				lx, TOP + lh - (k + 1) * lh / 20, lh / 20 + 0.3, color);
		}
		for (uint64_t v = 1;; v = v > UINT64_MAX / 10 ? max : v * 10) {
			double y = TOP + lh - heat_level(v > max ? max : v, max) * lh;

			if (v >= max)
				v = max;
			/* a power of ten too close to the top one is left out */
			if (v == max || y > TOP + 12) {
				snprintf(b, sizeof(b), "%" PRIu64, v);
				fprintf(f, "<g class=\"legend-tick\" data-count=\"%" PRIu64 "\"><line x1=\"%.1f\""
					" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>", v, lx + 14, y,
					lx + 18, y);
				svg_text(f, lx + 20, y + 4, "start", 10, b);
				fputs("</g>\n", f);
			}
			if (v == max)
				break;
		}
		fputs("</g>\n", f);
	}
	svg_end(f);
}

/* The files pic_open made, until pic_close gives them their names. */
static struct pic_file {
	FILE *f;
	struct ukt_outfile of;
} opened[4];

FILE *pic_open(const char *path, mode_t mode, int *err)
{
	struct pic_file *p = NULL;

	*err = 0;
	if (!strcmp(path, "-"))
		return stdout;
	for (size_t i = 0; i < sizeof(opened) / sizeof(opened[0]) && !p; i++)
		if (!opened[i].f)
			p = &opened[i];
	*err = p ? ukt_outfile_create(&p->of, path, mode) : -EMFILE;
	if (!*err) {
		p->f = fdopen(p->of.fd, "w");
		if (!p->f) {
			*err = -errno;
			ukt_outfile_release(&p->of);
		} else {
			p->of.fd = -1;	/* the FILE's now */
			cleanup_register(p->of.tmp);
		}
	}
	if (*err) {
		fprintf(stderr, "uktrace-report: cannot write '%s': %s\n", out_term(path), strerror(-*err));
		return NULL;
	}
	return p->f;
}

int pic_close(FILE *f, const char *path, bool quiet)
{
	struct pic_file *p = NULL;
	int rc = ferror(f) ? -EIO : 0;

	if (f == stdout)
		return fflush(f) ? -errno : rc;
	for (size_t i = 0; i < sizeof(opened) / sizeof(opened[0]) && !p; i++)
		if (opened[i].f == f)
			p = &opened[i];
	if (fclose(f) && !rc)
		rc = -errno;
	if (p) {
		char *tmp = p->of.tmp;

		/* a signal until here removes the temporary file; after,
		 * it finds nothing at that name */
		p->of.tmp = NULL;
		if (!rc && rename(tmp, p->of.path) < 0)
			rc = -errno;
		if (rc)
			unlink(tmp);
		cleanup_unregister(tmp);
		free(tmp);
		ukt_outfile_release(&p->of);
		p->f = NULL;
	}
	if (rc)
		fprintf(stderr, "uktrace-report: cannot write '%s': %s\n", out_term(path), strerror(-rc));
	else if (!quiet)
		fprintf(stderr, "wrote %s\n", out_term(path));
	return rc;
}
