// SPDX-License-Identifier: MIT
/*
 * Unit tests of USDT notes and specs (record/usdt.c, record/usdtspec.c):
 * argument specs into fetchargs, note descriptors (prelink too), pair
 * names, and the notes of a real ELF file, the sdt_workload the build
 * makes with <sys/sdt.h>. No tracefs.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "../../record/elfsym.h"
#include "../../record/spec.h"
#include "../../record/usdt.h"

static char sdt[512];

static const char *fetch(const char *spec, const char *type)
{
	static struct ukt_buf b = UKT_BUF_INIT;
	struct ukt_buf why = UKT_BUF_INIT;
	struct usdt_arg a;

	ukt_buf_reset(&b);
	usdt_arg_parse(spec, 0x1000, 0x1000, NULL, NULL, &a);
	if (usdt_arg_fetch(&a, type, &b, &why)) {
		ukt_buf_reset(&b);
		ukt_buf_addf(&b, "ERR %s", why.data);
	}
	ukt_buf_release(&why);
	return b.data;
}

static int fake_sym(void *ctx, const char *name, uint64_t *vaddr)
{
	(void)ctx;
	if (strcmp(name, "counter"))
		return -ENOENT;
	*vaddr = 0x4010;
	return 0;
}

static void test_arg_specs(void)
{
	struct ukt_buf b = UKT_BUF_INIT, why = UKT_BUF_INIT;
	struct usdt_arg a;

	CHECK_STR(fetch("-4@%edi", NULL), "%di:s32");
	CHECK_STR(fetch("8@%rax", NULL), "%ax:u64");
	CHECK_STR(fetch("-8@%r12", NULL), "%r12:s64");
	CHECK_STR(fetch("4@%r9d", NULL), "%r9:u32");
	CHECK_STR(fetch("-2@%cx", NULL), "%cx:s16");
	CHECK_STR(fetch("1@%sil", NULL), "%si:u8");
	CHECK_STR(fetch("1@%ah", NULL), "%ax:b8@8/64");
	CHECK_STR(fetch("8@-16(%rbp)", NULL), "-16(%bp):u64");
	CHECK_STR(fetch("-4@112(%rsp)", NULL), "+112(%sp):s32");
	CHECK_STR(fetch("8@(%rbx)", NULL), "+0(%bx):u64");
	CHECK_STR(fetch("-4@0x10(%r13)", NULL), "+16(%r13):s32");
	CHECK_STR(fetch("-4@$5", NULL), "\\5:s32");
	CHECK_STR(fetch("-4@$-5", NULL), "\\-5:s32");
	CHECK_STR(fetch("1@$120", NULL), "\\120:u8");
	/* retyped by the user */
	CHECK_STR(fetch("8@%rbp", "string"), "+0(%bp):string");
	CHECK_STR(fetch("8@-16(%rbp)", "string"), "+0(-16(%bp)):string");
	CHECK_STR(fetch("8@%rbp", "x64"), "%bp:x64");
	CHECK(!strncmp(fetch("-4@$5", "string"), "ERR '-4@$5' is a constant", 25));
	/* what uprobes cannot fetch */
	CHECK(!strncmp(fetch("8@(%rax,%rbx,8)", NULL), "ERR '8@(%rax,%rbx,8)' is an operand with an index", 48));
	CHECK(!strncmp(fetch("8@%fs:0x28", NULL), "ERR", 3));
	CHECK(!strncmp(fetch("16@%xmm0", NULL), "ERR", 3));
	CHECK(!strncmp(fetch("8@%xmm0", NULL), "ERR", 3));
	CHECK(!strncmp(fetch("x@%rax", NULL), "ERR", 3));
	/* an old note without sizes: 8 bytes */
	CHECK_STR(fetch("%rdi", NULL), "%di:u64");
	/* sym(%rip): the symbol's distance from the site, as a file offset
	 * of the probed file: the site at 0x1096 (file offset 0x96), counter
	 * at 0x4010 */
	usdt_arg_parse("-8@counter(%rip)", 0x1096, 0x96, fake_sym, NULL, &a);
	CHECK_EQ(a.kind, UA_FILE);
	CHECK_EQ(a.value, 0x4010 - 0x1096 + 0x96);
	CHECK_EQ(usdt_arg_fetch(&a, NULL, &b, &why), 0);
	CHECK_STR(b.data, "@+0x3010:s64");
	usdt_arg_parse("8@counter+8(%rip)", 0x1096, 0x1096, fake_sym, NULL, &a);
	CHECK_EQ(a.value, 0x4018);
	usdt_arg_parse("8@nosuch(%rip)", 0x1096, 0x1096, fake_sym, NULL, &a);
	CHECK_EQ(a.kind, UA_BAD);
	ukt_buf_release(&b);
	ukt_buf_release(&why);
}

static size_t put_desc(unsigned char *d, uint64_t pc, uint64_t base, uint64_t sem,
		       const char *strs, size_t slen)
{
	for (int i = 0; i < 8; i++) {
		d[i] = (unsigned char)(pc >> (8 * i));
		d[8 + i] = (unsigned char)(base >> (8 * i));
		d[16 + i] = (unsigned char)(sem >> (8 * i));
	}
	memcpy(d + 24, strs, slen);
	return 24 + slen;
}

static void test_desc(void)
{
	static const char strs[] = "python\0function__entry\0" "8@%rbp 8@%r12 -4@%eax";
	unsigned char d[128];
	size_t n = put_desc(d, 0x4f20a1, 0x8cc5a0, 0xa84260, strs, sizeof(strs));
	struct usdt_note no;

	CHECK_EQ(usdt_parse_desc(d, n, 8, false, 0x8cc5a0, &no), 0);
	CHECK_STR(no.provider, "python");
	CHECK_STR(no.name, "function__entry");
	CHECK_STR(no.args, "8@%rbp 8@%r12 -4@%eax");
	CHECK_EQ(no.pc, 0x4f20a1);
	CHECK_EQ(no.sem, 0xa84260);
	usdt_note_release(&no);
	/* prelinked: .stapsdt.base now 0x10000 higher, and so is the rest */
	CHECK_EQ(usdt_parse_desc(d, n, 8, false, 0x8dc5a0, &no), 0);
	CHECK_EQ(no.pc, 0x4f20a1 + 0x10000);
	CHECK_EQ(no.sem, 0xa84260 + 0x10000);
	usdt_note_release(&no);
	/* no semaphore stays none; no arguments at all */
	n = put_desc(d, 0x1000, 0x2000, 0, "p\0n", 4);
	CHECK_EQ(usdt_parse_desc(d, n, 8, false, 0x2100, &no), 0);
	CHECK_EQ(no.sem, 0);
	CHECK_EQ(no.pc, 0x1100);
	CHECK_STR(no.args, "");
	usdt_note_release(&no);
	/* big-endian 32-bit */
	memset(d, 0, sizeof(d));
	d[3] = 0x10;		/* pc 0x10 */
	memcpy(d + 12, "p\0n\0" "4@%eax", 11);
	CHECK_EQ(usdt_parse_desc(d, 23, 4, true, 0, &no), 0);
	CHECK_EQ(no.pc, 0x10);
	CHECK_STR(no.args, "4@%eax");
	usdt_note_release(&no);
	/* damage */
	CHECK_EQ(usdt_parse_desc(d, 13, 4, true, 0, &no), -EBADMSG);
	memset(d + 12, 'x', 20);
	CHECK_EQ(usdt_parse_desc(d, 32, 4, true, 0, &no), -EBADMSG);
}

static void test_pair_names(void)
{
	struct ukt_buf p = UKT_BUF_INIT;
	size_t bl;
	bool entry;

	CHECK(usdt_pair_name("function__entry", &bl, &entry, &p));
	CHECK(entry);
	CHECK_EQ(bl, 8);
	CHECK_STR(p.data, "function__return");
	CHECK(usdt_pair_name("query__done", &bl, &entry, &p));
	CHECK(!entry);
	CHECK_STR(p.data, "query__start");
	CHECK(usdt_pair_name("x__exit", &bl, &entry, &p));
	CHECK_STR(p.data, "x__enter");
	CHECK(!usdt_pair_name("transaction__commit", &bl, &entry, &p));
	CHECK(!usdt_pair_name("__entry", &bl, &entry, &p) || bl == 0);
	ukt_buf_release(&p);
}

static const struct usdt_note *find(const struct usdt_file *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].name, name))
			return &f->v[i];
	return NULL;
}

/* The notes of a program built with <sys/sdt.h>. */
static void test_real_elf(void)
{
	struct usdt_file f;
	const struct usdt_note *g, *pl, *gl, *st;
	struct elfsym *e;
	unsigned char op;
	uint64_t off;
	int fd;

	if (access(sdt, R_OK))
		SKIP("no sdt_workload (install systemtap-sdt-dev: make deps)");
	CHECK_EQ(usdt_load(sdt, &f), 0);
	CHECK_EQ(f.n, 8);
	g = find(&f, "guarded");
	pl = find(&f, "plain");
	gl = find(&f, "global");
	st = find(&f, "stack");
	CHECK(g && pl && gl && st && find(&f, "work__start") && find(&f, "work__done"));
	CHECK_STR(g->provider, "ukt");
	CHECK(g->sem != 0 && g->sem_offset != 0);
	/* the site is the nop sdt.h puts there */
	fd = open(sdt, O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(pread(fd, &op, 1, (off_t)g->offset), 1);
	close(fd);
	CHECK_EQ(op, 0x90);
	/* the offsets are the ones symbols get */
	e = elfsym_load(sdt);
	CHECK(e != NULL);
	CHECK_EQ(elfsym_vaddr_to_offset(e, g->pc, &off), 0);
	CHECK_EQ(off, g->offset);
	CHECK_EQ(elfsym_vaddr_to_offset(e, g->sem, &off), 0);
	CHECK_EQ(off, g->sem_offset);
	elfsym_free(e);
	/* -4@%reg -4@$-5 8@%reg -2@%reg 1@$120 */
	CHECK_EQ(pl->nargs, 5);
	CHECK_EQ(pl->argv[0].kind, UA_REG);
	CHECK(pl->argv[0].is_signed && pl->argv[0].size == 4);
	CHECK_EQ(pl->argv[1].kind, UA_CONST);
	CHECK_EQ(pl->argv[1].value, -5);
	CHECK_EQ(pl->argv[2].size, 8);
	CHECK(!pl->argv[2].is_signed);
	CHECK_EQ(pl->argv[3].size, 2);
	CHECK_EQ(pl->argv[4].kind, UA_CONST);
	CHECK_EQ(pl->argv[4].value, 'x');
	/* counter(%rip), through the file's own symbol */
	CHECK_EQ(gl->nargs, 1);
	CHECK_EQ(gl->argv[0].kind, UA_FILE);
	/* a stack slot */
	CHECK_EQ(st->argv[0].kind, UA_MEM);
	CHECK_STR(st->argv[0].reg, "bp");
	usdt_file_release(&f);
}

static int parse(struct probe_list *l, char how, const char *text, struct ukt_buf *err,
		 struct ukt_buf *warn)
{
	struct spec_opts o = { .max_probes = 256, .warnings = warn };

	ukt_buf_reset(err);
	return spec_parse(l, how, text, &o, err);
}

static const char *def(const struct probe *p)
{
	static struct ukt_buf b = UKT_BUF_INIT;

	ukt_buf_reset(&b);
	probe_definition(p, "grp", &b);
	return b.data;
}

static void test_specs(void)
{
	struct probe_list l = { 0 };
	struct ukt_buf err = UKT_BUF_INIT, spec = UKT_BUF_INIT, want = UKT_BUF_INIT;
	struct usdt_file f;
	const struct usdt_note *g;

	if (access(sdt, R_OK))
		SKIP("no sdt_workload (install systemtap-sdt-dev: make deps)");
	CHECK_EQ(usdt_load(sdt, &f), 0);
	g = find(&f, "guarded");
	CHECK(g != NULL);
	/* one probe at the site, its semaphore as reference counter */
	ukt_buf_addf(&spec, "usdt:%s:ukt:guarded", sdt);
	CHECK_EQ(parse(&l, 'p', spec.data, &err, NULL), 0);
	CHECK_EQ(l.n, 1);
	ukt_buf_addf(&want, "p:grp/ukt_guarded %s:0x%" PRIx64 "(0x%" PRIx64 ") arg1=%%", sdt,
		     g->offset, g->sem_offset);
	CHECK(!strncmp(def(&l.v[0]), want.data, want.len));
	CHECK(strstr(def(&l.v[0]), " arg2=%"));
	CHECK_EQ(l.v[0].kind, PK_UPROBE);
	CHECK_EQ(l.v[0].role, PROBE_ROLE_NONE);
	CHECK_STR(l.v[0].symbol, "ukt:guarded");
	/* perf's form, and without the provider */
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "%s:sdt_ukt:guarded", sdt);
	CHECK_EQ(parse(&l, 'p', spec.data, &err, NULL), 0);
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "usdt:%s:guarded", sdt);
	CHECK_EQ(parse(&l, 'p', spec.data, &err, NULL), 0);
	CHECK_EQ(l.n, 3);
	CHECK_STR(l.v[1].def ? l.v[1].def : def(&l.v[1]), def(&l.v[2]));
	/* a constant and a small one, typed */
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "usdt:%s:ukt:plain", sdt);
	CHECK_EQ(parse(&l, 'p', spec.data, &err, NULL), 0);
	CHECK(strstr(def(&l.v[3]), " arg2=\\-5:s32 "));
	CHECK(strstr(def(&l.v[3]), ":s16 arg5=\\120:u8"));
	probe_list_release(&l);
	/* a pair: two uprobes, entry and return, named for calls */
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "usdt:%s:ukt:work", sdt);
	CHECK_EQ(parse(&l, 'f', spec.data, &err, NULL), 0);
	CHECK_EQ(l.n, 2);
	CHECK_EQ(l.v[0].kind, PK_UPROBE);
	CHECK_EQ(l.v[1].kind, PK_UPROBE);
	CHECK_EQ(l.v[0].role, PROBE_ROLE_ENTRY);
	CHECK_EQ(l.v[1].role, PROBE_ROLE_RETURN);
	CHECK_STR(l.v[0].call, "ukt:work");
	CHECK_STR(l.v[0].func, l.v[1].func);
	CHECK_STR(l.v[0].symbol, "ukt:work__start");
	CHECK_STR(l.v[1].symbol, "ukt:work__done");
	/* naming either half pairs them too */
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "usdt:%s:ukt:work__done", sdt);
	CHECK_EQ(parse(&l, 'f', spec.data, &err, NULL), 0);
	CHECK_EQ(l.n, 4);
	CHECK_EQ(l.v[2].role, PROBE_ROLE_ENTRY);
	probe_list_release(&l);
	/* a retyped argument */
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "usdt:%s:ukt:guarded arg2:x64 n=%%di", sdt);
	CHECK_EQ(parse(&l, 'p', spec.data, &err, NULL), 0);
	CHECK(strstr(def(&l.v[0]), ":x64 n=%di"));
	probe_list_release(&l);
	usdt_file_release(&f);
	ukt_buf_release(&err);
	ukt_buf_release(&spec);
	ukt_buf_release(&want);
}

static void test_spec_errors(void)
{
	struct probe_list l = { 0 };
	struct ukt_buf err = UKT_BUF_INIT, spec = UKT_BUF_INIT, warn = UKT_BUF_INIT;

	if (access(sdt, R_OK))
		SKIP("no sdt_workload (install systemtap-sdt-dev: make deps)");
	ukt_buf_addf(&spec, "usdt:%s:ukt:guardd", sdt);
	CHECK(parse(&l, 'p', spec.data, &err, NULL) < 0);
	CHECK(strstr(err.data, "no USDT probe in"));
	CHECK(strstr(err.data, "did you mean 'guarded'"));
	/* -f on a probe that pairs with nothing */
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "usdt:%s:ukt:guarded", sdt);
	CHECK(parse(&l, 'f', spec.data, &err, NULL) < 0);
	CHECK(strstr(err.data, "no entry/return pair for 'ukt:guarded'"));
	/* a glob pairs what pairs and says what does not */
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "usdt:%s:ukt:*", sdt);
	CHECK_EQ(parse(&l, 'f', spec.data, &err, &warn), 0);
	CHECK_EQ(l.n, 8);
	CHECK(strstr(warn.data, "recorded as events, not calls"));
	probe_list_release(&l);
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "usdt:%s:ukt:guarded arg3:string", sdt);
	CHECK(parse(&l, 'p', spec.data, &err, NULL) < 0);
	CHECK(strstr(err.data, "has 2 arguments, not 3"));
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "usdt:%s:ukt:plain arg2:string", sdt);
	CHECK(parse(&l, 'p', spec.data, &err, NULL) < 0);
	CHECK(strstr(err.data, "is a constant, not a string"));
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "usdt:%s:ukt:plain %%ax", sdt);
	CHECK(parse(&l, 'p', spec.data, &err, NULL) < 0);
	CHECK(parse(&l, 'p', "usdt:/bin/sh", &err, NULL) < 0);
	CHECK(strstr(err.data, "expected usdt:BINARY:PROVIDER:NAME"));
	CHECK(parse(&l, 'p', "usdt:/bin/sh:x:y", &err, NULL) < 0);
	CHECK(strstr(err.data, "has no USDT probes"));
	CHECK_EQ(l.n, 0);
	ukt_buf_release(&err);
	ukt_buf_release(&spec);
	ukt_buf_release(&warn);
}

/* perf's definitions, as perf probe writes them, work verbatim */
static void test_raw_refctr(void)
{
	struct probe_list l = { 0 };
	struct ukt_buf err = UKT_BUF_INIT, spec = UKT_BUF_INIT;

	if (access(sdt, R_OK))
		SKIP("no sdt_workload (install systemtap-sdt-dev: make deps)");
	ukt_buf_addf(&spec, "p:sdt_ukt/guarded %s:0x10d8(0x3030) arg1=%%bx:s64", sdt);
	CHECK_EQ(parse(&l, 'p', spec.data, &err, NULL), 0);
	CHECK_EQ(l.v[0].ref_ctr, 0x3030);
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "p:grp/guarded %s:0x10d8(0x3030) arg1=%%bx:s64", sdt);
	CHECK_STR(def(&l.v[0]), spec.data);
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "p:x %s:0x10d8(0x3030", sdt);
	CHECK(parse(&l, 'p', spec.data, &err, NULL) < 0);
	CHECK(strstr(err.data, "bad reference counter offset"));
	probe_list_release(&l);
	ukt_buf_release(&err);
	ukt_buf_release(&spec);
}

int main(void)
{
	const char *b = getenv("B") ? getenv("B") : "build";

	snprintf(sdt, sizeof(sdt), "%s/tests/sdt_workload", b);
	if (access(sdt, R_OK) == 0) {
		char *r = realpath(sdt, NULL);

		snprintf(sdt, sizeof(sdt), "%s", r);
		free(r);
	}
	RUN(test_arg_specs);
	RUN(test_desc);
	RUN(test_pair_names);
	RUN(test_real_elf);
	RUN(test_specs);
	RUN(test_spec_errors);
	RUN(test_raw_refctr);
	return TEST_EXIT();
}
