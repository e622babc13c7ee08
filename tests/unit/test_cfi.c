// SPDX-License-Identifier: MIT
/* Unit tests: call frame rules from .eh_frame (report/ingest/cfi.c), on
 * hand-made sections as GCC lays them out, and cut or hostile ones. */
#include "test.h"

#include "../../report/ingest/cfi.h"
#include "uktrace/buf.h"

#define ADDR 0x3000u	/* the section's virtual address */
#define FUNC 0x1000u	/* the function's */

static void u8(struct ukt_buf *b, uint8_t v) { ukt_buf_add(b, &v, 1); }

static void close_entry(struct ukt_buf *b, size_t start)
{
	uint32_t len;

	while ((b->len - start) % 8)
		u8(b, 0);	/* DW_CFA_nop */
	len = (uint32_t)(b->len - start - 4);
	memcpy(b->data + start, &len, 4);
}

/* GCC's x86-64 CIE: "zR", CFA = rsp + 8, the return address at CFA - 8. */
static size_t cie(struct ukt_buf *b)
{
	size_t start = b->len;

	ukt_buf_add_u32(b, 0);
	ukt_buf_add_u32(b, 0);
	u8(b, 1);
	ukt_buf_add(b, "zR", 3);
	u8(b, 1);		/* code alignment */
	u8(b, 0x78);		/* data alignment -8 */
	u8(b, 16);		/* return address register */
	u8(b, 1);
	u8(b, 0x1b);		/* FDE: pcrel sdata4 */
	u8(b, 0x0c); u8(b, 7); u8(b, 8);	/* def_cfa rsp+8 */
	u8(b, 0x90); u8(b, 1);			/* offset r16 at cfa-8 */
	close_entry(b, start);
	return start;
}

/*
 * A function with a frame pointer: push %rbp (1 byte), mov %rsp,%rbp (3),
 * its body, then leave (at +20) and ret:
 *   +1: CFA = rsp+16, rbp at CFA-16; +4: CFA = rbp+16; +21: CFA = rsp+8
 */
static void fde(struct ukt_buf *b, size_t cie_at, bool remember)
{
	size_t start = b->len;

	ukt_buf_add_u32(b, 0);
	ukt_buf_add_u32(b, (uint32_t)(b->len - cie_at));
	ukt_buf_add_u32(b, (uint32_t)(FUNC - (ADDR + b->len)));
	ukt_buf_add_u32(b, 32);
	u8(b, 0);		/* no augmentation data */
	u8(b, 0x41);		/* advance 1 */
	u8(b, 0x0e); u8(b, 16);	/* def_cfa_offset 16 */
	u8(b, 0x86); u8(b, 2);	/* offset r6 (rbp) at cfa-16 */
	u8(b, 0x43);		/* advance 3 */
	u8(b, 0x0d); u8(b, 6);	/* def_cfa_register rbp */
	if (remember)
		u8(b, 0x0a);	/* remember_state */
	u8(b, 0x50);		/* advance 16: +20 */
	u8(b, 0x41);		/* advance 1: +21 */
	u8(b, 0x0c); u8(b, 7); u8(b, 8);	/* def_cfa rsp+8 */
	u8(b, 0xc6);		/* restore rbp */
	if (remember) {
		u8(b, 0x41);	/* +22 */
		u8(b, 0x0b);	/* restore_state: CFA = rbp+16 again */
	}
	close_entry(b, start);
}

static void build(struct ukt_buf *b, bool remember)
{
	size_t c = cie(b);

	fde(b, c, remember);
	ukt_buf_add_u32(b, 0);	/* the terminator */
}

static void test_rules(void)
{
	struct ukt_buf b = UKT_BUF_INIT;
	struct cfi_table t;
	struct cfi_rule r;

	build(&b, false);
	CHECK_EQ(cfi_table_build(&t, (const uint8_t *)b.data, b.len, ADDR), 0);
	CHECK_EQ(t.n, 1);
	CHECK_EQ(t.v[0].start, FUNC);
	CHECK_EQ(t.v[0].end, FUNC + 32);
	/* at the entry: CFA = rsp + 8, the return address at CFA - 8 */
	CHECK_EQ(cfi_rule_at(&t, FUNC, &r), 1);
	CHECK_EQ(r.cfa_reg, CFI_REG_RSP);
	CHECK_EQ(r.cfa_off, 8);
	CHECK_EQ(r.ra_off, -8);
	CHECK(!r.bp_at);
	/* after push %rbp */
	CHECK_EQ(cfi_rule_at(&t, FUNC + 2, &r), 1);
	CHECK_EQ(r.cfa_reg, CFI_REG_RSP);
	CHECK_EQ(r.cfa_off, 16);
	CHECK(r.bp_at);
	CHECK_EQ(r.bp_off, -16);
	/* in the body: by the frame pointer */
	CHECK_EQ(cfi_rule_at(&t, FUNC + 10, &r), 1);
	CHECK_EQ(r.cfa_reg, CFI_REG_RBP);
	CHECK_EQ(r.cfa_off, 16);
	/* after leave: back to rsp, rbp restored */
	CHECK_EQ(cfi_rule_at(&t, FUNC + 21, &r), 1);
	CHECK_EQ(r.cfa_reg, CFI_REG_RSP);
	CHECK_EQ(r.cfa_off, 8);
	CHECK(!r.bp_at);
	/* outside the function */
	CHECK_EQ(cfi_rule_at(&t, FUNC + 32, &r), 0);
	CHECK_EQ(cfi_rule_at(&t, FUNC - 1, &r), 0);
	cfi_table_release(&t);
	ukt_buf_release(&b);
}

static void test_remember_state(void)
{
	struct ukt_buf b = UKT_BUF_INIT;
	struct cfi_table t;
	struct cfi_rule r;

	build(&b, true);
	CHECK_EQ(cfi_table_build(&t, (const uint8_t *)b.data, b.len, ADDR), 0);
	CHECK_EQ(cfi_rule_at(&t, FUNC + 21, &r), 1);
	CHECK_EQ(r.cfa_reg, CFI_REG_RSP);
	CHECK_EQ(cfi_rule_at(&t, FUNC + 23, &r), 1);
	CHECK_EQ(r.cfa_reg, CFI_REG_RBP);
	CHECK_EQ(r.cfa_off, 16);
	CHECK(r.bp_at);
	cfi_table_release(&t);
	ukt_buf_release(&b);
}

/* Every cut of the section, and every byte changed: no rule read past
 * the bytes, whatever comes back. */
static void test_hostile(void)
{
	struct ukt_buf b = UKT_BUF_INIT;
	struct cfi_table t;
	struct cfi_rule r;

	build(&b, true);
	for (size_t n = 0; n <= b.len; n++) {
		uint8_t *copy = malloc(n + 1);

		memcpy(copy, b.data, n);
		CHECK_EQ(cfi_table_build(&t, copy, n, ADDR), 0);
		for (uint32_t pc = FUNC; pc < FUNC + 32; pc++)
			cfi_rule_at(&t, pc, &r);
		cfi_table_release(&t);
		free(copy);
	}
	for (size_t i = 0; i < b.len; i++) {
		for (int v = 0; v < 256; v += 17) {
			uint8_t *copy = malloc(b.len);

			memcpy(copy, b.data, b.len);
			copy[i] = (uint8_t)v;
			CHECK_EQ(cfi_table_build(&t, copy, b.len, ADDR), 0);
			for (uint32_t pc = FUNC; pc < FUNC + 32; pc += 3)
				cfi_rule_at(&t, pc, &r);
			cfi_table_release(&t);
			free(copy);
		}
	}
	ukt_buf_release(&b);
}

int main(void)
{
	RUN(test_rules);
	RUN(test_remember_state);
	RUN(test_hostile);
	return TEST_EXIT();
}
