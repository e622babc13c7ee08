/* SPDX-License-Identifier: MIT */
/*
 * Pictures as SVG: the document frame, text, colours. Every string from
 * the trace is escaped on the way out (output.h's out_xml_text).
 */
#ifndef UKT_SVG_H
#define UKT_SVG_H

#include <stdint.h>
#include <stdio.h>

/* The XML declaration a standalone .svg file starts with (not in HTML). */
void svg_prolog(FILE *f);

/* <svg class="cls"> of w x h pixels with a light background, a title on
 * top, and the shared style; script is inline JavaScript, or NULL. */
void svg_begin(FILE *f, const char *cls, int w, int h, const char *title,
	       const char *script);
void svg_end(FILE *f);

/* Text at (x, y); anchor "start", "middle" or "end". */
void svg_text(FILE *f, double x, double y, const char *anchor, int size,
	      const char *text);

/* A warm colour that stays the same for a name ("rgb(r,g,b)" into buf). */
void svg_name_color(const char *name, char *buf, size_t n);

/* A colour from cold (0) to hot (1) for a heat map cell. */
void svg_heat_color(double x, char *buf, size_t n);

#endif
