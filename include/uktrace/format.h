/* SPDX-License-Identifier: MIT */
/*
 * The uktrace trace file: writer and reader. format/FORMAT.md specifies the
 * bytes; this header is the API both programs use. Nothing outside format/
 * sees zstd or the framing.
 */
#ifndef UKTRACE_FORMAT_H
#define UKTRACE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "payload.h"

#define UKT_MAJOR 1
#define UKT_MINOR 0
#define UKT_HEADER_SIZE 64
#define UKT_FRAME_SIZE 48
#define UKT_FOOTER_SIZE 16
#define UKT_MAX_BLOCK (256u << 20)
#define UKT_NO_CPU 0xffffffffu

enum ukt_block_type {
	UKT_B_META = 1,
	UKT_B_HEADER_PAGE = 2,
	UKT_B_HEADER_EVENT = 3,
	UKT_B_EVENT_FORMAT = 4,
	UKT_B_KALLSYMS = 5,
	UKT_B_PRINTK = 6,
	UKT_B_CMDLINES = 7,
	UKT_B_TGIDS = 8,
	UKT_B_PROBE = 9,
	UKT_B_SYMTAB = 10,
	UKT_B_MAPS = 11,
	UKT_B_CPU_STATS = 12,
	UKT_B_DATA = 13,
	UKT_B_TRAILER = 14,
	UKT_B_THREADS = 15,
	UKT_B_LOSS = 16,
	UKT_B_TASKS = 17,
	UKT_B_EHFRAME = 18,
};

/* The name of a block type ("data", "meta", ...) or "unknown". */
const char *ukt_block_type_name(unsigned int type);

/* What the file header says. */
struct ukt_file_info {
	uint16_t major;
	uint16_t minor;
	uint8_t endian;		/* 1 little, 2 big: of the ring-buffer data */
	uint8_t long_size;
	uint32_t subbuf_size;
	uint32_t ncpus;
	char clock[32];
};

/* The fixed description of a block, from its frame. */
struct ukt_block_desc {
	uint16_t type;
	uint32_t cpu;		/* UKT_NO_CPU when not per CPU */
	uint32_t count;
	uint64_t ts_first;
	uint64_t ts_last;
};

/* CRC32C (Castagnoli), hardware-accelerated where the CPU has SSE4.2. */
uint32_t ukt_crc32c(uint32_t crc, const void *data, size_t len);

/* ---- writing ---- */

struct ukt_writer;
struct ukt_encoder;

/*
 * Per-thread compression state. Each capture thread owns one, so threads
 * compress in parallel and only the final append is serialized.
 * level is a zstd level (1..19; 0 means the default, 3). NULL + errno.
 */
struct ukt_encoder *ukt_encoder_new(int level);
void ukt_encoder_free(struct ukt_encoder *e);

/*
 * Create the trace file at path (mode 0600) and write its header. Without
 * overwrite anything at path, a dangling symlink too, is an error
 * (EEXIST); with it, a new file replaces what is there (a symlink is
 * replaced, not followed: uktrace/outfile.h). NULL + errno, or
 * errno = UKT_E_* for project errors.
 */
struct ukt_writer *ukt_writer_create(const char *path,
				     const struct ukt_file_info *info,
				     bool overwrite);

/*
 * Append one block. The payload is compressed with enc (the caller's own,
 * not shared with other threads) or, with enc NULL, with the writer's own
 * encoder under the writer's lock. Payloads of under 64 bytes are stored
 * uncompressed. Safe to call from several threads at once.
 * 0, or -errno (-ENOSPC when the disk is full). After a write error every
 * later call fails with -UKT_E_WRITER_FAILED; what was written before stays
 * readable.
 */
int ukt_writer_add(struct ukt_writer *w, struct ukt_encoder *enc,
		   const struct ukt_block_desc *desc,
		   const void *data, size_t len);

/*
 * Keep the file within max bytes: from now on a block that would take it
 * past max, with the trailer it would need, is refused with -EFBIG and
 * not written (the writer stays usable, and the trailer always fits).
 * Data blocks stop data_reserve bytes short, leaving room for the
 * metadata written at the end.
 */
void ukt_writer_set_limit(struct ukt_writer *w, uint64_t max, uint64_t data_reserve);

/* Bytes written so far (header and frames included). */
uint64_t ukt_writer_bytes(struct ukt_writer *w);
/* Raw (uncompressed) payload bytes of data blocks so far. */
uint64_t ukt_writer_raw_data_bytes(struct ukt_writer *w);
/* Bytes of the data blocks as written (compressed, framed) so far. */
uint64_t ukt_writer_data_bytes(struct ukt_writer *w);

/*
 * Write the trailer and footer, fsync and close. 0 or -errno. The writer
 * must still be freed.
 */
int ukt_writer_finish(struct ukt_writer *w);

/* Close without a trailer if not finished, and free. NULL is a no-op. */
void ukt_writer_free(struct ukt_writer *w);

/* ---- reading ---- */

enum ukt_damage_kind {
	UKT_DMG_TRUNCATED = 1,	/* file cut short inside a block */
	UKT_DMG_BAD_FRAME,	/* bytes skipped while searching for a frame */
	UKT_DMG_BAD_PAYLOAD,	/* good frame, payload CRC or zstd failed */
	UKT_DMG_NO_TRAILER,	/* file ends without a trailer */
};

struct ukt_damage {
	enum ukt_damage_kind kind;
	uint64_t offset;	/* where in the file */
	uint64_t bytes;		/* bytes lost or skipped */
	bool frame_known;	/* desc below is valid */
	struct ukt_block_desc desc;
};

/* Describe a damage record in one line (no newline), appended to out. */
int ukt_damage_describe(const struct ukt_damage *d, struct ukt_buf *out);

struct ukt_reader;

/* A block as read. data/len are the decoded payload (or the stored bytes
 * with UKT_READ_STORED); valid until the next read on the same reader. */
struct ukt_block {
	struct ukt_block_desc desc;
	uint64_t offset;	/* of the frame in the file */
	uint16_t flags;
	uint32_t stored_len;
	uint32_t raw_len;
	const void *stored;	/* stored payload, in the mapped file */
	const void *data;
	size_t len;
};

/*
 * Open a trace file (mapped read-only) or a memory buffer (not copied; must
 * outlive the reader). The file header is checked here: NULL and *err set
 * to a negative error for a file that is not a readable trace file.
 */
struct ukt_reader *ukt_reader_open(const char *path, int *err);
struct ukt_reader *ukt_reader_open_mem(const void *buf, size_t len, int *err);
void ukt_reader_free(struct ukt_reader *r);

const struct ukt_file_info *ukt_reader_info(const struct ukt_reader *r);
uint64_t ukt_reader_size(const struct ukt_reader *r);

#define UKT_READ_STORED 1	/* verify the CRC but do not decompress */

/*
 * The next good block: 1 when b was filled, 0 at the end of the file.
 * Damage met on the way is recorded (ukt_reader_damage) and skipped, so this
 * never fails on bad input. Negative only for -ENOMEM.
 */
int ukt_reader_next(struct ukt_reader *r, struct ukt_block *b, int flags);

/* Start over at the first block (damage records are kept, not repeated). */
void ukt_reader_rewind(struct ukt_reader *r);

/*
 * Decompress a block read with UKT_READ_STORED into out (replacing its
 * contents), with a caller-owned context so that several cursors may decode
 * at once. dctx may be NULL (a temporary one is used). 0 or negative.
 */
struct ukt_decoder;
struct ukt_decoder *ukt_decoder_new(void);
void ukt_decoder_free(struct ukt_decoder *d);
int ukt_block_decode(struct ukt_decoder *d, const struct ukt_block *b,
		     struct ukt_buf *out);

/* Damage records found so far, in file order. */
const struct ukt_damage *ukt_reader_damage(const struct ukt_reader *r,
					   size_t *n);
/* Whether a valid trailer was read (the file is complete). */
bool ukt_reader_complete(const struct ukt_reader *r);

#endif
