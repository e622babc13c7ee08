/* SPDX-License-Identifier: MIT */
/*
 * What a function returns, as its debug information says (DWARF: a
 * DW_TAG_subprogram without DW_AT_type returns void). A return probe of
 * a void function fetches no return value: what is in the register then
 * is noise, not a result. And where a function's parameters are when it
 * is entered, as fetchargs of an entry probe (-f 'libc:malloc(bytes)').
 * The only module that sees libdw.
 */
#ifndef UKT_DWRET_H
#define UKT_DWRET_H

#include <stdbool.h>
#include <stdint.h>

#include "uktrace/buf.h"

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

/* A function's debug information entry, for its parameters. */
struct dwret_func;

/*
 * The function at virtual address vaddr of path (or of its debug file
 * debug_path, NULL: none). NULL with errno ENOENT when neither has debug
 * information for it, ENOMEM. Free with dwret_func_free().
 */
struct dwret_func *dwret_func_find(const char *path, const char *debug_path,
				   uint64_t vaddr);

void dwret_func_free(struct dwret_func *f);

/*
 * The fetcharg of one argument the user named, [ALIAS=]VAR[->MEMBER...][:TYPE]
 * (VAR a parameter of f, MEMBER a member of the struct a pointer points
 * to, TYPE a tracefs type such as u32, x64 or string), appended to out as
 * "NAME=FETCH:TYPE" for a probe at vaddr + off. The parameter is found
 * where the debug information says it is at that address (a register, or
 * a stack slot above the stack pointer at entry: +OFF(%sp)); at the entry
 * of a function the program calls by the platform's calling convention
 * (abi: its own symbol, not a compiler's clone such as foo.isra.0), where
 * the convention puts it when the debug information describes only the
 * stack slot the prologue copies it to (-O0), or nothing (optimized out).
 * Its type gives the fetch type: s/u8..64 for integers, enums and bool,
 * x64 for pointers. 0, or -REC_E_DWARF_ARG with the reason in why (no
 * trailing newline), -ENOMEM.
 */
int dwret_fetcharg(const struct dwret_func *f, uint64_t off, bool abi,
		   const char *arg, struct ukt_buf *out, struct ukt_buf *why);

/* f's parameter names, ", "-separated, appended to out. */
void dwret_params(const struct dwret_func *f, struct ukt_buf *out);

/* "void", "value" or NULL (as a PROBE record's 'returns' says it). */
const char *dwret_name(enum dwret r);

#endif
