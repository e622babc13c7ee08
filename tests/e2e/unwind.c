// SPDX-License-Identifier: MIT
/*
 * Programs whose calls do not all return the ordinary way, for the
 * end-to-end tests of pairing (calls_unwind.sh). Built -O0 -fno-inline:
 * every function is a real call.
 *
 *   unwind jump N [MS]  N times: jumper() -> thrower() -> longjmp() back
 *                       to main, then after() N times: the longjmp'd
 *                       frames are gone, after() runs at depth 0; then
 *                       (every mode but recurse) sleep MS milliseconds
 *   unwind sigjump N    N times: sigjumper() -> spinner(), whose SIGALRM
 *                       handler siglongjmp()s back to main, then after()
 *   unwind deepjump N   deep(70) recursing 70 deep, the innermost call
 *                       longjmp()ing back to main, then after() N times:
 *                       the kernel still holds 64 pending uretprobe
 *                       returns of the gone frames, and arms no more
 *   unwind signal N     N times: a signal handled, whose handler returns
 *                       through rt_sigreturn, a syscall that never returns
 *   unwind tail N       N times: tailer() jumps (a tail call) to tailee(),
 *                       whose return is the caller's too, then after()
 *   unwind recurse MS   f(60) recursing to depth 60, the innermost call
 *                       sleeping MS milliseconds: every f() of the chain
 *                       takes about MS, and f's total is one MS
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static jmp_buf jb;
static sigjmp_buf sjb;
volatile long sink;

__attribute__((noinline)) void thrower(long i)
{
	sink += i;
	longjmp(jb, 1);
}

__attribute__((noinline)) void jumper(long i)
{
	thrower(i);
	sink -= i;	/* never reached */
}

__attribute__((noinline)) long deep(int depth)
{
	if (depth <= 1)
		longjmp(jb, 1);
	return deep(depth - 1) + 1;
}

__attribute__((noinline)) long after(long i)
{
	return sink + i;
}

static void on_usr1(int sig)
{
	sink += sig;
}

static void on_alarm(int sig)
{
	(void)sig;
	siglongjmp(sjb, 1);
}

__attribute__((noinline)) void spinner(void)
{
	for (;;)
		sink++;
}

__attribute__((noinline)) void sigjumper(void)
{
	/* a signal in 1 ms that never returns here */
	struct itimerval it = { { 0, 0 }, { 0, 1000 } };

	setitimer(ITIMER_REAL, &it, NULL);
	spinner();
}

__attribute__((noinline)) long tailee(long x)
{
	return x + 1;
}

#if defined(__x86_64__)
/* a tail call, whatever the optimization level: the frame is tailee's */
__attribute__((naked, noinline)) long tailer(long x)
{
	__asm__ volatile("jmp tailee");
}
#else
__attribute__((noinline)) long tailer(long x)
{
	return tailee(x);
}
#endif

__attribute__((noinline)) long f(int depth, long ms)
{
	if (depth <= 1) {
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

		nanosleep(&ts, NULL);
		return 1;
	}
	return f(depth - 1, ms) + 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "jump";
	long n = argc > 2 ? atol(argv[2]) : 100;

	if (!strcmp(mode, "jump")) {
		for (volatile long i = 0; i < n; i++)
			if (!setjmp(jb))
				jumper(i);
	} else if (!strcmp(mode, "deepjump")) {
		if (!setjmp(jb))
			sink += deep(70);
	} else if (!strcmp(mode, "sigjump")) {
		struct sigaction sa = { .sa_handler = on_alarm };

		sigaction(SIGALRM, &sa, NULL);
		for (volatile long i = 0; i < n; i++)
			if (!sigsetjmp(sjb, 1))
				sigjumper();
	} else if (!strcmp(mode, "signal")) {
		struct sigaction sa = { .sa_handler = on_usr1 };

		sigaction(SIGUSR1, &sa, NULL);
		for (long i = 0; i < n; i++)
			raise(SIGUSR1);
	} else if (!strcmp(mode, "tail")) {
		for (long i = 0; i < n; i++)
			sink += tailer(i);
	} else if (!strcmp(mode, "recurse")) {
		sink += f(60, n);
		return 0;
	} else {
		fprintf(stderr, "unwind: unknown mode '%s'\n", mode);
		return 2;
	}
	for (long i = 0; i < n; i++)
		sink += after(i);
	if (argc > 3) {
		long ms = atol(argv[3]);
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

		nanosleep(&ts, NULL);
	}
	return 0;
}
