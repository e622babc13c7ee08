// SPDX-License-Identifier: MIT
/*
 * Unit tests of the ClickHouse client without a ClickHouse: URLs, the
 * RowBinary encoding, and the HTTP client against a small server in a
 * thread of this test that answers as ClickHouse does (Content-Length,
 * chunked, a closed connection, an error, a refused password), including a
 * query's result parsed into a table, and the credentials it is sent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <zlib.h>

#include "test.h"
#include "../../report/clickhouse/clickhouse.h"
#include "../../report/clickhouse/http.h"

static void test_urls(void)
{
	static const struct http_opts ports = { .port = 8123, .tls_port = 8443 };
	struct ukt_buf err = UKT_BUF_INIT;
	struct http_conn *c;

	c = http_open("http://127.0.0.1:8123", &ports, &err);
	CHECK(c != NULL);
	CHECK_STR(http_where(c), "127.0.0.1:8123");
	http_free(c);
	c = http_open("http://bob:s3cret@ch.example:9999/", &ports, &err);
	CHECK(c != NULL);
	CHECK_STR(http_where(c), "ch.example:9999");
	http_free(c);
	/* no scheme: http, and its default port */
	c = http_open("localhost", &ports, &err);
	CHECK(c != NULL);
	CHECK_STR(http_where(c), "localhost:8123");
	http_free(c);
	c = http_open("https://x", &ports, &err);
	CHECK(c != NULL);
	CHECK_STR(http_where(c), "x:8443");
	http_free(c);
	c = http_open("https://[::1]:9440", &ports, &err);
	CHECK(c != NULL);
	CHECK_STR(http_where(c), "[::1]:9440");
	http_free(c);
	CHECK(err.len == 0);
	CHECK(http_open("ftp://x:21", &ports, &err) == NULL);
	CHECK(strstr(err.data, "over http:// or https://, not ftp://") != NULL);
	ukt_buf_reset(&err);
	CHECK(http_open("http://x:99999", &ports, &err) == NULL);
	CHECK(strstr(err.data, "is not a server's URL") != NULL);
	ukt_buf_reset(&err);
	CHECK(http_open("http://", &ports, &err) == NULL);
	CHECK(err.len > 0);
	ukt_buf_release(&err);
}

static void test_encoding(void)
{
	struct ukt_buf b = UKT_BUF_INIT;
	char s300[300];

	http_urlencode("SELECT 'a b'&x=1", &b);
	CHECK_STR(b.data, "SELECT%20%27a%20b%27%26x%3D1");
	ukt_buf_reset(&b);
	rb_int(&b, -2, 4);
	CHECK_EQ(b.len, 4);
	CHECK(!memcmp(b.data, "\xfe\xff\xff\xff", 4));
	ukt_buf_reset(&b);
	/* string lengths are LEB128 varints */
	rb_str(&b, "", 0);
	CHECK_EQ(b.len, 1);
	memset(s300, 'x', sizeof(s300));
	ukt_buf_reset(&b);
	rb_str(&b, s300, 300);
	CHECK_EQ(b.len, 302);
	CHECK_EQ((unsigned char)b.data[0], 0xac);	/* 300 = 0b10_0101100 */
	CHECK_EQ((unsigned char)b.data[1], 0x02);
	ukt_buf_reset(&b);
	rb_nint(&b, false, 7, 8);
	CHECK_EQ(b.len, 1);
	ukt_buf_reset(&b);
	ch_quote("it's \\", &b);
	CHECK_STR(b.data, "'it\\'s \\\\'");
	ukt_buf_release(&b);
}

/* ---- a server that answers a script of responses ---- */

struct server {
	int lfd;
	int port;
	const char *const *answers;	/* one per request; "" closes first */
	int requests;
	char last_body[4096];
	char last_head[4096];
	unsigned char raw[65536];	/* the last body's bytes */
	size_t rawlen;
};

/* One request's head and body from fd; false at the end. */
static bool read_request(int fd, struct server *sv)
{
	char buf[65536];
	size_t n = 0, need = 0;
	char *end = NULL;

	while (!end || n < need) {
		ssize_t k = recv(fd, buf + n, sizeof(buf) - 1 - n, 0);

		if (k <= 0)
			return false;
		n += (size_t)k;
		buf[n] = '\0';
		if (!end && (end = strstr(buf, "\r\n\r\n"))) {
			char *cl = strcasestr(buf, "Content-Length:");

			need = (size_t)(end + 4 - buf) + (cl ? strtoul(cl + 15, NULL, 10) : 0);
		}
	}
	sv->rawlen = n - (size_t)(end + 4 - buf);
	memcpy(sv->raw, end + 4, sv->rawlen);
	snprintf(sv->last_body, sizeof(sv->last_body), "%s", end + 4);
	snprintf(sv->last_head, sizeof(sv->last_head), "%.*s", (int)(end - buf), buf);
	return true;
}

static void *serve(void *arg)
{
	struct server *sv = arg;

	for (;;) {
		int fd = accept(sv->lfd, NULL, NULL);

		if (fd < 0)
			return NULL;
		while (read_request(fd, sv)) {
			const char *a = sv->answers[sv->requests++];

			if (!a)
				break;
			if (!*a)	/* the server closed the idle connection */
				break;
			send(fd, a, strlen(a), MSG_NOSIGNAL);
			if (strstr(a, "Connection: close"))
				break;
		}
		close(fd);
		if (!sv->answers[sv->requests])
			return NULL;
	}
}

static int start_server(struct server *sv, pthread_t *th)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	sv->lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (sv->lfd < 0 || bind(sv->lfd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(sv->lfd, 4) || getsockname(sv->lfd, (struct sockaddr *)&a, &len))
		return -1;
	sv->port = ntohs(a.sin_port);
	return pthread_create(th, NULL, serve, sv);
}

static void test_http(void)
{
	static const char *const answers[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n42\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
		"",	/* closed: the client connects again */
		"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 37\r\nConnection: close\r\n\r\nCode: 60, DB::Exception: no table x\n\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 69\r\n\r\nname\tn\tnote\nString\tNullable(Int64)\tString\nhandle\t\\N\ta\\tb\nrun\t12345\t-\n",
		NULL,
	};
	struct server sv = { .answers = answers };
	struct ukt_buf err = UKT_BUF_INIT, out = UKT_BUF_INIT;
	struct out_table t = { 0 };
	pthread_t th;
	char url[64];
	struct ch *h;
	int64_t v;

	if (start_server(&sv, &th))
		SKIP("no loopback sockets here");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", sv.port);
	h = ch_open(url, "uktrace", NULL, &err);
	CHECK(h != NULL);
	CHECK_EQ(ch_query_int(h, "SELECT 42", &v, &err), 0);
	CHECK_EQ(v, 42);
	CHECK_STR(sv.last_body, "SELECT 42");
	CHECK(strstr(sv.last_head, "POST /?database=uktrace HTTP/1.1\r\n") == sv.last_head);
	/* no credentials given: none sent (the server's default user) */
	CHECK(strcasestr(sv.last_head, "Authorization:") == NULL);
	/* no form content type and no Expect: the body is SQL */
	CHECK(strcasestr(sv.last_head, "Content-Type:") == NULL);
	CHECK(strcasestr(sv.last_head, "Expect:") == NULL);
	CHECK_EQ(ch_query(h, "SELECT 'abcde'", &out, &err), 0);
	CHECK_STR(out.data, "abcde");
	/* the server closed the kept connection: answered on a new one */
	CHECK_EQ(ch_exec(h, "SELECT 1", &err), -EIO);
	CHECK(strstr(err.data, "no table x") != NULL);
	ukt_buf_reset(&err);
	CHECK_EQ(ch_query_table(h, "SELECT name, n, note FROM t", NULL, &t, &err), 0);
	CHECK_EQ(t.nrows, 2);
	CHECK_EQ(t.cells[1].type, CELL_NULL);
	CHECK_STR(t.cells[2].text, "a\tb");
	CHECK_EQ(t.cells[4].type, CELL_INT);
	CHECK_EQ(t.cells[4].i, 12345);
	out_table_release(&t);
	ch_close(h);
	pthread_join(th, NULL);
	close(sv.lfd);
	ukt_buf_release(&err);
	ukt_buf_release(&out);
}

/* Credentials go as basic authentication: the URL's first, then the
 * login's; a refusal of them says how to give them. */
static void test_login(void)
{
	static const char *const answers[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n1\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n1\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n1\n",
		"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 76\r\n\r\n"
		"Code: 193, e.displayText() = DB::Exception: Wrong password for user bob\n\n\n\n\n",
		NULL,
	};
	struct server sv = { .answers = answers };
	struct ukt_buf err = UKT_BUF_INIT;
	struct ch_login from_env = { .user = "bob", .password = "fromfile" };
	pthread_t th;
	char url[96];
	struct ch *h;
	int64_t v;

	if (start_server(&sv, &th))
		SKIP("no loopback sockets here");
	snprintf(url, sizeof(url), "http://bob:s3cret@127.0.0.1:%d", sv.port);
	h = ch_open(url, "uktrace", &from_env, &err);
	CHECK_EQ(ch_query_int(h, "SELECT 1", &v, &err), 0);
	CHECK(strstr(sv.last_head, "\r\nAuthorization: Basic Ym9iOnMzY3JldA==") != NULL);
	ch_close(h);
	/* percent-encoded in the URL, sent as it is meant */
	snprintf(url, sizeof(url), "http://alice:p%%40ss%%20w@127.0.0.1:%d", sv.port);
	h = ch_open(url, "uktrace", NULL, &err);
	CHECK_EQ(ch_query_int(h, "SELECT 1", &v, &err), 0);
	CHECK(strstr(sv.last_head, "\r\nAuthorization: Basic YWxpY2U6cEBzcyB3") != NULL);
	ch_close(h);
	/* none in the URL: the login's */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", sv.port);
	h = ch_open(url, "uktrace", &from_env, &err);
	CHECK_EQ(ch_query_int(h, "SELECT 1", &v, &err), 0);
	CHECK(strstr(sv.last_head, "\r\nAuthorization: Basic Ym9iOmZyb21maWxl") != NULL);
	CHECK(strstr(sv.last_head, "fromfile") == NULL);
	CHECK_EQ(ch_query_int(h, "SELECT 1", &v, &err), -EIO);
	CHECK(strstr(err.data, "Wrong password for user bob") != NULL);
	CHECK(strstr(err.data, "CLICKHOUSE_PASSWORD") != NULL);
	ch_close(h);
	pthread_join(th, NULL);
	close(sv.lfd);
	ukt_buf_release(&err);
}

/* Large bodies go deflated when asked to, or to another host (auto):
 * the server inflates them to what was sent. */
static void test_compress(void)
{
	static const char *const answers[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n1\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n1\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n1\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n1\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n1\n",
		NULL,
	};
	struct server sv = { .answers = answers };
	struct addrinfo hints = { .ai_family = AF_INET }, *ai = NULL;
	char name[256];
	struct ukt_buf err = UKT_BUF_INIT, sql = UKT_BUF_INIT;
	struct ch_login yes = { .compress = CH_COMPRESS_YES };
	static unsigned char back[65536];
	uLongf nback = sizeof(back);
	pthread_t th;
	char url[64];
	struct ch *h;

	if (start_server(&sv, &th))
		SKIP("no loopback sockets here");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", sv.port);
	ukt_buf_adds(&sql, "SELECT 1 -- ");
	for (int i = 0; i < 2000; i++)
		ukt_buf_addf(&sql, "row %d ", i);
	h = ch_open(url, "uktrace", &yes, &err);
	CHECK_EQ(ch_exec(h, sql.data, &err), 0);
	CHECK(strcasestr(sv.last_head, "\r\nContent-Encoding: deflate") != NULL);
	CHECK(sv.rawlen < sql.len / 2);
	CHECK_EQ(uncompress(back, &nback, sv.raw, sv.rawlen), Z_OK);
	CHECK(nback == sql.len && !memcmp(back, sql.data, sql.len));
	/* a short one goes as it is */
	CHECK_EQ(ch_exec(h, "SELECT 1", &err), 0);
	CHECK(strcasestr(sv.last_head, "Content-Encoding") == NULL);
	CHECK_STR(sv.last_body, "SELECT 1");
	ch_close(h);
	/* auto: this host's server gets it plain (deflating only costs it CPU) */
	h = ch_open(url, "uktrace", NULL, &err);
	CHECK_EQ(ch_exec(h, sql.data, &err), 0);
	CHECK(strcasestr(sv.last_head, "Content-Encoding") == NULL);
	CHECK(sv.rawlen == sql.len && !memcmp(sv.raw, sql.data, sql.len));
	ch_close(h);
	/* auto, a name that is this host's: plain once the server answered
	 * from a loopback address (when this host's name is 127.0.0.1) */
	if (!gethostname(name, sizeof(name)) && !getaddrinfo(name, NULL, &hints, &ai) &&
	    ((struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
	    strcasecmp(name, "localhost")) {
		snprintf(url, sizeof(url), "http://%.30s:%d", name, sv.port);
		h = ch_open(url, "uktrace", NULL, &err);
		CHECK_EQ(ch_exec(h, "SELECT 1", &err), 0);
		CHECK_EQ(ch_exec(h, sql.data, &err), 0);
		CHECK(strcasestr(sv.last_head, "Content-Encoding") == NULL);
		ch_close(h);
	} else {
		/* the two requests the server waits for */
		h = ch_open(url, "uktrace", NULL, &err);
		CHECK_EQ(ch_exec(h, "SELECT 1", &err), 0);
		CHECK_EQ(ch_exec(h, "SELECT 1", &err), 0);
		ch_close(h);
	}
	if (ai)
		freeaddrinfo(ai);
	pthread_join(th, NULL);
	close(sv.lfd);
	ukt_buf_release(&err);
	ukt_buf_release(&sql);
}

static void test_refused(void)
{
	struct ukt_buf err = UKT_BUF_INIT;
	struct ch *h = ch_open("http://127.0.0.1:1", "uktrace", NULL, &err);
	int64_t v;

	CHECK(h != NULL);
	CHECK(ch_query_int(h, "SELECT 1", &v, &err) < 0);
	CHECK(strstr(err.data, "cannot connect to 127.0.0.1:1") != NULL);
	ch_close(h);
	ukt_buf_reset(&err);
	CHECK(ch_open(CH_DEFAULT_URL, "bad-name;", NULL, &err) == NULL);
	ukt_buf_release(&err);
}

int main(void)
{
	RUN(test_urls);
	RUN(test_encoding);
	RUN(test_http);
	RUN(test_login);
	RUN(test_compress);
	RUN(test_refused);
	return t_failed_total ? 1 : 0;
}
