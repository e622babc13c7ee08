// SPDX-License-Identifier: MIT
/* The durations of the import's second pass, in a temporary file (durlog.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "durlog.h"
#include "uktrace/buf.h"

#define DURLOG_BUF (256u << 10)

struct durlog {
	int fd;
	int err;
	unsigned char *buf;
	size_t len;
};

struct durlog *durlog_new(const char *near)
{
	struct ukt_buf path = UKT_BUF_INIT;
	struct durlog *l = calloc(1, sizeof(*l));
	int e;

	if (!l)
		return NULL;
	l->fd = -1;
	l->buf = malloc(DURLOG_BUF);
	ukt_buf_addf(&path, "%s.durs-XXXXXX", near);
	if (!l->buf || ukt_buf_error(&path)) {
		e = ENOMEM;
		goto fail;
	}
	l->fd = mkstemp(path.data);
	if (l->fd < 0) {
		e = errno;
		goto fail;
	}
	unlink(path.data);	/* gone with the process, however it ends */
	ukt_buf_release(&path);
	return l;
fail:
	ukt_buf_release(&path);
	durlog_free(l);
	errno = e;
	return NULL;
}

void durlog_free(struct durlog *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	free(l->buf);
	free(l);
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -ENOSPC;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int flush(struct durlog *l)
{
	int rc = write_all(l->fd, l->buf, l->len);

	l->len = 0;
	if (rc)
		l->err = rc;
	return rc;
}

static size_t put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

int durlog_add(struct durlog *l, size_t g, int64_t dur)
{
	/* zigzag: a hostile file's negative durations stay small too */
	uint64_t z = ((uint64_t)dur << 1) ^ (uint64_t)(dur >> 63);

	if (l->err)
		return l->err;
	if (l->len + 20 > DURLOG_BUF && flush(l))
		return l->err;
	l->len += put_varint(l->buf + l->len, (uint64_t)g);
	l->len += put_varint(l->buf + l->len, z);
	return 0;
}

/* One varint from p[*i..n); false when it runs past n (more to read). */
static bool get_varint(const unsigned char *p, size_t n, size_t *i, uint64_t *v)
{
	uint64_t x = 0;

	for (size_t k = *i, shift = 0; k < n && shift < 70; k++, shift += 7) {
		x |= (uint64_t)(p[k] & 0x7f) << shift;
		if (!(p[k] & 0x80)) {
			*i = k + 1;
			*v = x;
			return true;
		}
	}
	return false;
}

int durlog_each(struct durlog *l, int (*fn)(void *ctx, size_t g, int64_t dur),
		void *ctx)
{
	size_t have = 0;
	off_t at = 0;
	int rc;

	if (l->err || (l->len && flush(l)))
		return l->err;
	for (;;) {
		ssize_t r = pread(l->fd, l->buf + have, DURLOG_BUF - have, at);
		size_t i = 0, end;
		uint64_t g, z;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return have ? -EIO : 0;	/* a pair cut short: not ours */
		at += r;
		end = have + (size_t)r;
		for (;;) {
			size_t k = i;

			if (!get_varint(l->buf, end, &k, &g) || !get_varint(l->buf, end, &k, &z))
				break;
			i = k;
			rc = fn(ctx, (size_t)g, (int64_t)(z >> 1) ^ -(int64_t)(z & 1));
			if (rc)
				return rc;
		}
		have = end - i;
		memmove(l->buf, l->buf + i, have);
	}
}
