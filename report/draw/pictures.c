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

void pic_hist_svg(FILE *f, const struct hist *h, const char *title)
{
	const int bottom = 110, ph = 260, height = TOP + ph + bottom;
	double pw = PIC_W - LEFT - RIGHT, bw = h->n ? pw / h->n : pw;
	uint64_t step = tick_step(h->max ? h->max : 1, 4);

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
		double x = LEFT + i * bw, pct = h->total ? 100.0 * (double)h->count[i] / (double)h->total : 0;
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
		/* the bucket's start under it, slanted to fit */
		fmt_duration(num, sizeof(num), h->from[i]);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"end\" font-size=\"11\""
			" transform=\"rotate(-45 %.1f %d)\">%s</text>\n",
			x + bw / 2, TOP + ph + 14, x + bw / 2, TOP + ph + 14, num);
	}
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n", LEFT,
		TOP + ph, PIC_W - RIGHT, TOP + ph);
	svg_text(f, LEFT + pw / 2, height - 12, "middle", 12,
		 "call duration (each bar from its start to the next one's)");
	fprintf(f, "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\""
		" transform=\"rotate(-90 16 %d)\">calls</text>\n", TOP + ph / 2, TOP + ph / 2);
	svg_end(f);
}

/* Decimals that tell apart ticks step seconds apart. */
static int decimals(double step)
{
	int d = 0;

	while (d < 9 && step > 0 && step < 1.0) {
		step *= 10;
		d++;
	}
	return d;
}

static double heat_level(uint64_t c, uint64_t max)
{
	/* logarithmic: one slow call must still show next to thousands */
	return c ? log1p((double)c) / log1p((double)(max ? max : 1)) : 0;
}

void pic_heat_svg(FILE *f, const struct heat *h, int64_t origin, const char *title)
{
	int rows = h->rows ? h->rows : 1;
	int ch = 320 / rows < 8 ? 8 : 320 / rows > 24 ? 24 : 320 / rows;
	int ph = rows * ch, height = TOP + ph + 80;
	double pw = PIC_W - LEFT - RIGHT - 60, cw = h->cols ? pw / h->cols : pw;
	double span = ((double)h->t1 - (double)h->t0) / 1e9;
	int dec = decimals(span / 5);
	char color[32], b[64];

	svg_begin(f, "heat", PIC_W, height, title, NULL);
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#fff\" stroke=\"#ccc\"/>\n",
		LEFT, TOP, pw, ph);
	for (int r = 0; r < h->rows; r++) {
		int b2 = h->row0 + r;
		/* buckets 0..63 (hist.c): bucket 63 ends at INT64_MAX */
		int64_t from = b2 ? (int64_t)1 << (b2 - 1) : 0;
		int64_t to = b2 >= 63 ? INT64_MAX : (int64_t)1 << b2;
		double y = TOP + ph - (r + 1) * ch;

		for (int c = 0; c < h->cols; c++) {
			uint64_t n = h->count[(size_t)r * (size_t)h->cols + (size_t)c];
			double t = ((double)h->t0 - (double)origin) / 1e9 + span * c / h->cols;
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
		/* each row's lower edge on its line, and the top one's upper */
		if (ch >= 12 || r % 2 == 0) {
			fmt_duration(b, sizeof(b), from);
			svg_text(f, LEFT - 6, y + ch + 4, "end", 10, b);
		}
		if (r == h->rows - 1) {
			fmt_duration(b, sizeof(b), to);
			svg_text(f, LEFT - 6, y + 4, "end", 10, b);
		}
	}
	/* the time axis: seconds from the trace's first event */
	for (int k = 0; k <= 5; k++) {
		double x = LEFT + pw * k / 5;

		snprintf(b, sizeof(b), "+%.*f s", dec, ((double)h->t0 - (double)origin) / 1e9 + span * k / 5);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#444\"/>\n", x,
			TOP + ph, x, TOP + ph + 5);
		svg_text(f, x, TOP + ph + 18, "middle", 11, b);
	}
	svg_text(f, LEFT + pw / 2, height - 24, "middle", 12,
		 "time of the call's entry, from the trace's first event (as --since +S takes it)");
	fprintf(f, "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\""
		" transform=\"rotate(-90 16 %d)\">call duration</text>\n", TOP + ph / 2, TOP + ph / 2);
	/* the legend: colour by calls in a cell, logarithmic */
	for (int k = 0; k < 10; k++) {
		svg_heat_color((k + 1) / 10.0, color, sizeof(color));
		fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"14\" height=\"%d\" fill=\"%s\"/>\n",
			LEFT + pw + 24, TOP + ph - (k + 1) * (ph / 10 > 4 ? ph / 10 : 4),
			ph / 10 > 4 ? ph / 10 : 4, color);
	}
	svg_text(f, LEFT + pw + 42, TOP + ph, "start", 10, "1 call");
	snprintf(b, sizeof(b), "%" PRIu64, h->max);
	svg_text(f, LEFT + pw + 42, TOP + ph - 10 * (ph / 10 > 4 ? ph / 10 : 4) + 8, "start", 10, b);
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
