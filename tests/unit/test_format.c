// SPDX-License-Identifier: MIT
/* Unit tests of the trace file format: format/ and include/uktrace/format.h. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "uktrace/error.h"
#include "uktrace/format.h"

static char tmpdir[] = "/tmp/ukt-test-format-XXXXXX";

static const struct ukt_file_info info = {
	.endian = 1, .long_size = 8, .subbuf_size = 4096, .ncpus = 4,
	.clock = "mono",
};

static void path_of(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", tmpdir, name);
}

static int slurp(const char *path, struct ukt_buf *b)
{
	ukt_buf_reset(b);
	return ukt_buf_read_file(b, path);
}

/* A small trace with one block of every type, deterministic content. */
#define NTYPES 15
static int write_small(const char *path, size_t *nblocks)
{
	struct ukt_writer *w = ukt_writer_create(path, &info, true);
	struct ukt_buf p = UKT_BUF_INIT;
	int err = 0;

	if (!w)
		return -errno;
	*nblocks = 0;
	for (unsigned int t = 1; t <= NTYPES && !err; t++) {
		struct ukt_block_desc d = { .type = (uint16_t)t, .cpu = UKT_NO_CPU };

		if (t == UKT_B_TRAILER)
			continue;	/* written by finish */
		ukt_buf_reset(&p);
		for (int i = 0; i < 40 * (int)t; i++)
			ukt_buf_addf(&p, "type %u line %d\n", t, i);
		if (t == UKT_B_DATA || t == UKT_B_CPU_STATS) {
			d.cpu = t % 4;
			d.count = 1;
			d.ts_first = 1000 * t;
			d.ts_last = 1000 * t + 999;
		}
		err = ukt_writer_add(w, NULL, &d, p.data, p.len);
		(*nblocks)++;
	}
	if (!err)
		err = ukt_writer_finish(w);
	(*nblocks)++;	/* trailer */
	ukt_writer_free(w);
	ukt_buf_release(&p);
	return err;
}

static void test_round_trip_every_type(void)
{
	char path[256];
	struct ukt_buf file = UKT_BUF_INIT, want = UKT_BUF_INIT;
	struct ukt_reader *r;
	struct ukt_block b;
	size_t n, nd;
	unsigned int seen = 0, t = 0;
	int err;
	struct stat st;

	path_of(path, sizeof(path), "small.ukt");
	CHECK_EQ(write_small(path, &n), 0);
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0600);
	r = ukt_reader_open(path, &err);
	CHECK(r);
	CHECK_EQ(ukt_reader_info(r)->subbuf_size, 4096);
	CHECK_EQ(ukt_reader_info(r)->ncpus, 4);
	CHECK_STR(ukt_reader_info(r)->clock, "mono");
	while (ukt_reader_next(r, &b, 0) == 1) {
		t++;
		if (t == UKT_B_TRAILER)
			t++;
		if (b.desc.type == UKT_B_TRAILER)
			break;
		CHECK_EQ(b.desc.type, t);
		ukt_buf_reset(&want);
		for (int i = 0; i < 40 * (int)t; i++)
			ukt_buf_addf(&want, "type %u line %d\n", t, i);
		CHECK_EQ(b.len, want.len);
		CHECK(memcmp(b.data, want.data, want.len) == 0);
		CHECK(b.flags & 1);	/* text compresses */
		if (t == UKT_B_DATA) {
			CHECK_EQ(b.desc.cpu, UKT_B_DATA % 4);
			CHECK_EQ(b.desc.ts_first, 13000);
			CHECK_EQ(b.desc.ts_last, 13999);
		}
		seen++;
	}
	CHECK_EQ(seen, NTYPES - 1);
	CHECK(ukt_reader_complete(r));
	CHECK_EQ(ukt_reader_next(r, &b, 0), 0);
	ukt_reader_damage(r, &nd);
	CHECK_EQ(nd, 0);
	ukt_reader_free(r);
	ukt_buf_release(&file);
	ukt_buf_release(&want);
}

static void test_refuses_overwrite(void)
{
	char path[256];
	size_t n;

	path_of(path, sizeof(path), "exists.ukt");
	CHECK_EQ(write_small(path, &n), 0);
	errno = 0;
	CHECK(ukt_writer_create(path, &info, false) == NULL);
	CHECK_EQ(errno, EEXIST);
}

/* Count good blocks and damage of a buffer. */
static int read_all(const void *buf, size_t len, size_t *blocks,
		    size_t *ndamage, const struct ukt_damage **dmg, bool *complete)
{
	struct ukt_reader *r;
	struct ukt_block b;
	int err, rc;

	r = ukt_reader_open_mem(buf, len, &err);
	if (!r)
		return err;
	*blocks = 0;
	while ((rc = ukt_reader_next(r, &b, 0)) == 1)
		(*blocks)++;
	*dmg = ukt_reader_damage(r, ndamage);
	*complete = ukt_reader_complete(r);
	/* dmg points into r: copy the first record for the caller */
	static struct ukt_damage first;
	if (*ndamage)
		first = (*dmg)[0];
	*dmg = &first;
	ukt_reader_free(r);
	return rc;
}

/*
 * A size limit: data blocks stop short of the reserve, metadata may use
 * it, the file with its trailer never exceeds the limit and reads whole.
 */
static void test_size_limit(void)
{
	static uint8_t page[4096];
	struct ukt_block_desc d = { .type = UKT_B_DATA, .cpu = 0, .count = 1 };
	struct ukt_block_desc m = { .type = UKT_B_META, .cpu = UKT_NO_CPU };
	struct ukt_writer *w;
	struct ukt_buf file = UKT_BUF_INIT;
	const struct ukt_damage *dmg;
	size_t blocks, nd, data = 0;
	bool complete;
	char path[256];
	int err = 0;

	path_of(path, sizeof(path), "limit.ukt");
	w = ukt_writer_create(path, &info, true);
	CHECK(w);
	ukt_writer_set_limit(w, 20000, 8000);
	/* random pages do not compress: 4 KiB + a frame each */
	srand(7);
	for (int i = 0; i < 100 && !err; i++) {
		for (size_t k = 0; k < sizeof(page); k++)
			page[k] = (uint8_t)rand();
		err = ukt_writer_add(w, NULL, &d, page, sizeof(page));
		if (!err)
			data++;
	}
	CHECK_EQ(err, -EFBIG);
	CHECK(data >= 2 && data <= 3);
	CHECK(ukt_writer_bytes(w) + 8000 <= 20000);
	/* metadata goes into the reserve until it too is full */
	err = 0;
	for (int i = 0; i < 100 && !err; i++)
		err = ukt_writer_add(w, NULL, &m, page, 1000);
	CHECK_EQ(err, -EFBIG);
	CHECK(ukt_writer_bytes(w) > 20000 - 8000);
	CHECK_EQ(ukt_writer_finish(w), 0);
	ukt_writer_free(w);
	CHECK_EQ(ukt_buf_read_file(&file, path), 0);
	CHECK(file.len <= 20000);
	CHECK_EQ(read_all(file.data, file.len, &blocks, &nd, &dmg, &complete), 0);
	CHECK(complete);
	CHECK_EQ(nd, 0);
	ukt_buf_release(&file);
}

static void test_truncated_at_every_byte(void)
{
	char path[256];
	struct ukt_buf file = UKT_BUF_INIT;
	struct ukt_reader *r;
	struct ukt_block b;
	size_t n, i, nb = 0, blocks, nd;
	uint64_t ends[32];
	const struct ukt_damage *dmg;
	bool complete;
	int err;

	path_of(path, sizeof(path), "cut.ukt");
	CHECK_EQ(write_small(path, &n), 0);
	CHECK_EQ(slurp(path, &file), 0);
	/* where each whole block ends */
	r = ukt_reader_open_mem(file.data, file.len, &err);
	CHECK(r);
	while (ukt_reader_next(r, &b, UKT_READ_STORED) == 1)
		ends[nb++] = b.offset + UKT_FRAME_SIZE + b.stored_len;
	ukt_reader_free(r);
	CHECK_EQ(nb, n);

	for (size_t cut = 0; cut <= file.len; cut++) {
		err = read_all(file.data, cut, &blocks, &nd, &dmg, &complete);
		if (cut < UKT_HEADER_SIZE) {
			CHECK(err == -UKT_E_NOT_TRACE || err == -UKT_E_SHORT);
			continue;
		}
		CHECK_EQ(err, 0);
		for (i = 0; i < nb && ends[i] <= cut; i++)
			;
		CHECK_EQ(blocks, i);
		if (cut == file.len) {
			CHECK_EQ(nd, 0);
			CHECK(complete);
		} else if (cut >= ends[nb - 1]) {
			/* only the footer is cut: all data there */
			CHECK(complete);
		} else {
			CHECK(nd >= 1);
			CHECK(!complete);
			if (cut > (i ? ends[i - 1] : UKT_HEADER_SIZE)) {
				CHECK_EQ(dmg->kind, UKT_DMG_TRUNCATED);
				CHECK_EQ(dmg->bytes, cut - (i ? ends[i - 1] : UKT_HEADER_SIZE));
			} else {
				CHECK_EQ(dmg->kind, UKT_DMG_NO_TRAILER);
			}
		}
	}
	ukt_buf_release(&file);
}

static void test_truncated_reports_cpu_and_time(void)
{
	char path[256];
	struct ukt_buf file = UKT_BUF_INIT, msg = UKT_BUF_INIT;
	struct ukt_writer *w;
	struct ukt_block_desc d = { .type = UKT_B_DATA, .cpu = 3, .count = 2,
				    .ts_first = 5000000000ull, .ts_last = 6500000000ull };
	char page[8192];
	size_t blocks, nd;
	const struct ukt_damage *dmg;
	bool complete;

	memset(page, 0x5a, sizeof(page));
	path_of(path, sizeof(path), "cutdata.ukt");
	w = ukt_writer_create(path, &info, true);
	CHECK(w);
	CHECK_EQ(ukt_writer_add(w, NULL, &d, page, sizeof(page)), 0);
	ukt_writer_free(w);	/* no trailer: as if killed */
	CHECK_EQ(slurp(path, &file), 0);
	CHECK_EQ(read_all(file.data, file.len - 5, &blocks, &nd, &dmg, &complete), 0);
	CHECK_EQ(blocks, 0);
	CHECK_EQ(nd, 2);	/* truncated block + no trailer */
	CHECK_EQ(dmg->kind, UKT_DMG_TRUNCATED);
	CHECK(dmg->frame_known);
	CHECK_EQ(dmg->desc.cpu, 3);
	CHECK_EQ(dmg->desc.ts_first, 5000000000ull);
	ukt_damage_describe(dmg, &msg);
	CHECK(strstr(msg.data, "cpu 3"));
	CHECK(strstr(msg.data, "5.000000000 to 6.500000000"));
	ukt_buf_release(&msg);
	ukt_buf_release(&file);
}

static void test_bit_flips_every_region(void)
{
	char path[256];
	struct ukt_buf file = UKT_BUF_INIT;
	size_t n, blocks, nd;
	const struct ukt_damage *dmg;
	bool complete;
	int err;

	path_of(path, sizeof(path), "flip.ukt");
	CHECK_EQ(write_small(path, &n), 0);
	CHECK_EQ(slurp(path, &file), 0);
	for (size_t off = 0; off < file.len; off++) {
		for (int bit = 0; bit < 8; bit += 3) {
			file.data[off] ^= (char)(1 << bit);
			err = read_all(file.data, file.len, &blocks, &nd, &dmg, &complete);
			file.data[off] ^= (char)(1 << bit);
			if (off < UKT_HEADER_SIZE) {
				/* header: refused with a clear error */
				CHECK(err < 0);
				continue;
			}
			CHECK_EQ(err, 0);
			if (off >= file.len - UKT_FOOTER_SIZE) {
				/* footer: all blocks still good */
				CHECK_EQ(blocks, n);
				continue;
			}
			/* one block lost, the damage reported, the rest read */
			CHECK(nd >= 1);
			CHECK(blocks == n - 1);
		}
	}
	ukt_buf_release(&file);
}

static void test_unknown_and_empty_blocks(void)
{
	char path[256];
	struct ukt_writer *w;
	struct ukt_reader *r;
	struct ukt_block b;
	struct ukt_block_desc unk = { .type = 999, .cpu = UKT_NO_CPU };
	struct ukt_block_desc meta = { .type = UKT_B_META, .cpu = UKT_NO_CPU };
	struct ukt_buf kv = UKT_BUF_INIT;
	struct ukt_cursor c;
	struct ukt_kv rec;
	int err, nmeta = 0, nunk = 0;

	path_of(path, sizeof(path), "unknown.ukt");
	w = ukt_writer_create(path, &info, true);
	CHECK(w);
	CHECK_EQ(ukt_writer_add(w, NULL, &unk, "future stuff", 12), 0);
	CHECK_EQ(ukt_writer_add(w, NULL, &meta, NULL, 0), 0);	/* zero length */
	ukt_kv_add(&kv, "host", "box");
	ukt_kv_add(&kv, "empty", "");
	CHECK_EQ(ukt_writer_add(w, NULL, &meta, kv.data, kv.len), 0);
	CHECK_EQ(ukt_writer_finish(w), 0);
	ukt_writer_free(w);
	r = ukt_reader_open(path, &err);
	CHECK(r);
	while (ukt_reader_next(r, &b, 0) == 1) {
		if (b.desc.type == 999) {
			nunk++;
			CHECK_STR(ukt_block_type_name(b.desc.type), "unknown");
		}
		if (b.desc.type != UKT_B_META)
			continue;
		nmeta++;
		c.p = b.data;
		c.left = b.len;
		if (nmeta == 1) {
			CHECK_EQ(b.len, 0);
			CHECK_EQ(ukt_kv_next(&c, &rec), 0);
			continue;
		}
		CHECK_EQ(ukt_kv_next(&c, &rec), 1);
		CHECK(ukt_kv_is(&rec, "host"));
		CHECK(rec.vlen == 3 && memcmp(rec.value, "box", 3) == 0);
		CHECK_EQ(ukt_kv_next(&c, &rec), 1);
		CHECK(ukt_kv_is(&rec, "empty"));
		CHECK_EQ(rec.vlen, 0);
		CHECK_EQ(ukt_kv_next(&c, &rec), 0);
	}
	CHECK_EQ(nmeta, 2);
	CHECK_EQ(nunk, 1);
	CHECK(ukt_reader_complete(r));
	ukt_reader_free(r);
	ukt_buf_release(&kv);
}

static void test_rewind_reads_again(void)
{
	char path[256];
	struct ukt_buf file = UKT_BUF_INIT;
	struct ukt_reader *r;
	struct ukt_block b;
	size_t n, first = 0, second = 0, nd1, nd2;
	int err;

	path_of(path, sizeof(path), "rewind.ukt");
	CHECK_EQ(write_small(path, &n), 0);
	CHECK_EQ(slurp(path, &file), 0);
	file.data[200] ^= 0x40;		/* one damaged block */
	r = ukt_reader_open_mem(file.data, file.len, &err);
	CHECK(r);
	while (ukt_reader_next(r, &b, 0) == 1)
		first++;
	ukt_reader_damage(r, &nd1);
	ukt_reader_rewind(r);
	while (ukt_reader_next(r, &b, 0) == 1)
		second++;
	ukt_reader_damage(r, &nd2);
	CHECK_EQ(first, n - 1);
	CHECK_EQ(second, first);
	CHECK(nd1 >= 1);
	CHECK_EQ(nd2, nd1);	/* damage is not reported twice */
	ukt_reader_free(r);
	ukt_buf_release(&file);
}

static void test_malformed_kv(void)
{
	struct ukt_buf kv = UKT_BUF_INIT;
	struct ukt_cursor c;
	struct ukt_kv rec;

	ukt_kv_add(&kv, "key", "value");
	for (size_t cut = 1; cut < kv.len; cut++) {
		c.p = (const uint8_t *)kv.data;
		c.left = cut;
		CHECK_EQ(ukt_kv_next(&c, &rec), -EBADMSG);
	}
	ukt_buf_release(&kv);
}

static void test_not_a_trace(void)
{
	char path[256];
	int err;
	uint8_t hdr[UKT_HEADER_SIZE];
	FILE *f;

	path_of(path, sizeof(path), "empty");
	f = fopen(path, "w");
	CHECK(f);
	fclose(f);
	CHECK(ukt_reader_open(path, &err) == NULL);
	CHECK_EQ(err, -UKT_E_NOT_TRACE);
	CHECK(ukt_reader_open("/etc/passwd", &err) == NULL);
	CHECK_EQ(err, -UKT_E_NOT_TRACE);
	CHECK(ukt_reader_open("/nonexistent/x.ukt", &err) == NULL);
	CHECK_EQ(err, -ENOENT);
	CHECK(ukt_reader_open("/tmp", &err) == NULL);
	CHECK_EQ(err, -EISDIR);
	CHECK(strstr(ukt_strerror(-UKT_E_NOT_TRACE), "not a uktrace"));

	/* a future major version: refused, with its own message */
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, "UKTRACE", 8);
	ukt_put_le16(hdr + 8, UKT_MAJOR + 1);
	ukt_put_le16(hdr + 14, UKT_HEADER_SIZE);
	ukt_put_le32(hdr + 60, ukt_crc32c(0, hdr, 60));
	CHECK(ukt_reader_open_mem(hdr, sizeof(hdr), &err) == NULL);
	CHECK_EQ(err, -UKT_E_TOO_NEW);
	/* a newer minor is fine */
	ukt_put_le16(hdr + 8, UKT_MAJOR);
	ukt_put_le16(hdr + 10, UKT_MINOR + 7);
	ukt_put_le32(hdr + 60, ukt_crc32c(0, hdr, 60));
	struct ukt_reader *r = ukt_reader_open_mem(hdr, sizeof(hdr), &err);
	CHECK(r);
	ukt_reader_free(r);
}

static void test_large_block(void)
{
	char path[256];
	struct ukt_writer *w;
	struct ukt_reader *r;
	struct ukt_block b;
	struct ukt_encoder *enc = ukt_encoder_new(1);
	size_t len = 8u << 20;
	uint8_t *pages = malloc(len);
	uint32_t x = 12345;
	struct ukt_block_desc d = { .type = UKT_B_DATA, .cpu = 1, .count = (uint32_t)(len / 4096) };
	int err;

	CHECK(pages && enc);
	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245 + 12345;
		pages[i] = (i % 64 < 8) ? (uint8_t)(x >> 16) : (uint8_t)(i / 4096);
	}
	path_of(path, sizeof(path), "large.ukt");
	w = ukt_writer_create(path, &info, true);
	CHECK(w);
	CHECK_EQ(ukt_writer_add(w, enc, &d, pages, len), 0);
	CHECK_EQ(ukt_writer_finish(w), 0);
	ukt_writer_free(w);
	r = ukt_reader_open(path, &err);
	CHECK(r);
	CHECK_EQ(ukt_reader_next(r, &b, 0), 1);
	CHECK_EQ(b.len, len);
	CHECK(memcmp(b.data, pages, len) == 0);
	ukt_reader_free(r);
	ukt_encoder_free(enc);
	free(pages);
}

struct writer_arg {
	struct ukt_writer *w;
	uint32_t cpu;
	int err;
};

#define PER_THREAD 200

static void *writer_thread(void *p)
{
	struct writer_arg *a = p;
	struct ukt_encoder *enc = ukt_encoder_new(1);
	uint64_t page[512];

	for (uint64_t i = 0; i < PER_THREAD && enc && !a->err; i++) {
		struct ukt_block_desc d = { .type = UKT_B_DATA, .cpu = a->cpu,
					    .count = 1, .ts_first = i, .ts_last = i };

		for (int k = 0; k < 512; k++)
			page[k] = a->cpu * 1000000 + i * 1000 + (uint64_t)k % 7;
		a->err = ukt_writer_add(a->w, enc, &d, page, sizeof(page));
	}
	ukt_encoder_free(enc);
	return NULL;
}

static void test_concurrent_writers(void)
{
	char path[256];
	struct writer_arg args[4];
	pthread_t th[4];
	struct ukt_writer *w;
	struct ukt_reader *r;
	struct ukt_block b;
	uint64_t next[4] = { 0 };
	size_t nd;
	int err;

	path_of(path, sizeof(path), "threads.ukt");
	w = ukt_writer_create(path, &info, true);
	CHECK(w);
	for (uint32_t i = 0; i < 4; i++) {
		args[i] = (struct writer_arg){ .w = w, .cpu = i };
		pthread_create(&th[i], NULL, writer_thread, &args[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(args[i].err, 0);
	CHECK_EQ(ukt_writer_finish(w), 0);
	ukt_writer_free(w);
	r = ukt_reader_open(path, &err);
	CHECK(r);
	while (ukt_reader_next(r, &b, 0) == 1) {
		const uint64_t *page = b.data;

		if (b.desc.type != UKT_B_DATA)
			continue;
		CHECK(b.desc.cpu < 4);
		/* per CPU, blocks are in the order that CPU wrote them */
		CHECK_EQ(b.desc.ts_first, next[b.desc.cpu]);
		CHECK_EQ(page[3], b.desc.cpu * 1000000 + b.desc.ts_first * 1000 + 3);
		next[b.desc.cpu]++;
	}
	for (int i = 0; i < 4; i++)
		CHECK_EQ(next[i], PER_THREAD);
	ukt_reader_damage(r, &nd);
	CHECK_EQ(nd, 0);
	ukt_reader_free(r);
}

static void test_crc32c_known_value(void)
{
	/* RFC 3720 test vector: 32 bytes of zeros */
	uint8_t z[32] = { 0 };

	CHECK_EQ(ukt_crc32c(0, "123456789", 9), 0xe3069283u);
	CHECK_EQ(ukt_crc32c(0, z, 32), 0x8a9136aau);
	/* incremental equals one-shot */
	CHECK_EQ(ukt_crc32c(ukt_crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_crc32c_known_value);
	RUN(test_round_trip_every_type);
	RUN(test_refuses_overwrite);
	RUN(test_size_limit);
	RUN(test_unknown_and_empty_blocks);
	RUN(test_malformed_kv);
	RUN(test_rewind_reads_again);
	RUN(test_not_a_trace);
	RUN(test_truncated_at_every_byte);
	RUN(test_truncated_reports_cpu_and_time);
	RUN(test_bit_flips_every_region);
	RUN(test_large_block);
	RUN(test_concurrent_writers);
	if (!t_failed_total) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	return TEST_EXIT();
}
