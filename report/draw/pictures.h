/* SPDX-License-Identifier: MIT */
/*
 * The latency histogram and the heat map as SVG pictures, for files and
 * for the HTML report alike. Each bar and cell carries its numbers as
 * data- attributes and a tooltip, so a picture can be checked against SQL.
 */
#ifndef UKT_PICTURES_H
#define UKT_PICTURES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "hist.h"

/* The <svg> element of a histogram / heat map (svg_prolog for a file).
 * origin is the trace's first timestamp: the heat map's time axis is in
 * seconds from it, as --since +S takes them. */
void pic_hist_svg(FILE *f, const struct hist *h, const char *title);
void pic_heat_svg(FILE *f, const struct heat *h, int64_t origin, const char *title);

/* A picture file to write ("-": stdout), with a message when it cannot
 * be opened; and its close, which says where it went unless quiet.
 * 0 or -errno. The file is written under a temporary name and takes
 * path's place at the close (uktrace/outfile.h: a symlink at path is
 * replaced, not followed), with exactly mode (--mode, 0600 by default). */
FILE *pic_open(const char *path, mode_t mode, int *err);
int pic_close(FILE *f, const char *path, bool quiet);

#endif
