// SPDX-License-Identifier: MIT
/* ELF64 function symbols (elffuncs.h). */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elffuncs.h"

#define ELFFUNCS_MAX_FILE (1ull << 30)
#define ELFFUNCS_MAX_GAP (1u << 20)

/* The whole file in memory, or NULL with errno set. */
static uint8_t *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint8_t *buf = NULL;
	struct stat st;
	size_t got = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		errno = ENOEXEC;
		goto out;
	}
	if ((uint64_t)st.st_size > ELFFUNCS_MAX_FILE) {
		errno = EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto out;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			buf = NULL;
			errno = n < 0 ? errno : EIO;
			goto out;
		}
		got += (size_t)n;
	}
	*len = got;
out:
	{
		int e = errno;

		close(fd);
		errno = e;
	}
	return buf;
}

/* Whether [off, off + size) lies in a file of len bytes. */
static int in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

static int by_addr(const void *a, const void *b)
{
	const struct elf_func *x = a, *y = b;

	return x->addr != y->addr ? (x->addr < y->addr ? -1 : 1) : strcmp(x->name, y->name);
}

/* The functions of symbol table section s (its strings in section link). */
static int read_table(struct elf_funcs *f, const uint8_t *buf, size_t len,
		      const Elf64_Shdr *sh, uint16_t nsh, const Elf64_Shdr *s)
{
	const Elf64_Shdr *str;
	size_t nsyms, k = 0;

	if (s->sh_link >= nsh || s->sh_entsize != sizeof(Elf64_Sym) ||
	    !in_file(s->sh_offset, s->sh_size, len))
		return -ENOEXEC;
	str = &sh[s->sh_link];
	if (!in_file(str->sh_offset, str->sh_size, len) || !str->sh_size)
		return -ENOEXEC;
	f->names = malloc(str->sh_size + 1);
	if (!f->names)
		return -ENOMEM;
	memcpy(f->names, buf + str->sh_offset, str->sh_size);
	f->names[str->sh_size] = '\0';
	nsyms = s->sh_size / sizeof(Elf64_Sym);
	f->v = calloc(nsyms + 1, sizeof(*f->v));
	if (!f->v)
		return -ENOMEM;
	for (size_t i = 0; i < nsyms; i++) {
		Elf64_Sym sym;

		memcpy(&sym, buf + s->sh_offset + i * sizeof(sym), sizeof(sym));
		if (ELF64_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF ||
		    !sym.st_value || sym.st_name >= str->sh_size || !f->names[sym.st_name])
			continue;
		f->v[k].addr = sym.st_value;
		f->v[k].size = sym.st_size;
		f->v[k].name = f->names + sym.st_name;
		k++;
	}
	f->n = k;
	if (!k)
		return -ENOEXEC;
	qsort(f->v, f->n, sizeof(*f->v), by_addr);
	return 0;
}

int elf_funcs_load(const char *path, struct elf_funcs *f)
{
	const Elf64_Shdr *sh, *pick = NULL;
	Elf64_Ehdr eh;
	size_t len = 0;
	uint8_t *buf;
	int rc;

	memset(f, 0, sizeof(*f));
	buf = slurp(path, &len);
	if (!buf)
		return -errno;
	rc = -ENOEXEC;
	if (len < sizeof(eh))
		goto out;
	memcpy(&eh, buf, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    !eh.e_shnum || !in_file(eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr), len) ||
	    eh.e_shoff % 8)
		goto out;
	sh = (const Elf64_Shdr *)(buf + eh.e_shoff);
	for (uint16_t i = 0; i < eh.e_shnum; i++) {
		if (sh[i].sh_type == SHT_SYMTAB)
			pick = &sh[i];
		else if (sh[i].sh_type == SHT_DYNSYM && !pick)
			pick = &sh[i];
	}
	if (!pick)
		goto out;
	rc = read_table(f, buf, len, sh, eh.e_shnum, pick);
	if (!rc && !(f->path = strdup(path)))
		rc = -ENOMEM;
out:
	free(buf);
	if (rc)
		elf_funcs_release(f);
	return rc;
}

void elf_funcs_release(struct elf_funcs *f)
{
	free(f->v);
	free(f->names);
	free(f->path);
	memset(f, 0, sizeof(*f));
}

const struct elf_func *elf_funcs_by_name(const struct elf_funcs *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].name, name))
			return &f->v[i];
	return NULL;
}

const struct elf_func *elf_funcs_at(const struct elf_funcs *f, uint64_t addr)
{
	size_t lo = 0, hi = f->n;
	const struct elf_func *e;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->v[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	e = &f->v[lo - 1];
	if (e->size)
		return addr - e->addr < e->size ? e : NULL;
	return addr - e->addr < ELFFUNCS_MAX_GAP ? e : NULL;
}
