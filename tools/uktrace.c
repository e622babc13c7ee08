// SPDX-License-Identifier: MIT
/*
 * uktrace: the front command. "uktrace record ..." runs uktrace-record,
 * "uktrace report ..." runs uktrace-report, found next to this program
 * (then on PATH), like git's dashed commands.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fputs("usage: uktrace record [OPTIONS] [-- COMMAND]   (see uktrace record --help)\n"
	      "       uktrace report [COMMAND] TRACE [ARGS]   (see uktrace report --help)\n", f);
}

int main(int argc, char **argv)
{
	char self[PATH_MAX], prog[PATH_MAX + 32];
	ssize_t n;
	char *slash;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "record") && strcmp(argv[1], "report")) {
		fprintf(stderr, "uktrace: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return 2;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(prog, sizeof(prog), "%s/uktrace-%s", self, argv[1]);
			argv[1] = prog;
			execv(prog, argv + 1);
		}
	}
	snprintf(prog, sizeof(prog), "uktrace-%s", strrchr(argv[1], '-') ? strrchr(argv[1], '-') + 1 : argv[1]);
	argv[1] = prog;
	execvp(prog, argv + 1);
	fprintf(stderr, "uktrace: cannot run %s: %s\n", prog, strerror(errno));
	return 127;
}
