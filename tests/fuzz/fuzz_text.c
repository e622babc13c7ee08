// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the text payloads of a trace (kallsyms, /proc/PID/maps,
 * saved_tgids, saved_cmdlines, THREADS) through their parsers, and the
 * symbolizer over what they gave: the first byte picks the payload, the
 * rest is its text. Fast: no file, no database.
 *
 *   make fuzz && build-fuzz/fuzz_text tests/fuzz/corpus-text
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../report/ingest/symbolize.h"
#include "../../report/ingest/threads.h"
#include "../../report/ingest/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace t;
	struct trace_maps m = { .pid = 1, .ts = 5 };
	struct symbolizer sy;
	struct threads th;
	struct ukt_buf sym = UKT_BUF_INIT, obj = UKT_BUF_INIT, *b;
	char *text;

	if (!size)
		return 0;
	memset(&t, 0, sizeof(t));
	ukt_buf_init(&t.kallsyms);
	ukt_buf_init(&t.tgids);
	ukt_buf_init(&t.cmdlines);
	ukt_buf_init(&t.threads);
	switch (data[0] % 5) {
	case 0: b = &t.kallsyms; break;
	case 1: b = NULL; break;
	case 2: b = &t.tgids; break;
	case 3: b = &t.cmdlines; break;
	default: b = &t.threads; break;
	}
	if (b) {
		ukt_buf_add(b, data + 1, size - 1);
	} else {
		text = malloc(size);
		if (!text)
			return 0;
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		m.text = text;
		t.maps = &m;
		t.nmaps = 1;
	}
	if (!symbolizer_load(&sy, &t)) {
		/* addresses the text names, and ones around them */
		uint64_t a[] = { 0, 1, 0x400000, 0x7fffffffffffull, 0xffffffff81000000ull, UINT64_MAX };

		for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
			symbolize(&sy, 1, a[i], 5, &sym, &obj);
		for (size_t i = 0; i < sy.nksyms && i < 16; i++)
			symbolize(&sy, 1, sy.ksyms[i].addr + 1, 5, &sym, &obj);
		for (size_t i = 0; i < sy.nsnaps && i < 4; i++)
			for (size_t k = 0; k < sy.snaps[i].nmaps && k < 16; k++)
				symbolize(&sy, 1, sy.snaps[i].maps[k].start, 5, &sym, &obj);
	}
	symbolizer_release(&sy);
	if (!threads_load(&th, &t)) {
		for (int tid = -2; tid < 64; tid++)
			threads_name(&th, tid);
		threads_mark_leaders(&th);
	}
	threads_release(&th);
	if (!b)
		free(m.text);
	ukt_buf_release(&t.kallsyms);
	ukt_buf_release(&t.tgids);
	ukt_buf_release(&t.cmdlines);
	ukt_buf_release(&t.threads);
	ukt_buf_release(&sym);
	ukt_buf_release(&obj);
	return 0;
}
