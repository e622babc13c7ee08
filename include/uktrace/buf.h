/* SPDX-License-Identifier: MIT */
/*
 * A growable byte buffer, shared by both programs.
 *
 * Like git's strbuf: ukt_buf_init() allocates nothing, ukt_buf_release()
 * frees the contents and leaves an empty buffer that can be reused. data is
 * never NULL: an empty buffer points at a shared "" (never write to it),
 * and the data is always NUL-terminated after len bytes, so text can be
 * handed to string functions directly, also after -ENOMEM.
 *
 * The first failed append is sticky (like stdio's error flag): err keeps
 * it, every later append is refused with it, so the contents are always a
 * whole prefix of what was asked, never text with a hole in the middle.
 * Callers need not check each append: check ukt_buf_error() (or the
 * result of ukt_buf_detach) once, where the buffer is used.
 */
#ifndef UKTRACE_BUF_H
#define UKTRACE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct ukt_buf {
	char *data;
	size_t len;
	size_t cap;
	int err;		/* the first failed append's -errno, sticky */
};

/* What an empty buffer's data points at (cap 0: not ours to free). */
extern char ukt_buf_empty[1];

#define UKT_BUF_INIT { ukt_buf_empty, 0, 0, 0 }

void ukt_buf_init(struct ukt_buf *b);
/* Free the contents (and forget an error); the buffer is empty and
 * reusable afterwards. */
void ukt_buf_release(struct ukt_buf *b);
/* Make room for at least extra more bytes (plus a NUL). 0 or -ENOMEM. */
int ukt_buf_grow(struct ukt_buf *b, size_t extra);
/* Append bytes. 0 or -ENOMEM. */
int ukt_buf_add(struct ukt_buf *b, const void *data, size_t len);
int ukt_buf_adds(struct ukt_buf *b, const char *s);
int ukt_buf_addf(struct ukt_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ukt_buf_vaddf(struct ukt_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Append little-endian integers (the file format's own byte order). */
int ukt_buf_add_u16(struct ukt_buf *b, uint16_t v);
int ukt_buf_add_u32(struct ukt_buf *b, uint32_t v);
int ukt_buf_add_u64(struct ukt_buf *b, uint64_t v);
/* Append a u32 length followed by the bytes. */
int ukt_buf_add_lstr(struct ukt_buf *b, const void *s, size_t len);
/* Cut the contents back to their first len bytes (nothing when they are
 * shorter already); an error stays. */
void ukt_buf_truncate(struct ukt_buf *b, size_t len);
/* Forget the contents (and an error) but keep the allocation. */
void ukt_buf_reset(struct ukt_buf *b);
/* Hand the contents over as a malloc'd string (an empty one when the
 * buffer is empty) and leave the buffer empty. NULL on ENOMEM, and when
 * an append failed (the contents would be cut short: they are freed). */
char *ukt_buf_detach(struct ukt_buf *b);
/* 0, or the -errno of the first append that failed since the buffer was
 * last empty (released, reset or detached). */
static inline int ukt_buf_error(const struct ukt_buf *b)
{
	return b->err;
}
/* Read a whole file into b (appending). 0 or -errno. */
int ukt_buf_read_file(struct ukt_buf *b, const char *path);

/* A NUL-terminated copy of n bytes (which may hold NULs). NULL on ENOMEM. */
char *ukt_memdupz(const void *p, size_t n);

/* "812 B", "12.3 KiB", "1.5 GiB" into out (both programs print sizes). */
void ukt_human_bytes(char *out, size_t n, double bytes);

/* Little-endian loads from unaligned memory. */
static inline uint16_t ukt_le16(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)(b[0] | b[1] << 8);
}

static inline uint32_t ukt_le32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static inline uint64_t ukt_le64(const void *p)
{
	return (uint64_t)ukt_le32(p) | (uint64_t)ukt_le32((const char *)p + 4) << 32;
}

static inline void ukt_put_le16(void *p, uint16_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

static inline void ukt_put_le32(void *p, uint32_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}

static inline void ukt_put_le64(void *p, uint64_t v)
{
	ukt_put_le32(p, (uint32_t)v);
	ukt_put_le32((char *)p + 4, (uint32_t)(v >> 32));
}

/*
 * A bounds-checked cursor over untrusted bytes. Every getter returns 0 on
 * success or -EBADMSG when the input ends early; the cursor is then spent.
 */
struct ukt_cursor {
	const uint8_t *p;
	size_t left;
};

int ukt_cur_u8(struct ukt_cursor *c, uint8_t *v);
int ukt_cur_u32(struct ukt_cursor *c, uint32_t *v);
int ukt_cur_u64(struct ukt_cursor *c, uint64_t *v);
/* A u32 length then that many bytes; *s points into the input. */
int ukt_cur_lstr(struct ukt_cursor *c, const char **s, uint32_t *len);
int ukt_cur_bytes(struct ukt_cursor *c, const void **s, size_t len);

#endif
