/* SPDX-License-Identifier: MIT */
/*
 * The fuzz input of the targets that go past the reader (fuzz_pictures.c):
 * a trace file's blocks without their framing, which the target writes
 * with the writer, checksums and all. A byte flipped in a trace file only
 * makes the reader skip the block (its CRC no longer matches); flipped in
 * this form it reaches the block's parser, the decoder and the import.
 *
 *   u8 flags (bit 0: big endian data, bit 1: 4-byte longs)
 *   u8 log2 of the sub-buffer size (clamped to 6..16)
 *   u8 CPUs (clamped to 1..8)
 *   then blocks: u8 type, u8 cpu (255: none), u32 length (LE), payload
 *
 * mkseed.c turns a trace file into this form, for seeds.
 */
#ifndef UKT_FUZZ_BLOCKS_H
#define UKT_FUZZ_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

/* Write the blocks of data as the trace file path: 0, or -1 when data
 * holds no header or the file cannot be written. */
int blocks_write(const char *path, const uint8_t *data, size_t size);

#endif
