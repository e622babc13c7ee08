/* SPDX-License-Identifier: MIT */
/*
 * What a function returns, as its debug information says (DWARF: a
 * DW_TAG_subprogram without DW_AT_type returns void). A return probe of
 * a void function fetches no return value: what is in the register then
 * is noise, not a result. The only module that sees libdw.
 */
#ifndef UKT_DWRET_H
#define UKT_DWRET_H

#include <stdint.h>

enum dwret {
	DWRET_UNKNOWN,		/* no debug information for it */
	DWRET_VOID,
	DWRET_VALUE,
};

/*
 * What the function at virtual address vaddr of the ELF file at path
 * returns, from the DWARF of path or of its debug file debug_path (NULL:
 * none). Files are opened once and kept for the next function.
 */
enum dwret dwret_lookup(const char *path, const char *debug_path, uint64_t vaddr);

/* "void", "value" or NULL (as a PROBE record's 'returns' says it). */
const char *dwret_name(enum dwret r);

#endif
