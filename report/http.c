// SPDX-License-Identifier: MIT
/* A small HTTP/1.1 client (http.h). */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http.h"

#define TIMEOUT_MS 600000	/* a long query, or a large insert */
/* servers close idle connections (ClickHouse after 3 s): a new one then,
 * rather than a request the server may or may not have read */
#define IDLE_S 2.0

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct http_conn {
	struct http_url u;
	int fd;
	double last;		/* when the connection was last used */
	struct ukt_buf in;	/* received, not yet consumed */
	size_t pos;
};

int http_parse_url(const char *url, int default_port, struct http_url *u,
		   struct ukt_buf *err)
{
	const char *p = url, *at, *end, *colon;

	memset(u, 0, sizeof(*u));
	if (!strncmp(p, "https://", 8)) {
		ukt_buf_addf(err, "'%s': https is not supported; reach the server over http (an SSH tunnel or a local proxy for a remote one)", url);
		return -EINVAL;
	}
	if (!strncmp(p, "http://", 7))
		p += 7;
	end = p + strcspn(p, "/?");
	at = memchr(p, '@', (size_t)(end - p));
	if (at) {
		colon = memchr(p, ':', (size_t)(at - p));
		snprintf(u->user, sizeof(u->user), "%.*s", (int)((colon ? colon : at) - p), p);
		if (colon)
			snprintf(u->password, sizeof(u->password), "%.*s", (int)(at - colon - 1), colon + 1);
		p = at + 1;
	}
	colon = memchr(p, ':', (size_t)(end - p));
	if (p == end || (size_t)((colon ? colon : end) - p) >= sizeof(u->host)) {
		ukt_buf_addf(err, "'%s' names no server: give http://HOST:PORT", url);
		return -EINVAL;
	}
	snprintf(u->host, sizeof(u->host), "%.*s", (int)((colon ? colon : end) - p), p);
	if (colon) {
		char *e;
		long port = strtol(colon + 1, &e, 10);

		if (e != end || port <= 0 || port > 65535) {
			ukt_buf_addf(err, "'%s': the port is not a number from 1 to 65535", url);
			return -EINVAL;
		}
		snprintf(u->port, sizeof(u->port), "%ld", port);
	} else {
		snprintf(u->port, sizeof(u->port), "%d", default_port);
	}
	return 0;
}

struct http_conn *http_new(const struct http_url *u)
{
	struct http_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->u = *u;
	c->fd = -1;
	ukt_buf_init(&c->in);
	return c;
}

static void drop(struct http_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	ukt_buf_reset(&c->in);
	c->pos = 0;
}

void http_free(struct http_conn *c)
{
	if (!c)
		return;
	drop(c);
	ukt_buf_release(&c->in);
	free(c);
}

static int connect_to(struct http_conn *c, struct ukt_buf *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *a;
	int rc = getaddrinfo(c->u.host, c->u.port, &hints, &res), e = ECONNREFUSED;

	if (rc) {
		ukt_buf_addf(err, "cannot find %s: %s", c->u.host, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	for (a = res; a; a = a->ai_next) {
		c->fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (c->fd < 0)
			continue;
		if (connect(c->fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		e = errno;
		close(c->fd);
		c->fd = -1;
	}
	freeaddrinfo(res);
	if (c->fd < 0) {
		ukt_buf_addf(err, "cannot connect to %s:%s: %s", c->u.host, c->u.port, strerror(e));
		return -e;
	}
	return 0;
}

static int send_all(int fd, const void *p, size_t n)
{
	const char *b = p;

	while (n) {
		ssize_t k = send(fd, b, n, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EPIPE;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

/* More bytes into c->in; 0 at the end of the stream, -errno. */
static int fill(struct http_conn *c)
{
	char buf[65536];
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, TIMEOUT_MS) == 0)
		return -ETIMEDOUT;
	do {
		n = recv(c->fd, buf, sizeof(buf), 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n && ukt_buf_add(&c->in, buf, (size_t)n))
		return -ENOMEM;
	return n > 0;
}

/* A line (CRLF stripped) into line. 0, or -errno / -EPROTO. */
static int read_line(struct http_conn *c, struct ukt_buf *line)
{
	for (;;) {
		char *nl = c->in.len > c->pos ? memchr(c->in.data + c->pos, '\n', c->in.len - c->pos) : NULL;
		int rc;

		if (nl) {
			size_t len = (size_t)(nl - (c->in.data + c->pos));

			ukt_buf_reset(line);
			ukt_buf_add(line, c->in.data + c->pos, len && nl[-1] == '\r' ? len - 1 : len);
			c->pos += len + 1;
			return 0;
		}
		rc = fill(c);
		if (rc <= 0)
			return rc ? rc : -EPROTO;
	}
}

/* n bytes of body into out (n SIZE_MAX: until the server closes). */
static int read_body(struct http_conn *c, size_t n, struct ukt_buf *out)
{
	for (;;) {
		size_t have = c->in.len - c->pos, take = have < n ? have : n;
		int rc;

		ukt_buf_add(out, c->in.data + c->pos, take);
		c->pos += take;
		if (n != SIZE_MAX) {
			n -= take;
			if (!n)
				return 0;
		}
		rc = fill(c);
		if (rc < 0)
			return rc;
		if (!rc)
			return n == SIZE_MAX ? 0 : -EPROTO;
	}
}

static int read_response(struct http_conn *c, int *status, struct ukt_buf *resp,
			 bool *keep)
{
	struct ukt_buf line = UKT_BUF_INIT;
	size_t length = SIZE_MAX;
	bool chunked = false;
	int rc = read_line(c, &line);

	*keep = true;
	if (!rc && sscanf(line.data, "HTTP/%*d.%*d %d", status) != 1)
		rc = -EPROTO;
	while (!rc && !(rc = read_line(c, &line)) && line.len) {
		if (!strncasecmp(line.data, "Content-Length:", 15))
			length = strtoull(line.data + 15, NULL, 10);
		else if (!strncasecmp(line.data, "Transfer-Encoding:", 18) && strcasestr(line.data, "chunked"))
			chunked = true;
		else if (!strncasecmp(line.data, "Connection:", 11) && strcasestr(line.data, "close"))
			*keep = false;
	}
	if (!rc && chunked) {
		for (;;) {
			size_t n;

			if ((rc = read_line(c, &line)))
				break;
			n = strtoull(line.data, NULL, 16);
			if (!n) {
				rc = read_line(c, &line);	/* the empty trailer */
				break;
			}
			if ((rc = read_body(c, n, resp)) || (rc = read_line(c, &line)))
				break;
		}
	} else if (!rc) {
		if (length == SIZE_MAX)
			*keep = false;
		rc = read_body(c, length, resp);
	}
	/* what was consumed goes */
	if (c->pos) {
		memmove(c->in.data, c->in.data + c->pos, c->in.len - c->pos);
		c->in.len -= c->pos;
		c->in.data[c->in.len] = '\0';
		c->pos = 0;
	}
	ukt_buf_release(&line);
	return rc;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(const char *s, struct ukt_buf *out)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i += 3) {
		unsigned int v = (unsigned char)s[i] << 16 |
				 (i + 1 < n ? (unsigned char)s[i + 1] << 8 : 0) |
				 (i + 2 < n ? (unsigned char)s[i + 2] : 0);
		char q[5] = { b64[v >> 18 & 63], b64[v >> 12 & 63],
			      i + 1 < n ? b64[v >> 6 & 63] : '=', i + 2 < n ? b64[v & 63] : '=', 0 };

		ukt_buf_adds(out, q);
	}
}

int http_post(struct http_conn *c, const char *target, const char *extra_headers,
	      const void *body, size_t len, int *status, struct ukt_buf *resp,
	      struct ukt_buf *err)
{
	struct ukt_buf head = UKT_BUF_INIT;
	int rc = 0;

	ukt_buf_addf(&head, "POST %s HTTP/1.1\r\nHost: %s:%s\r\nContent-Length: %zu\r\n"
		     "Connection: keep-alive\r\n", target, c->u.host, c->u.port, len);
	if (c->u.user[0]) {
		struct ukt_buf cred = UKT_BUF_INIT;

		ukt_buf_addf(&cred, "%s:%s", c->u.user, c->u.password);
		ukt_buf_adds(&head, "Authorization: Basic ");
		base64(cred.data, &head);
		ukt_buf_adds(&head, "\r\n");
		ukt_buf_release(&cred);
	}
	if (extra_headers)
		ukt_buf_adds(&head, extra_headers);
	ukt_buf_adds(&head, "\r\n");
	if (c->fd >= 0 && mono_s() - c->last > IDLE_S)
		drop(c);
	/* a kept connection the server closed meanwhile (it sent nothing
	 * back): once more, on a new one */
	for (int attempt = 0; attempt < 2; attempt++) {
		bool fresh = c->fd < 0, keep, unread;

		ukt_buf_reset(resp);
		if (fresh && (rc = connect_to(c, err)))
			break;
		rc = send_all(c->fd, head.data, head.len);
		if (!rc && len)
			rc = send_all(c->fd, body, len);
		unread = rc == -EPIPE || rc == -ECONNRESET;
		if (!rc) {
			rc = read_response(c, status, resp, &keep);
			unread = rc == -EPROTO && !c->in.len;
		}
		c->last = mono_s();
		if (!rc) {
			if (!keep)
				drop(c);
			break;
		}
		drop(c);
		if (fresh || !unread)
			break;
	}
	if (rc && !err->len)
		ukt_buf_addf(err, "no answer from %s:%s: %s", c->u.host, c->u.port,
			     rc == -EPROTO ? "not an HTTP response" : strerror(-rc));
	ukt_buf_release(&head);
	return rc;
}

void http_urlencode(const char *s, struct ukt_buf *out)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.' || ch == '~')
			ukt_buf_add(out, (const char *)&ch, 1);
		else
			ukt_buf_addf(out, "%%%02X", ch);
	}
}
