// SPDX-License-Identifier: MIT
/*
 * Trace file writer. Blocks are framed and compressed in the caller's thread
 * with the caller's encoder; only the write(2) of a finished block and the
 * bookkeeping for the trailer happen under the writer's lock. Nothing is
 * ever patched: a file cut at any point is the header plus whole blocks plus
 * at most one partial block.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "uktrace/vec.h"
#include "uktrace/error.h"
#include "uktrace/format.h"
#include "uktrace/outfile.h"

struct ukt_encoder {
	ZSTD_CCtx *cctx;
	int level;
	struct ukt_buf out;
};

struct index_entry {
	uint64_t offset;
	uint16_t type;
	uint32_t cpu;
	uint64_t ts_first;
	uint64_t ts_last;
};

struct cpu_total {
	uint64_t pages;
	uint64_t ts_first;
	uint64_t ts_last;
	bool seen;
};

struct ukt_writer {
	int fd;
	pthread_mutex_t lock;
	uint64_t offset;
	uint64_t blocks;
	uint64_t raw_data_bytes;
	uint64_t data_bytes;		/* framed bytes of the data blocks */
	int failed;			/* first write error, negative */
	bool finished;
	struct ukt_encoder *own;	/* for callers without an encoder */
	struct index_entry *index;
	size_t nindex, index_cap;
	struct cpu_total *cpus;
	uint32_t ncpus;
	uint64_t limit;			/* 0: none */
	uint64_t data_reserve;		/* data blocks leave this much of it */
};

struct ukt_encoder *ukt_encoder_new(int level)
{
	struct ukt_encoder *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	ukt_buf_init(&e->out);
	e->level = level > 0 ? level : 3;
	e->cctx = ZSTD_createCCtx();
	if (!e->cctx) {
		free(e);
		errno = ENOMEM;
		return NULL;
	}
	ZSTD_CCtx_setParameter(e->cctx, ZSTD_c_compressionLevel, e->level);
	ZSTD_CCtx_setParameter(e->cctx, ZSTD_c_checksumFlag, 0);
	ZSTD_CCtx_setParameter(e->cctx, ZSTD_c_contentSizeFlag, 1);
	return e;
}

void ukt_encoder_free(struct ukt_encoder *e)
{
	if (!e)
		return;
	ZSTD_freeCCtx(e->cctx);
	ukt_buf_release(&e->out);
	free(e);
}

/* write(2) all of it, or fail with -errno (git's write_in_full). */
static int write_full(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ENOSPC;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void encode_header(uint8_t *h, const struct ukt_file_info *info)
{
	memset(h, 0, UKT_HEADER_SIZE);
	memcpy(h, "UKTRACE", 8);
	ukt_put_le16(h + 8, UKT_MAJOR);
	ukt_put_le16(h + 10, UKT_MINOR);
	h[12] = info->endian;
	h[13] = info->long_size;
	ukt_put_le16(h + 14, UKT_HEADER_SIZE);
	ukt_put_le32(h + 16, info->subbuf_size);
	ukt_put_le32(h + 20, info->ncpus);
	ukt_put_le32(h + 24, 0);
	memcpy(h + 28, info->clock, strnlen(info->clock, 31));
	ukt_put_le32(h + 60, ukt_crc32c(0, h, 60));
}

/*
 * The file, private (0600) and new: never opened by its name, so a
 * symlink or hard link left at path is not written through (outfile.h).
 * Overwriting, the new file is renamed over path at once, before anything
 * is written: a recording cut short is still readable at its name.
 */
static int open_file(struct ukt_writer *w, const char *path, bool overwrite)
{
	struct ukt_outfile f;
	int err;

	if (!overwrite) {
		w->fd = ukt_create_new(path, 0600);
		return w->fd < 0 ? w->fd : 0;
	}
	err = ukt_outfile_create(&f, path, 0600);
	if (!err)
		err = ukt_outfile_commit(&f);
	if (!err) {
		w->fd = f.fd;
		f.fd = -1;
	}
	ukt_outfile_release(&f);
	return err;
}

struct ukt_writer *ukt_writer_create(const char *path,
				     const struct ukt_file_info *info,
				     bool overwrite)
{
	uint8_t header[UKT_HEADER_SIZE];
	struct ukt_writer *w;
	int err;

	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->fd = -1;
	pthread_mutex_init(&w->lock, NULL);
	w->ncpus = info->ncpus;
	w->cpus = calloc(info->ncpus ? info->ncpus : 1, sizeof(*w->cpus));
	w->own = ukt_encoder_new(3);
	if (!w->cpus || !w->own) {
		err = -ENOMEM;
		goto out_err;
	}
	err = open_file(w, path, overwrite);
	if (err)
		goto out_err;
	encode_header(header, info);
	err = write_full(w->fd, header, sizeof(header));
	if (err)
		goto out_err;
	w->offset = UKT_HEADER_SIZE;
	return w;

out_err:
	ukt_writer_free(w);
	errno = -err;
	return NULL;
}

/* Compress into e->out, leaving room for the frame in front. */
static int encode_block(struct ukt_encoder *e, const struct ukt_block_desc *d,
			const void *data, size_t len)
{
	uint8_t *f;
	size_t bound, clen;
	uint16_t flags = 0;
	int err;

	if (len > UKT_MAX_BLOCK)
		return -EMSGSIZE;
	ukt_buf_reset(&e->out);
	bound = ZSTD_compressBound(len);
	err = ukt_buf_grow(&e->out, UKT_FRAME_SIZE + bound);
	if (err)
		return err;
	f = (uint8_t *)e->out.data;
	clen = len;
	if (len >= 64) {
		size_t n = ZSTD_compress2(e->cctx, f + UKT_FRAME_SIZE, bound,
					  data, len);

		if (ZSTD_isError(n))
			return -UKT_E_ZSTD;
		if (n < len) {
			clen = n;
			flags |= 1;
		}
	}
	if (!(flags & 1) && len)
		memcpy(f + UKT_FRAME_SIZE, data, len);
	memcpy(f, "UKB1", 4);
	ukt_put_le16(f + 4, d->type);
	ukt_put_le16(f + 6, flags);
	ukt_put_le32(f + 8, (uint32_t)clen);
	ukt_put_le32(f + 12, (uint32_t)len);
	ukt_put_le32(f + 16, d->cpu);
	ukt_put_le32(f + 20, d->count);
	ukt_put_le64(f + 24, d->ts_first);
	ukt_put_le64(f + 32, d->ts_last);
	ukt_put_le32(f + 40, ukt_crc32c(0, f + UKT_FRAME_SIZE, clen));
	ukt_put_le32(f + 44, ukt_crc32c(0, f, 44));
	e->out.len = UKT_FRAME_SIZE + clen;
	return 0;
}

static int index_add(struct ukt_writer *w, const struct ukt_block_desc *d,
		     uint64_t offset)
{
	struct index_entry *ie;

	if (UKT_GROW(w->index, w->index_cap, w->nindex))
		return -ENOMEM;
	ie = &w->index[w->nindex++];
	ie->offset = offset;
	ie->type = d->type;
	ie->cpu = d->cpu;
	ie->ts_first = d->ts_first;
	ie->ts_last = d->ts_last;
	if (d->type == UKT_B_DATA && d->cpu < w->ncpus) {
		struct cpu_total *c = &w->cpus[d->cpu];

		if (!c->seen || d->ts_first < c->ts_first)
			c->ts_first = d->ts_first;
		if (!c->seen || d->ts_last > c->ts_last)
			c->ts_last = d->ts_last;
		c->seen = true;
		c->pages += d->count;
	}
	return 0;
}

/* The most the trailer and footer take with nindex blocks indexed (a
 * payload that does not compress is stored as it is). */
static uint64_t trailer_bound(const struct ukt_writer *w, size_t nindex)
{
	return UKT_FRAME_SIZE + 8 + 8 + 4 + (uint64_t)w->ncpus * 28 + 4 +
	       (uint64_t)nindex * 32 + UKT_FOOTER_SIZE;
}

void ukt_writer_set_limit(struct ukt_writer *w, uint64_t max, uint64_t data_reserve)
{
	pthread_mutex_lock(&w->lock);
	w->limit = max;
	w->data_reserve = data_reserve;
	pthread_mutex_unlock(&w->lock);
}

/* Append an encoded block; the caller holds w->lock. */
static int append_locked(struct ukt_writer *w, const struct ukt_block_desc *d,
			 const struct ukt_buf *enc, size_t raw_len)
{
	int err;

	if (w->failed)
		return -UKT_E_WRITER_FAILED;
	if (w->finished)
		return -EINVAL;
	if (w->limit && d->type != UKT_B_TRAILER &&
	    w->offset + enc->len + trailer_bound(w, w->nindex + 1) +
	    (d->type == UKT_B_DATA ? w->data_reserve : 0) > w->limit)
		return -EFBIG;
	err = write_full(w->fd, enc->data, enc->len);
	if (err) {
		/*
		 * A partial block may now end the file; readers handle that.
		 * Cut it off where we can so the file ends on a whole block.
		 */
		if (ftruncate(w->fd, (off_t)w->offset) == 0)
			lseek(w->fd, (off_t)w->offset, SEEK_SET);
		w->failed = err;
		return err;
	}
	err = index_add(w, d, w->offset);
	w->offset += enc->len;
	w->blocks++;
	if (d->type == UKT_B_DATA) {
		w->raw_data_bytes += raw_len;
		w->data_bytes += enc->len;
	}
	return err;
}

int ukt_writer_add(struct ukt_writer *w, struct ukt_encoder *enc,
		   const struct ukt_block_desc *desc,
		   const void *data, size_t len)
{
	int err;

	if (enc) {
		err = encode_block(enc, desc, data, len);
		if (err)
			return err;
		pthread_mutex_lock(&w->lock);
		err = append_locked(w, desc, &enc->out, len);
		pthread_mutex_unlock(&w->lock);
		return err;
	}
	pthread_mutex_lock(&w->lock);
	err = encode_block(w->own, desc, data, len);
	if (!err)
		err = append_locked(w, desc, &w->own->out, len);
	pthread_mutex_unlock(&w->lock);
	return err;
}

uint64_t ukt_writer_bytes(struct ukt_writer *w)
{
	uint64_t v;

	pthread_mutex_lock(&w->lock);
	v = w->offset;
	pthread_mutex_unlock(&w->lock);
	return v;
}

uint64_t ukt_writer_raw_data_bytes(struct ukt_writer *w)
{
	uint64_t v;

	pthread_mutex_lock(&w->lock);
	v = w->raw_data_bytes;
	pthread_mutex_unlock(&w->lock);
	return v;
}

uint64_t ukt_writer_data_bytes(struct ukt_writer *w)
{
	uint64_t v;

	pthread_mutex_lock(&w->lock);
	v = w->data_bytes;
	pthread_mutex_unlock(&w->lock);
	return v;
}

static int build_trailer(struct ukt_writer *w, struct ukt_buf *t)
{
	int err = 0;
	uint32_t n = 0;

	err |= ukt_buf_add_u64(t, w->blocks);
	err |= ukt_buf_add_u64(t, w->raw_data_bytes);
	for (uint32_t i = 0; i < w->ncpus; i++)
		n += w->cpus[i].seen;
	err |= ukt_buf_add_u32(t, n);
	for (uint32_t i = 0; i < w->ncpus; i++) {
		if (!w->cpus[i].seen)
			continue;
		err |= ukt_buf_add_u32(t, i);
		err |= ukt_buf_add_u64(t, w->cpus[i].pages);
		err |= ukt_buf_add_u64(t, w->cpus[i].ts_first);
		err |= ukt_buf_add_u64(t, w->cpus[i].ts_last);
	}
	if (w->nindex > UINT32_MAX)
		return -EOVERFLOW;
	err |= ukt_buf_add_u32(t, (uint32_t)w->nindex);
	for (size_t i = 0; i < w->nindex; i++) {
		err |= ukt_buf_add_u64(t, w->index[i].offset);
		err |= ukt_buf_add_u16(t, w->index[i].type);
		err |= ukt_buf_add_u16(t, 0);
		err |= ukt_buf_add_u32(t, w->index[i].cpu);
		err |= ukt_buf_add_u64(t, w->index[i].ts_first);
		err |= ukt_buf_add_u64(t, w->index[i].ts_last);
	}
	return err ? -ENOMEM : 0;
}

int ukt_writer_finish(struct ukt_writer *w)
{
	struct ukt_block_desc d = { .type = UKT_B_TRAILER, .cpu = UKT_NO_CPU };
	struct ukt_buf t = UKT_BUF_INIT;
	uint8_t footer[UKT_FOOTER_SIZE];
	uint64_t trailer_off;
	int err;

	pthread_mutex_lock(&w->lock);
	err = w->failed;
	if (err)
		goto out;
	err = build_trailer(w, &t);
	if (err)
		goto out;
	d.count = (uint32_t)w->nindex;
	err = encode_block(w->own, &d, t.data, t.len);
	if (err)
		goto out;
	trailer_off = w->offset;
	err = append_locked(w, &d, &w->own->out, t.len);
	if (err)
		goto out;
	ukt_put_le64(footer, trailer_off);
	memcpy(footer + 8, "UKTEND\0\0", 8);
	err = write_full(w->fd, footer, sizeof(footer));
	if (err) {
		w->failed = err;
		goto out;
	}
	w->offset += sizeof(footer);
	w->finished = true;
	if (fsync(w->fd) < 0 && errno != EINVAL && errno != EROFS)
		err = -errno;
	if (close(w->fd) < 0 && !err)
		err = -errno;
	w->fd = -1;
out:
	pthread_mutex_unlock(&w->lock);
	ukt_buf_release(&t);
	return err;
}

void ukt_writer_free(struct ukt_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	pthread_mutex_destroy(&w->lock);
	ukt_encoder_free(w->own);
	free(w->index);
	free(w->cpus);
	free(w);
}
