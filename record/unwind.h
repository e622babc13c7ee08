/* SPDX-License-Identifier: MIT */
/*
 * Whether a uretprobe on a function risks the traced program: the kernel
 * replaces the function's return address by its trampoline, and a C++
 * exception unwinding through the function then finds no frame
 * information there and ends in std::terminate (bpftrace's uretprobes
 * crash the same way). Where the ELF file tells: a C++ object's function
 * with cleanups or handlers (an LSDA, ehframe.h) is one an exception
 * unwinds through. A function without them may still be unwound through
 * (a callee throws, it has nothing to clean up): the file cannot tell.
 */
#ifndef UKT_UNWIND_H
#define UKT_UNWIND_H

#include <stdint.h>

/* 1 when the function at virtual address vaddr of the ELF file at path is
 * one, 0 when not (or when the file cannot say), -ENOMEM. Files are read
 * once. */
int unwind_risky(const char *path, uint64_t vaddr);

#endif
