// SPDX-License-Identifier: MIT
/* HTTP through libcurl (http.h). */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "http.h"

/* no byte for this long: a server that is gone (a long query or a large
 * insert still answers within it) */
#define STALL_S 600L
#define CONNECT_S 60L
/* servers close idle connections (ClickHouse after keep_alive_timeout, 3 s
 * by default): a new one then, rather than a request the server may or
 * may not have read */
#define IDLE_S 2L
/* bodies shorter than this go as they are (queries): not worth a header */
#define DEFLATE_MIN 4096

struct http_conn {
	CURL *curl;
	struct curl_slist *headers, *zheaders;	/* plain, and deflated bodies */
	bool deflate;		/* large bodies go deflated */
	bool judge;		/* auto, not yet judged by the server's address */
	struct ukt_buf z;	/* the deflated body */
	char *base;		/* scheme://host:port/path, no user, no query */
	char *shown;		/* the same with the URL's user, for messages */
	char where[300];	/* host:port */
	bool tls;
	char errbuf[CURL_ERROR_SIZE];
	struct ukt_buf url;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

/* libcurl's global set-up is not safe to race: once, before any handle */
static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The URL's part, URL-decoded, or NULL (absent or out of memory). */
static char *url_part(CURLU *u, CURLUPart part)
{
	char *s = NULL;

	if (curl_url_get(u, part, &s, part == CURLUPART_USER || part == CURLUPART_PASSWORD ?
			 CURLU_URLDECODE : 0) != CURLUE_OK)
		return NULL;
	return s;
}

/* A libcurl string as our own (malloc'd, freed with free), or NULL. */
static char *own(char *s)
{
	char *o = s ? strdup(s) : NULL;

	curl_free(s);
	return o;
}

/* A host on this machine by its name (until the first answer says by its
 * address): deflating for it only takes CPU from the server. libcurl
 * gives IPv6 hosts in brackets. */
static bool loopback(const char *host)
{
	return !strcasecmp(host, "localhost") || !strncmp(host, "127.", 4) ||
	       !strcmp(host, "[::1]");
}

/* The server's address is this host's: a loopback one, or the address
 * the connection came from. */
static bool same_host(const char *ip, const char *local)
{
	return !strncmp(ip, "127.", 4) || !strcmp(ip, "::1") ||
	       !strncmp(ip, "::ffff:127.", 11) || (local && !strcmp(ip, local));
}

/*
 * The URL taken apart: scheme and port checked, user and password taken
 * out (into *user and *password, or NULL), and c->base and c->where set.
 */
static int parse_url(struct http_conn *c, const char *url, const struct http_opts *o,
		     char **user, char **password, struct ukt_buf *err)
{
	struct ukt_buf full = UKT_BUF_INIT;
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	CURLUcode uc;
	int rc = -EINVAL;

	*user = *password = NULL;
	if (!u)
		return -ENOMEM;
	ukt_buf_addf(&full, "%s%s", strstr(url, "://") ? "" : "http://", url);
	uc = curl_url_set(u, CURLUPART_URL, full.data, CURLU_NON_SUPPORT_SCHEME);
	if (uc != CURLUE_OK) {
		ukt_buf_addf(err, "'%s' is not a server's URL: %s (give http://HOST:PORT or https://HOST:PORT)",
			     url, curl_url_strerror(uc));
		goto out;
	}
	scheme = url_part(u, CURLUPART_SCHEME);
	if (!scheme || (strcmp(scheme, "http") && strcmp(scheme, "https"))) {
		ukt_buf_addf(err, "'%s': the server is reached over http:// or https://, not %s://",
			     url, scheme ? scheme : "?");
		goto out;
	}
	c->tls = !strcmp(scheme, "https");
	host = url_part(u, CURLUPART_HOST);
	if (!host || !*host) {
		ukt_buf_addf(err, "'%s' names no server: give http://HOST:PORT", url);
		goto out;
	}
	port = url_part(u, CURLUPART_PORT);
	if (!port) {
		char def[16];
		int p = c->tls ? o->tls_port : o->port;

		snprintf(def, sizeof(def), "%d", p > 0 ? p : c->tls ? 443 : 80);
		if (curl_url_set(u, CURLUPART_PORT, def, 0) != CURLUE_OK ||
		    !(port = url_part(u, CURLUPART_PORT))) {
			rc = -ENOMEM;
			goto out;
		}
	}
	snprintf(c->where, sizeof(c->where), "%s:%s", host, port);
	c->judge = o->compress == HTTP_COMPRESS_AUTO;
	c->deflate = c->judge ? !loopback(host) : o->compress == HTTP_COMPRESS_YES;
	*user = url_part(u, CURLUPART_USER);
	*password = url_part(u, CURLUPART_PASSWORD);
	/* without the password it is safe to show; without the user too,
	 * it is where requests go */
	curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
	curl_url_set(u, CURLUPART_QUERY, NULL, 0);
	curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	c->shown = own(url_part(u, CURLUPART_URL));
	curl_url_set(u, CURLUPART_USER, NULL, 0);
	c->base = own(url_part(u, CURLUPART_URL));
	rc = c->base && c->shown ? 0 : -ENOMEM;
	/* shown as given: "http://h:8123", not libcurl's "http://h:8123/" */
	if (!rc && !strstr(strstr(full.data, "://") + 3, "/")) {
		size_t n = strlen(c->shown);

		if (n && c->shown[n - 1] == '/')
			c->shown[n - 1] = '\0';
	}
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	ukt_buf_release(&full);
	return rc;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct ukt_buf *resp = arg;

	/* a short count makes libcurl fail the transfer (CURLE_WRITE_ERROR) */
	return ukt_buf_add(resp, p, size * n) ? 0 : size * n;
}

/* The request headers: no Expect: 100-continue (a round trip per batch),
 * no form content type (the body is SQL or RowBinary); and the same with
 * the body's encoding. */
static int make_headers(struct http_conn *c)
{
	c->headers = curl_slist_append(NULL, "Expect:");
	if (c->headers)
		c->headers = curl_slist_append(c->headers, "Content-Type:");
	c->zheaders = curl_slist_append(NULL, "Expect:");
	if (c->zheaders)
		c->zheaders = curl_slist_append(c->zheaders, "Content-Type:");
	if (c->zheaders)
		c->zheaders = curl_slist_append(c->zheaders, "Content-Encoding: deflate");
	return c->headers && c->zheaders ? 0 : -ENOMEM;
}

/* The handle's options that stay for every request. */
static int setup(struct http_conn *c, const struct http_opts *o, const char *user,
		 const char *password)
{
	CURL *h = c->curl;
	CURLcode e = CURLE_OK;

	if (make_headers(c))
		return -ENOMEM;
#define SET(opt, v) do { if (e == CURLE_OK) e = curl_easy_setopt(h, opt, v); } while (0)
	SET(CURLOPT_HTTPHEADER, c->headers);
	SET(CURLOPT_ERRORBUFFER, c->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SET(CURLOPT_POST, 1L);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_CONNECTTIMEOUT, CONNECT_S);
	SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SET(CURLOPT_LOW_SPEED_TIME, STALL_S);
	SET(CURLOPT_MAXAGE_CONN, IDLE_S);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	if (user || password) {
		SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SET(CURLOPT_USERNAME, user ? user : "default");
		SET(CURLOPT_PASSWORD, password ? password : "");
	}
	if (o->cacert)
		SET(CURLOPT_CAINFO, o->cacert);
#undef SET
	return e == CURLE_OK ? 0 : e == CURLE_OUT_OF_MEMORY ? -ENOMEM : -ENOTSUP;
}

struct http_conn *http_open(const char *url, const struct http_opts *o,
			    struct ukt_buf *err)
{
	static const struct http_opts none;
	struct http_conn *c = NULL;
	char *user = NULL, *password = NULL;
	int rc;

	if (!o)
		o = &none;
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK) {
		ukt_buf_addf(err, "cannot set up libcurl: %s", curl_easy_strerror(global_rc));
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->curl = curl_easy_init())) {
		rc = -ENOMEM;
		goto out;
	}
	ukt_buf_init(&c->url);
	ukt_buf_init(&c->z);
	rc = parse_url(c, url, o, &user, &password, err);
	if (!rc)
		rc = setup(c, o, user ? user : o->user, password ? password : o->password);
	if (rc == -ENOTSUP)
		ukt_buf_addf(err, "this libcurl (%s) lacks what talking to '%s' takes",
			     curl_version(), url);
out:
	if (password) {
		/* libcurl keeps its own copy */
		memset(password, 0, strlen(password));
		curl_free(password);
	}
	curl_free(user);
	if (rc && !err->len)
		ukt_buf_adds(err, strerror(-rc));
	if (rc) {
		http_free(c);
		return NULL;
	}
	return c;
}

struct http_conn *http_dup(const struct http_conn *c)
{
	struct http_conn *d = calloc(1, sizeof(*d));
	int e = ENOMEM;

	if (!d)
		return NULL;
	ukt_buf_init(&d->url);
	ukt_buf_init(&d->z);
	d->tls = c->tls;
	d->deflate = c->deflate;
	d->judge = c->judge;
	memcpy(d->where, c->where, sizeof(d->where));
	d->base = strdup(c->base);
	d->shown = strdup(c->shown);
	/* the copy shares no list with c: its own headers and error buffer */
	d->curl = curl_easy_duphandle(c->curl);
	if (d->base && d->shown && !make_headers(d) && d->curl &&
	    curl_easy_setopt(d->curl, CURLOPT_HTTPHEADER, d->headers) == CURLE_OK &&
	    curl_easy_setopt(d->curl, CURLOPT_ERRORBUFFER, d->errbuf) == CURLE_OK)
		return d;
	http_free(d);
	errno = e;
	return NULL;
}

void http_free(struct http_conn *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->headers);
	curl_slist_free_all(c->zheaders);
	ukt_buf_release(&c->z);
	free(c->base);
	free(c->shown);
	ukt_buf_release(&c->url);
	free(c);
}

const char *http_where(const struct http_conn *c)
{
	return c->where;
}

const char *http_url(const struct http_conn *c)
{
	return c->shown;
}

/* A failed transfer as -errno, with what failed in err. */
static int transfer_error(struct http_conn *c, CURLcode e, struct ukt_buf *err)
{
	const char *why = c->errbuf[0] ? c->errbuf : curl_easy_strerror(e);
	long os = 0;

	curl_easy_getinfo(c->curl, CURLINFO_OS_ERRNO, &os);
	switch (e) {
	case CURLE_COULDNT_RESOLVE_HOST:
		ukt_buf_addf(err, "cannot find %.*s: %s", (int)strcspn(c->where, ":"), c->where, why);
		return -EHOSTUNREACH;
	case CURLE_COULDNT_CONNECT:
		ukt_buf_addf(err, "cannot connect to %s: %s", c->where, os ? strerror((int)os) : why);
		return os ? -(int)os : -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		ukt_buf_addf(err, "no answer from %s: %s", c->where, why);
		return -ETIMEDOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		ukt_buf_addf(err, "cannot trust %s: %s (a server with a certificate of its own: --cacert FILE trusts it)",
			     c->where, why);
		return -EPROTO;
	case CURLE_SSL_CONNECT_ERROR:
		ukt_buf_addf(err, "no TLS with %s: %s%s", c->where, why,
			     c->tls ? " (is it an http:// port?)" : "");
		return -EPROTO;
	case CURLE_OUT_OF_MEMORY:
	case CURLE_WRITE_ERROR:
		ukt_buf_adds(err, strerror(ENOMEM));
		return -ENOMEM;
	default:
		/* a TLS port closes on a request in plain text */
		ukt_buf_addf(err, "no answer from %s: %s%s", c->where, why,
			     !c->tls && (e == CURLE_GOT_NOTHING || e == CURLE_RECV_ERROR) ?
			     " (is it an https:// port?)" : "");
		return e == CURLE_WEIRD_SERVER_REPLY ? -EPROTO : -EIO;
	}
}

/* body deflated (zlib's format, HTTP's "deflate") into c->z: 0, or
 * -ENOMEM */
static int deflate_body(struct http_conn *c, const void *body, size_t len)
{
	uLongf n;

	ukt_buf_reset(&c->z);
	if (len > (uLong)-1 / 2)
		return -ENOMEM;
	n = compressBound((uLong)len);
	if (ukt_buf_grow(&c->z, n))
		return -ENOMEM;
	/* level 1: the body is rows of small integers, and the time is the
	 * sender's */
	if (compress2((Bytef *)c->z.data, &n, body, (uLong)len, 1) != Z_OK)
		return -ENOMEM;
	c->z.len = n;
	return 0;
}

int http_post(struct http_conn *c, const char *query, const void *body, size_t len,
	      int *status, struct ukt_buf *resp, struct ukt_buf *err)
{
	bool z = c->deflate && len >= DEFLATE_MIN;
	CURLcode e;
	long code = 0;

	if (z) {
		if (deflate_body(c, body, len)) {
			ukt_buf_adds(err, strerror(ENOMEM));
			return -ENOMEM;
		}
		body = c->z.data;
		len = c->z.len;
	}
	ukt_buf_reset(resp);
	ukt_buf_reset(&c->url);
	if (ukt_buf_addf(&c->url, "%s%s%s", c->base, query ? "?" : "", query ? query : ""))
		return -ENOMEM;
	c->errbuf[0] = '\0';
	e = curl_easy_setopt(c->curl, CURLOPT_URL, c->url.data);
	if (e == CURLE_OK)
		e = curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, z ? c->zheaders : c->headers);
	if (e == CURLE_OK)
		e = curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, len ? body : "");
	if (e == CURLE_OK)
		e = curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	if (e == CURLE_OK)
		e = curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, resp);
	if (e == CURLE_OK)
		e = curl_easy_perform(c->curl);
	if (e != CURLE_OK)
		return transfer_error(c, e, err);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
	*status = (int)code;
	if (c->judge) {
		char *ip = NULL, *local = NULL;

		if (curl_easy_getinfo(c->curl, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK &&
		    ip && *ip) {
			if (curl_easy_getinfo(c->curl, CURLINFO_LOCAL_IP, &local) != CURLE_OK)
				local = NULL;
			c->deflate = !same_host(ip, local);
			c->judge = false;
		}
	}
	return 0;
}

int http_urlencode(const char *s, struct ukt_buf *out)
{
	size_t n = strlen(s);
	char *e = n <= 0x7fffffff ? curl_easy_escape(NULL, s, (int)n) : NULL;
	int rc;

	if (!e)
		return -ENOMEM;
	rc = ukt_buf_adds(out, e);
	curl_free(e);
	return rc;
}
