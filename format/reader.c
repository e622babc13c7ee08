// SPDX-License-Identifier: MIT
/*
 * Trace file reader. The file is mapped read-only and walked block by block;
 * every frame and payload is verified before use. Damage never stops the
 * walk: it is recorded (what, where, how many bytes, which CPU and time
 * range when the frame survived) and skipped, as FORMAT.md specifies.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "uktrace/vec.h"
#include "uktrace/error.h"
#include "uktrace/format.h"

struct ukt_decoder {
	ZSTD_DCtx *dctx;
};

struct ukt_reader {
	const uint8_t *map;
	size_t size;
	bool mapped;
	struct ukt_file_info info;
	uint64_t pos;
	bool trailer_seen;
	bool end_reported;
	uint64_t recorded_upto;	/* damage before this offset is known */
	struct ukt_damage *damage;
	size_t ndamage, damage_cap;
	struct ukt_decoder *dec;
	struct ukt_buf buf;
};

static const char *const type_names[] = {
	[UKT_B_META] = "meta",
	[UKT_B_HEADER_PAGE] = "header_page",
	[UKT_B_HEADER_EVENT] = "header_event",
	[UKT_B_EVENT_FORMAT] = "event_format",
	[UKT_B_KALLSYMS] = "kallsyms",
	[UKT_B_PRINTK] = "printk",
	[UKT_B_CMDLINES] = "cmdlines",
	[UKT_B_TGIDS] = "tgids",
	[UKT_B_PROBE] = "probe",
	[UKT_B_SYMTAB] = "symtab",
	[UKT_B_MAPS] = "maps",
	[UKT_B_CPU_STATS] = "cpu_stats",
	[UKT_B_DATA] = "data",
	[UKT_B_TRAILER] = "trailer",
	[UKT_B_THREADS] = "threads",
	[UKT_B_LOSS] = "loss",
	[UKT_B_TASKS] = "tasks",
	[UKT_B_EHFRAME] = "ehframe",
};

const char *ukt_block_type_name(unsigned int type)
{
	if (type < sizeof(type_names) / sizeof(type_names[0]) && type_names[type])
		return type_names[type];
	return "unknown";
}

struct ukt_decoder *ukt_decoder_new(void)
{
	struct ukt_decoder *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->dctx = ZSTD_createDCtx();
	if (!d->dctx) {
		free(d);
		errno = ENOMEM;
		return NULL;
	}
	return d;
}

void ukt_decoder_free(struct ukt_decoder *d)
{
	if (!d)
		return;
	ZSTD_freeDCtx(d->dctx);
	free(d);
}

int ukt_block_decode(struct ukt_decoder *d, const struct ukt_block *b,
		     struct ukt_buf *out)
{
	struct ukt_decoder *tmp = NULL;
	size_t n;
	int err;

	ukt_buf_reset(out);
	if (!(b->flags & 1)) {
		if (b->raw_len != b->stored_len)
			return -UKT_E_CORRUPT;
		return ukt_buf_add(out, b->stored, b->stored_len);
	}
	if (!d) {
		tmp = d = ukt_decoder_new();
		if (!d)
			return -ENOMEM;
	}
	err = ukt_buf_grow(out, b->raw_len);
	if (err)
		goto out;
	n = ZSTD_decompressDCtx(d->dctx, out->data, b->raw_len,
				b->stored, b->stored_len);
	if (ZSTD_isError(n) || n != b->raw_len) {
		err = -UKT_E_CORRUPT;
		goto out;
	}
	out->len = n;
	out->data[n] = '\0';
out:
	ukt_decoder_free(tmp);
	return err;
}

static int parse_header(struct ukt_reader *r)
{
	const uint8_t *h = r->map;
	uint16_t hsize;

	if (r->size < 8 || memcmp(h, "UKTRACE", 8) != 0)
		return -UKT_E_NOT_TRACE;
	if (r->size < UKT_HEADER_SIZE)
		return -UKT_E_SHORT;
	if (ukt_le32(h + 60) != ukt_crc32c(0, h, 60))
		return -UKT_E_HEADER_CRC;
	r->info.major = ukt_le16(h + 8);
	r->info.minor = ukt_le16(h + 10);
	if (r->info.major > UKT_MAJOR)
		return -UKT_E_TOO_NEW;
	if (r->info.major < 1)
		return -UKT_E_CORRUPT;
	r->info.endian = h[12];
	r->info.long_size = h[13];
	hsize = ukt_le16(h + 14);
	r->info.subbuf_size = ukt_le32(h + 16);
	r->info.ncpus = ukt_le32(h + 20);
	memcpy(r->info.clock, h + 28, 31);
	r->info.clock[31] = '\0';
	if (hsize < UKT_HEADER_SIZE || hsize > r->size)
		return -UKT_E_CORRUPT;
	r->pos = hsize;
	return 0;
}

static struct ukt_reader *reader_new(const void *buf, size_t len, bool mapped,
				     int *err)
{
	struct ukt_reader *r = calloc(1, sizeof(*r));

	if (!r) {
		*err = -ENOMEM;
		return NULL;
	}
	ukt_buf_init(&r->buf);
	r->map = buf;
	r->size = len;
	r->mapped = mapped;
	*err = parse_header(r);
	if (!*err) {
		r->dec = ukt_decoder_new();
		if (!r->dec)
			*err = -ENOMEM;
	}
	if (*err) {
		ukt_reader_free(r);
		return NULL;
	}
	return r;
}

struct ukt_reader *ukt_reader_open_mem(const void *buf, size_t len, int *err)
{
	return reader_new(buf, len, false, err);
}

struct ukt_reader *ukt_reader_open(const char *path, int *err)
{
	struct stat st;
	void *map;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		*err = -errno;
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		*err = S_ISDIR(st.st_mode) ? -EISDIR : -UKT_E_NOT_TRACE;
		close(fd);
		return NULL;
	}
	if (st.st_size == 0) {
		close(fd);
		*err = -UKT_E_NOT_TRACE;
		return NULL;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		*err = -errno;
		return NULL;
	}
	madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	return reader_new(map, (size_t)st.st_size, true, err);
}

void ukt_reader_free(struct ukt_reader *r)
{
	if (!r)
		return;
	if (r->mapped)
		munmap((void *)r->map, r->size);
	ukt_decoder_free(r->dec);
	ukt_buf_release(&r->buf);
	free(r->damage);
	free(r);
}

const struct ukt_file_info *ukt_reader_info(const struct ukt_reader *r)
{
	return &r->info;
}

uint64_t ukt_reader_size(const struct ukt_reader *r)
{
	return r->size;
}

bool ukt_reader_complete(const struct ukt_reader *r)
{
	return r->trailer_seen;
}

const struct ukt_damage *ukt_reader_damage(const struct ukt_reader *r,
					   size_t *n)
{
	*n = r->ndamage;
	return r->damage;
}

void ukt_reader_rewind(struct ukt_reader *r)
{
	r->pos = ukt_le16(r->map + 14);
	r->trailer_seen = false;
	r->end_reported = false;
}

static int add_damage(struct ukt_reader *r, const struct ukt_damage *d)
{
	if (d->offset < r->recorded_upto)
		return 0;	/* seen on an earlier pass */
	if (UKT_GROW(r->damage, r->damage_cap, r->ndamage))
		return -ENOMEM;
	r->damage[r->ndamage++] = *d;
	r->recorded_upto = d->offset + 1;
	return 0;
}

/* Parse and verify the frame at off; 0 when it is a good frame. */
static int parse_frame(const struct ukt_reader *r, uint64_t off,
		       struct ukt_block *b)
{
	const uint8_t *f = r->map + off;

	if (r->size - off < UKT_FRAME_SIZE || memcmp(f, "UKB1", 4) != 0)
		return -1;
	if (ukt_le32(f + 44) != ukt_crc32c(0, f, 44))
		return -1;
	b->offset = off;
	b->desc.type = ukt_le16(f + 4);
	b->flags = ukt_le16(f + 6);
	b->stored_len = ukt_le32(f + 8);
	b->raw_len = ukt_le32(f + 12);
	b->desc.cpu = ukt_le32(f + 16);
	b->desc.count = ukt_le32(f + 20);
	b->desc.ts_first = ukt_le64(f + 24);
	b->desc.ts_last = ukt_le64(f + 32);
	if (b->stored_len > UKT_MAX_BLOCK || b->raw_len > UKT_MAX_BLOCK)
		return -1;
	if (!(b->flags & 1) && b->raw_len != b->stored_len)
		return -1;
	return 0;
}

static bool is_footer(const struct ukt_reader *r, uint64_t off)
{
	return r->size - off == UKT_FOOTER_SIZE &&
	       memcmp(r->map + off + 8, "UKTEND\0\0", 8) == 0;
}

/* After a bad frame at r->pos: find the next good one, or the end. */
static uint64_t resync(const struct ukt_reader *r, uint64_t from)
{
	struct ukt_block tmp;
	const uint8_t *p;
	uint64_t off = from;

	while (off + 4 <= r->size) {
		p = memmem(r->map + off, r->size - off, "UKB1", 4);
		if (!p)
			break;
		off = (uint64_t)(p - r->map);
		if (parse_frame(r, off, &tmp) == 0)
			return off;
		off++;
	}
	return r->size;
}

int ukt_reader_next(struct ukt_reader *r, struct ukt_block *b, int flags)
{
	struct ukt_damage d;
	uint64_t left, end;
	int err;

	for (;;) {
		memset(&d, 0, sizeof(d));
		if (r->pos >= r->size) {
			if (!r->trailer_seen && !r->end_reported) {
				r->end_reported = true;
				d.kind = UKT_DMG_NO_TRAILER;
				d.offset = r->size;
				err = add_damage(r, &d);
				if (err)
					return err;
			}
			return 0;
		}
		if (r->trailer_seen && is_footer(r, r->pos)) {
			r->pos = r->size;
			continue;
		}
		left = r->size - r->pos;
		if (parse_frame(r, r->pos, b) != 0) {
			/*
			 * A bad frame whose remainder cannot hold a frame at
			 * all, but starts like one, is a file cut inside a
			 * frame; anything else is corruption to skip.
			 */
			if (left < UKT_FRAME_SIZE &&
			    memcmp(r->map + r->pos, "UKB1", left < 4 ? left : 4) == 0) {
				d.kind = UKT_DMG_TRUNCATED;
				d.offset = r->pos;
				d.bytes = left;
				r->pos = r->size;
			} else {
				end = resync(r, r->pos + 1);
				d.kind = UKT_DMG_BAD_FRAME;
				d.offset = r->pos;
				d.bytes = end - r->pos;
				r->pos = end;
			}
			err = add_damage(r, &d);
			if (err)
				return err;
			continue;
		}
		d.frame_known = true;
		d.desc = b->desc;
		d.offset = r->pos;
		if (left - UKT_FRAME_SIZE < b->stored_len) {
			d.kind = UKT_DMG_TRUNCATED;
			d.bytes = left;
			r->pos = r->size;
			err = add_damage(r, &d);
			if (err)
				return err;
			continue;
		}
		b->stored = r->map + r->pos + UKT_FRAME_SIZE;
		r->pos += UKT_FRAME_SIZE + b->stored_len;
		if (ukt_le32(r->map + d.offset + 40) !=
		    ukt_crc32c(0, b->stored, b->stored_len)) {
			d.kind = UKT_DMG_BAD_PAYLOAD;
			d.bytes = UKT_FRAME_SIZE + b->stored_len;
			err = add_damage(r, &d);
			if (err)
				return err;
			continue;
		}
		if (flags & UKT_READ_STORED) {
			b->data = NULL;
			b->len = 0;
		} else {
			err = ukt_block_decode(r->dec, b, &r->buf);
			if (err == -ENOMEM)
				return err;
			if (err) {
				d.kind = UKT_DMG_BAD_PAYLOAD;
				d.bytes = UKT_FRAME_SIZE + b->stored_len;
				err = add_damage(r, &d);
				if (err)
					return err;
				continue;
			}
			b->data = r->buf.data;
			b->len = r->buf.len;
		}
		if (b->desc.type == UKT_B_TRAILER)
			r->trailer_seen = true;
		return 1;
	}
}

static void describe_range(const struct ukt_block_desc *d, struct ukt_buf *out)
{
	ukt_buf_addf(out, " (%s block", ukt_block_type_name(d->type));
	if (d->cpu != UKT_NO_CPU)
		ukt_buf_addf(out, ", cpu %u", d->cpu);
	if (d->type == UKT_B_DATA)
		ukt_buf_addf(out, ", %u pages, time %llu.%09llu to %llu.%09llu",
			     d->count,
			     (unsigned long long)(d->ts_first / 1000000000),
			     (unsigned long long)(d->ts_first % 1000000000),
			     (unsigned long long)(d->ts_last / 1000000000),
			     (unsigned long long)(d->ts_last % 1000000000));
	ukt_buf_adds(out, ")");
}

int ukt_damage_describe(const struct ukt_damage *d, struct ukt_buf *out)
{
	size_t before = out->len;

	switch (d->kind) {
	case UKT_DMG_TRUNCATED:
		ukt_buf_addf(out, "file cut short at offset %llu: last %llu bytes are a partial block",
			     (unsigned long long)d->offset,
			     (unsigned long long)d->bytes);
		break;
	case UKT_DMG_BAD_FRAME:
		ukt_buf_addf(out, "corrupt data at offset %llu: %llu bytes skipped",
			     (unsigned long long)d->offset,
			     (unsigned long long)d->bytes);
		break;
	case UKT_DMG_BAD_PAYLOAD:
		ukt_buf_addf(out, "corrupt block at offset %llu (%llu bytes) skipped",
			     (unsigned long long)d->offset,
			     (unsigned long long)d->bytes);
		break;
	case UKT_DMG_NO_TRAILER:
		ukt_buf_adds(out, "file is incomplete (no trailer): the recorder did not finish it; everything before the end was read");
		break;
	}
	if (d->frame_known)
		describe_range(&d->desc, out);
	return out->len > before ? 0 : -ENOMEM;
}
