// SPDX-License-Identifier: MIT
/*
 * Fuzz target: a trace file's blocks (blocks.h) through the import and
 * then every picture the report draws from the database: the flame graph
 * (its SVG, folded and reversed, and under a function), the HTML page
 * with its histograms and heat maps, and the trace-event JSON.
 *
 *   make fuzz && build-fuzz/fuzz_pictures tests/fuzz/corpus-pictures
 *
 * tests/fuzz/regress.c replays tests/fuzz/corpus-pictures through it in
 * every `make test`, without libFuzzer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../report/store/db.h"
#include "../../report/draw/flame.h"
#include "../../report/draw/html.h"
#include "../../report/store/import.h"
#include "../../report/draw/perfetto.h"
#include "../../report/ingest/trace.h"
#include "blocks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void pictures(struct db *d, FILE *out)
{
	struct ukt_buf err = UKT_BUF_INIT;
	struct call_select sel = { 0 };
	struct flame fl, rev;
	uint64_t n = 0;
	char *root = NULL;

	if (!flame_build(&fl, d, &sel, NULL, &err)) {
		flame_write_svg(&fl, "fuzz", out);
		flame_write_folded(&fl, out);
		if (!flame_reverse(&fl, &rev)) {
			flame_write_svg(&rev, "fuzz", out);
			flame_write_folded(&rev, out);
		}
		flame_release(&rev);
		/* under the function of the first frame */
		if (fl.n > 1)
			root = strdup(fl.names.s[fl.v[fl.v[0].kids ? fl.v[0].kids[0] : 0].name]);
	}
	flame_release(&fl);
	if (root && !flame_build(&fl, d, &sel, root, &err))
		flame_write_svg(&fl, "fuzz", out);
	flame_release(&fl);
	free(root);
	ukt_buf_reset(&err);
	html_write(out, d, &sel, "fuzz", 4, &err);
	ukt_buf_reset(&err);
	perfetto_write(out, d, &sel, &n, &err);
	ukt_buf_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ukt_buf err = UKT_BUF_INIT, warn = UKT_BUF_INIT;
	struct import_result res;
	char path[64], db[80];
	struct trace *t;
	int e, rc = -1;

	snprintf(path, sizeof(path), "/dev/shm/ukt-fuzzp-%d.ukt", (int)getpid());
	snprintf(db, sizeof(db), "%s.db", path);
	if (blocks_write(path, data, size))
		return 0;
	t = trace_open(path, &e, &err);
	if (t) {
		rc = import_trace(t, db, &res, &err, &warn);
		trace_free(t);
	}
	if (!rc) {
		struct db *d = db_open(db, DB_READONLY, NULL);
		FILE *out = fopen("/dev/null", "w");

		if (d && out)
			pictures(d, out);
		if (out)
			fclose(out);
		db_close(d);
	}
	unlink(db);
	unlink(path);
	ukt_buf_release(&err);
	ukt_buf_release(&warn);
	return 0;
}
