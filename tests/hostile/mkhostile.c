// SPDX-License-Identifier: MIT
/*
 * Crafts hostile trace files from the format (format/FORMAT.md), with the
 * writer everyone uses, for tests/e2e/hostile.sh: each case is a file that
 * a real recording never produces but a crafted one can, small on disk
 * and costly, or crashing, for a reader that trusts it.
 *
 *   mkhostile CASE OUT [N]
 *
 * Cases (N is the size of the case):
 *   deep N        one thread nested N calls deep, every level with self time
 *   pairs N       N functions probed at entry and return, one call each
 *   formats N     N tracepoint formats besides one probed function
 *   kallsyms N    N MiB of kallsyms text
 *   tgids N       N MiB of saved_tgids text
 *   cmdlines N    N MiB of saved_cmdlines text
 *   maps N        N MiB of /proc/PID/maps text in one MAPS block
 *   meta N        a META block that decompresses to N MiB of records
 *   metakeys N    N distinct META keys
 *   symbols N     one SYMTAB of N symbols
 *   field         a field at offset 8 of 2147483647 bytes (an array)
 *   dynfield      a __data_loc field at offset 2147483640
 *   probeid       PROBE records with ids INT_MAX and INT_MIN
 *   negtid        calls of threads with negative ids, left open
 *   times         calls at the ends of the 64-bit clock, and going back
 *   losses        LOSS records at the ends of the clock, counts of 2^64 - 1
 *   xmlnames      function names with U+FFFE, control characters and
 *                 bytes that are not UTF-8
 *
 * Every file also holds a small well-formed recording (one function a,
 * called and returning), so that the report gets as far as it can.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uktrace/format.h"

#define SUBBUF 4096
#define PAGE_HDR 16		/* u64 timestamp, local_t commit (long 8) */
#define PAGES_PER_BLOCK 256

static const char header_page[] =
	"\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
	"\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
	"\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n";

static const char header_event[] =
	"# compressed entry header\n\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n"
	"\tarray       :   32 bits\n\n\tpadding     : type == 29\n\ttime_extend : type == 30\n"
	"\ttime_stamp : type == 31\n\tdata max type_len  == 28\n";

static const char common[] =
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n";

struct gen {
	struct ukt_writer *w;
	int err;
	/* the page being filled, and the block of pages */
	struct ukt_buf block;
	uint8_t page[SUBBUF];
	size_t used;
	uint64_t page_ts, last_ts, block_first;
	uint32_t npages;
	uint64_t now;		/* the trace clock of the next event */
};

static void add(struct gen *g, uint16_t type, uint32_t count, const void *data, size_t len)
{
	struct ukt_block_desc d = { .type = type, .cpu = UKT_NO_CPU, .count = count };

	if (!g->err)
		g->err = ukt_writer_add(g->w, NULL, &d, data, len);
}

static void add_buf(struct gen *g, uint16_t type, uint32_t count, const struct ukt_buf *b)
{
	add(g, type, count, b->data, b->len);
}

static void flush_block(struct gen *g)
{
	struct ukt_block_desc d = {
		.type = UKT_B_DATA, .cpu = 0, .count = g->npages,
		.ts_first = g->block_first, .ts_last = g->last_ts,
	};

	if (g->npages && !g->err)
		g->err = ukt_writer_add(g->w, NULL, &d, g->block.data, g->block.len);
	ukt_buf_reset(&g->block);
	g->npages = 0;
}

static void flush_page(struct gen *g)
{
	if (!g->used)
		return;
	ukt_put_le64(g->page, g->page_ts);
	ukt_put_le64(g->page + 8, g->used);
	memset(g->page + PAGE_HDR + g->used, 0, SUBBUF - PAGE_HDR - g->used);
	if (!g->npages)
		g->block_first = g->page_ts;
	if (ukt_buf_add(&g->block, g->page, SUBBUF))
		g->err = -ENOMEM;
	g->used = 0;
	if (++g->npages == PAGES_PER_BLOCK)
		flush_block(g);
}

/* One event of the ring buffer: payload of len bytes (a multiple of 4,
 * at most 112), 1 us after the one before. */
static void event(struct gen *g, const void *payload, size_t len)
{
	uint32_t delta = 1000;

	if (PAGE_HDR + g->used + 4 + len > SUBBUF)
		flush_page(g);
	if (!g->used) {
		g->page_ts = g->now;
		delta = 0;
	}
	g->now += delta;
	ukt_put_le32(g->page + PAGE_HDR + g->used, (uint32_t)(len / 4) | delta << 5);
	memcpy(g->page + PAGE_HDR + g->used + 4, payload, len);
	g->used += 4 + len;
	g->last_ts = g->now;
}

/* The next event on a page of its own at time ts. */
static void at(struct gen *g, uint64_t ts)
{
	flush_page(g);
	g->now = ts;
}

static void entry(struct gen *g, int id, int tid, uint64_t ip, uint64_t caller)
{
	uint8_t e[24] = { 0 };

	ukt_put_le16(e, (uint16_t)id);
	ukt_put_le32(e + 4, (uint32_t)tid);
	ukt_put_le64(e + 8, ip);
	ukt_put_le64(e + 16, caller);
	event(g, e, sizeof(e));
}

static void ret(struct gen *g, int id, int tid, uint64_t func, uint64_t ret_ip)
{
	uint8_t e[32] = { 0 };

	ukt_put_le16(e, (uint16_t)id);
	ukt_put_le32(e + 4, (uint32_t)tid);
	ukt_put_le64(e + 8, func);
	ukt_put_le64(e + 16, ret_ip);
	event(g, e, sizeof(e));
}

static void format(struct gen *g, const char *system, const char *name, int id,
		   const char *fields, const char *fmt)
{
	struct ukt_buf text = UKT_BUF_INIT, b = UKT_BUF_INIT;

	ukt_buf_addf(&text, "name: %s\nID: %d\nformat:\n%s%s\nprint fmt: %s\n", name, id,
		     common, fields, fmt);
	if (ukt_event_format_encode(&b, system, text.data, text.len))
		g->err = -ENOMEM;
	add_buf(g, UKT_B_EVENT_FORMAT, 0, &b);
	ukt_buf_release(&text);
	ukt_buf_release(&b);
}

static void probe(struct gen *g, int id, const char *name, const char *kind,
		  const char *symbol)
{
	struct ukt_probe_rec p = {
		.id = id, .name = (char *)name, .system = "uktrace_1", .kind = (char *)kind,
		.target = "/usr/bin/hostile", .symbol = (char *)symbol,
	};
	struct ukt_buf b = UKT_BUF_INIT, func = UKT_BUF_INIT, spec = UKT_BUF_INIT;

	ukt_buf_addf(&func, "/usr/bin/hostile:%s", symbol);
	ukt_buf_addf(&spec, "/usr/bin/hostile:%s", symbol);
	p.func = func.data;
	p.spec = spec.data;
	p.definition = "";
	if (ukt_probe_encode(&b, &p))
		g->err = -ENOMEM;
	add_buf(g, UKT_B_PROBE, 0, &b);
	ukt_buf_release(&b);
	ukt_buf_release(&func);
	ukt_buf_release(&spec);
}

static const char entry_fields[] =
	"\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 caller;\toffset:16;\tsize:8;\tsigned:0;\n";
static const char return_fields[] =
	"\tfield:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned long __probe_ret_ip;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 ret;\toffset:24;\tsize:8;\tsigned:0;\n";

/* A function probed at entry (event id) and return (id + 1), with the
 * probe ids pid and pid + 1; symbol names it. */
static void function(struct gen *g, int id, int pid, const char *symbol)
{
	char name[64], rname[80];

	snprintf(name, sizeof(name), "p%d", id);
	snprintf(rname, sizeof(rname), "%s__return", name);
	format(g, "uktrace_1", name, id, entry_fields,
	       "\"(%lx) caller=0x%Lx\", REC->__probe_ip, REC->caller");
	probe(g, pid, name, "uprobe", symbol);
	format(g, "uktrace_1", rname, id + 1, return_fields,
	       "\"(%lx <- %lx) ret=0x%Lx\", REC->__probe_func, REC->__probe_ret_ip, REC->ret");
	probe(g, pid + 1, rname, "uretprobe", symbol);
}

static void begin(struct gen *g, const char *path)
{
	struct ukt_file_info info = {
		.major = UKT_MAJOR, .minor = UKT_MINOR, .endian = 1, .long_size = 8,
		.subbuf_size = SUBBUF, .ncpus = 1, .clock = "mono",
	};
	struct ukt_buf m = UKT_BUF_INIT;

	memset(g, 0, sizeof(*g));
	ukt_buf_init(&g->block);
	g->now = 1000000000;
	g->w = ukt_writer_create(path, &info, true);
	if (!g->w) {
		g->err = -errno;
		return;
	}
	ukt_kv_add(&m, "host", "hostile");
	ukt_kv_add(&m, "machine", "x86_64");
	ukt_kv_add(&m, "clock", "mono");
	ukt_kv_add(&m, "cmdline", "mkhostile");
	ukt_kv_add(&m, "start_ns", "1000000000");
	ukt_kv_add(&m, "recording_id", "0123456789abcdef0123456789abcdef");
	add_buf(g, UKT_B_META, 6, &m);
	add(g, UKT_B_HEADER_PAGE, 0, header_page, strlen(header_page));
	add(g, UKT_B_HEADER_EVENT, 0, header_event, strlen(header_event));
	/* the well-formed part: function a, event ids 100 and 101 */
	function(g, 100, 1, "a");
	ukt_buf_release(&m);
}

/* The THREADS line of tid, and one call of a. */
static void one_call(struct gen *g, int tid)
{
	entry(g, 100, tid, 0x401000, 0x402000);
	ret(g, 101, tid, 0x401000, 0x402000);
}

static int finish(struct gen *g)
{
	struct ukt_buf th = UKT_BUF_INIT;

	flush_page(g);
	flush_block(g);
	ukt_threads_add(&th, 42, 42, "hostile", 7);
	add_buf(g, UKT_B_THREADS, 0, &th);
	ukt_buf_release(&th);
	if (!g->err)
		g->err = ukt_writer_finish(g->w);
	ukt_writer_free(g->w);
	ukt_buf_release(&g->block);
	return g->err;
}

/*
 * mib MiB of kind's text: one line that counts, then the same line again
 * and again (a data symbol, a thread's pid, a mapping that is not
 * executable), so that the payload compresses to a few KiB and costs
 * its reader only the parsing.
 */
static void text_mib(struct ukt_buf *b, long mib, const char *kind)
{
	size_t want = (size_t)mib << 20;
	const char *first, *line;

	if (!strcmp(kind, "kallsyms")) {
		first = "ffffffff81000000 T hostile_kernel_func\n";
		line = "ffffffff81001000 d hostile_data\n";
	} else if (!strcmp(kind, "tgids")) {
		first = "7 99\n";	/* tid 7 has a call, and no THREADS line */
		line = "43 42\n";
	} else if (!strcmp(kind, "cmdlines")) {
		first = "42 hostile\n";
		line = "43 hostile-thread\n";
	} else {
		first = "00400000-00500000 r-xp 00000000 08:01 1234 /usr/bin/hostile\n";
		line = "7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n";
	}
	ukt_buf_adds(b, first);
	while (b->len < want && !ukt_buf_adds(b, line))
		;
}

int main(int argc, char **argv)
{
	const char *c = argc > 2 ? argv[1] : "";
	long n = argc > 3 ? strtol(argv[3], NULL, 10) : 0;
	struct ukt_buf b = UKT_BUF_INIT;
	struct gen g;

	if (argc < 3) {
		fprintf(stderr, "usage: mkhostile CASE OUT [N] (cases: see the source)\n");
		return 2;
	}
	begin(&g, argv[2]);
	if (!strcmp(c, "deep")) {
		/* a0 calls a0 calls a0 ...: a chain n deep */
		for (long i = 0; i < n; i++)
			entry(&g, 100, 42, 0x401000, 0x401010);
		for (long i = 0; i < n; i++)
			ret(&g, 101, 42, 0x401000, 0x401010);
	} else if (!strcmp(c, "pairs")) {
		char sym[32];

		for (long i = 0; i < n; i++) {
			snprintf(sym, sizeof(sym), "f%ld", i);
			function(&g, 1000 + 2 * (int)i, 10 + 2 * (int)i, sym);
		}
		for (long i = 0; i < n; i++) {
			entry(&g, 1000 + 2 * (int)i, 42, 0x500000 + 16 * (uint64_t)i, 0x402000);
			ret(&g, 1001 + 2 * (int)i, 42, 0x500000 + 16 * (uint64_t)i, 0x402000);
		}
		one_call(&g, 42);
	} else if (!strcmp(c, "formats")) {
		char name[32];

		for (long i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "tp%ld", i);
			/* ids are 16 bits: past 64,000 formats they repeat */
			format(&g, "hostile", name, 1000 + (int)(i % 64000),
			       "\tfield:int x;\toffset:8;\tsize:4;\tsigned:1;\n", "\"x=%d\", REC->x");
		}
		one_call(&g, 42);
	} else if (!strcmp(c, "kallsyms") || !strcmp(c, "tgids") || !strcmp(c, "cmdlines")) {
		text_mib(&b, n, c);
		add_buf(&g, !strcmp(c, "kallsyms") ? UKT_B_KALLSYMS :
			!strcmp(c, "tgids") ? UKT_B_TGIDS : UKT_B_CMDLINES, 0, &b);
		one_call(&g, 42);
		one_call(&g, 7);
	} else if (!strcmp(c, "maps")) {
		struct ukt_buf text = UKT_BUF_INIT;

		text_mib(&text, n, "maps");
		if (ukt_maps_encode(&b, 42, 1000000000, text.data, text.len))
			g.err = -ENOMEM;
		add_buf(&g, UKT_B_MAPS, 0, &b);
		ukt_buf_release(&text);
		one_call(&g, 42);
	} else if (!strcmp(c, "meta")) {
		/* records of an empty key and value: 8 bytes each */
		while (b.len < (size_t)n << 20 && !ukt_buf_add_lstr(&b, "", 0))
			;
		add_buf(&g, UKT_B_META, 0, &b);
		one_call(&g, 42);
	} else if (!strcmp(c, "metakeys")) {
		char k[32];

		for (long i = 0; i < n; i++) {
			snprintf(k, sizeof(k), "key%ld", i);
			ukt_kv_add(&b, k, "v");
		}
		add_buf(&g, UKT_B_META, (uint32_t)n, &b);
		one_call(&g, 42);
	} else if (!strcmp(c, "symbols")) {
		struct ukt_symtab_seg seg = { .vaddr = 0x1000, .offset = 0x1000, .filesz = 1 << 30, .flags = 5 };
		struct ukt_symtab st = {
			.path = "/usr/bin/hostile", .plen = 16, .segs = &seg, .nsegs = 1,
			.nsyms = (uint32_t)n,
		};
		char *names = malloc((size_t)n * 12 + 1);

		st.syms = calloc((size_t)n + 1, sizeof(*st.syms));
		if (!st.syms || !names)
			return 1;
		for (long i = 0; i < n; i++) {
			st.syms[i].value = 0x1000 + 16 * (uint64_t)i;
			st.syms[i].size = 16;
			st.syms[i].name = names + 12 * i;
			st.syms[i].nlen = (uint32_t)snprintf(names + 12 * i, 12, "s%ld", i);
		}
		if (ukt_symtab_encode(&b, &st))
			g.err = -ENOMEM;
		add_buf(&g, UKT_B_SYMTAB, 0, &b);
		free(st.syms);
		free(names);
		one_call(&g, 42);
	} else if (!strcmp(c, "field") || !strcmp(c, "dynfield")) {
		uint8_t e[16] = { 0 };

		if (!strcmp(c, "field"))
			format(&g, "hostile", "big", 200,
			       "\tfield:char data[2147483647];\toffset:8;\tsize:2147483647;\tsigned:0;\n",
			       "\"%s\", REC->data");
		else
			format(&g, "hostile", "big", 200,
			       "\tfield:__data_loc char[] name;\toffset:2147483640;\tsize:4;\tsigned:0;\n",
			       "\"%s\", __get_str(name)");
		ukt_put_le16(e, 200);
		ukt_put_le32(e + 4, 42);
		ukt_put_le32(e + 8, 0xffff0008u);	/* a __data_loc: 65535 bytes at 8 */
		event(&g, e, sizeof(e));
		one_call(&g, 42);
	} else if (!strcmp(c, "probeid")) {
		format(&g, "uktrace_1", "big", 300, entry_fields, "\"x\"");
		probe(&g, INT_MAX, "big", "uprobe", "big");
		format(&g, "uktrace_1", "big__return", 301, return_fields, "\"x\"");
		probe(&g, INT_MIN, "big__return", "uretprobe", "big");
		format(&g, "hostile", "plain", 302, "\tfield:int x;\toffset:8;\tsize:4;\tsigned:1;\n",
		       "\"x=%d\", REC->x");
		entry(&g, 300, 42, 0x401100, 0x402000);
		ret(&g, 301, 42, 0x401100, 0x402000);
		one_call(&g, 42);
	} else if (!strcmp(c, "negtid")) {
		/* calls of tids -1 and -7 that never return, and ones that do */
		for (int i = 0; i < 100; i++) {
			entry(&g, 100, -1, 0x401000, 0x402000);
			entry(&g, 100, -7, 0x401000, 0x402000);
			entry(&g, 100, INT_MIN, 0x401000, 0x402000);
		}
		ret(&g, 101, -7, 0x401000, 0x402000);
		one_call(&g, 42);
	} else if (!strcmp(c, "times")) {
		/* the first event past 2^63 (negative as an int64), nested
		 * calls whose durations overflow an int64 when added up */
		static const uint64_t ts[] = {
			(1ull << 63) + 1, 1, 2, (1ull << 63) + 5, 3, (1ull << 63) + 10, 4,
			UINT64_MAX, UINT64_MAX - 1, 0, 17, UINT64_MAX,
		};
		static const int kind[] = { 0, 0, 0, 1, 0, 1, 0, 1, 1, 0, 1, 1 };

		for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
			at(&g, ts[i]);
			if (kind[i])
				ret(&g, 101, 42, 0x401000, 0x402000);
			else
				entry(&g, 100, 42, 0x401000, 0x402000);
		}
	} else if (!strcmp(c, "losses")) {
		/* loss records at the ends of the clock, going back in time */
		for (int i = 0; i < 8; i++) {
			struct ukt_loss l = {
				.cpu = i == 7 ? UINT32_MAX : 0, .from_ns = UINT64_MAX - (uint64_t)i,
				.to_ns = (uint64_t)(7 - i), .overrun = UINT64_MAX, .dropped = UINT64_MAX,
			};
			struct ukt_buf lb = UKT_BUF_INIT;
			struct ukt_block_desc d = { .type = UKT_B_LOSS, .cpu = l.cpu };

			ukt_loss_encode(&lb, &l);
			if (!g.err)
				g.err = ukt_writer_add(g.w, NULL, &d, lb.data, lb.len);
			ukt_buf_release(&lb);
		}
		one_call(&g, 42);
	} else if (!strcmp(c, "xmlnames")) {
		static const char *const names[] = {
			"bad\xef\xbf\xbe" "fffe", "nul\x01" "ctl\x1b[31m", "half\xc3", "lone\x80\xff",
			"surrogate\xed\xa0\x80", "ffff\xef\xbf\xbf", "amp&<lt>\"'", "ok\xc3\xa9",
		};

		for (int i = 0; i < 8; i++)
			function(&g, 400 + 2 * i, 20 + 2 * i, names[i]);
		for (int i = 0; i < 8; i++) {
			entry(&g, 400 + 2 * i, 42, 0x401200 + 16 * (uint64_t)i, 0x402000);
			entry(&g, 100, 42, 0x401000, 0x402000);
			ret(&g, 101, 42, 0x401000, 0x402000);
			ret(&g, 401 + 2 * i, 42, 0x401200 + 16 * (uint64_t)i, 0x402000);
		}
	} else {
		fprintf(stderr, "mkhostile: unknown case '%s'\n", c);
		ukt_buf_release(&b);
		finish(&g);
		return 2;
	}
	ukt_buf_release(&b);
	if (finish(&g)) {
		fprintf(stderr, "mkhostile: cannot write '%s': %s\n", argv[2], strerror(-g.err));
		return 1;
	}
	return 0;
}
