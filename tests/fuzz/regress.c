// SPDX-License-Identifier: MIT
/*
 * Regression driver (after zstd's regression_driver.c): replays every file
 * of the given directories through the fuzz target, without libFuzzer.
 * Prints "ok fuzz_regress:NAME" per input; a crash fails the run.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uktrace/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	int n = 0;

	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *de;

		if (!d) {
			printf("FAIL fuzz_regress: cannot open %s\n", argv[i]);
			return 1;
		}
		while ((de = readdir(d))) {
			struct ukt_buf b = UKT_BUF_INIT;
			char path[4096];

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
			if (ukt_buf_read_file(&b, path)) {
				ukt_buf_release(&b);
				continue;
			}
			LLVMFuzzerTestOneInput((const uint8_t *)(b.data), b.len);
			ukt_buf_release(&b);
			n++;
		}
		closedir(d);
	}
	printf("ok %s (%d inputs replayed)\n", strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0], n);
	return 0;
}
