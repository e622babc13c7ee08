// SPDX-License-Identifier: MIT
/*
 * Round trips of every metadata payload codec (include/uktrace/payload.h):
 * what the recorder encodes, the report decodes to the same values; a
 * payload cut at any byte decodes as malformed or as a shorter list, never
 * out of bounds (ASan checks the last part in the sanitizer build).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "uktrace/payload.h"

static bool same(const char *a, uint32_t alen, const char *b)
{
	return alen == strlen(b) && memcmp(a, b, alen) == 0;
}

static void test_kv_round_trip(void)
{
	struct ukt_buf b = UKT_BUF_INIT;
	struct ukt_cursor c;
	struct ukt_kv kv;

	CHECK_EQ(ukt_kv_add(&b, "host", "h1"), 0);
	CHECK_EQ(ukt_kv_addn(&b, "bin", "a\0b", 3), 0);
	CHECK_EQ(ukt_kv_add(&b, "empty", NULL), 0);
	c = (struct ukt_cursor){ (const uint8_t *)b.data, b.len };
	CHECK_EQ(ukt_kv_next(&c, &kv), 1);
	CHECK(ukt_kv_is(&kv, "host") && same(kv.value, kv.vlen, "h1"));
	CHECK_EQ(ukt_kv_next(&c, &kv), 1);
	CHECK(ukt_kv_is(&kv, "bin") && kv.vlen == 3 && !memcmp(kv.value, "a\0b", 3));
	CHECK_EQ(ukt_kv_next(&c, &kv), 1);
	CHECK(ukt_kv_is(&kv, "empty") && kv.vlen == 0);
	CHECK_EQ(ukt_kv_next(&c, &kv), 0);
	/* cut inside the last record */
	c = (struct ukt_cursor){ (const uint8_t *)b.data, b.len - 1 };
	CHECK_EQ(ukt_kv_next(&c, &kv), 1);
	CHECK_EQ(ukt_kv_next(&c, &kv), 1);
	CHECK_EQ(ukt_kv_next(&c, &kv), -EBADMSG);
	ukt_buf_release(&b);
}

static void test_probe_round_trip(void)
{
	struct ukt_probe_rec in = {
		.id = 7, .name = "handle", .system = "uktrace_42", .kind = "uprobe",
		.spec = "./app:handle", .definition = "p:uktrace_42/handle /app:0x1139",
		.target = "/app", .symbol = "handle", .offset = 0x1139,
		.func = "/app:0x1139", .returns = "void",
	}, out;
	struct ukt_buf b = UKT_BUF_INIT;

	CHECK_EQ(ukt_probe_encode(&b, &in), 0);
	CHECK_EQ(ukt_probe_decode(b.data, b.len, &out), 0);
	CHECK_EQ(out.id, 7);
	CHECK_STR(out.name, in.name);
	CHECK_STR(out.system, in.system);
	CHECK_STR(out.kind, in.kind);
	CHECK_STR(out.spec, in.spec);
	CHECK_STR(out.definition, in.definition);
	CHECK_STR(out.target, in.target);
	CHECK_STR(out.symbol, in.symbol);
	CHECK_EQ(out.offset, 0x1139);
	CHECK_STR(out.func, in.func);
	CHECK_STR(out.returns, "void");
	/* the newer keys are written only when set: an older file has none */
	CHECK(out.role == NULL && out.call == NULL && out.filter == NULL);
	ukt_probe_release(&out);
	/* a USDT pair's half, filtered */
	in.role = "return";
	in.call = "python:function";
	in.filter = "arg2 == \"fib\"";
	ukt_buf_reset(&b);
	CHECK_EQ(ukt_probe_encode(&b, &in), 0);
	CHECK_EQ(ukt_probe_decode(b.data, b.len, &out), 0);
	CHECK_STR(out.role, "return");
	CHECK_STR(out.call, "python:function");
	CHECK_STR(out.filter, "arg2 == \"fib\"");
	ukt_probe_release(&out);
	in.role = in.call = in.filter = NULL;
	/* NULL strings are written empty; a tracepoint has no definition;
	 * what a function returns is left out when unknown */
	in.definition = NULL;
	in.symbol = NULL;
	in.returns = NULL;
	ukt_buf_reset(&b);
	CHECK_EQ(ukt_probe_encode(&b, &in), 0);
	CHECK_EQ(ukt_probe_decode(b.data, b.len, &out), 0);
	CHECK_STR(out.definition, "");
	CHECK_STR(out.symbol, "");
	CHECK(out.returns == NULL);
	ukt_probe_release(&out);
	/* every cut is malformed or decodes; never more than was written */
	for (size_t n = 0; n < b.len; n++) {
		int rc = ukt_probe_decode(b.data, n, &out);

		CHECK(rc == -EBADMSG || rc == 0);
		if (rc == 0)
			ukt_probe_release(&out);
	}
	/* a record without a name is refused */
	ukt_buf_reset(&b);
	ukt_kv_add(&b, "system", "s");
	ukt_kv_add(&b, "kind", "uprobe");
	CHECK_EQ(ukt_probe_decode(b.data, b.len, &out), -EBADMSG);
	ukt_buf_release(&b);
}

static void test_event_format_round_trip(void)
{
	static const char text[] = "name: handle\nID: 1234\nformat:\n";
	struct ukt_buf b = UKT_BUF_INIT;
	const char *sys, *t;
	uint32_t slen;
	size_t tlen;

	CHECK_EQ(ukt_event_format_encode(&b, "syscalls", text, strlen(text)), 0);
	CHECK_EQ(ukt_event_format_decode(b.data, b.len, &sys, &slen, &t, &tlen), 0);
	CHECK(same(sys, slen, "syscalls"));
	CHECK(tlen == strlen(text) && !memcmp(t, text, tlen));
	CHECK_EQ(ukt_event_format_decode(b.data, 3, &sys, &slen, &t, &tlen), -EBADMSG);
	ukt_buf_release(&b);
}

static void test_symtab_round_trip(void)
{
	struct ukt_symtab_seg segs[] = {
		{ 0x0, 0x0, 0x5f8, 4 }, { 0x1000, 0x1000, 0x1cd, 5 },
	};
	struct ukt_symtab_sym syms[] = {
		{ 0x1040, 0x22, UKT_SYM_FUNC, "_start", 6 },
		{ 0x1139, 0x1b, UKT_SYM_FUNC, "a", 1 },
		{ 0x1150, 0x10, UKT_SYM_IFUNC, "memcpy", 6 },
	};
	static const uint8_t bid[] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01 };
	struct ukt_symtab in = {
		.path = "/usr/bin/app", .plen = 12, .build_id = bid,
		.build_id_len = sizeof(bid), .segs = segs, .nsegs = 2,
		.syms = syms, .nsyms = 3,
	}, out;
	struct ukt_buf b = UKT_BUF_INIT;
	size_t full;

	CHECK_EQ(ukt_symtab_encode(&b, &in), 0);
	CHECK_EQ(ukt_symtab_decode(b.data, b.len, &out), 0);
	CHECK(same(out.path, out.plen, "/usr/bin/app"));
	CHECK(out.build_id_len == sizeof(bid) && !memcmp(out.build_id, bid, sizeof(bid)));
	CHECK_EQ(out.nsegs, 2);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(out.segs[i].vaddr, segs[i].vaddr);
		CHECK_EQ(out.segs[i].offset, segs[i].offset);
		CHECK_EQ(out.segs[i].filesz, segs[i].filesz);
		CHECK_EQ(out.segs[i].flags, segs[i].flags);
	}
	CHECK_EQ(out.nsyms, 3);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(out.syms[i].value, syms[i].value);
		CHECK_EQ(out.syms[i].size, syms[i].size);
		CHECK_EQ(out.syms[i].kind, syms[i].kind);
		CHECK(same(out.syms[i].name, out.syms[i].nlen, syms[i].name));
	}
	CHECK(!out.has_id && !out.mntns && !out.source);
	ukt_symtab_release(&out);
	/* later minor versions may append: trailing bytes are ignored */
	full = b.len;
	ukt_buf_adds(&b, "future");
	CHECK_EQ(ukt_symtab_decode(b.data, b.len, &out), 0);
	CHECK_EQ(out.nsyms, 3);
	ukt_symtab_release(&out);
	for (size_t n = 0; n < full; n++)
		CHECK_EQ(ukt_symtab_decode(b.data, n, &out), -EBADMSG);
	/* the file's identity and the symbols' source round-trip too */
	in.has_id = true;
	in.dev_major = 8;
	in.dev_minor = 1;
	in.ino = 1234567;
	in.mntns = "mnt:[4026532001]";
	in.mntns_len = 16;
	in.source = "/usr/lib/debug/.build-id/de/adbeef.debug";
	in.source_len = (uint32_t)strlen(in.source);
	ukt_buf_reset(&b);
	CHECK_EQ(ukt_symtab_encode(&b, &in), 0);
	CHECK_EQ(ukt_symtab_decode(b.data, b.len, &out), 0);
	CHECK(out.has_id && out.dev_major == 8 && out.dev_minor == 1 && out.ino == 1234567);
	CHECK(same(out.mntns, out.mntns_len, "mnt:[4026532001]"));
	CHECK(same(out.source, out.source_len, in.source));
	CHECK_EQ(out.nsyms, 3);
	ukt_symtab_release(&out);
	/* a count larger than the bytes left is refused before allocating */
	ukt_buf_reset(&b);
	ukt_buf_add_lstr(&b, "p", 1);
	ukt_buf_add_lstr(&b, "", 0);
	ukt_buf_add_u32(&b, 0xffffffffu);
	CHECK_EQ(ukt_symtab_decode(b.data, b.len, &out), -EBADMSG);
	ukt_buf_release(&b);
}

static void test_maps_round_trip(void)
{
	static const char text[] = "55d0-55d1 r-xp 00001000 08:01 42 /app\n";
	struct ukt_buf b = UKT_BUF_INIT;
	const char *t;
	size_t tlen;
	uint32_t pid;
	uint64_t ts;

	CHECK_EQ(ukt_maps_encode(&b, 4242, 123456789012ull, text, strlen(text)), 0);
	CHECK_EQ(ukt_maps_decode(b.data, b.len, &pid, &ts, &t, &tlen), 0);
	CHECK_EQ(pid, 4242);
	CHECK_EQ(ts, 123456789012ull);
	CHECK(tlen == strlen(text) && !memcmp(t, text, tlen));
	CHECK_EQ(ukt_maps_decode(b.data, 11, &pid, &ts, &t, &tlen), -EBADMSG);
	ukt_buf_release(&b);
}

static void test_ehframe_round_trip(void)
{
	static const uint8_t sec[] = { 0x14, 0, 0, 0, 0, 0, 0, 0, 1, 'z', 'R', 0 };
	struct ukt_ehframe e = {
		.path = "/usr/lib/libc.so.6", .plen = 18, .has_id = true, .dev_major = 8,
		.dev_minor = 1, .ino = 4242, .addr = 0x1f000, .data = sec, .len = sizeof(sec),
	}, d;
	struct ukt_buf b = UKT_BUF_INIT;

	CHECK_EQ(ukt_ehframe_encode(&b, &e), 0);
	CHECK_EQ(ukt_ehframe_decode(b.data, b.len, &d), 0);
	CHECK(d.plen == 18 && !memcmp(d.path, e.path, 18));
	CHECK(d.has_id && d.dev_major == 8 && d.dev_minor == 1 && d.ino == 4242);
	CHECK_EQ(d.addr, 0x1f000);
	CHECK(d.len == sizeof(sec) && !memcmp(d.data, sec, sizeof(sec)));
	/* cut inside the fixed fields */
	CHECK_EQ(ukt_ehframe_decode(b.data, 4 + 18 + 10, &d), -EBADMSG);
	ukt_buf_release(&b);
}

static void test_threads_round_trip(void)
{
	struct ukt_buf b = UKT_BUF_INIT;
	struct ukt_cursor c;
	const char *comm;
	size_t clen;
	int tid, pid;

	CHECK_EQ(ukt_threads_add(&b, 101, 100, "worker 1", 8), 0);
	CHECK_EQ(ukt_threads_add(&b, 102, 100, "two\nlines", 9), 0);
	CHECK_EQ(ukt_threads_add(&b, 103, 100, "", 0), 0);
	ukt_buf_adds(&b, "garbage line\n");
	CHECK_EQ(ukt_threads_add(&b, 104, 100, "last", 4), 0);
	c = (struct ukt_cursor){ (const uint8_t *)b.data, b.len };
	CHECK_EQ(ukt_threads_next(&c, &tid, &pid, &comm, &clen), 1);
	CHECK(tid == 101 && pid == 100 && clen == 8 && !memcmp(comm, "worker 1", 8));
	CHECK_EQ(ukt_threads_next(&c, &tid, &pid, &comm, &clen), 1);
	CHECK(tid == 102 && clen == 9 && !memcmp(comm, "two lines", 9));
	CHECK_EQ(ukt_threads_next(&c, &tid, &pid, &comm, &clen), 1);
	CHECK(tid == 103 && clen == 0);
	CHECK_EQ(ukt_threads_next(&c, &tid, &pid, &comm, &clen), 1);
	CHECK(tid == 104 && clen == 4 && !memcmp(comm, "last", 4));
	CHECK_EQ(ukt_threads_next(&c, &tid, &pid, &comm, &clen), 0);
	/* cut in the middle of the first line's numbers */
	c = (struct ukt_cursor){ (const uint8_t *)b.data, 2 };
	CHECK_EQ(ukt_threads_next(&c, &tid, &pid, &comm, &clen), 0);
	ukt_buf_release(&b);
}

static void test_tasks_round_trip(void)
{
	struct ukt_task in[2] = {
		{ .kind = UKT_TASK_FORK, .ts = 123456789, .pid = 31, .tid = 31, .ppid = 30, .ptid = 32 },
		{ .kind = UKT_TASK_EXEC, .ts = 123456999, .pid = 31, .tid = 31, .comm = "true", .clen = 4 },
	}, out;
	struct ukt_buf b = UKT_BUF_INIT;
	struct ukt_cursor c;
	size_t one;

	CHECK_EQ(ukt_task_add(&b, &in[0]), 0);
	one = b.len;
	CHECK_EQ(ukt_task_add(&b, &in[1]), 0);
	/* a record a newer writer made longer: the known fields are read */
	ukt_buf_add_u32(&b, 4 + 8 + 16 + 4 + 2 + 3);
	ukt_buf_add_u32(&b, 99);
	ukt_buf_add_u64(&b, 7);
	for (int i = 0; i < 4; i++)
		ukt_buf_add_u32(&b, 1);
	ukt_buf_add_lstr(&b, "ab", 2);
	ukt_buf_add(&b, "new", 3);
	c = (struct ukt_cursor){ (const uint8_t *)b.data, b.len };
	CHECK_EQ(ukt_task_next(&c, &out), 1);
	CHECK(out.kind == UKT_TASK_FORK && out.ts == 123456789 && out.pid == 31 && out.tid == 31);
	CHECK(out.ppid == 30 && out.ptid == 32 && out.clen == 0);
	CHECK_EQ(ukt_task_next(&c, &out), 1);
	CHECK(out.kind == UKT_TASK_EXEC && out.clen == 4 && !memcmp(out.comm, "true", 4));
	CHECK_EQ(ukt_task_next(&c, &out), 1);
	CHECK(out.kind == 99 && out.ts == 7 && out.clen == 2 && !memcmp(out.comm, "ab", 2));
	CHECK_EQ(ukt_task_next(&c, &out), 0);
	/* cut anywhere inside the first record: malformed, never past it */
	for (size_t n = 1; n < one; n++) {
		c = (struct ukt_cursor){ (const uint8_t *)b.data, n };
		CHECK_EQ(ukt_task_next(&c, &out), -EBADMSG);
	}
	ukt_buf_release(&b);
}

static void test_loss_round_trip(void)
{
	struct ukt_loss in = { 3, 1000, 2000, 7684, 5 }, out;
	struct ukt_buf b = UKT_BUF_INIT;

	CHECK_EQ(ukt_loss_encode(&b, &in), 0);
	CHECK_EQ(ukt_loss_decode(b.data, b.len, &out), 0);
	CHECK(out.cpu == 3 && out.from_ns == 1000 && out.to_ns == 2000);
	CHECK(out.overrun == 7684 && out.dropped == 5);
	for (size_t n = 0; n < b.len; n++)
		CHECK_EQ(ukt_loss_decode(b.data, n, &out), -EBADMSG);
	ukt_buf_release(&b);
}

int main(void)
{
	RUN(test_kv_round_trip);
	RUN(test_probe_round_trip);
	RUN(test_event_format_round_trip);
	RUN(test_symtab_round_trip);
	RUN(test_maps_round_trip);
	RUN(test_ehframe_round_trip);
	RUN(test_threads_round_trip);
	RUN(test_tasks_round_trip);
	RUN(test_loss_round_trip);
	return TEST_EXIT();
}
