/* SPDX-License-Identifier: MIT */
/*
 * Tabular output in three formats: an aligned table for people, CSV and
 * JSON for programs. Cells are typed so JSON numbers stay numbers.
 */
#ifndef UKT_OUTPUT_H
#define UKT_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "uktrace/buf.h"

enum out_format { OUT_TABLE, OUT_CSV, OUT_JSON };

/* "table", "csv", "json" -> format; -1 when unknown. */
int out_format_parse(const char *s);

enum cell_type { CELL_NULL, CELL_INT, CELL_REAL, CELL_TEXT };

struct out_cell {
	enum cell_type type;
	char *text;		/* as shown in a table */
	int64_t i;
	double r;
};

struct out_table {
	int ncols;
	char **headers;
	bool *right;		/* right-align (numbers) */
	struct out_cell *cells;	/* rows * ncols */
	size_t nrows, cap;
};

int out_table_init(struct out_table *t, int ncols, const char *const *headers);
void out_table_release(struct out_table *t);
/* Start a row; then set each column. */
int out_table_row(struct out_table *t);
void out_set_null(struct out_table *t, int col);
void out_set_int(struct out_table *t, int col, int64_t v);
void out_set_real(struct out_table *t, int col, double v);
void out_set_text(struct out_table *t, int col, const char *s);
/* A number shown as text in tables (e.g. "1.2 ms") but as v elsewhere. */
void out_set_int_shown(struct out_table *t, int col, int64_t v, const char *shown);

/* The table in format f. A table escapes its cells (out_escape); CSV
 * writes them exactly, but text that begins with =, +, -, @, a tab or a
 * carriage return and is not a number gets a leading ' so that a
 * spreadsheet shows it instead of running it as a formula (OWASP). */
void out_table_print(const struct out_table *t, enum out_format f, FILE *out);

/*
 * Text from a trace meets a terminal only through these: a process can
 * name itself "\033]2;...\007", and a trace from another machine holds
 * whatever its maker wrote. Control characters (C0, DEL, C1), bytes that
 * are not UTF-8, and the bidirectional overrides are shown as \xHH, one
 * per byte; everything else is copied. The table format does this to
 * every cell; CSV and JSON keep the exact data.
 *
 * out_escape appends s so escaped to b; with lines, '\n' is kept (text of
 * several lines that uktrace composed, such as a list of warnings).
 */
void out_escape(struct ukt_buf *b, const char *s, bool lines);
/* s escaped as out_escape does, for a printf argument: s itself when
 * nothing needs escaping, else one of 8 buffers that the next calls
 * reuse in turn (like git's oid_to_hex). NULL stays NULL. */
const char *out_term(const char *s);
/* fputs of s escaped, keeping its newlines. */
void out_term_puts(FILE *f, const char *s);

/* s as a JSON string, quoted (bytes that are not UTF-8 as \u00XX). */
void out_json_string(FILE *out, const char *s);
/* s as XML text or attribute value (escaped, without quotes): the one
 * escaping of SVG and HTML text. What XML 1.0 or HTML cannot hold (control
 * characters, noncharacters such as U+FFFE) and bytes that are not UTF-8
 * become U+FFFD, so the document stays well-formed whatever the trace
 * names. */
void out_xml_text(FILE *out, const char *s);

/* Human durations: "812 ns", "12.3 us", "1.50 ms", "2.01 s". */
void fmt_duration(char *buf, size_t n, int64_t ns);

#endif
