/* SPDX-License-Identifier: MIT */
/*
 * Function symbols of an ELF file, and the mapping from a symbol's virtual
 * address to the file offset that uprobes need. The only module that sees
 * libelf.
 */
#ifndef UKT_ELFSYM_H
#define UKT_ELFSYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uktrace/buf.h"

struct elf_sym {
	char *name;		/* version suffix (@@GLIBC_2.2.5) removed */
	uint64_t value;		/* virtual address */
	uint64_t size;
	bool ifunc;
};

struct elf_seg {
	uint64_t vaddr;
	uint64_t offset;
	uint64_t filesz;
	uint64_t memsz;
	uint32_t flags;
};

struct elfsym {
	char *path;
	char *symsrc;		/* file the symbols came from (debug file?) */
	const char *table;	/* ".symtab", ".dynsym" or "debug .symtab" */
	bool is_pie_or_dso;	/* ET_DYN */
	uint8_t build_id[64];
	size_t build_id_len;
	struct elf_sym *syms;	/* functions, sorted by value, then name */
	size_t nsyms;
	struct elf_seg *segs;	/* PT_LOAD */
	size_t nsegs;
};

/*
 * Load the function symbols of the ELF file at path: .symtab, else .dynsym,
 * else the separate debug file found by build-id or .gnu_debuglink under
 * /usr/lib/debug. NULL with errno set (-errno style codes: ENOENT,
 * REC_E_NOT_ELF...) on failure.
 */
struct elfsym *elfsym_load(const char *path);
void elfsym_free(struct elfsym *e);

/*
 * The separate debug file of e's file, where elfsym_load looks for one
 * (build-id, then .gnu_debuglink), of the same build, whether or not the
 * symbols came from it (a file stripped of its DWARF only keeps .symtab):
 * its path appended to out. 0, -ENOENT when there is none, or -errno.
 */
int elfsym_debug_file(const struct elfsym *e, struct ukt_buf *out);

/* The symbols named name (exact, after version stripping). Returns how many
 * were found, the first in *out (several names at one address count once). */
size_t elfsym_find(const struct elfsym *e, const char *name,
		   const struct elf_sym **out);

/* File offset of virtual address vaddr, through the PT_LOAD segment that
 * contains it. 0 or -ENOENT when no segment maps it. */
int elfsym_vaddr_to_offset(const struct elfsym *e, uint64_t vaddr,
			   uint64_t *offset);

/* Whether pattern is a C++ name as people write it ("DB::executeQuery",
 * "ns::work(int)", "ns::C::~C"), not a symbol as the ELF file has it. */
bool elfsym_is_cxx_name(const char *pattern);

/* Whether the mangled symbol sym demangles to pattern, with or without its
 * parameter list (all overloads), or matches it as a glob when glob. tmp
 * is scratch space. */
bool elfsym_cxx_matches(const char *pattern, bool glob, const char *sym,
			struct ukt_buf *tmp);

/* Up to max names close to name (edit distance or common prefix), for
 * "did you mean" messages, written comma-separated to out. */
void elfsym_suggest(const struct elfsym *e, const char *name,
		    struct ukt_buf *out, int max);

/* How a SYMTAB names the file its symbols are of. */
struct elfsym_ident {
	const char *path;	/* as the process that maps it names it (NULL:
				 * the path e was loaded from) */
	bool has_id;		/* its device and inode (as /proc/PID/maps) */
	unsigned int dev_major, dev_minor;
	uint64_t ino;
	const char *mntns;	/* its process's mount namespace, or NULL */
};

/* Append e as the payload of a SYMTAB block (format/FORMAT.md). */
int elfsym_serialize(const struct elfsym *e, const struct elfsym_ident *id,
		     struct ukt_buf *out);

/*
 * The dynamic section of the ELF file at path: its DT_NEEDED names
 * (newline-separated, in order) and its DT_RPATH and DT_RUNPATH (as
 * written, ':'-separated, $ORIGIN unexpanded; empty when absent).
 * 0 or -errno / -REC_E_NOT_ELF.
 */
int elfsym_dynamic(const char *path, struct ukt_buf *needed,
		   struct ukt_buf *rpath, struct ukt_buf *runpath);

/* What unwinding through the functions of an ELF file goes by. */
struct elf_unwind {
	struct ukt_buf eh_frame;	/* the bytes of .eh_frame (empty: none) */
	uint64_t eh_addr;		/* its virtual address */
	int ptr_size;			/* 8 or 4 */
	bool cxx;			/* C++ code: its unwind tables need
					 * __gxx_personality_v0 (it names the
					 * symbol, or needs libstdc++/libc++) */
};

/* u filled for the ELF file at path (u->eh_frame initialized by the
 * caller). 0 or -errno / -REC_E_NOT_ELF. */
int elfsym_unwind_info(const char *path, struct elf_unwind *u);

/* Whether path is an ELF file (reads 4 bytes). */
bool elf_is_elf(const char *path);

#endif
