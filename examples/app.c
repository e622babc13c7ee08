// SPDX-License-Identifier: MIT
/*
 * app: a small program to try uktrace on (README.md, "Using it"). It
 * "serves requests": handle() parses a request, allocates a reply (now
 * and then a large one) and works on it; every 10th request is slow.
 *
 *   app --serve-once   handle 50 requests and exit
 *   app --serve        handle a request every 20 ms until SIGINT or SIGTERM
 *
 * Built with frame pointers and without inlining, so that every function
 * is a probe site and callers are named.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static volatile unsigned long sink;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void spin_us(long us)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 100; i++)
			sink += (unsigned long)i;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000000L + (t.tv_nsec - t0.tv_nsec) / 1000 < us);
}

int parse(const char *req)
{
	spin_us(20);
	return (int)strlen(req);
}

void respond(char *buf, size_t len)
{
	memset(buf, 'x', len);
	spin_us(50);
}

int handle(int n)
{
	char req[32];
	/* now and then a large reply: --filter 'size >= 65536' keeps those */
	size_t len = n % 5 == 0 ? 128 * 1024 : 256;
	char *buf;
	int rc;

	snprintf(req, sizeof(req), "GET /%d", n);
	rc = parse(req);
	buf = malloc(len);
	if (!buf)
		return -1;
	respond(buf, len);
	if (n % 10 == 9)
		usleep(6000);	/* the slow ones: calls --min-duration 5ms */
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int n = 0;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!strcmp(mode, "--serve-once")) {
		for (n = 0; n < 50; n++)
			handle(n);
		return 0;
	}
	if (!strcmp(mode, "--serve")) {
		while (!stop) {
			handle(n++);
			usleep(20000);
		}
		return 0;
	}
	fprintf(stderr, "usage: app --serve-once | --serve\n");
	return 2;
}
