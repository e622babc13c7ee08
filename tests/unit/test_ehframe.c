// SPDX-License-Identifier: MIT
/* Unit tests: which functions of an .eh_frame have an LSDA (record/ehframe.c),
 * on hand-made sections as GCC lays them out. */
#include "test.h"

#include "../../record/ehframe.h"
#include "uktrace/buf.h"

#define ADDR 0x3000u	/* the section's virtual address */

static void u8(struct ukt_buf *b, uint8_t v) { ukt_buf_add(b, &v, 1); }

/* The 4-byte length of the entry started at start, now that it ends. */
static void close_entry(struct ukt_buf *b, size_t start)
{
	uint32_t len;

	while ((b->len - start) % 4)
		u8(b, 0);	/* DW_CFA_nop */
	len = (uint32_t)(b->len - start - 4);
	memcpy(b->data + start, &len, 4);
}

/* A CIE: "zR", or "zPLR" with a personality and an LSDA encoding. */
static size_t cie(struct ukt_buf *b, bool lsda)
{
	size_t start = b->len;

	ukt_buf_add_u32(b, 0);	/* length, set below */
	ukt_buf_add_u32(b, 0);	/* a CIE */
	u8(b, 1);
	ukt_buf_add(b, lsda ? "zPLR" : "zR", lsda ? 5 : 3);
	u8(b, 1);		/* code alignment */
	u8(b, 0x78);		/* data alignment -8 */
	u8(b, 16);		/* return address register */
	if (lsda) {
		u8(b, 7);
		u8(b, 0x9b);	/* personality: indirect pcrel sdata4 */
		ukt_buf_add_u32(b, 0x1234);
		u8(b, 0x1b);	/* LSDA: pcrel sdata4 */
		u8(b, 0x1b);	/* FDE: pcrel sdata4 */
	} else {
		u8(b, 1);
		u8(b, 0x1b);
	}
	close_entry(b, start);
	return start;
}

/* An FDE of [pc, pc + len) under the CIE at cie_at; lsda: its pointer
 * (with_lsda: the CIE has 'L'). */
static void fde(struct ukt_buf *b, size_t cie_at, uint32_t pc, uint32_t len, bool with_lsda,
		int32_t lsda)
{
	size_t start = b->len;

	ukt_buf_add_u32(b, 0);
	ukt_buf_add_u32(b, (uint32_t)(b->len - cie_at));
	ukt_buf_add_u32(b, (uint32_t)(pc - (ADDR + b->len)));	/* pcrel */
	ukt_buf_add_u32(b, len);
	if (with_lsda) {
		u8(b, 4);
		ukt_buf_add_u32(b, (uint32_t)lsda);
	} else {
		u8(b, 0);
	}
	u8(b, 0x41);		/* DW_CFA_advance_loc 1 */
	close_entry(b, start);
}

static void test_lsda_ranges(void)
{
	struct ukt_buf b = UKT_BUF_INIT;
	struct ehf_ranges r;
	size_t plain, cxx;

	plain = cie(&b, false);
	fde(&b, plain, 0x1000, 0x20, false, 0);
	cxx = cie(&b, true);
	fde(&b, cxx, 0x1100, 0x80, true, 0x400);	/* cleanups */
	fde(&b, cxx, 0x1080, 0x40, true, 0);		/* none after all */
	fde(&b, plain, 0x1200, 0x10, false, 0);
	fde(&b, cxx, 0x1020, 0x30, true, -0x200);	/* before the section */
	ukt_buf_add_u32(&b, 0);				/* the terminator */
	CHECK_EQ(ehframe_lsda_ranges(b.data, b.len, ADDR, 8, &r), 0);
	CHECK_EQ(r.n, 2);
	CHECK(r.v[0].start == 0x1020 && r.v[0].end == 0x1050);	/* sorted */
	CHECK(r.v[1].start == 0x1100 && r.v[1].end == 0x1180);
	CHECK(ehframe_in(&r, 0x1100));
	CHECK(ehframe_in(&r, 0x117f));
	CHECK(!ehframe_in(&r, 0x1180));
	CHECK(!ehframe_in(&r, 0x1000));
	CHECK(!ehframe_in(&r, 0x1080));
	CHECK(ehframe_in(&r, 0x1020));
	CHECK(!ehframe_in(&r, 0x0fff));
	ehframe_release(&r);
	ukt_buf_release(&b);
}

/* Cut anywhere, or with garbage: no read out of bounds, and what came
 * before the damage is kept. */
static void test_damage(void)
{
	struct ukt_buf b = UKT_BUF_INIT;
	struct ehf_ranges r;
	size_t cxx, whole;

	cxx = cie(&b, true);
	fde(&b, cxx, 0x1100, 0x80, true, 0x400);
	whole = b.len;
	fde(&b, cxx, 0x1300, 0x80, true, 0x400);
	for (size_t n = 0; n <= b.len; n++) {
		CHECK_EQ(ehframe_lsda_ranges(b.data, n, ADDR, 8, &r), 0);
		CHECK(r.n <= 2);
		if (n >= whole)
			CHECK(r.n >= 1);
		ehframe_release(&r);
	}
	/* an FDE whose CIE pointer points before the section */
	ukt_buf_reset(&b);
	ukt_buf_add_u32(&b, 12);
	ukt_buf_add_u32(&b, 0x100);
	ukt_buf_add_u32(&b, 0);
	ukt_buf_add_u32(&b, 0);
	CHECK_EQ(ehframe_lsda_ranges(b.data, b.len, ADDR, 8, &r), 0);
	CHECK_EQ(r.n, 0);
	ehframe_release(&r);
	ukt_buf_release(&b);
}

int main(void)
{
	RUN(test_lsda_ranges);
	RUN(test_damage);
	return TEST_EXIT();
}
