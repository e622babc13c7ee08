/* SPDX-License-Identifier: MIT */
/*
 * Call frame information: where a frame's caller is, from an object's
 * .eh_frame (the LSB's "Exception Frames", DWARF's CFA programs), for
 * the x86-64 registers a user stack unwind needs: the canonical frame
 * address (CFA, from %rsp or %rbp), and where the return address and the
 * caller's %rbp were saved. Reads untrusted bytes (the trace's EHFRAME
 * blocks): every read is bounds-checked, and what it cannot follow (CFA
 * expressions, a register rule it does not model) is "no rule", which
 * ends an unwind there.
 */
#ifndef UKT_CFI_H
#define UKT_CFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* DWARF register numbers of x86-64 */
#define CFI_REG_RBP 6
#define CFI_REG_RSP 7
#define CFI_REG_RA 16

struct cfi_fde {
	uint64_t start, end;	/* the code it covers: [start, end) */
	size_t off;		/* its offset in the section */
};

struct cfi_table {
	const uint8_t *data;	/* the section (not owned) */
	size_t len;
	uint64_t addr;		/* its virtual address */
	struct cfi_fde *v;	/* sorted by start */
	size_t n;
};

/* What a frame's rule says at one address. */
struct cfi_rule {
	int cfa_reg;		/* CFI_REG_RSP or CFI_REG_RBP */
	int64_t cfa_off;	/* CFA = cfa_reg + cfa_off */
	bool ra_at;		/* the return address is at CFA + ra_off */
	int64_t ra_off;
	bool bp_at;		/* the caller's %rbp is at CFA + bp_off; else
				 * %rbp is the caller's too */
	int64_t bp_off;
};

/* Index the FDEs of .eh_frame bytes at virtual address addr. A malformed
 * entry ends the walk (what came before stays). 0 or -ENOMEM. */
int cfi_table_build(struct cfi_table *t, const uint8_t *data, size_t len, uint64_t addr);
void cfi_table_release(struct cfi_table *t);

/* The rule at vaddr: 1, or 0 when no FDE covers it or its program says
 * what this does not follow. */
int cfi_rule_at(const struct cfi_table *t, uint64_t vaddr, struct cfi_rule *r);

#endif
