// SPDX-License-Identifier: MIT
/* Unit tests of the helpers both programs share (common/): the buffer,
 * whose data is never NULL, and the error text of each program's range. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "../../record/errors.h"
#include "../../report/errors.h"
#include "uktrace/buf.h"
#include "uktrace/vec.h"
#include "uktrace/hidx.h"

static void test_buf_never_null(void)
{
	struct ukt_buf b = UKT_BUF_INIT, c;
	char *s;

	CHECK(b.data != NULL);
	CHECK_STR(b.data, "");
	ukt_buf_reset(&b);
	ukt_buf_release(&b);
	CHECK_STR(b.data, "");
	ukt_buf_init(&c);
	CHECK_STR(c.data, "");
	/* an empty buffer detaches as an empty string of its own */
	s = ukt_buf_detach(&c);
	CHECK(s && s != ukt_buf_empty && !*s);
	free(s);
	ukt_buf_addf(&b, "%s-%d", "x", 7);
	CHECK_STR(b.data, "x-7");
	ukt_buf_reset(&b);
	CHECK_STR(b.data, "");
	CHECK_EQ(b.len, 0);
	ukt_buf_adds(&b, "kept");
	s = ukt_buf_detach(&b);
	CHECK_STR(s, "kept");
	CHECK_STR(b.data, "");
	CHECK_EQ(b.cap, 0);
	free(s);
	/* reading an empty file leaves "" */
	CHECK_EQ(ukt_buf_read_file(&b, "/dev/null"), 0);
	CHECK_STR(b.data, "");
	ukt_buf_release(&b);
	/* a failed read leaves what was there */
	ukt_buf_adds(&b, "before");
	CHECK_EQ(ukt_buf_read_file(&b, "/nonexistent/file"), -ENOENT);
	CHECK_STR(b.data, "before");
	ukt_buf_release(&b);
}

static void test_buf_binary_and_growth(void)
{
	struct ukt_buf b = UKT_BUF_INIT;

	for (int i = 0; i < 10000; i++)
		CHECK_EQ(ukt_buf_add_u32(&b, (uint32_t)i), 0);
	CHECK_EQ(b.len, 40000);
	CHECK_EQ(ukt_le32(b.data + 4 * 9999), 9999);
	CHECK_EQ(b.data[b.len], '\0');
	ukt_buf_release(&b);
}

static void test_errors_per_program(void)
{
	CHECK_STR(rec_strerror(-REC_E_SPEC), "invalid probe spec");
	CHECK_STR(rep_strerror(-REP_E_SQL), "SQLite error");
	/* the file format's errors read the same from both */
	CHECK_STR(rec_strerror(-UKT_E_NOT_TRACE), ukt_strerror(-UKT_E_NOT_TRACE));
	CHECK_STR(rep_strerror(-UKT_E_ZSTD), ukt_strerror(-UKT_E_ZSTD));
	CHECK_STR(rec_strerror(-ENOENT), strerror(ENOENT));
	CHECK_STR(rep_strerror(0), "success");
	/* the ranges do not overlap */
	CHECK((int)REC_E_MAX <= (int)REP_E_BASE);
	CHECK((int)UKT_E_MAX <= (int)REC_E_BASE);
}

/* The first failed append sticks: the contents stay a whole prefix,
 * detach refuses to hand them over, reset starts afresh. */
static void test_buf_sticky_error(void)
{
	struct ukt_buf b = UKT_BUF_INIT;

	CHECK(ukt_buf_adds(&b, "ab") == 0 && ukt_buf_error(&b) == 0);
	CHECK(ukt_buf_add(&b, "x", SIZE_MAX) == -ENOMEM);
	CHECK(ukt_buf_adds(&b, "cd") == -ENOMEM);
	CHECK(ukt_buf_addf(&b, "%d", 5) == -ENOMEM);
	CHECK(ukt_buf_add_lstr(&b, "e", 1) == -ENOMEM);
	CHECK_STR(b.data, "ab");
	ukt_buf_truncate(&b, 1);
	CHECK_STR(b.data, "a");
	ukt_buf_truncate(&b, 5);	/* longer than it is: nothing */
	CHECK(b.len == 1);
	CHECK(ukt_buf_error(&b) == -ENOMEM);
	CHECK(ukt_buf_detach(&b) == NULL);
	CHECK(ukt_buf_error(&b) == 0 && b.len == 0);
	CHECK(ukt_buf_add(&b, "x", SIZE_MAX) == -ENOMEM);
	ukt_buf_reset(&b);
	CHECK(ukt_buf_adds(&b, "ok") == 0);
	CHECK_STR(b.data, "ok");
	ukt_buf_release(&b);
}

/* Appends grow by doubling: a million of them move the array some 20
 * times, not a million (ASan's realloc always moves: linear or quadratic). */
static void test_vec_doubles(void)
{
	int *v = NULL, *w = NULL, moves = 0;
	size_t cap = 0, n;

	for (n = 0; n < 1000000; n++) {
		int *old = w;

		if (UKT_GROW(v, cap, n) || ukt_grow_counted(&w, n, sizeof(*w)))
			break;
		v[n] = w[n] = (int)n;
		moves += old != w;
	}
	CHECK(n == 1000000);
	CHECK(cap >= n && cap <= 2 * n);
	CHECK(v[999999] == 999999 && w[999999] == 999999 && w[0] == 0);
	CHECK(moves <= 21);
	free(v);
	free(w);
	/* room at n when n is already below the capacity: nothing moves */
	v = NULL;
	cap = 0;
	CHECK(UKT_GROW(v, cap, 100) == 0 && cap == 101 && v);
	w = v;
	CHECK(UKT_GROW(v, cap, 50) == 0 && v == w && cap == 101);
	free(v);
	/* an overflowing size is refused, the array kept */
	v = NULL;
	cap = 0;
	CHECK(ukt_grow(&v, &cap, SIZE_MAX / 2, 16) == -ENOMEM && !v && cap == 0);
}

/* The hash index finds each element under its hash, walks past others
 * filed under the same hash, and grows without losing any. */
static void test_hidx(void)
{
	struct ukt_hidx x = { 0 };
	uint64_t *key = calloc(100000, sizeof(*key));
	size_t found = 0, same = 0;

	CHECK(key != NULL);
	for (size_t i = 0; key && i < 100000; i++) {
		key[i] = i * 7919;
		/* one in ten shares the hash of element 0: a long walk */
		CHECK(ukt_hidx_add(&x, i % 10 ? ukt_hash64(key[i]) : 42, i) == 0);
	}
	CHECK(x.n == 100000 && x.nslots >= 200000);
	for (size_t i = 0; key && i < 100000; i++) {
		struct ukt_hidx_walk w = ukt_hidx_walk(&x, i % 10 ? ukt_hash64(key[i]) : 42);
		long k;

		while ((k = ukt_hidx_next(&x, &w)) >= 0) {
			same += i % 10 == 0 && i == 0;
			if (key[k] == key[i]) {
				found++;
				break;
			}
		}
	}
	CHECK(found == 100000);
	CHECK(same == 1);	/* element 0 comes first under its hash */
	{
		struct ukt_hidx_walk w = ukt_hidx_walk(&x, ukt_hash64(12345678));

		CHECK(ukt_hidx_next(&x, &w) == -1);
	}
	ukt_hidx_release(&x);
	CHECK(x.nslots == 0 && x.slot == NULL);
	{
		struct ukt_hidx_walk w = ukt_hidx_walk(&x, 1);

		CHECK(ukt_hidx_next(&x, &w) == -1);	/* empty: nothing */
	}
	CHECK(ukt_hash_str("a") != ukt_hash_str("b"));
	free(key);
}

int main(void)
{
	RUN(test_buf_never_null);
	RUN(test_buf_binary_and_growth);
	RUN(test_errors_per_program);
	RUN(test_vec_doubles);
	RUN(test_buf_sticky_error);
	RUN(test_hidx);
	return TEST_EXIT();
}
