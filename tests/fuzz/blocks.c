// SPDX-License-Identifier: MIT
/* The fuzz input's blocks as a trace file (blocks.h). */
#include <string.h>

#include "blocks.h"
#include "uktrace/format.h"

int blocks_write(const char *path, const uint8_t *data, size_t size)
{
	struct ukt_file_info info = { .major = UKT_MAJOR, .minor = UKT_MINOR, .clock = "mono" };
	struct ukt_writer *w;
	unsigned int shift;
	size_t at = 3;

	if (size < 3)
		return -1;
	shift = data[1] < 6 ? 6 : data[1] > 16 ? 16 : data[1];
	info.endian = data[0] & 1 ? 2 : 1;
	info.long_size = data[0] & 2 ? 4 : 8;
	info.subbuf_size = 1u << shift;
	info.ncpus = data[2] < 1 ? 1 : data[2] > 8 ? 8 : data[2];
	w = ukt_writer_create(path, &info, true);
	if (!w)
		return -1;
	while (at + 6 <= size) {
		struct ukt_block_desc d = { .type = data[at], .cpu = data[at + 1] };
		size_t len = ukt_le32(data + at + 2);

		at += 6;
		if (len > size - at)
			len = size - at;
		if (d.cpu == 255)
			d.cpu = UKT_NO_CPU;
		if (d.type == UKT_B_DATA) {
			/* whole pages, their first and last times as a recorder's */
			len -= len % info.subbuf_size;
			d.count = (uint32_t)(len / info.subbuf_size);
			if (len) {
				d.ts_first = ukt_le64(data + at);
				d.ts_last = ukt_le64(data + at + len - info.subbuf_size);
			}
		}
		if (d.type != UKT_B_TRAILER && ukt_writer_add(w, NULL, &d, data + at, len))
			break;
		at += len;
	}
	ukt_writer_finish(w);
	ukt_writer_free(w);
	return 0;
}
