/* SPDX-License-Identifier: MIT */
/*
 * A minimal unit-test harness. Each test is a function; CHECK() records a
 * failure and returns from it. RUN() prints one line per test, which
 * tests/run.sh counts:  "ok NAME", "FAIL NAME: file:line: condition" or
 * "skip NAME: reason".
 */
#ifndef UKT_TEST_H
#define UKT_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_failed_total;
static int t_failed;
static const char *t_skip;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("  %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		t_failed = 1;						\
		return;							\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		printf("  %s:%d: %s == %s failed: %lld != %lld\n",	\
		       __FILE__, __LINE__, #a, #b, _a, _b);		\
		t_failed = 1;						\
		return;							\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *_a = (a), *_b = (b);				\
	if (!_a || !_b || strcmp(_a, _b) != 0) {			\
		printf("  %s:%d: %s == %s failed: '%s' != '%s'\n",	\
		       __FILE__, __LINE__, #a, #b, _a ? _a : "(null)",	\
		       _b ? _b : "(null)");				\
		t_failed = 1;						\
		return;							\
	}								\
} while (0)

#define SKIP(why) do { t_skip = (why); return; } while (0)

#define RUN(fn) do {							\
	t_failed = 0;							\
	t_skip = NULL;							\
	fn();								\
	if (t_skip)							\
		printf("skip %s: %s\n", #fn, t_skip);			\
	else if (t_failed)						\
		printf("FAIL %s\n", #fn);				\
	else								\
		printf("ok %s\n", #fn);					\
	t_failed_total += t_failed;					\
	fflush(stdout);							\
} while (0)

#define TEST_EXIT() (t_failed_total ? 1 : 0)

#endif
