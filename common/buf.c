// SPDX-License-Identifier: MIT
/* Growable buffer and bounds-checked cursor (include/uktrace/buf.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "uktrace/buf.h"

char ukt_buf_empty[1];

void ukt_buf_init(struct ukt_buf *b)
{
	b->data = ukt_buf_empty;
	b->len = 0;
	b->cap = 0;
	b->err = 0;
}

void ukt_buf_release(struct ukt_buf *b)
{
	if (b->cap)
		free(b->data);
	ukt_buf_init(b);
}

void ukt_buf_reset(struct ukt_buf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->cap)
		b->data[0] = '\0';
}

void ukt_buf_truncate(struct ukt_buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->data[len] = '\0';	/* len < b->len: the buffer is ours (cap > 0) */
}

char *ukt_buf_detach(struct ukt_buf *b)
{
	char *s;

	if (b->err) {
		ukt_buf_release(b);
		return NULL;
	}
	s = b->cap ? b->data : strdup("");
	ukt_buf_init(b);
	return s;
}

int ukt_buf_grow(struct ukt_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->err)
		return b->err;
	if (extra > SIZE_MAX - b->len - 1)
		return b->err = -ENOMEM;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->cap ? b->data : NULL, cap);
	if (!p)
		return b->err = -ENOMEM;
	if (!b->cap)
		p[0] = '\0';
	b->data = p;
	b->cap = cap;
	return 0;
}

int ukt_buf_add(struct ukt_buf *b, const void *data, size_t len)
{
	int err = ukt_buf_grow(b, len);

	if (err)
		return err;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	if (b->cap)
		b->data[b->len] = '\0';
	return 0;
}

int ukt_buf_adds(struct ukt_buf *b, const char *s)
{
	return ukt_buf_add(b, s, strlen(s));
}

int ukt_buf_vaddf(struct ukt_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, err;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (b->err)
		return b->err;
	if (n < 0)
		return b->err = -EINVAL;
	err = ukt_buf_grow(b, (size_t)n);
	if (err)
		return err;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int ukt_buf_addf(struct ukt_buf *b, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = ukt_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return err;
}

int ukt_buf_add_u16(struct ukt_buf *b, uint16_t v)
{
	uint8_t x[2];

	ukt_put_le16(x, v);
	return ukt_buf_add(b, x, 2);
}

int ukt_buf_add_u32(struct ukt_buf *b, uint32_t v)
{
	uint8_t x[4];

	ukt_put_le32(x, v);
	return ukt_buf_add(b, x, 4);
}

int ukt_buf_add_u64(struct ukt_buf *b, uint64_t v)
{
	uint8_t x[8];

	ukt_put_le64(x, v);
	return ukt_buf_add(b, x, 8);
}

int ukt_buf_add_lstr(struct ukt_buf *b, const void *s, size_t len)
{
	int err;

	if (b->err)
		return b->err;
	if (len > UINT32_MAX)
		return b->err = -EOVERFLOW;
	err = ukt_buf_add_u32(b, (uint32_t)len);
	return err ? err : ukt_buf_add(b, s, len);
}

int ukt_buf_read_file(struct ukt_buf *b, const char *path)
{
	int fd, err = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		err = ukt_buf_grow(b, 65536);
		if (err)
			break;
		n = read(fd, b->data + b->len, b->cap - b->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
	}
	if (b->cap)
		b->data[b->len] = '\0';
	close(fd);
	return err;
}

int ukt_cur_bytes(struct ukt_cursor *c, const void **s, size_t len)
{
	if (c->left < len) {
		c->left = 0;
		return -EBADMSG;
	}
	*s = c->p;
	c->p += len;
	c->left -= len;
	return 0;
}

int ukt_cur_u8(struct ukt_cursor *c, uint8_t *v)
{
	const void *p;
	int err = ukt_cur_bytes(c, &p, 1);

	if (!err)
		*v = *(const uint8_t *)p;
	return err;
}

int ukt_cur_u32(struct ukt_cursor *c, uint32_t *v)
{
	const void *p;
	int err = ukt_cur_bytes(c, &p, 4);

	if (!err)
		*v = ukt_le32(p);
	return err;
}

int ukt_cur_u64(struct ukt_cursor *c, uint64_t *v)
{
	const void *p;
	int err = ukt_cur_bytes(c, &p, 8);

	if (!err)
		*v = ukt_le64(p);
	return err;
}

int ukt_cur_lstr(struct ukt_cursor *c, const char **s, uint32_t *len)
{
	const void *p;
	int err = ukt_cur_u32(c, len);

	if (!err)
		err = ukt_cur_bytes(c, &p, *len);
	if (!err)
		*s = p;
	return err;
}

void ukt_human_bytes(char *out, size_t n, double v)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(out, n, i ? "%.1f %s" : "%.0f %s", v, unit[i]);
}

char *ukt_memdupz(const void *p, size_t n)
{
	char *d = n < SIZE_MAX ? malloc(n + 1) : NULL;

	if (d) {
		if (n)
			memcpy(d, p, n);
		d[n] = '\0';
	}
	return d;
}
