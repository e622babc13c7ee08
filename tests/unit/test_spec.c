// SPDX-License-Identifier: MIT
/* Unit tests of probe spec parsing and ELF resolution (record/spec.c,
 * record/elfsym.c), on the workload binary the build makes. No tracefs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "../../record/elfsym.h"
#include "../../record/spec.h"
#include "../../record/errors.h"

static char wl[512];

static int parse(struct probe_list *l, char how, const char *text, struct ukt_buf *err)
{
	struct spec_opts o = { .max_probes = 256 };

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

static void test_raw_kernel(void)
{
	struct probe_list l = { 0 };
	struct ukt_buf err = UKT_BUF_INIT;

	CHECK_EQ(parse(&l, 'p', "p kfree", &err), 0);
	CHECK_EQ(parse(&l, 'p', "r:kfree_probe kfree", &err), 0);
	CHECK_EQ(parse(&l, 'p', "p:kfree_probe_10 kfree+0x10", &err), 0);
	CHECK_EQ(parse(&l, 'p', "p:myprobe do_sys_open dfd=%ax filename=%dx flags=%cx mode=+4($stack)", &err), 0);
	CHECK_EQ(parse(&l, 'p', "p:other/renamed vfs_read", &err), 0);
	CHECK_EQ(l.n, 5);
	CHECK_STR(def(&l.v[0]), "p:grp/kfree kfree");
	CHECK_EQ(l.v[1].kind, PK_KRETPROBE);
	CHECK_STR(def(&l.v[1]), "r:grp/kfree_probe kfree");
	CHECK_STR(def(&l.v[2]), "p:grp/kfree_probe_10 kfree+0x10");
	CHECK_STR(def(&l.v[3]), "p:grp/myprobe do_sys_open dfd=%ax filename=%dx flags=%cx mode=+4($stack)");
	/* someone else's group is replaced by ours */
	CHECK_STR(def(&l.v[4]), "p:grp/renamed vfs_read");
	probe_list_release(&l);
	ukt_buf_release(&err);
}

static void test_function_pairs(void)
{
	struct probe_list l = { 0 };
	struct ukt_buf err = UKT_BUF_INIT;

	CHECK_EQ(parse(&l, 'f', "do_sys_openat2", &err), 0);
	CHECK_EQ(l.n, 2);
	CHECK_EQ(l.v[0].kind, PK_KPROBE);
	CHECK_EQ(l.v[1].kind, PK_KRETPROBE);
	CHECK_STR(l.v[0].func, l.v[1].func);
#if defined(__x86_64__)
	CHECK(strstr(def(&l.v[0]), "caller=+0(%sp):x64"));
#endif
	CHECK(strstr(def(&l.v[1]), "ret=$retval"));
	probe_list_release(&l);
	ukt_buf_release(&err);
}

static void test_user_symbols(void)
{
	struct probe_list l = { 0 };
	struct ukt_buf err = UKT_BUF_INIT, spec = UKT_BUF_INIT;
	struct elfsym *e = elfsym_load(wl);
	const struct elf_sym *s;
	uint64_t off;

	if (!e)
		SKIP("workload binary not built");
	CHECK_EQ(elfsym_find(e, "caller_one", &s), 1);
	CHECK_EQ(elfsym_vaddr_to_offset(e, s->value, &off), 0);
	ukt_buf_addf(&spec, "%s:caller_one", wl);
	CHECK_EQ(parse(&l, 'p', spec.data, &err), 0);
	CHECK_EQ(l.n, 1);
	CHECK_EQ(l.v[0].offset, off);
	CHECK_STR(l.v[0].symbol, "caller_one");
	/* the return form, the function form, +offset, a glob */
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "%s:caller_one%%return", wl);
	CHECK_EQ(parse(&l, 'p', spec.data, &err), 0);
	CHECK_EQ(l.v[1].kind, PK_URETPROBE);
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "%s:caller_one+4", wl);
	CHECK_EQ(parse(&l, 'p', spec.data, &err), 0);
	CHECK_EQ(l.v[2].offset, off + 4);
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "%s:caller_*", wl);
	CHECK_EQ(parse(&l, 'f', spec.data, &err), 0);
	CHECK_EQ(l.n, 3 + 4);
	/* raw offsets name the function they land on */
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "p:raw %s:0x%llx", wl, (unsigned long long)off);
	CHECK_EQ(parse(&l, 'p', spec.data, &err), 0);
	CHECK_STR(l.v[l.n - 1].symbol, "caller_one");
	CHECK_STR(l.v[l.n - 1].name, "raw");
	elfsym_free(e);
	probe_list_release(&l);
	ukt_buf_release(&err);
	ukt_buf_release(&spec);
}

/* Arguments by name (record/dwret.c) on the -O0 build of dwargs.c,
 * whose parameters are where the calling convention puts them. */
static void test_dwarf_args(void)
{
	struct probe_list l = { 0 };
	struct ukt_buf err = UKT_BUF_INIT, spec = UKT_BUF_INIT, want = UKT_BUF_INIT;
	const char *b = getenv("B") ? getenv("B") : "build";
	char *bin;

	ukt_buf_addf(&spec, "%s/tests/dwargs_O0", b);
	bin = realpath(spec.data, NULL);
	if (!bin)
		SKIP("dwargs_O0 not built");
	/* FUNC(ARGS): the entry probe fetches them, the return probe not */
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "%s:take(a,  b,s:string)", bin);
	CHECK_EQ(parse(&l, 'f', spec.data, &err), 0);
	CHECK_EQ(l.n, 2);
	ukt_buf_addf(&want, "p:grp/take %s:0x%llx a=%%di:s32 b=%%si:s64 s=+0(%%dx):string caller=+0(%%sp):x64 sp=%%sp:x64",
		     bin, (unsigned long long)l.v[0].offset);
	CHECK_STR(def(&l.v[0]), want.data);
	CHECK(!strstr(def(&l.v[1]), "a="));
	/* perf probe's FUNC ARG...: raw fetchargs stay as given, first */
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "%s:take_more  n=x5 x=%%r9:u32  p->name", bin);
	CHECK_EQ(parse(&l, 'p', spec.data, &err), 0);
	CHECK(strstr(def(&l.v[2]), " x=%r9:u32 n=%r8:s64 p_name=+16(%cx):x64"));
	/* a C++ parameter list is not a list of names */
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "%s:take(int, long)", bin);
	CHECK_EQ(parse(&l, 'p', spec.data, &err), -REC_E_NO_SYMBOL);
	CHECK(strstr(err.data, "matches 'take(int, long)'"));
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "%s:take(bad name)", bin);
	CHECK_EQ(parse(&l, 'p', spec.data, &err), -REC_E_DWARF_ARG);
	CHECK(strstr(err.data, "cannot fetch 'bad' of 'take'"));
	free(bin);
	probe_list_release(&l);
	ukt_buf_release(&err);
	ukt_buf_release(&spec);
	ukt_buf_release(&want);
}

static void test_bad_specs(void)
{
	struct probe_list l = { 0 };
	struct ukt_buf err = UKT_BUF_INIT, spec = UKT_BUF_INIT;
	static const char *const bad[] = {
		"", "   ", "p:x kfree\n-:grp/x", "-:grp/x", "- :x", "p:x /bin/true:0x10(0x20", "p:x /bin/true:0x10(zz)",
		"kfree+zz", "k*free+4", "p:named k*free", "zz_no_such_fn*", "sched",
		"nosuchbin_zz:main",
		"p:x\r kfree",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char how = !strcmp(bad[i], "sched") ? 'e' : 'p';

		CHECK(parse(&l, how, bad[i], &err) < 0);
		CHECK(err.len > 0);
	}
	ukt_buf_addf(&spec, "%s:no_such_function", wl);
	CHECK_EQ(parse(&l, 'p', spec.data, &err), -REC_E_NO_SYMBOL);
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "%s:caller_on", wl);
	CHECK_EQ(parse(&l, 'p', spec.data, &err), -REC_E_NO_SYMBOL);
	CHECK(strstr(err.data, "did you mean 'caller_one'"));
	ukt_buf_reset(&spec);
	ukt_buf_addf(&spec, "%s:caller_one+8", wl);
	CHECK(parse(&l, 'f', spec.data, &err) < 0);	/* return probe inside a function */
	CHECK_EQ(l.n, 0);
	probe_list_release(&l);
	ukt_buf_release(&err);
	ukt_buf_release(&spec);
}

static void test_glob_limit(void)
{
	struct probe_list l = { 0 };
	struct ukt_buf err = UKT_BUF_INIT, spec = UKT_BUF_INIT;
	struct spec_opts o = { .max_probes = 2 };

	if (access(wl, R_OK))
		SKIP("workload binary not built");
	ukt_buf_addf(&spec, "%s:*", wl);
	CHECK_EQ(spec_parse(&l, 'p', spec.data, &o, &err), -E2BIG);
	CHECK(strstr(err.data, "--max-probes"));
	CHECK_EQ(l.n, 0);
	ukt_buf_release(&err);
	ukt_buf_release(&spec);
}

static void test_unique_names(void)
{
	struct probe_list l = { 0 };
	struct ukt_buf err = UKT_BUF_INIT;

	CHECK_EQ(parse(&l, 'p', "kfree", &err), 0);
	CHECK_EQ(parse(&l, 'p', "kfree", &err), 0);
	CHECK_EQ(parse(&l, 'p', "kfree", &err), 0);
	CHECK_EQ(probe_list_unique_names(&l), 0);
	CHECK_STR(l.v[0].name, "kfree");
	CHECK_STR(l.v[1].name, "kfree_2");
	CHECK_STR(l.v[2].name, "kfree_3");
	probe_list_release(&l);
	ukt_buf_release(&err);
}

int main(void)
{
	const char *b = getenv("B") ? getenv("B") : "build";

	snprintf(wl, sizeof(wl), "%s/tests/workload", b);
	if (access(wl, R_OK) == 0) {
		char *r = realpath(wl, NULL);

		snprintf(wl, sizeof(wl), "%s", r);
		free(r);
	}
	RUN(test_raw_kernel);
	RUN(test_function_pairs);
	RUN(test_user_symbols);
	RUN(test_dwarf_args);
	RUN(test_bad_specs);
	RUN(test_glob_limit);
	RUN(test_unique_names);
	return TEST_EXIT();
}
