/* SPDX-License-Identifier: MIT */
/*
 * A small HTTP/1.1 client: what talking to ClickHouse's HTTP interface
 * takes, and no more. Plain http:// (no TLS: use a local port, an SSH
 * tunnel or a proxy for remote servers), POST with a Content-Length body,
 * responses with Content-Length, chunked, or until close; one keep-alive
 * connection, opened again when the server closed it. The only module that
 * touches sockets.
 */
#ifndef UKT_HTTP_H
#define UKT_HTTP_H

#include <stddef.h>

#include "uktrace/buf.h"

struct http_url {
	char host[256];
	char port[8];
	char user[128];		/* from user:password@, or "" */
	char password[128];
};

/* "http://[user[:password]@]host[:port][/]". 0, or -EINVAL with a message. */
int http_parse_url(const char *url, int default_port, struct http_url *u,
		   struct ukt_buf *err);

struct http_conn;

struct http_conn *http_new(const struct http_url *u);
void http_free(struct http_conn *c);

/*
 * POST target (a path with its query string, already encoded) with body;
 * extra_headers are "Name: value\r\n" lines, or NULL. The status goes to
 * *status and the body to resp. 0, or -errno with a message in err
 * (a status that is not 2xx is not an error here).
 */
int http_post(struct http_conn *c, const char *target, const char *extra_headers,
	      const void *body, size_t len, int *status, struct ukt_buf *resp,
	      struct ukt_buf *err);

/* s percent-encoded for a query string, appended to out. */
void http_urlencode(const char *s, struct ukt_buf *out);

#endif
