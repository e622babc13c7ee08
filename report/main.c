// SPDX-License-Identifier: MIT
/* uktrace-report: option parsing and dispatch; the cmd_* modules work. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "clickhouse.h"
#include "report.h"
#include "tracedat.h"
#include "uktrace/units.h"

static void usage(FILE *f)
{
	fputs(
"usage: uktrace-report [COMMAND] TRACE... [ARGS] [OPTIONS]\n"
"\n"
"Analyze a trace file recorded by uktrace-record, on any machine: it is\n"
"imported into SQLite (cached next to it as TRACE.db) and queried. summary,\n"
"hist and callers on a trace without a database answer from one pass over\n"
"the file instead (from a terminal, a background process then imports it\n"
"for the next command). Several\n"
"files of one recording (--rotate's, or flight recorder dumps) are one trace:\n"
"'uktrace-report summary trace-*.ukt'.\n"
"\n"
"A trace.dat recorded by trace-cmd (versions 6 and 7, compressed or not,\n"
"every instance) is read too, through libtracecmd, into the same tables:\n"
"'uktrace-report summary trace.dat'. It saves no symbol tables, process maps\n"
"or probe definitions: its user-space callers stay addresses ('info' says\n"
"what it lacks), and a uprobe and a uretprobe pair into calls by name (f and\n"
"f__return, f_entry and f_exit).\n"
"\n"
"Commands:\n"
"  summary TRACE          every probed function: calls, total, self, min, avg,\n"
"                         p50, p90, p99, max; sorted by total time (the default\n"
"                         command: 'uktrace-report TRACE' does this)\n"
"  hist TRACE FUNC        latency histogram of FUNC (log2 buckets; --linear)\n"
"  callers TRACE FUNC     who called FUNC, how often, how long it took; with\n"
"                         --depth N, whole call chains of N frames from the\n"
"                         stacks recorded with -g ('a <- b <- c')\n"
"  calls TRACE FUNC       the slowest individual calls (--min-duration 5ms)\n"
"  info TRACE             host, kernel, clock, probes, per-CPU events and losses,\n"
"                         compression, integrity\n"
"  dump TRACE             every event, one line each, in time order\n"
"  sql TRACE 'SELECT ...' run a read-only query (tables: docs/SCHEMA.md)\n"
"  db TRACE -o OUT.db     write the database for sqlite3 or any SQLite tool\n"
"\n"
"Pictures:\n"
"  export TRACE --perfetto OUT.json\n"
"                         the calls as nested slices on per-thread tracks,\n"
"                         other events as instants, losses as counters: open\n"
"                         it in https://ui.perfetto.dev or chrome://tracing\n"
"  flamegraph TRACE [FUNC] -o OUT.svg\n"
"                         interactive flame graph of the probed calls' stacks,\n"
"                         a frame per thread (COMM-PID/TID) above the root,\n"
"                         width = time (under FUNC only, when given); --folded\n"
"                         writes 'COMM-PID/TID;a;b;c SELF_NS' lines for\n"
"                         flamegraph.pl, inferno or speedscope; --reverse puts\n"
"                         self time at the bottom; --stacks arranges the calls\n"
"                         by the stacks recorded with them (-g): real code\n"
"                         paths, not only probed ones\n"
"  hist TRACE FUNC --svg OUT.svg\n"
"                         the latency histogram as a picture\n"
"  heatmap TRACE FUNC -o OUT.svg\n"
"                         time x latency: when the slow calls happened\n"
"                         (--buckets N time columns, default 60)\n"
"  html TRACE -o OUT.html one self-contained page: summary, flame graph, and for\n"
"                         the --limit N (default 10) functions with the most\n"
"                         time their histogram, heat map, callers, slowest calls\n"
"\n"
"Fleets (ClickHouse):\n"
"  clickhouse TRACE... [--url URL] [--database DB] [--host-label NAME]\n"
"                         load each file's calls and events into ClickHouse\n"
"                         (default http://127.0.0.1:8123, database uktrace), as\n"
"                         the host it was recorded on or NAME; a file loaded\n"
"                         before is skipped\n"
"  sql|summary|callers --clickhouse URL [--host-label NAME] ...\n"
"                         ask the server instead of a file: every host's\n"
"                         numbers, with a host column (or one host's); a trace\n"
"                         file's options (--by, --pid, --db...) are refused\n"
"  URL is http[s]://[USER@]HOST[:PORT] (ports 8123 and 8443 by default); the\n"
"  user is also taken from CLICKHOUSE_USER, the password from the first line\n"
"  of --password-file FILE or from CLICKHOUSE_PASSWORD (a password in the URL\n"
"  works, but shows in ps); --cacert FILE trusts a server's own certificate;\n"
"  the load sends its batches deflated to a server on another host\n"
"  (--compress auto, the default), always (yes) or never (no)\n"
"\n"
"Options (each command takes the ones that say it, or 'db and pictures' its\n"
"own; any other is refused; --pid, --comm, --since and --until select the\n"
"calls of summary, hist, callers, calls and the pictures):\n"
"  --format table|csv|json  summary, hist, callers, calls, sql: the output\n"
"                         format (default table)\n"
"  --pid PID              only this process (or thread)\n"
"  --comm NAME            only threads of this name (glob)\n"
"  --since T, --until T   time window: '+1.5' is 1.5 s after the first event,\n"
"                         '1234.5' an absolute time as dump shows it\n"
"  --sort KEY             summary: total (default), calls, avg, min, max, p50,\n"
"                         p90, p99, self, name\n"
"  --by pid|tid|comm      summary: one row per function and process, thread or\n"
"                         thread name (the name each call's thread had then)\n"
"  --limit N              at most N rows\n"
"  --linear [--buckets N] hist: N linear buckets (default 20) instead of log2\n"
"  --min-duration D       calls: only calls of at least D (e.g. 5ms, 200us)\n"
"  --status S[,S...]      calls: only calls of these statuses: complete,\n"
"                         no_return (still running at the end: hung?),\n"
"                         abandoned (longjmp), no_entry, lost, ... (the\n"
"                         call_status table), or incomplete (all but complete)\n"
"  --cpu N, --event GLOB  dump: only this CPU / these events\n"
"  --db PATH              keep the database at PATH instead of TRACE.db\n"
"  --no-cache             import into a temporary database, keep nothing\n"
"                         (summary, hist, callers: answer by one pass and\n"
"                         build no database)\n"
"                         (--db and --no-cache: not db, which writes -o)\n"
"  --symbols DIR          a trace.dat's user-space callers named with the\n"
"                         binaries (ELF files) in DIR: one with a probed\n"
"                         function is placed where its events say (implies\n"
"                         --no-cache)\n"
"  -o OUT, --force        db and pictures: output file; db: overwrite it\n"
"  --mode MODE            file mode of what is written (the database, pictures;\n"
"                         octal, default 600: a trace's outputs stay private)\n"
"  -q, --quiet            no progress or warnings on stderr\n"
"  -h, --help\n"
"\n"
"Examples:\n"
"  uktrace-report trace.ukt\n"
"  uktrace-report hist trace.ukt handle\n"
"  uktrace-report callers trace.ukt malloc --format csv\n"
"  uktrace-report calls trace.ukt handle --min-duration 5ms\n"
"  uktrace-report calls trace.ukt handle --status no_return,abandoned\n"
"  uktrace-report sql trace.ukt 'SELECT func, p99_ns FROM call_stats'\n"
"  uktrace-report html trace.ukt -o report.html\n"
"  uktrace-report export trace.ukt --perfetto trace.json --since +2 --until +3\n"
"  uktrace-report clickhouse web1/*.ukt web2/*.ukt\n"
"  uktrace-report summary --clickhouse http://127.0.0.1:8123\n"
"  sqlite3 trace.ukt.db 'SELECT * FROM callers'\n"
"  uktrace-report sql trace.dat 'SELECT func, calls, p99_ns FROM call_stats'\n", f);
}

__attribute__((format(printf, 1, 2)))
static int bad(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("uktrace-report: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(see uktrace-report --help)\n", stderr);
	return 2;
}

/* Ctrl-C or a kill during an import: no half-built database is left
 * behind (cleanup.h), then the signal ends the program as it would. */
static void on_signal(int sig)
{
	cleanup_now();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* The long options, by id; OPT(id) is its bit in a command's set. */
enum { O_FIRST = 256, O_FORMAT = O_FIRST, O_PID, O_COMM, O_SINCE, O_UNTIL, O_SORT,
       O_LIMIT, O_BY, O_LINEAR, O_BUCKETS, O_MINDUR, O_CPU, O_EVENT, O_DB, O_NOCACHE,
       O_FORCE, O_VERSION, O_PERFETTO, O_SVG, O_FOLDED, O_REVERSE, O_URL, O_CLICKHOUSE,
       O_DATABASE, O_HOSTLABEL, O_MODE, O_PASSFILE, O_CACERT, O_SYMBOLS, O_OUTPUT,
       O_QUIET, O_STATUS, O_DEPTH, O_STACKS, O_COMPRESS, O_END };
#define OPT(id) (UINT64_C(1) << ((id) - O_FIRST))
_Static_assert(O_END - O_FIRST <= 64, "a command's options are one uint64_t");

/* What every command takes; what reads the database of a trace (--symbols:
 * a trace.dat's binaries); what selects calls; what asks a ClickHouse
 * server instead (summary, callers and sql only). */
#define OPTS_ALL (OPT(O_QUIET) | OPT(O_VERSION))
#define OPTS_DB (OPT(O_DB) | OPT(O_NOCACHE) | OPT(O_MODE) | OPT(O_SYMBOLS))
#define OPTS_SEL (OPT(O_PID) | OPT(O_COMM) | OPT(O_SINCE) | OPT(O_UNTIL))
#define OPTS_SERVER (OPT(O_CLICKHOUSE) | OPT(O_HOSTLABEL) | OPT(O_DATABASE) | \
		     OPT(O_PASSFILE) | OPT(O_CACERT))

/*
 * The commands: nargs, the arguments after the command, and how many may
 * be left out; opts, the options each takes (any other is refused, never
 * silently ignored).
 */
static const struct command {
	const char *name;
	int (*fn)(struct report_opts *);
	int nargs, optional;
	uint64_t opts;
} cmds[] = {
	{ "summary", cmd_summary, 1, 0, OPTS_DB | OPTS_SEL | OPTS_SERVER | OPT(O_FORMAT) |
	  OPT(O_SORT) | OPT(O_BY) | OPT(O_LIMIT) },
	{ "hist", cmd_hist, 2, 0, OPTS_DB | OPTS_SEL | OPT(O_FORMAT) | OPT(O_LINEAR) |
	  OPT(O_BUCKETS) | OPT(O_SVG) },
	{ "callers", cmd_callers, 2, 0, OPTS_DB | OPTS_SEL | OPTS_SERVER | OPT(O_FORMAT) |
	  OPT(O_LIMIT) | OPT(O_DEPTH) },
	{ "calls", cmd_calls, 2, 0, OPTS_DB | OPTS_SEL | OPT(O_FORMAT) | OPT(O_LIMIT) |
	  OPT(O_MINDUR) | OPT(O_STATUS) },
	{ "info", cmd_info, 1, 0, OPT(O_SYMBOLS) },
	{ "dump", cmd_dump, 1, 0, OPT(O_SYMBOLS) | OPT(O_PID) | OPT(O_SINCE) | OPT(O_UNTIL) |
	  OPT(O_CPU) | OPT(O_EVENT) },
	{ "sql", cmd_sql, 2, 0, OPTS_DB | OPTS_SERVER | OPT(O_FORMAT) },
	/* db writes -o itself: no cache to place (--db) or to skip (--no-cache) */
	{ "db", cmd_db, 1, 0, OPT(O_MODE) | OPT(O_SYMBOLS) | OPT(O_OUTPUT) | OPT(O_FORCE) },
	{ "export", cmd_export, 1, 0, OPTS_DB | OPTS_SEL | OPT(O_PERFETTO) },
	{ "flamegraph", cmd_flamegraph, 2, 1, OPTS_DB | OPTS_SEL | OPT(O_OUTPUT) |
	  OPT(O_FOLDED) | OPT(O_REVERSE) | OPT(O_STACKS) },
	{ "heatmap", cmd_heatmap, 2, 0, OPTS_DB | OPTS_SEL | OPT(O_OUTPUT) | OPT(O_BUCKETS) },
	{ "html", cmd_html, 1, 0, OPTS_DB | OPTS_SEL | OPT(O_OUTPUT) | OPT(O_LIMIT) },
	{ "clickhouse", cmd_clickhouse, 1, 0, OPT(O_URL) | OPT(O_DATABASE) | OPT(O_HOSTLABEL) |
	  OPT(O_PASSFILE) | OPT(O_CACERT) | OPT(O_SYMBOLS) | OPT(O_COMPRESS) },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

/* What a command asking a ClickHouse server (--clickhouse) takes of its
 * set: the server's options and what shapes the server's answer; the
 * trace file's (database, selection, --by) have no trace to act on. */
#define OPTS_ASKING (OPTS_SERVER | OPT(O_FORMAT) | OPT(O_SORT) | OPT(O_LIMIT))

/* The long option of id, for messages. */
static const char *opt_name(const struct option *longopts, int id)
{
	for (const struct option *l = longopts; l->name; l++)
		if (l->val == id)
			return l->name;
	return "?";
}

/* An option given that command c does not take: say which, and which
 * commands do. 0 when every one is c's. asking: c asks a ClickHouse
 * server (--clickhouse) instead of reading trace files, where only
 * OPTS_ASKING apply; reading files, the server's options do not (for
 * the commands that can do either). */
static int foreign_option(const struct option *longopts, uint64_t given, size_t c, bool asking)
{
	uint64_t extra = given & ~(cmds[c].opts | OPTS_ALL);
	char takers[256] = "";
	const char *name;
	int id = O_FIRST;

	if (!extra && !(cmds[c].opts & OPT(O_CLICKHOUSE)))
		return 0;	/* no two modes (the clickhouse loader's are its own) */
	if (!extra) {
		uint64_t mode = given & cmds[c].opts & ~OPTS_ALL &
				(asking ? ~OPTS_ASKING : OPTS_SERVER & ~OPT(O_CLICKHOUSE));

		if (!mode)
			return 0;
		while (!(mode & OPT(id)))
			id++;
		return asking ? bad("%s --clickhouse asks a server, and does not take --%s (an option of trace files)",
				    cmds[c].name, opt_name(longopts, id)) :
			bad("%s of trace files does not take --%s: it is an option of --clickhouse URL",
			    cmds[c].name, opt_name(longopts, id));
	}
	while (!(extra & OPT(id)))
		id++;
	name = opt_name(longopts, id);
	for (size_t i = 0; i < NCMDS; i++)
		if (cmds[i].opts & OPT(id))
			snprintf(takers + strlen(takers), sizeof(takers) - strlen(takers), "%s%s",
				 *takers ? ", " : "", cmds[i].name);
	return bad("%s does not take --%s%s%s", cmds[c].name, name,
		   *takers ? ": it is an option of " : "", takers);
}

static int run(int argc, char **argv, const char **pos)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, O_FORMAT },
		{ "pid", required_argument, NULL, O_PID },
		{ "comm", required_argument, NULL, O_COMM },
		{ "since", required_argument, NULL, O_SINCE },
		{ "until", required_argument, NULL, O_UNTIL },
		{ "sort", required_argument, NULL, O_SORT },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "by", required_argument, NULL, O_BY },
		{ "linear", no_argument, NULL, O_LINEAR },
		{ "buckets", required_argument, NULL, O_BUCKETS },
		{ "min-duration", required_argument, NULL, O_MINDUR },
		{ "cpu", required_argument, NULL, O_CPU },
		{ "event", required_argument, NULL, O_EVENT },
		{ "db", required_argument, NULL, O_DB },
		{ "no-cache", no_argument, NULL, O_NOCACHE },
		{ "output", required_argument, NULL, O_OUTPUT },
		{ "force", no_argument, NULL, O_FORCE },
		{ "quiet", no_argument, NULL, O_QUIET },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, O_VERSION },
		{ "perfetto", required_argument, NULL, O_PERFETTO },
		{ "svg", required_argument, NULL, O_SVG },
		{ "folded", no_argument, NULL, O_FOLDED },
		{ "reverse", no_argument, NULL, O_REVERSE },
		{ "url", required_argument, NULL, O_URL },
		{ "clickhouse", required_argument, NULL, O_CLICKHOUSE },
		{ "database", required_argument, NULL, O_DATABASE },
		{ "host-label", required_argument, NULL, O_HOSTLABEL },
		{ "mode", required_argument, NULL, O_MODE },
		{ "password-file", required_argument, NULL, O_PASSFILE },
		{ "cacert", required_argument, NULL, O_CACERT },
		{ "compress", required_argument, NULL, O_COMPRESS },
		{ "symbols", required_argument, NULL, O_SYMBOLS },
		{ "status", required_argument, NULL, O_STATUS },
		{ "depth", required_argument, NULL, O_DEPTH },
		{ "stacks", no_argument, NULL, O_STACKS },
		{ NULL, 0, NULL, 0 },
	};
	struct report_opts o = { .cpu = -1, .format = OUT_TABLE, .mode = 0600 };
	uint64_t given = 0;	/* the options given, by bit (OPT) */
	int npos = 0, c, cmd = -1, rc;
	char *end;

	/* options may come anywhere; "-" hands positionals over in order */
	while ((c = getopt_long(argc, argv, "-o:qh", longopts, NULL)) != -1) {
		c = c == 'o' ? O_OUTPUT : c == 'q' ? O_QUIET : c;
		if (c >= O_FIRST && c < O_END)
			given |= OPT(c);
		switch (c) {
		case 1:
			pos[npos++] = optarg;
			break;
		case O_FORMAT:
			if ((int)(o.format = out_format_parse(optarg)) < 0)
				return bad("--format takes table, csv or json, not '%s'", optarg);
			break;
		case O_PID:
			o.pid = (int)strtol(optarg, &end, 10);
			if (*end || o.pid <= 0)
				return bad("--pid wants a process id, not '%s'", optarg);
			break;
		case O_COMM: o.comm = optarg; break;
		case O_SINCE: o.since_arg = optarg; break;
		case O_UNTIL: o.until_arg = optarg; break;
		case O_SORT: o.sort = optarg; break;
		case O_BY: o.by = optarg; break;
		case O_STACKS: o.stacks = true; break;
		case O_DEPTH:
			o.depth = (int)strtol(optarg, &end, 10);
			if (*end || o.depth <= 0 || o.depth > 64)
				return bad("--depth wants a number of frames from 1 to 64, not '%s'", optarg);
			break;
		case O_LIMIT:
			o.limit = (int)strtol(optarg, &end, 10);
			if (*end || o.limit <= 0)
				return bad("--limit wants a positive number, not '%s'", optarg);
			break;
		case O_LINEAR: o.linear = true; break;
		case O_BUCKETS:
			o.buckets = (int)strtol(optarg, &end, 10);
			if (*end || o.buckets <= 0 || o.buckets > 1000)
				return bad("--buckets wants a number from 1 to 1000, not '%s'", optarg);
			break;
		case O_MINDUR:
			if (ukt_parse_duration(optarg, &o.min_duration))
				return bad("--min-duration wants a duration such as 5ms, 200us or 1.5s, not '%s'", optarg);
			break;
		case O_CPU:
			o.cpu = (int)strtol(optarg, &end, 10);
			if (*end || o.cpu < 0)
				return bad("--cpu wants a CPU number, not '%s'", optarg);
			break;
		case O_EVENT: o.event = optarg; break;
		case O_DB: o.db_path = optarg; break;
		case O_NOCACHE: o.no_cache = true; break;
		case O_OUTPUT: o.output = optarg; break;
		case O_FORCE: o.force = true; break;
		case O_QUIET: o.quiet = true; break;
		case 'h': usage(stdout); return 0;
		case O_VERSION: printf("uktrace-report %s\n", UKT_VERSION); return 0;
		case O_PERFETTO: o.perfetto = optarg; break;
		case O_SVG: o.svg = optarg; break;
		case O_FOLDED: o.folded = true; break;
		case O_REVERSE: o.reverse = true; break;
		case O_URL: o.ch_url = optarg; break;
		case O_CLICKHOUSE: o.ch_query_url = optarg; break;
		case O_DATABASE: o.ch_db = optarg; break;
		case O_HOSTLABEL: o.host_label = optarg; break;
		case O_MODE:
			o.mode = (mode_t)strtoul(optarg, &end, 8);
			if (*end || !*optarg || o.mode > 0777 || !(o.mode & S_IRUSR))
				return bad("--mode wants an octal file mode that you can read, such as 600 or 644, not '%s'", optarg);
			break;
		case O_PASSFILE: o.ch_password_file = optarg; break;
		case O_CACERT: o.ch_cacert = optarg; break;
		case O_COMPRESS:
			if (!strcmp(optarg, "auto"))
				o.ch_compress = CH_COMPRESS_AUTO;
			else if (!strcmp(optarg, "yes"))
				o.ch_compress = CH_COMPRESS_YES;
			else if (!strcmp(optarg, "no"))
				o.ch_compress = CH_COMPRESS_NO;
			else
				return bad("--compress wants auto, yes or no, not '%s'", optarg);
			break;
		case O_SYMBOLS: {
			struct stat st;

			if (stat(optarg, &st) < 0 || !S_ISDIR(st.st_mode))
				return bad("--symbols wants a directory holding the traced binaries, not '%s'", optarg);
			/* the names depend on the binaries: no cached database */
			tracedat_set_symbols(optarg);
			o.no_cache = true;
			break;
		}
		case O_STATUS: o.status = optarg; break;
		default: return bad("unknown option");
		}
	}
	if (npos == 0) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < NCMDS; i++)
		if (!strcmp(pos[0], cmds[i].name))
			cmd = (int)i;
	if (cmd < 0) {
		/* 'uktrace-report TRACE...' is the summary */
		if (npos > 1 && access(pos[0], F_OK) < 0)
			return bad("unknown command '%s'", pos[0]);
		if (o.ch_query_url)
			return bad("summary --clickhouse URL asks a server: it takes no trace files ('%s')", pos[0]);
		/* 'TRACE hist FUNC': a command after the trace, not a file */
		for (int i = 1; i < npos; i++)
			for (size_t k = 0; k < NCMDS; k++)
				if (!strcmp(pos[i], cmds[k].name) && access(pos[i], F_OK) < 0)
					return bad("'%s' is a command: the command comes first, then the trace: 'uktrace-report %s %s%s'",
						   pos[i], pos[i], pos[0], i + 1 < npos ? " ..." : "");
		cmd = 0;
		o.traces = pos;
		o.ntraces = (size_t)npos;
	} else if (o.ch_query_url) {
		/* of a ClickHouse server: no trace files, the arguments only */
		int extra = cmds[cmd].nargs - 1;

		if (cmds[cmd].fn != cmd_sql && cmds[cmd].fn != cmd_summary && cmds[cmd].fn != cmd_callers)
			return bad("--clickhouse URL asks a server: sql, summary and callers can; %s reads trace files", cmds[cmd].name);
		if (npos - 1 != extra)
			return bad("%s --clickhouse URL takes %s", cmds[cmd].name,
				   extra ? (cmds[cmd].fn == cmd_sql ? "a query" : "a function name") : "no trace files");
		o.arg = extra ? pos[npos - 1] : NULL;
	} else {
		/* TRACE... then the command's own arguments */
		int extra = cmds[cmd].nargs - 1, rest = npos - 1;

		if (rest < 1 + extra - cmds[cmd].optional)
			return bad("%s needs %s", cmds[cmd].name,
				   extra ? (!strcmp(cmds[cmd].name, "sql") ?
				   "a trace file and a query" : "a trace file and a function name") :
				   "a trace file");
		/* an optional argument that names a file is one more trace */
		if (cmds[cmd].optional && (rest < 2 || access(pos[npos - 1], F_OK) == 0))
			extra = 0;
		o.traces = pos + 1;
		o.ntraces = (size_t)(rest - extra);
		o.arg = extra ? pos[npos - 1] : NULL;
		for (size_t i = 1; i < o.ntraces; i++)
			if (access(o.traces[i], F_OK) < 0)
				return bad("'%s' is not a file: %s takes trace files (one, or the files of one recording), then %s",
					   o.traces[i], cmds[cmd].name, extra ? "its argument" : "nothing else");
	}
	if (o.status && cmds[cmd].fn != cmd_calls)
		return bad("--status chooses the calls that 'calls' lists: 'uktrace-report calls TRACE FUNC --status %s'",
			   o.status);
	if ((rc = foreign_option(longopts, given, (size_t)cmd, o.ch_query_url != NULL)))
		return rc;
	o.trace = o.traces ? o.traces[0] : NULL;
	{
		static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
		struct sigaction sa = { .sa_handler = on_signal };

		sigemptyset(&sa.sa_mask);
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			sigaction(sigs[i], &sa, NULL);
	}
	rc = cmds[cmd].fn(&o);
	free(o.arg_alloc);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char **pos = calloc((size_t)argc + 1, sizeof(*pos));
	int rc;

	if (!pos)
		return 1;
	rc = run(argc, argv, pos);
	free(pos);
	return rc;
}
