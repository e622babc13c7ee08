/*
 * A known call chain for the stack tests (stacks.sh): main -> level1 ->
 * level2 -> level3 -> level4 -> level5, which calls getppid(). Built
 * twice: with frame pointers (stackchain_fp) and without
 * (stackchain_nofp, -O2 -fomit-frame-pointer, as most of a distribution
 * is). noinline and the volatile sums keep each level a real frame.
 *
 *   stackchain N     run the chain N times
 */
#include <stdlib.h>
#include <unistd.h>

static volatile long sink;

__attribute__((noinline)) long level5(long x)
{
	sink += getppid();
	return x + 5;
}

__attribute__((noinline)) long level4(long x) { long r = level5(x + 4); sink += r; return r; }
__attribute__((noinline)) long level3(long x) { long r = level4(x + 3); sink += r; return r; }
__attribute__((noinline)) long level2(long x) { long r = level3(x + 2); sink += r; return r; }
__attribute__((noinline)) long level1(long x) { long r = level2(x + 1); sink += r; return r; }

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1;

	for (long i = 0; i < n; i++)
		sink += level1(i);
	return 0;
}
