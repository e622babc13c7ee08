// SPDX-License-Identifier: MIT
/*
 * Unit tests of the report's ELF64 function reader (elffuncs.h), which
 * names a trace.dat's callers with the binaries of --symbols: this very
 * program's functions are found by name and by address, and files that
 * are not ELF64, or are cut or damaged, are refused without being read
 * past.
 */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "test.h"
#include "../../report/ingest/elffuncs.h"

/* a function of this program with a known size */
__attribute__((noinline)) int elffuncs_probe_me(int x)
{
	return x * 3 + 1;
}

static char self[4096];

static void test_self(void)
{
	struct elf_funcs f;
	const struct elf_func *a, *b;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		SKIP("no /proc/self/exe");
	self[n] = '\0';
	CHECK_EQ(elf_funcs_load(self, &f), 0);
	a = elf_funcs_by_name(&f, "elffuncs_probe_me");
	CHECK(a && a->size > 0);
	b = elf_funcs_at(&f, a->addr + a->size / 2);
	CHECK(b == a);
	CHECK(elf_funcs_by_name(&f, "main"));
	CHECK(!elf_funcs_by_name(&f, "no_such_function_here"));
	/* sorted by address */
	for (size_t i = 1; i < f.n; i++)
		CHECK(f.v[i - 1].addr <= f.v[i].addr);
	CHECK(!elf_funcs_at(&f, 0));
	elf_funcs_release(&f);
	CHECK(elffuncs_probe_me(1) == 4);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	if (fp) {
		fwrite(data, 1, len, fp);
		fclose(fp);
	}
}

static void test_refused(void)
{
	char path[] = "/tmp/ukt-elffuncs-XXXXXX";
	int fd = mkstemp(path);
	struct elf_funcs f;
	Elf64_Ehdr eh = { 0 };
	uint8_t *buf;
	FILE *fp;
	long len;

	CHECK(fd >= 0);
	close(fd);
	write_file(path, "not an ELF file at all", 22);
	CHECK_EQ(elf_funcs_load(path, &f), -ENOEXEC);
	/* an ELF header whose section headers lie past the end */
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = 40;
	eh.e_shoff = 64;
	write_file(path, &eh, sizeof(eh));
	CHECK_EQ(elf_funcs_load(path, &f), -ENOEXEC);
	/* 32-bit */
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	write_file(path, &eh, sizeof(eh));
	CHECK_EQ(elf_funcs_load(path, &f), -ENOEXEC);
	CHECK_EQ(elf_funcs_load("/nonexistent/elffuncs", &f), -ENOENT);
	CHECK_EQ(elf_funcs_load("/tmp", &f), -ENOEXEC);
	/* this program cut at each eighth of it: refused or read, never past */
	if (!*self)
		SKIP("no /proc/self/exe");
	fp = fopen(self, "rb");
	CHECK(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)len);
	CHECK(buf && fread(buf, 1, (size_t)len, fp) == (size_t)len);
	fclose(fp);
	for (int k = 1; k < 8; k++) {
		write_file(path, buf, (size_t)(len * k / 8));
		if (elf_funcs_load(path, &f) == 0)
			elf_funcs_release(&f);
	}
	free(buf);
	unlink(path);
}

int main(void)
{
	RUN(test_self);
	RUN(test_refused);
	return TEST_EXIT();
}
