// SPDX-License-Identifier: MIT
/*
 * Unit tests of what keeps a trace from elsewhere in its place: text
 * escaped for the terminal, CSV cells that are not formulas, output files
 * that are made new (never written through a symlink) and private, and
 * databases opened with SQLite's defensive settings.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "../../report/store/db.h"
#include "../../report/output.h"
#include "uktrace/format.h"
#include "uktrace/outfile.h"

static char dir[] = "/tmp/ukt-test-trust-XXXXXX";
static char pbuf[2][512];

static const char *at(int i, const char *name)
{
	snprintf(pbuf[i], sizeof(pbuf[i]), "%s/%s", dir, name);
	return pbuf[i];
}

static char *escaped(const char *s, bool lines)
{
	struct ukt_buf b = UKT_BUF_INIT;

	out_escape(&b, s, lines);
	return ukt_buf_detach(&b);
}

#define CHECK_ESC(in, want) do {					\
	char *_e = escaped(in, false);					\
	int _ok = _e && !strcmp(_e, want);				\
									\
	if (!_ok)							\
		printf("  escaped '%s', want '%s'\n", _e ? _e : "", want); \
	free(_e);							\
	CHECK(_ok);							\
} while (0)

static void test_escape_controls(void)
{
	char *e;

	CHECK_ESC("plain name", "plain name");
	CHECK_ESC("x\033]2;pwn\007", "x\\x1b]2;pwn\\x07");
	CHECK_ESC("a\tb\rc\x7f", "a\\x09b\\x0dc\\x7f");
	/* C1 CSI: as UTF-8 (U+009B) and as a lone byte */
	CHECK_ESC("\xc2\x9b" "31m", "\\xc2\\x9b" "31m");
	CHECK_ESC("\x9b" "31m", "\\x9b" "31m");
	/* right-to-left override (Trojan Source) */
	CHECK_ESC("a\xe2\x80\xae" "b", "a\\xe2\\x80\\xae" "b");
	/* what people write stays as it is */
	CHECK_ESC("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xe2\x80\x94 ns::f<int>", "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xe2\x80\x94 ns::f<int>");
	CHECK_ESC("a\nb", "a\\x0ab");
	e = escaped("line one\nline \033two\n", true);
	CHECK_STR(e, "line one\nline \\x1btwo\n");
	free(e);
}

static void test_out_term(void)
{
	const char *clean = "clean", *v[8];
	char in[8][8];

	CHECK(out_term(clean) == clean);
	CHECK(out_term(NULL) == NULL);
	/* eight escaped values at once, as eight printf arguments */
	for (int i = 0; i < 8; i++) {
		snprintf(in[i], sizeof(in[i]), "%d\033", i);
		v[i] = out_term(in[i]);
	}
	for (int i = 0; i < 8; i++) {
		char want[16];

		snprintf(want, sizeof(want), "%d\\x1b", i);
		CHECK_STR(v[i], want);
	}
}

/* t printed in format f, as a string to free */
static char *printed(const struct out_table *t, enum out_format f)
{
	char *s = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&s, &n);

	if (!m)
		return NULL;
	out_table_print(t, f, m);
	fclose(m);
	return s;
}

static void test_table_escapes_csv_json_exact(void)
{
	static const char *const heads[] = { "comm", "calls" };
	struct out_table t;
	char *tab, *csv, *json;

	CHECK(out_table_init(&t, 2, heads) == 0);
	out_table_row(&t);
	out_set_text(&t, 0, "x\033]2;pwn\007");
	out_set_int(&t, 1, 5);
	out_table_row(&t);
	out_set_text(&t, 0, "plain");
	out_set_int(&t, 1, 12);
	tab = printed(&t, OUT_TABLE);
	csv = printed(&t, OUT_CSV);
	json = printed(&t, OUT_JSON);
	out_table_release(&t);
	CHECK(tab && csv && json);
	/* escaped, and the columns still line up on the escaped width */
	CHECK_STR(tab, "comm             calls\n"
		       "x\\x1b]2;pwn\\x07      5\n"
		       "plain               12\n");
	CHECK_STR(csv, "comm,calls\nx\033]2;pwn\007,5\nplain,12\n");
	CHECK(strstr(json, "\"x\\u001b]2;pwn\\u0007\""));
	free(tab);
	free(csv);
	free(json);
}

static void test_csv_formulas(void)
{
	static const char *const heads[] = { "a" };
	static const struct { const char *in, *out; } cases[] = {
		{ "=1+2", "'=1+2" }, { "+x", "'+x" }, { "-2+3", "'-2+3" },
		{ "@SUM(A1)", "'@SUM(A1)" }, { "\tx", "'\tx" }, { "\rx", "\"'\rx\"" },
		{ "=a,b", "\"'=a,b\"" }, { "-", "'-" }, { "-e5", "'-e5" },
		/* numbers stay numbers */
		{ "-12", "-12" }, { "+1.5", "+1.5" }, { "-.5e-3", "-.5e-3" }, { "-1E9", "-1E9" },
		/* only the first character counts */
		{ "a=b", "a=b" }, { "x@y", "x@y" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct out_table t;
		char want[64], *csv;

		CHECK(out_table_init(&t, 1, heads) == 0);
		out_table_row(&t);
		out_set_text(&t, 0, cases[i].in);
		csv = printed(&t, OUT_CSV);
		out_table_release(&t);
		snprintf(want, sizeof(want), "a\n%s\n", cases[i].out);
		CHECK(csv);
		if (strcmp(csv, want))
			printf("  '%s' as CSV: '%s', want '%s'\n", cases[i].in, csv, want);
		CHECK(!strcmp(csv, want));
		free(csv);
	}
}

static bool file_is(const char *path, const char *text)
{
	char b[64] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, b, sizeof(b) - 1) : -1;

	if (fd >= 0)
		close(fd);
	return n >= 0 && !strcmp(b, text);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_outfile_replaces_symlink(void)
{
	struct ukt_outfile f;
	struct stat st;
	mode_t old = umask(022);

	write_text(at(0, "target"), "precious");
	unlink(at(1, "out"));
	CHECK(symlink(at(0, "target"), at(1, "out")) == 0);
	CHECK(ukt_outfile_create(&f, at(1, "out"), 0640) == 0);
	CHECK(write(f.fd, "new", 3) == 3);
	CHECK(ukt_outfile_commit(&f) == 0);
	ukt_outfile_release(&f);
	umask(old);
	CHECK(file_is(at(0, "target"), "precious"));
	CHECK(lstat(at(1, "out"), &st) == 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_mode & 0777, 0640);	/* exactly, not through umask */
	CHECK(file_is(at(1, "out"), "new"));
	/* a dangling symlink is something: ukt_create_new leaves it */
	unlink(at(1, "dangling"));
	CHECK(symlink(at(0, "nothing-here"), at(1, "dangling")) == 0);
	CHECK_EQ(ukt_create_new(at(1, "dangling"), 0600), -EEXIST);
	CHECK(access(at(0, "nothing-here"), F_OK) < 0);
}

static void test_writer_force_replaces_symlink(void)
{
	struct ukt_file_info info = { .endian = 1, .long_size = 8, .subbuf_size = 4096,
				      .ncpus = 1, .clock = "mono" };
	struct ukt_writer *w;
	struct stat st;

	write_text(at(0, "victim"), "precious");
	unlink(at(1, "link.ukt"));
	CHECK(symlink(at(0, "victim"), at(1, "link.ukt")) == 0);
	/* without overwrite: refused, even for a symlink */
	CHECK(ukt_writer_create(at(1, "link.ukt"), &info, false) == NULL);
	CHECK_EQ(errno, EEXIST);
	w = ukt_writer_create(at(1, "link.ukt"), &info, true);
	CHECK(w);
	CHECK(ukt_writer_finish(w) == 0);
	ukt_writer_free(w);
	CHECK(file_is(at(0, "victim"), "precious"));
	CHECK(lstat(at(1, "link.ukt"), &st) == 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK_EQ(st.st_mode & 0777, 0600);
}

static void test_db_create_private(void)
{
	struct db *d;
	struct stat st;
	mode_t old = umask(022);

	unlink(at(0, "new.db"));
	d = db_open(at(0, "new.db"), DB_CREATE, NULL);
	umask(old);
	CHECK(d);
	CHECK(db_exec(d, "CREATE TABLE t(x)", NULL) == 0);
	db_close(d);
	CHECK(stat(at(0, "new.db"), &st) == 0);
	CHECK_EQ(st.st_mode & 0777, 0600);
	/* a symlink at the name: not followed, not created through */
	unlink(at(1, "link.db"));
	CHECK(symlink(at(0, "elsewhere.db"), at(1, "link.db")) == 0);
	CHECK(db_open(at(1, "link.db"), DB_CREATE, NULL) == NULL);
	CHECK(access(at(0, "elsewhere.db"), F_OK) < 0);
}

static void test_db_defensive(void)
{
	struct ukt_buf err = UKT_BUF_INIT;
	struct db_stmt *s;
	struct db *d;

	unlink(at(0, "planted.db"));
	d = db_open(at(0, "planted.db"), DB_CREATE, NULL);
	CHECK(d);
	/* a schema that reaches beyond the data: a table-valued pragma in a
	 * view, and a trigger */
	CHECK(db_exec(d, "CREATE TABLE t(x); CREATE TABLE log(y);"
			 "CREATE VIEW v AS SELECT name FROM pragma_table_info('t');"
			 "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES(1); END;",
		      NULL) == 0);
	db_close(d);
	/* opened again, as a file found next to a trace is */
	d = db_open(at(0, "planted.db"), 0, NULL);
	CHECK(d);
	/* the schema cannot be rewritten behind SQLite's back */
	CHECK(db_exec(d, "PRAGMA writable_schema=ON;"
			 "UPDATE sqlite_schema SET sql = 'CREATE TABLE t(x, y)' WHERE name = 't'",
		      &err) != 0);
	/* triggers do not run */
	CHECK(db_exec(d, "INSERT INTO t VALUES(1)", NULL) == 0);
	{
		int64_t n = -1;

		CHECK(db_query_int(d, "SELECT COUNT(*) FROM log", &n) == 0);
		CHECK_EQ(n, 0);
	}
	db_close(d);
	d = db_open(at(0, "planted.db"), DB_READONLY, NULL);
	CHECK(d);
	ukt_buf_reset(&err);
	s = db_prepare(d, "SELECT * FROM v", &err);
	db_finalize(s);
	db_close(d);
	CHECK(s == NULL);
	CHECK(strstr(err.data, "unsafe"));
	ukt_buf_release(&err);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_escape_controls);
	RUN(test_out_term);
	RUN(test_table_escapes_csv_json_exact);
	RUN(test_csv_formulas);
	RUN(test_outfile_replaces_symlink);
	RUN(test_writer_force_replaces_symlink);
	RUN(test_db_create_private);
	RUN(test_db_defensive);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("  could not remove %s\n", dir);
	}
	return TEST_EXIT();
}
