/* SPDX-License-Identifier: MIT */
/*
 * C++ symbol names as people read them: "_ZN2DB12executeQueryERNS_..." is
 * "DB::executeQuery(DB::ReadBuffer&, ...)", as perf, gdb and addr2line -C
 * print it. The one place that calls the C++ ABI's demangler (libstdc++'s
 * __cxa_demangle, the one g++ programs use), for both programs.
 */
#ifndef UKT_DEMANGLE_H
#define UKT_DEMANGLE_H

#include <stdbool.h>
#include <stddef.h>

#include "uktrace/buf.h"

/* Append the readable form of sym to out: demangled when it is a mangled
 * C++ name ("_Z..."), else sym as it is. True when it demangled. */
bool demangle_add(struct ukt_buf *out, const char *sym);

/* The same without the parameter list: "DB::executeQuery" (what uftrace
 * prints, and what people type); for call sites, whose address already
 * tells overloads apart. */
bool demangle_add_base(struct ukt_buf *out, const char *sym);

/* The length of name without its parameter list and what follows it
 * ("DB::f(int) const" -> 3 + 2 + 1 = "DB::f"): the name people type.
 * The whole length when it has none. */
size_t demangle_base_len(const char *name);

#endif
