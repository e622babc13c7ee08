// SPDX-License-Identifier: MIT
/*
 * A program with USDT probes (systemtap's <sys/sdt.h>), for usdt.sh and
 * test_usdt.c. Built -O2, so the compiler picks every kind of operand.
 *
 *   sdt_workload N    N rounds of:
 *     ukt:plain(i, -5, big, (short)-i, 'x')  arg specs of every size and
 *                                            sign, a constant, a global
 *     ukt:global(counter)                    a global, 7 more each round
 *                                            (a %rip-relative operand)
 *     ukt:stack(i * 2)                       a stack slot (-O0)
 *     ukt:guarded(i, i * 3)                  only when its semaphore is up:
 *                                            the program counts how often
 *     ukt:work__start(i) / ukt:work__done(i) a pair around work(), which
 *                                            nests one level every 4th round
 *     ukt:job__begin(i, i * 2) / ukt:job__end(i)
 *                                            a pair whose halves have
 *                                            different arguments
 *   then prints "guarded N" (how often the guarded branch ran).
 *
 * The semaphore is what dtrace -G makes: a short in .probes the kernel
 * raises while a uprobe with it as reference counter is on.
 */
#define _SDT_HAS_SEMAPHORES 1
#include <stdio.h>
#include <stdlib.h>
#include <sys/sdt.h>

/* with _SDT_HAS_SEMAPHORES every probe has one; only guarded's is tested */
#define SEMAPHORE(name) __extension__ unsigned short ukt_##name##_semaphore \
	__attribute__((unused)) __attribute__((section(".probes")))
SEMAPHORE(guarded);
SEMAPHORE(plain);
SEMAPHORE(global);
SEMAPHORE(stack);
SEMAPHORE(work__start);
SEMAPHORE(work__done);
SEMAPHORE(job__begin);
SEMAPHORE(job__end);

volatile unsigned long big = 0xfedcba9876543210ul;
volatile long sink;
long counter;			/* ukt:global's argument: sym(%rip) */

/* unoptimized: its argument is a stack slot, 8@-24(%rbp) */
__attribute__((noinline, optimize("O0"))) static void stack(long i)
{
	long v = i * 2;

	STAP_PROBE1(ukt, stack, v);
}

__attribute__((noinline)) static void work(long i, int depth)
{
	STAP_PROBE1(ukt, work__start, i);
	sink += i;
	if (depth)
		work(i + 1000, depth - 1);
	STAP_PROBE1(ukt, work__done, i);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10, guarded = 0;

	for (long i = 0; i < n; i++) {
		unsigned long b = big;

		STAP_PROBE5(ukt, plain, (int)i, -5, b, (short)-i, (unsigned char)'x');
		if (__builtin_expect(ukt_guarded_semaphore, 0)) {
			guarded++;
			STAP_PROBE2(ukt, guarded, i, i * 3);
		}
		counter += 7;
		__asm__ volatile("" ::: "memory");
		STAP_PROBE1(ukt, global, counter);
		stack(i);
		work(i, i % 4 == 0);
		STAP_PROBE2(ukt, job__begin, i, i * 2);
		sink++;
		STAP_PROBE1(ukt, job__end, i);
	}
	printf("guarded %ld\n", guarded);
	return 0;
}
