// SPDX-License-Identifier: MIT
/* SVG helpers (svg.h). */
#include <stdio.h>
#include <string.h>

#include "output.h"
#include "svg.h"

void svg_prolog(FILE *f)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n", f);
}

void svg_begin(FILE *f, const char *cls, int w, int h, const char *title,
	       const char *script)
{
	fprintf(f, "<svg class=\"%s\" version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\""
		" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n"
		"<style>text { font-family: Verdana, sans-serif; fill: #222; }"
		" .f:hover rect { stroke: #000; stroke-width: 0.5; cursor: pointer; }</style>\n"
		"<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fdfdf8\"/>\n",
		cls, w, h, w, h, w, h);
	if (script)
		fprintf(f, "<script type=\"text/ecmascript\"><![CDATA[\n%s\n]]></script>\n", script);
	/* class "title": a script may follow what the picture shows */
	fprintf(f, "<text class=\"title\" x=\"%.1f\" y=\"24\" text-anchor=\"middle\" font-size=\"17\">",
		w / 2.0);
	out_xml_text(f, title);
	fputs("</text>\n", f);
}

void svg_end(FILE *f)
{
	fputs("</svg>\n", f);
}

void svg_text(FILE *f, double x, double y, const char *anchor, int size,
	      const char *text)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\">", x, y,
		anchor, size);
	out_xml_text(f, text);
	fputs("</text>\n", f);
}

void svg_name_color(const char *name, char *buf, size_t n)
{
	unsigned int h = 2166136261u;

	for (const char *s = name; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	/* flamegraph.pl's "hot" palette: reds to yellows */
	snprintf(buf, n, "rgb(%u,%u,%u)", 205 + h % 50, (h >> 8) % 230, (h >> 16) % 55);
}

void svg_heat_color(double x, char *buf, size_t n)
{
	/* white, through yellow and orange, to dark red */
	double r = x < 0.5 ? 255 : 255 - (x - 0.5) * 2 * 115;
	double g = x < 0.5 ? 255 - x * 2 * 90 : 165 - (x - 0.5) * 2 * 165;
	double b = x < 0.5 ? 230 - x * 2 * 230 : 0;

	if (x <= 0)
		snprintf(buf, n, "#fdfdf8");
	else
		snprintf(buf, n, "rgb(%d,%d,%d)", (int)r, (int)g, (int)b);
}
