// SPDX-License-Identifier: MIT
/*
 * A trace file in the fuzz input form of blocks.h, for the seeds of
 * fuzz_pictures: mkseed TRACE OUT.
 */
#include <stdio.h>

#include "uktrace/format.h"

int main(int argc, char **argv)
{
	struct ukt_reader *r;
	struct ukt_block b;
	const struct ukt_file_info *info;
	unsigned int shift = 0;
	FILE *f;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: mkseed TRACE OUT\n");
		return 2;
	}
	r = ukt_reader_open(argv[1], &err);
	f = r ? fopen(argv[2], "w") : NULL;
	if (!f) {
		fprintf(stderr, "mkseed: cannot convert '%s'\n", argv[1]);
		return 1;
	}
	info = ukt_reader_info(r);
	while ((1u << shift) < info->subbuf_size && shift < 16)
		shift++;
	fputc((info->endian == 2) | (info->long_size == 4) << 1, f);
	fputc((int)shift, f);
	fputc((int)info->ncpus, f);
	while (ukt_reader_next(r, &b, 0) == 1) {
		uint8_t h[6];

		if (b.desc.type == UKT_B_TRAILER)
			continue;
		h[0] = (uint8_t)b.desc.type;
		h[1] = b.desc.cpu == UKT_NO_CPU ? 255 : (uint8_t)b.desc.cpu;
		ukt_put_le32(h + 2, (uint32_t)b.len);
		fwrite(h, 1, sizeof(h), f);
		fwrite(b.data, 1, b.len, f);
	}
	ukt_reader_free(r);
	return fclose(f) ? 1 : 0;
}
