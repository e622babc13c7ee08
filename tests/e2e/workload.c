// SPDX-License-Identifier: MIT
/*
 * A workload with exactly known behaviour, for the end-to-end tests and
 * the benchmarks. Built -O0 -fno-inline so every function is a real call.
 *
 *   workload calls N       a() N times: 3/4 from caller_one(), 1/4 from
 *                          caller_two(); r(D) recursing to depth D once per
 *                          16 calls of a(); s() (sleeps 2 ms) N/100 times
 *   workload w1 N          outer() calls target() N times (benchmark W1)
 *   workload w2 N          getppid() N times (benchmark W2)
 *   workload threads T N [SECS]
 *                          T threads, each calling a() N times (started
 *                          after SECS seconds: during a recording)
 *   workload tsleep T SECS T threads, each as sleep SECS (for -P tests)
 *   workload sleep SECS    sleep, calling a() every 10 ms (for -P tests)
 *   workload graceful SECS as sleep; SIGTERM, SIGINT or SIGHUP ends it with
 *                          status 100 + the signal's number
 *   workload stubborn SECS as sleep, ignoring SIGTERM, SIGINT and SIGHUP
 *   workload exit CODE     exit with CODE
 *   workload mallocs N     N rounds of malloc(100 + i % 50) and, every 4th
 *                          round, malloc(10000 + i % 1000) (for --filter)
 *   workload recurse D N   r(D) N times: recursion D deep (past the kernel's
 *                          64 pending uretprobes when D > 64)
 *   workload syscalls N    N times: a signal handled (rt_sigreturn), a child
 *                          forked that exits with 3 (exit_group), waited for
 *   workload spawn N SECS  after SECS seconds, N children one after the
 *                          other, each exec'ing "workload calls 100" (a
 *                          process that lives a few milliseconds)
 *   workload hang MS       a() for 0.5 s, slow(MS), a() for 0.5 s more
 *   workload lastslow MS   a() for 0.2 s, then slow(MS) and exit at once:
 *                          the last call is the one a trigger wants
 *   workload forkexec N    N children one after the other, each calling
 *                          a() from caller_one() before it execs /bin/true
 *                          (its maps and name are its parent's until then)
 *   workload renames N     a() N times, then the thread renames itself
 *                          "wl-renamed" (prctl) and calls a() N times more
 *   workload rename NAME N names itself NAME (prctl PR_SET_NAME: any bytes,
 *                          15 at most), then as calls N
 */
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

volatile long sink;
void *volatile blk;		/* mallocs: what malloc gave, kept from the optimizer */

__attribute__((noinline)) long a(long x)
{
	sink += x;
	return x + 1;
}

__attribute__((noinline)) long r(int depth)
{
	if (depth <= 1)
		return 1;
	return r(depth - 1) + 1;
}

__attribute__((noinline)) void s(void)
{
	struct timespec ts = { 0, 2000000 };

	nanosleep(&ts, NULL);
}

/* slow: a call that takes ms milliseconds (the flight recorder's trigger) */
__attribute__((noinline)) void slow(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

__attribute__((noinline)) void caller_one(long i)
{
	a(i);
}

__attribute__((noinline)) void caller_two(long i)
{
	a(i);
}

__attribute__((noinline)) long target(long x)
{
	return x ^ 0x5a;
}

__attribute__((noinline)) long outer(long n)
{
	long acc = 0;

	for (long i = 0; i < n; i++)
		acc += target(i);
	return acc;
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static void *sleeper_main(void *arg)
{
	time_t end = time(NULL) + (long)arg;

	while (time(NULL) < end) {
		struct timespec ts = { 0, 10000000 };

		a(1);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void *thread_main(void *arg)
{
	long n = (long)arg;

	for (long i = 0; i < n; i++)
		a(i);
	return NULL;
}

/* n threads (64 at most) running fn(arg), joined */
static void run_threads(long n, void *(*fn)(void *), long arg)
{
	pthread_t th[64];

	if (n > 64)
		n = 64;
	for (long i = 0; i < n; i++)
		pthread_create(&th[i], NULL, fn, (void *)arg);
	for (long i = 0; i < n; i++)
		pthread_join(th[i], NULL);
}

/* With UKT_WL_TIMES set, report our own wall and CPU time on stderr
 * (the benchmarks measure the traced workload, not the tracer). */
static struct timespec t0;

static void report_times(void)
{
	struct timespec t1, cpu;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	fprintf(stderr, "workload wall_ns %lld cpu_ns %lld\n",
		(long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec),
		(long long)cpu.tv_sec * 1000000000LL + cpu.tv_nsec);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "calls";
	long n = argc > 2 ? atol(argv[2]) : 1000;

	if (!strcmp(mode, "rename") && argc > 3) {
		/* what a hostile process calls itself reaches the trace */
		prctl(PR_SET_NAME, argv[2], 0, 0, 0);
		mode = "calls";
		n = atol(argv[3]);
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (getenv("UKT_WL_TIMES"))
		atexit(report_times);

	if (!strcmp(mode, "calls")) {
		for (long i = 0; i < n; i++) {
			if (i % 4 == 3)
				caller_two(i);
			else
				caller_one(i);
			if (i % 16 == 0)
				r(5);
			if (i % 100 == 0)
				s();
		}
	} else if (!strcmp(mode, "w1")) {
		sink = outer(n);
	} else if (!strcmp(mode, "w2")) {
		for (long i = 0; i < n; i++)
			sink += getppid();
	} else if (!strcmp(mode, "threads")) {
		struct timespec ts = { argc > 4 ? atol(argv[4]) : 0, 0 };

		nanosleep(&ts, NULL);
		run_threads(n, thread_main, argc > 3 ? atol(argv[3]) : 1000);
	} else if (!strcmp(mode, "tsleep")) {
		run_threads(n, sleeper_main, argc > 3 ? atol(argv[3]) : 1);
	} else if (!strcmp(mode, "sleep") || !strcmp(mode, "graceful") ||
		   !strcmp(mode, "stubborn")) {
		time_t end = time(NULL) + n;
		struct sigaction sa = { .sa_handler = on_signal };

		if (!strcmp(mode, "stubborn"))
			sa.sa_handler = SIG_IGN;
		if (strcmp(mode, "sleep")) {
			sigaction(SIGTERM, &sa, NULL);
			sigaction(SIGINT, &sa, NULL);
			sigaction(SIGHUP, &sa, NULL);
		}
		while (time(NULL) < end) {
			struct timespec ts = { 0, 10000000 };

			if (got_signal)
				return 100 + got_signal;
			a(1);
			nanosleep(&ts, NULL);
		}
	} else if (!strcmp(mode, "recurse")) {
		long times = argc > 3 ? atol(argv[3]) : 1;

		for (long i = 0; i < times; i++)
			sink += r((int)n);
	} else if (!strcmp(mode, "syscalls")) {
		struct sigaction sa = { .sa_handler = on_signal };

		sigaction(SIGUSR1, &sa, NULL);
		for (long i = 0; i < n; i++) {
			pid_t child;
			int st;

			raise(SIGUSR1);
			child = fork();
			if (child == 0)
				_exit(3);
			if (child < 0 || waitpid(child, &st, 0) != child ||
			    !WIFEXITED(st) || WEXITSTATUS(st) != 3)
				return 1;
		}
	} else if (!strcmp(mode, "spawn")) {
		struct timespec ts = { argc > 3 ? atol(argv[3]) : 1, 0 };

		nanosleep(&ts, NULL);
		for (long i = 0; i < n; i++) {
			pid_t child = fork();
			int st;

			if (child == 0) {
				execl("/proc/self/exe", argv[0], "calls", "100", (char *)NULL);
				_exit(127);
			}
			if (child < 0 || waitpid(child, &st, 0) != child || !WIFEXITED(st) ||
			    WEXITSTATUS(st) != 0)
				return 1;
		}
	} else if (!strcmp(mode, "flight")) {
		/*
		 * flight SECS: steady calls for SECS seconds, for the flight
		 * recorder: a() 10 times a millisecond, s() (2 ms) every 100
		 * ms, one slow(30) at 1.5 s, one child that exits at 2.5 s
		 */
		struct timespec now, tick = { 0, 1000000 };
		bool slowed = false, forked = false;
		double t;

		do {
			for (int k = 0; k < 10; k++)
				caller_one(k);
			nanosleep(&tick, NULL);
			clock_gettime(CLOCK_MONOTONIC, &now);
			t = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
			if ((long)(t * 10) != (long)((t - 0.0011) * 10))
				s();
			if (t >= 1.5 && !slowed) {
				slow(30);
				slowed = true;
			}
			if (t >= 2.5 && !forked) {
				pid_t child = fork();

				if (child == 0)
					_exit(0);
				if (child > 0)
					waitpid(child, NULL, 0);
				forked = true;
			}
		} while (t < (double)n);
	} else if (!strcmp(mode, "hang")) {
		/* hang MS: a() 10 times a ms for 0.5 s, one slow(MS) (a call
		 * that hangs, for the flight recorder), a() for 0.5 s more */
		struct timespec tick = { 0, 1000000 };

		for (int half = 0; half < 2; half++) {
			for (int ms = 0; ms < 500; ms++) {
				for (int k = 0; k < 10; k++)
					caller_one(k);
				nanosleep(&tick, NULL);
			}
			if (!half)
				slow(n);
		}
	} else if (!strcmp(mode, "lastslow")) {
		struct timespec tick = { 0, 1000000 };

		for (int ms = 0; ms < 200; ms++) {
			for (int k = 0; k < 10; k++)
				caller_one(k);
			nanosleep(&tick, NULL);
		}
		slow(n);
	} else if (!strcmp(mode, "forkexec")) {
		for (long i = 0; i < n; i++) {
			pid_t child = fork();
			int st;

			if (child == 0) {
				caller_one(i);
				execl("/bin/true", "true", (char *)NULL);
				_exit(127);
			}
			if (child < 0 || waitpid(child, &st, 0) != child || !WIFEXITED(st) ||
			    WEXITSTATUS(st) != 0)
				return 1;
		}
	} else if (!strcmp(mode, "renames")) {
		for (long i = 0; i < n; i++)
			a(i);
		prctl(PR_SET_NAME, "wl-renamed");
		for (long i = 0; i < n; i++)
			a(i);
	} else if (!strcmp(mode, "mallocs")) {
		/* N rounds: malloc(100 + i % 50), and every 4th round also
		 * malloc(10000 + i % 1000): ceil(N / 4) of 10000..10999 */
		for (long i = 0; i < n; i++) {
			blk = malloc(100 + (size_t)(i % 50));
			free((void *)blk);
			if (i % 4 == 0) {
				blk = malloc(10000 + (size_t)(i % 1000));
				free((void *)blk);
			}
		}
	} else if (!strcmp(mode, "exit")) {
		return (int)n;
	} else {
		fprintf(stderr, "workload: unknown mode '%s'\n", mode);
		return 2;
	}
	return 0;
}
