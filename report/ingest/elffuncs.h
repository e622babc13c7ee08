/* SPDX-License-Identifier: MIT */
/*
 * The function symbols of an ELF file the user gave the report
 * (uktrace-report --symbols DIR), for a trace that saved none (a
 * trace.dat). A plain reader of ELF64 little-endian files (x86-64,
 * arm64), bounds-checked: the files are the user's, but need not be
 * what they seem. The recorder's symbol tables come from record/elfsym.c
 * with libelf; the report keeps away from libelf and needs only this.
 */
#ifndef UKT_ELFFUNCS_H
#define UKT_ELFFUNCS_H

#include <stddef.h>
#include <stdint.h>

struct elf_func {
	uint64_t addr;		/* st_value: the link-time address */
	uint64_t size;		/* 0: up to the next one */
	const char *name;	/* in the file's string table copy */
};

struct elf_funcs {
	char *path;
	struct elf_func *v;	/* sorted by addr */
	size_t n;
	char *names;		/* the string table the names point into */
};

/*
 * Load the functions (STT_FUNC, defined) of the file at path: .symtab,
 * else .dynsym. 0; -ENOEXEC when it is not an ELF64 little-endian file
 * or has no function symbols; -EFBIG past 1 GiB; -ENOMEM; -errno.
 */
int elf_funcs_load(const char *path, struct elf_funcs *f);
void elf_funcs_release(struct elf_funcs *f);

/* The function named name, or NULL. */
const struct elf_func *elf_funcs_by_name(const struct elf_funcs *f, const char *name);
/* The function at addr (within its size, or below the next one and no
 * more than 1 MiB past its start), or NULL. */
const struct elf_func *elf_funcs_at(const struct elf_funcs *f, uint64_t addr);

#endif
