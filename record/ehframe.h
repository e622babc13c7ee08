/* SPDX-License-Identifier: MIT */
/*
 * Which functions of an ELF file an exception (or a thread's
 * cancellation) unwinds through with something to do there: those whose
 * .eh_frame FDE points to a language-specific data area (LSDA: the
 * cleanups and handlers of .gcc_except_table). The unwinder reads each
 * frame's return address; a uretprobe has replaced it by its trampoline,
 * which no FDE covers, and the unwinding ends in std::terminate. Parses
 * the bytes only: elfsym.h reads them.
 */
#ifndef UKT_EHFRAME_H
#define UKT_EHFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ehf_range {
	uint64_t start, end;	/* [start, end) virtual addresses */
};

struct ehf_ranges {
	struct ehf_range *v;	/* sorted by start */
	size_t n;
};

/*
 * The code ranges of the FDEs of .eh_frame (data, len bytes, at virtual
 * address addr; ptr_size 8 or 4) that have an LSDA, into out. A malformed
 * entry ends the walk (what came before it stays). 0 or -ENOMEM.
 */
int ehframe_lsda_ranges(const void *data, size_t len, uint64_t addr, int ptr_size,
			struct ehf_ranges *out);
/* Whether vaddr is in one of r's ranges. */
bool ehframe_in(const struct ehf_ranges *r, uint64_t vaddr);
void ehframe_release(struct ehf_ranges *r);

#endif
