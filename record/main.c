// SPDX-License-Identifier: MIT
/* uktrace-record: option parsing only; session.c does the work. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "uktrace/units.h"

#define DEFAULT_BUFFER_KB 4096
#define DEFAULT_CLOCK "mono"
#define DEFAULT_FLIGHT_SIZE (64ull << 20)
#define DEFAULT_HOLDOFF 10.0
/* with --flight, -b sizes the buffers the triggers are read from */
#define DEFAULT_TRIGGER_BUFFER_KB 1024

static void usage(FILE *f)
{
	fprintf(f,
"usage: uktrace-record [OPTIONS] [-- COMMAND [ARGS...]]\n"
"       uktrace-record --list BINARY [PATTERN]\n"
"\n"
"Set up uprobes, uretprobes, kprobes, kretprobes and tracepoints, capture the\n"
"per-CPU ring buffers into one compressed trace file, and remove every probe\n"
"again. Analyze the file later, anywhere, with uktrace-report.\n"
"\n"
"What to record (each repeatable):\n"
"  -p, --probe SPEC       a probe, in tracefs syntax or by name:\n"
"                           'p:entry /path/app:0x620'   raw uprobe (file offset)\n"
"                           'r:exit app:0x620'          raw uretprobe (relative path)\n"
"                           '/usr/bin/bash:readline'    function by name\n"
"                           'libc:malloc size=%%di'      library by short name, fetchargs\n"
"                           'libc:malloc(bytes)'        arguments by name and type, from\n"
"                                                       debug information (perf's\n"
"                                                       'app:f req->len s:string' too)\n"
"                           'app:handle+0x10'           offset into a function\n"
"                           'app:handle%%return'         return probe\n"
"                           'app:read*'                 glob: every matching function\n"
"                           'app:ns::Server::handle'    C++ by its demangled name (every\n"
"                                                       overload; or 'ns::f(int)', 'ns::*')\n"
"                           'p kfree', 'r:kfree_probe kfree', 'do_sys_openat2'\n"
"                                                       kernel functions (kprobes)\n"
"                           'kprobe:vfs_rea*'           kernel glob (traceable\n"
"                                                       functions, or kallsyms)\n"
"                           '/proc/PID/exe:handle'      the binary a process runs, also\n"
"                                                       when replaced or deleted since\n"
"                           'usdt:BIN:PROVIDER:NAME'    a USDT probe (<sys/sdt.h>: python,\n"
"                                                       postgres...), globs too; perf's\n"
"                                                       'BIN:sdt_PROVIDER:NAME' as well.\n"
"                                                       Its arguments: arg1..argN, typed;\n"
"                                                       'arg2:string' fetches the string\n"
"                                                       arg2 points to\n"
"                         bpftrace forms work too: uprobe:BIN:FUNC, uretprobe:...,\n"
"                         kprobe:FUNC, kretprobe:FUNC, tracepoint:SYS:EVENT\n"
"                         A library's short name means the one the targets load:\n"
"                         the -P processes' (their container's, through\n"
"                         /proc/PID/root), the command's (its RUNPATH, RPATH,\n"
"                         LD_LIBRARY_PATH), else the system's. A program's\n"
"                         short name is the one exec runs (the first on PATH;\n"
"                         the command's name: what it execs). Stripped files\n"
"                         use installed debug symbols (-dbg/-dbgsym packages,\n"
"                         .gnu_debuglink, MiniDebugInfo; debuginfod when\n"
"                         DEBUGINFOD_URLS is set)\n"
"  -f, --function SPEC    a function: entry and return probes, for latency, plus\n"
"                         the caller's address and the return value (none where\n"
"                         debug information says it returns void) (BIN:FUNC, or\n"
"                         a kernel FUNC); usdt:BIN:PROVIDER:X pairs the USDT\n"
"                         probes X__entry and X__return (X__start/X__done,\n"
"                         X__begin/X__end, X__enter/X__exit) into calls named\n"
"                         PROVIDER:X\n"
"  -e, --event SYS:EVENT  a tracepoint; globs allowed ('syscalls:sys_enter_open*')\n"
"  -c, --config FILE      specs one per line ('probe SPEC', 'function SPEC',\n"
"                         'tracepoint SYS:EVENT', or a bare probe SPEC; 'filter\n"
"                         EXPR' filters the line before); # comments\n"
"  -g                     record each event's stacks (--stack both)\n"
"      --stack WHICH      record the stack with each event, WHICH one of or a\n"
"                         list of ('kernel,dwarf'): 'kernel' (kprobes and\n"
"                         tracepoints: tracefs' stacktrace option); 'user' (every\n"
"                         probe: walked by frame pointers, so a program built\n"
"                         without them shows its first frames only); 'both';\n"
"                         'dwarf' (uprobes: copy 1 KiB of the user stack with\n"
"                         each event, unwound in the report by the objects'\n"
"                         .eh_frame, as perf's --call-graph dwarf: whole stacks\n"
"                         of programs built without frame pointers). The report\n"
"                         names the frames (stacks table, callers --depth,\n"
"                         flamegraph --stacks, dump)\n"
"      --filter EXPR      record only the events of the -p, -f or -e just before\n"
"                         it that match EXPR, in the kernel's filter syntax over\n"
"                         the probe's fields ('size > 4096', 'comm ~ \"nginx*\"');\n"
"                         with -f, the calls whose entry matches (their returns\n"
"                         too: see man uktrace-record)\n"
"\n"
"Whom to record:\n"
"  -- COMMAND [ARGS]      run COMMAND, trace it and its children from exec to exit,\n"
"                         then stop; exits with COMMAND's exit status. When the\n"
"                         recording ends first (-d, --max-size, a signal),\n"
"                         COMMAND and its processes get SIGTERM (or that\n"
"                         signal), and SIGKILL 3 s later\n"
"  -P, --pid PID          only these processes, all their threads, and their\n"
"                         children, existing and new; repeatable\n"
"                         (default without either: the whole system)\n"
"\n"
"Output and limits:\n"
"  -o, --output FILE      trace file (default trace.ukt; created mode 0600)\n"
"      --force            replace FILE if it exists (a symlink is replaced,\n"
"                         not followed)\n"
"  -b, --buffer KB        ring buffer per CPU in KiB (default %d)\n"
"      --clock CLOCK      trace clock (default %s: monotonic, ordered across\n"
"                         CPUs, comparable with CLOCK_MONOTONIC in user space)\n"
"  -d, --duration SECS    stop after SECS seconds\n"
"      --max-size SIZE    stop cleanly when the file reaches SIZE (K, M, G)\n"
"      --max-probes N     limit for globs (default 256)\n"
"      --allow-uretprobe-unwind\n"
"                         return-probe C++ functions an exception can unwind\n"
"                         through (their cleanups and handlers say so): refused\n"
"                         by default, because the kernel's uretprobe breaks the\n"
"                         unwinding and the program dies in std::terminate at\n"
"                         the first throw through one; -p probes the entry only\n"
"  -z, --level N          zstd level (default 1)\n"
"  -q, --quiet            only errors, and a line when events were lost\n"
"                         (without -q, 'recording: N probes on M CPUs, Ctrl-C\n"
"                         to stop' on stderr says the probes are armed: start\n"
"                         the load then)\n"
"  -v, --verbose          show each definition as it is written\n"
"      --dry-run          print the definitions and events, touch nothing\n"
"      --list BINARY [PATTERN]\n"
"                         list the probeable functions of a binary or library,\n"
"                         and its USDT probes with their arguments; BINARY\n"
"                         'kernel': what a kernel glob expands over\n"
"      --cleanup          remove what killed recorders left in tracefs, and exit\n"
"                         (every recording also does this when it starts)\n"
"  -h, --help             this text\n"
"      --version\n"
"\n"
"Flight recorder (keep the last minutes, write them when something happens):\n"
"      --flight [SIZE]    keep the probes on with SIZE of ring buffers in all\n"
"                         (default 64M), oldest events overwritten, nothing read\n"
"                         or written until a trigger; then the buffers go to the\n"
"                         next file OUTPUT-NNNN.ukt (a dump), and recording goes on\n"
"      --trigger FUNC>DURATION\n"
"                         dump when a call of FUNC takes longer ('handle>50ms';\n"
"                         FUNC recorded with -f (C++: 'ns::C::f>1ms' too), or\n"
"                         syscall:NAME with its two tracepoints recorded); a call\n"
"                         still running past DURATION (a hang) fires too, on\n"
"                         time (read at half of DURATION, at most every 0.1 s),\n"
"                         and the recording goes on until it returns (at most\n"
"                         10 s, or --after SECS): the dump holds it whole, or\n"
"                         marked running; repeatable\n"
"      --trigger-event EVENT\n"
"                         dump when a tracepoint (SYSTEM:EVENT, recorded too) or a\n"
"                         probe of the recording fires; repeatable\n"
"                         SIGUSR1 dumps too (kill -USR1 PID), held off like any\n"
"                         trigger (--holdoff 0 lets every one through); the\n"
"                         command's exit with a failure always dumps\n"
"      --after SECS       record SECS more after the trigger, then dump (for a\n"
"                         call still running: in place of the 10 s wait)\n"
"      --last SECS        a dump keeps the last SECS before the trigger (whole\n"
"                         pages), not all the buffers hold\n"
"      --holdoff SECS     after a dump, ignore triggers for SECS (default 10):\n"
"                         one storm makes one dump; a trigger held off (also\n"
"                         one while a dump is being recorded) says so and until\n"
"                         when, at most once a second (-v: each)\n"
"  -b KB                  with --flight: the buffers triggers are read from\n"
"                         (default 1024 per CPU)\n"
"\n"
"Rotation (record for days within a bounded disk):\n"
"      --rotate SIZE      write OUTPUT-0001.ukt, -0002... each at most SIZE and\n"
"                         each readable alone; 'uktrace-report OUT-*.ukt' reads\n"
"                         them as one trace\n"
"      --keep N           keep the newest N files (of --rotate or --flight),\n"
"                         deleting older ones this recording wrote\n"
"\n"
"Examples:\n"
"  uktrace-record -f ./app:handle -- ./app            latency of handle()\n"
"  uktrace-record -f libc:malloc -P 1234 -d 10        malloc of one process\n"
"  uktrace-record -e 'syscalls:sys_enter_open*' -d 5  tracepoints, system-wide\n"
"  uktrace-record --dry-run -f do_sys_openat2         what would be installed\n"
"  uktrace-record -f 'libc:malloc(bytes)' -P 1234    malloc's argument by name\n"
"  uktrace-record -f 'libc:malloc size=%%di' --filter 'size >= 65536' -- ./app\n"
"                                                    only the big allocations\n"
"  uktrace-record -f 'usdt:/usr/bin/python3.11:python:function arg2:string' -P 1234\n"
"                                                    Python's calls, by its USDT probes\n"
"  uktrace-record --list /usr/bin/bash 'read*'\n"
"  uktrace-record --list kernel 'tcp_v4_*'\n"
"  uktrace-record --flight 256M -f ./app:handle --trigger 'handle>50ms' -P 1234\n"
"                                                    dump the moments handle is slow\n"
"  uktrace-record --rotate 100M --keep 20 -e 'sched:*' for days, at most 2 GB\n"
"  uktrace-report trace.ukt                          then: the summary\n"
"\n"
"Stop with Ctrl-C (SIGINT) or SIGTERM: the file is finished and every probe\n"
"removed. A recorder killed with SIGKILL leaves a file readable up to its last\n"
"block; the next uktrace-record removes the probes it left behind.\n",
		DEFAULT_BUFFER_KB, DEFAULT_CLOCK);
}

__attribute__((format(printf, 1, 2)))
static int die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "uktrace-record: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see uktrace-record --help)\n");
	return 2;
}

/* Parse the options into o and run what they ask; the exit status. */
static int run(int argc, char **argv, struct record_opts *po)
{
	enum { O_FORCE = 256, O_CLOCK, O_MAXSIZE, O_DRYRUN, O_LIST, O_MAXPROBES, O_VERSION,
	       O_CLEANUP, O_FLIGHT, O_LAST, O_TRIGGER, O_TRIGGER_EVENT, O_HOLDOFF, O_AFTER,
	       O_ROTATE, O_KEEP, O_ALLOW_UNWIND, O_FILTER, O_STACK };
	static const struct option longopts[] = {
		{ "probe", required_argument, NULL, 'p' },
		{ "function", required_argument, NULL, 'f' },
		{ "event", required_argument, NULL, 'e' },
		{ "config", required_argument, NULL, 'c' },
		{ "pid", required_argument, NULL, 'P' },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, O_FORCE },
		{ "buffer", required_argument, NULL, 'b' },
		{ "clock", required_argument, NULL, O_CLOCK },
		{ "duration", required_argument, NULL, 'd' },
		{ "max-size", required_argument, NULL, O_MAXSIZE },
		{ "max-probes", required_argument, NULL, O_MAXPROBES },
		{ "level", required_argument, NULL, 'z' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "dry-run", no_argument, NULL, O_DRYRUN },
		{ "list", required_argument, NULL, O_LIST },
		{ "cleanup", no_argument, NULL, O_CLEANUP },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ "flight", no_argument, NULL, O_FLIGHT },
		{ "last", required_argument, NULL, O_LAST },
		{ "trigger", required_argument, NULL, O_TRIGGER },
		{ "trigger-event", required_argument, NULL, O_TRIGGER_EVENT },
		{ "holdoff", required_argument, NULL, O_HOLDOFF },
		{ "after", required_argument, NULL, O_AFTER },
		{ "rotate", required_argument, NULL, O_ROTATE },
		{ "keep", required_argument, NULL, O_KEEP },
		{ "allow-uretprobe-unwind", no_argument, NULL, O_ALLOW_UNWIND },
		{ "filter", required_argument, NULL, O_FILTER },
		{ "stack", required_argument, NULL, O_STACK },
		{ "call-graph", required_argument, NULL, O_STACK },
		{ NULL, 0, NULL, 0 },
	};
	struct record_opts o = *po;
	bool buffer_set = false;
	const char *list = NULL;
	bool cleanup = false;
	struct spec_arg *specs = o.specs;
	char cmdline[4096] = "";
	int c, status = 0, rc;
	size_t used = 0;

	for (int i = 0; i < argc; i++) {
		int n = snprintf(cmdline + used, sizeof(cmdline) - used, "%s%s",
				 i ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(cmdline) - used)
			break;
		used += (size_t)n;
	}
	o.cmdline = cmdline;
	while ((c = getopt_long(argc, argv, "+p:f:e:c:P:o:b:d:z:qvhg", longopts, NULL)) != -1) {
		char *end;
		uint64_t v;

		switch (c) {
		case 'p': case 'f': case 'e': case 'c':
			specs[o.nspecs].how = (char)c;
			specs[o.nspecs++].text = optarg;
			break;
		case O_FILTER: {
			struct spec_arg *last = o.nspecs ? &specs[o.nspecs - 1] : NULL;

			/* trace-cmd's convention: it filters the probe before it */
			if (!last)
				return die_usage("--filter '%s' comes before any probe: it filters the -p, -f or -e given just before it", optarg);
			if (last->how == 'c')
				return die_usage("--filter '%s' after -c '%s': in a config file, put a line 'filter EXPR' after the spec it filters",
						 optarg, last->text);
			if (last->filter)
				return die_usage("a second --filter for '%s': give one, combining them with && ('(%s) && (%s)')",
						 last->text, last->filter, optarg);
			last->filter = optarg;
			break;
		}
		case 'P': {
			long pid = strtol(optarg, &end, 10);

			if (*end || pid <= 0)
				return die_usage("-P wants a process id, not '%s'", optarg);
			o.pids[o.npids++] = (pid_t)pid;
			break;
		}
		case 'o': o.output = optarg; break;
		case O_FORCE: o.force = true; break;
		case 'b':
			o.buffer_kb = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || o.buffer_kb < 4)
				return die_usage("-b wants a buffer size in KiB (at least 4), not '%s'", optarg);
			buffer_set = true;
			break;
		case O_CLOCK: o.clock = optarg; break;
		case 'd':
			o.duration = strtod(optarg, &end);
			if (*end || o.duration <= 0)
				return die_usage("-d wants a number of seconds, not '%s'", optarg);
			break;
		case O_MAXSIZE:
			if (ukt_parse_size(optarg, &o.max_size) || o.max_size < 4096)
				return die_usage("--max-size wants a size such as 100M or 2G (at least 4K), not '%s'", optarg);
			break;
		case O_MAXPROBES:
			if (ukt_parse_size(optarg, &v) || v == 0)
				return die_usage("--max-probes wants a positive number, not '%s'", optarg);
			o.max_probes = (size_t)v;
			break;
		case 'z':
			o.level = (int)strtol(optarg, &end, 10);
			if (*end || o.level < 1 || o.level > 19)
				return die_usage("-z wants a zstd level from 1 to 19, not '%s'", optarg);
			break;
		case 'q': o.quiet = 1; break;
		case 'v': o.verbose++; break;
		case O_DRYRUN: o.dry_run = true; break;
		case O_LIST: list = optarg; break;
		case O_CLEANUP: cleanup = true; break;
		case O_FLIGHT:
			o.flight = true;
			/* an optional SIZE as the next word: --flight 256M */
			if (optind < argc && argv[optind][0] >= '0' && argv[optind][0] <= '9') {
				if (ukt_parse_size(argv[optind], &o.flight_size) || o.flight_size < (1 << 20))
					return die_usage("--flight wants a buffer size such as 64M or 1G (at least 1M), not '%s'", argv[optind]);
				optind++;
			}
			break;
		case O_LAST:
			o.last = strtod(optarg, &end);
			if (*end || o.last <= 0)
				return die_usage("--last wants a number of seconds, not '%s'", optarg);
			break;
		case O_TRIGGER: o.triggers[o.ntriggers++] = optarg; break;
		case O_TRIGGER_EVENT: o.trigger_events[o.ntrigger_events++] = optarg; break;
		case O_HOLDOFF:
			o.holdoff = strtod(optarg, &end);
			if (*end || o.holdoff < 0)
				return die_usage("--holdoff wants a number of seconds, not '%s'", optarg);
			break;
		case O_AFTER:
			o.after = strtod(optarg, &end);
			if (*end || o.after < 0)
				return die_usage("--after wants a number of seconds, not '%s'", optarg);
			break;
		case O_ROTATE:
			if (ukt_parse_size(optarg, &o.rotate) || o.rotate < (64 << 10))
				return die_usage("--rotate wants a file size such as 100M (at least 64K), not '%s'", optarg);
			break;
		case O_KEEP:
			o.keep = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || o.keep == 0)
				return die_usage("--keep wants a positive number of files, not '%s'", optarg);
			break;
		case O_ALLOW_UNWIND: o.allow_unwind = true; break;
		case 'g': o.stack = REC_STACK_KERNEL | REC_STACK_USER; break;
		case O_STACK: {
			/* a comma-separated list: 'kernel,dwarf' */
			char *words = strdup(optarg), *save = NULL;

			if (!words)
				return 1;
			o.stack = 0;
			for (char *w = strtok_r(words, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
				if (!strcmp(w, "kernel"))
					o.stack |= REC_STACK_KERNEL;
				else if (!strcmp(w, "user") || !strcmp(w, "fp"))
					o.stack |= REC_STACK_USER;
				else if (!strcmp(w, "both") || !strcmp(w, "all"))
					o.stack |= REC_STACK_KERNEL | REC_STACK_USER;
				else if (!strcmp(w, "dwarf"))
					o.stack |= REC_STACK_DWARF;
				else {
					free(words);
					return die_usage("--stack wants kernel, user, both or dwarf (or a list: 'kernel,dwarf'), not '%s'", optarg);
				}
			}
			free(words);
			if (!o.stack)
				return die_usage("--stack wants kernel, user, both or dwarf (or a list: 'kernel,dwarf'), not '%s'", optarg);
			break;
		}
		case 'h': usage(stdout); return 0;
		case O_VERSION: printf("uktrace-record %s\n", UKT_VERSION); return 0;
		default:
			fprintf(stderr, "(see uktrace-record --help)\n");
			return 2;
		}
	}
	if (cleanup)
		return record_cleanup(o.quiet) ? 1 : 0;
	if (list) {
		if (argc - optind > 1)
			return die_usage("--list takes a binary and at most one pattern");
		return record_list(list, optind < argc ? argv[optind] : NULL) ? 1 : 0;
	}
	if (optind < argc)
		o.argv = argv + optind;
	if (o.argv && o.npids)
		return die_usage("give either a command or -P, not both");
	if (!o.flight && (o.ntriggers || o.ntrigger_events || o.last || o.after))
		return die_usage("--trigger, --trigger-event, --last and --after are flight recorder options: add --flight");
	if (o.flight && o.rotate)
		return die_usage("--flight writes a file per trigger and --rotate a sequence of files: choose one");
	if ((o.flight || o.rotate) && o.max_size)
		return die_usage("--max-size limits one file: with --%s, bound the disk with --keep N", o.flight ? "flight" : "rotate");
	if (o.keep && !o.flight && !o.rotate)
		return die_usage("--keep N keeps the newest N files of --rotate or --flight");
	if (o.flight && !buffer_set)
		o.buffer_kb = DEFAULT_TRIGGER_BUFFER_KB;
	rc = record_run(&o, &status);
	if (rc)
		return status ? status : 1;
	return status;
}

int main(int argc, char **argv)
{
	struct record_opts o = {
		.output = "trace.ukt", .buffer_kb = DEFAULT_BUFFER_KB,
		.clock = DEFAULT_CLOCK, .max_probes = 256, .level = 1,
		.flight_size = DEFAULT_FLIGHT_SIZE, .holdoff = DEFAULT_HOLDOFF,
	};
	int status = 1;

	o.specs = calloc((size_t)argc + 1, sizeof(*o.specs));
	o.pids = calloc((size_t)argc + 1, sizeof(*o.pids));
	o.triggers = calloc((size_t)argc + 1, sizeof(*o.triggers));
	o.trigger_events = calloc((size_t)argc + 1, sizeof(*o.trigger_events));
	if (o.specs && o.pids && o.triggers && o.trigger_events)
		status = run(argc, argv, &o);
	free(o.specs);
	free(o.pids);
	free(o.triggers);
	free(o.trigger_events);
	return status;
}
