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

void out_table_print(const struct out_table *t, enum out_format f, FILE *out);

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
