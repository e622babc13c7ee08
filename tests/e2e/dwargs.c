// SPDX-License-Identifier: MIT
/*
 * Functions whose arguments dwargs.sh fetches by name: integers of each
 * width and sign, an enum, a string, a struct through a pointer, and
 * arguments past the sixth (on the stack). Built with -O0 and -O2 (with
 * -g), and without debug information. noipa: the functions stay called
 * as they are declared (no inlining, no clones with other conventions).
 * Each round also allocates 12345 bytes, for libc:malloc(bytes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item {
	int tag;
	long len;
	const char *name;
	char label[8];
};

enum color { RED, GREEN = 5, BLUE = -3 };

void *volatile sink;	/* the allocations are used: -O2 keeps them */

__attribute__((noinline, noipa)) long take(int a, long b, const char *s)
{
	return a + b + (long)strlen(s);
}

__attribute__((noinline, noipa)) long take_more(unsigned char c, short h, enum color col,
				      struct item *p, long x5, long x6, long x7, int x8)
{
	return c + h + col + p->len + x5 + x6 + x7 + x8;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 10;
	long sum = 0;
	char name[32];

	for (int i = 0; i < n; i++) {
		struct item it = { .tag = i, .len = i * 10L, .name = name };
		void *m = malloc(12345);

		sink = m;

		snprintf(name, sizeof(name), "item%d", i);
		snprintf(it.label, sizeof(it.label), "L%d", i);
		sum += take(i - 3, i * 1000000007L, name);
		sum += take_more((unsigned char)(200 + i), (short)-i, i % 2 ? GREEN : BLUE,
				 &it, 5, 6, 70 + i, -i);
		free(m);
	}
	printf("%ld\n", sum);
	return 0;
}
