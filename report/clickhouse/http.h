/* SPDX-License-Identifier: MIT */
/*
 * HTTP for the ClickHouse client, through libcurl: the only module that
 * sees it. http:// and https:// (the system's certificate authorities, or
 * a file of certificates to trust), basic authentication, POST with a body
 * in memory; one connection kept and reused, opened again when it was idle
 * long enough for the server to close it, or when the server closed it.
 */
#ifndef UKT_HTTP_H
#define UKT_HTTP_H

#include <stddef.h>

#include "uktrace/buf.h"

/* Whether request bodies go deflated (Content-Encoding: deflate). */
enum http_compress {
	HTTP_COMPRESS_AUTO,	/* for a server not on this host: not a
				 * loopback address, nor the one the
				 * connection comes from (by its name,
				 * localhost, 127.x or [::1], until the
				 * first answer) */
	HTTP_COMPRESS_YES,
	HTTP_COMPRESS_NO,
};

/* What the URL does not say; every field may be NULL (or 0). */
struct http_opts {
	int port;		/* when the URL names none: for http:// */
	int tls_port;		/* ... and for https:// */
	const char *user;	/* when the URL has no user@ */
	const char *password;	/* when the URL has no :password@ */
	const char *cacert;	/* https: trust the certificates in this PEM
				 * file instead of the system's */
	enum http_compress compress;	/* bodies of 4 KiB and more */
};

struct http_conn;

/*
 * A client of the server at url, "[http[s]://][user[:password]@]host
 * [:port][/path]" (http:// when no scheme is given; a query string or a
 * fragment is ignored). No connection is made yet. NULL with a message in
 * err: a URL that names no server, a scheme that is not http or https.
 */
struct http_conn *http_open(const char *url, const struct http_opts *o,
			    struct ukt_buf *err);
void http_free(struct http_conn *c);
/* A second connection to c's server with c's options (user, password,
 * certificates), for requests in parallel from another thread. NULL and
 * errno on failure. */
struct http_conn *http_dup(const struct http_conn *c);

/* "host:port", for messages. */
const char *http_where(const struct http_conn *c);
/* The URL without its password (and without a query), for messages. */
const char *http_url(const struct http_conn *c);

/*
 * POST body to the URL's path with the query string query (already
 * encoded; NULL for none), deflated as the connection's options say. The status goes to *status and the body to
 * resp (reset first). 0, or -errno with a message in err that names the
 * server and what failed: -EHOSTUNREACH (cannot find it), -ECONNREFUSED
 * and other connect errors, -EPROTO (TLS or not HTTP), -ETIMEDOUT, -EIO.
 * A status that is not 2xx is not an error here.
 */
int http_post(struct http_conn *c, const char *query, const void *body, size_t len,
	      int *status, struct ukt_buf *resp, struct ukt_buf *err);

/* s percent-encoded for a query string, appended to out. */
int http_urlencode(const char *s, struct ukt_buf *out);

#endif
