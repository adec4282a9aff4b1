// SPDX-License-Identifier: GPL-2.0
/*
 * e2e-io: the workload of the end-to-end tests.  Built static; runs inside
 * the inner guest (on its virtio-scsi disks) and on the test guest (to check
 * a LIO backstore file).
 *
 *   e2e-io pattern DEV SEED FIRST COUNT   write COUNT 4 KiB blocks from block
 *                                         FIRST (O_DIRECT), read them back
 *   e2e-io verify FILE SEED FIRST COUNT   check those blocks in FILE (buffered)
 *   e2e-io stress DEV BLOCKS POOLS PAGES  the migration workload, until "stop"
 *                                         arrives on stdin
 *
 * Every block starts with a header (magic, block number, sequence number,
 * seed) followed by words derived from all three, so a block that is stale
 * (older sequence), misplaced (other block) or never written is told apart.
 *
 * stress: keeps in memory the sequence number of the last acknowledged
 * write of each block of [0, BLOCKS).  One step: poison a pool of PAGES
 * 4 KiB pages with the CPU (dirtying them for migration), read random runs
 * of blocks into it with O_DIRECT (the device writes guest memory), write
 * some blocks with new sequence numbers, and only then verify the pool read
 * POOLS-1 steps earlier.  So the data of reads issued before a migration's
 * switch-over is checked after it, on the destination: a device that does
 * not log the pages it writes leaves the poison (or older data) there.
 * On "stop": every pool still pending is verified, then every block is read
 * back (a lost acknowledged write shows as an older sequence number).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define BS 4096u
#define MAGIC 0x6532652d696f3031ull	/* "e2e-io01" */
#define POISON 0x504f49534f4e2121ull	/* "POISON!!" */
#define RUN_MAX 16u			/* blocks per read request */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static void fill(uint64_t *w, uint64_t block, uint64_t seq, uint64_t seed)
{
	uint64_t s = mix(seed ^ mix(block) ^ (seq << 32));
	unsigned int i;

	w[0] = MAGIC;
	w[1] = block;
	w[2] = seq;
	w[3] = seed;
	for (i = 4; i < BS / 8; i++) {
		s = mix(s + i);
		w[i] = s;
	}
}

enum verdict { OK, STALE_POISON, STALE_SEQ, NEWER_SEQ, WRONG_BLOCK, CORRUPT };
static const char *const verdict_name[] = {
	"ok", "stale (poison: the device's data never arrived)",
	"stale (older sequence)", "newer sequence", "wrong block", "corrupt",
};

static enum verdict check(const uint64_t *w, uint64_t block, uint64_t seq,
			  uint64_t seed)
{
	static uint64_t want[BS / 8];

	if (w[0] == POISON)
		return STALE_POISON;
	if (w[0] != MAGIC || w[3] != seed)
		return CORRUPT;
	if (w[1] != block)
		return WRONG_BLOCK;
	if (w[2] < seq)
		return STALE_SEQ;
	if (w[2] > seq)
		return NEWER_SEQ;
	fill(want, block, seq, seed);
	return memcmp(w, want, BS) ? CORRUPT : OK;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *alloc_pages(size_t n)
{
	void *p = mmap(NULL, n * BS, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	return p;
}

static int xpwrite(int fd, const void *buf, size_t len, uint64_t block)
{
	ssize_t n = pwrite(fd, buf, len, (off_t)(block * BS));

	if (n != (ssize_t)len) {
		fprintf(stderr, "e2e-io: write block %" PRIu64 ": %s\n", block,
			n < 0 ? strerror(errno) : "short");
		return -1;
	}
	return 0;
}

static int xpread(int fd, void *buf, size_t len, uint64_t block)
{
	ssize_t n = pread(fd, buf, len, (off_t)(block * BS));

	if (n != (ssize_t)len) {
		fprintf(stderr, "e2e-io: read block %" PRIu64 ": %s\n", block,
			n < 0 ? strerror(errno) : "short");
		return -1;
	}
	return 0;
}

static uint64_t arg(const char *s)
{
	return strtoull(s, NULL, 0);
}

/* pattern / verify */
static int simple(int argc, char **argv, int write_it)
{
	uint64_t seed, first, count, b, bad = 0;
	uint64_t *buf;
	int fd;

	if (argc != 6) {
		fprintf(stderr, "usage: e2e-io %s DEV SEED FIRST COUNT\n", argv[1]);
		return 2;
	}
	seed = arg(argv[3]);
	first = arg(argv[4]);
	count = arg(argv[5]);
	fd = open(argv[2], write_it ? O_RDWR | O_DIRECT : O_RDONLY);
	if (fd < 0) {
		perror(argv[2]);
		return 2;
	}
	buf = alloc_pages(1);
	if (write_it) {
		for (b = first; b < first + count; b++) {
			fill(buf, b, 1, seed);
			if (xpwrite(fd, buf, BS, b))
				return 1;
		}
		if (fsync(fd)) {
			perror("fsync");
			return 1;
		}
	}
	for (b = first; b < first + count; b++) {
		enum verdict v;

		memset(buf, 0, BS);
		if (xpread(fd, buf, BS, b))
			return 1;
		v = check(buf, b, 1, seed);
		if (v != OK && bad++ < 5)
			printf("%s: block %" PRIu64 ": %s\n", argv[2], b, verdict_name[v]);
	}
	printf("%s %s: %" PRIu64 " blocks from %" PRIu64 ", %" PRIu64 " bad\n",
	       argv[1], argv[2], count, first, bad);
	return bad ? 1 : 0;
}

struct stats {
	uint64_t writes, reads, pages, bad[CORRUPT + 1];
};

struct pool {
	uint64_t *mem;
	uint64_t *block, *seq;	/* what each page must hold */
	unsigned int step;
	int pending;
};

static uint64_t rnd_state = 0x1234;

static uint64_t rnd(uint64_t n)
{
	rnd_state = mix(rnd_state + 0x9e3779b97f4a7c15ull);
	return rnd_state % n;
}

static void verify_pool(struct pool *p, unsigned int pages, uint64_t seed,
			struct stats *st, unsigned int step)
{
	unsigned int i;

	if (!p->pending)
		return;
	for (i = 0; i < pages; i++) {
		const uint64_t *w = p->mem + (size_t)i * (BS / 8);
		enum verdict v = check(w, p->block[i], p->seq[i], seed);

		st->pages++;
		if (v == OK)
			continue;
		if (st->bad[v]++ < 10 || v != STALE_POISON)
			printf("MISMATCH step %u (read in step %u) page %u block %" PRIu64
			       " want seq %" PRIu64 ": %s (page holds magic %016" PRIx64
			       " block %" PRIu64 " seq %" PRIu64 ")\n",
			       step, p->step, i, p->block[i], p->seq[i], verdict_name[v],
			       w[0], w[1], w[2]);
	}
	p->pending = 0;
}

static uint64_t total_bad(const struct stats *st)
{
	uint64_t n = 0;
	int v;

	for (v = STALE_POISON; v <= CORRUPT; v++)
		n += st->bad[v];
	return n;
}

static int stop_requested(void)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	char line[64];
	ssize_t n;

	if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLIN))
		return 0;
	n = read(0, line, sizeof(line) - 1);
	if (n <= 0)
		return 0;
	line[n] = 0;
	return strstr(line, "stop") != NULL;
}

static int stress(int argc, char **argv)
{
	uint64_t blocks, seed = 0x5eed, *seqs, *wbuf, b, lost = 0, corrupt = 0;
	unsigned int pools, pages, writes_per_step = 16, step, i;
	struct pool *pool;
	struct stats st = { 0 };
	double t0, last;
	int fd;

	if (argc != 6) {
		fprintf(stderr, "usage: e2e-io stress DEV BLOCKS POOLS PAGES\n");
		return 2;
	}
	blocks = arg(argv[3]);
	pools = (unsigned int)arg(argv[4]);
	pages = (unsigned int)arg(argv[5]);
	if (blocks < RUN_MAX || pools < 2 || pages < RUN_MAX) {
		fprintf(stderr, "e2e-io stress: too small\n");
		return 2;
	}
	fd = open(argv[2], O_RDWR | O_DIRECT);
	if (fd < 0) {
		perror(argv[2]);
		return 2;
	}
	seqs = calloc(blocks, sizeof(*seqs));
	pool = calloc(pools, sizeof(*pool));
	wbuf = alloc_pages(RUN_MAX);
	if (!seqs || !pool)
		return 2;
	for (i = 0; i < pools; i++) {
		pool[i].mem = alloc_pages(pages);
		pool[i].block = calloc(pages, sizeof(uint64_t));
		pool[i].seq = calloc(pages, sizeof(uint64_t));
		if (!pool[i].block || !pool[i].seq)
			return 2;
	}

	/* Initial fill, RUN_MAX blocks per request: every block has seq 1. */
	t0 = now();
	for (b = 0; b < blocks; b += RUN_MAX) {
		unsigned int n = (unsigned int)(blocks - b < RUN_MAX ? blocks - b : RUN_MAX);

		for (i = 0; i < n; i++)
			fill(wbuf + (size_t)i * (BS / 8), b + i, 1, seed);
		if (xpwrite(fd, wbuf, (size_t)n * BS, b))
			return 1;
		for (i = 0; i < n; i++)
			seqs[b + i] = 1;
		st.writes += n;
	}
	printf("stress: filled %" PRIu64 " blocks in %.1f s; %u pools of %u pages\n",
	       blocks, now() - t0, pools, pages);
	fflush(stdout);

	t0 = last = now();
	for (step = 0;; step++) {
		struct pool *p = &pool[step % pools];
		int stop = stop_requested();

		if (stop)
			break;
		/* The pool about to be reused was read pools-1 steps ago. */
		verify_pool(p, pages, seed, &st, step);

		/* Poison with the CPU, then let the device fill it. */
		for (i = 0; i < pages; i++) {
			uint64_t *w = p->mem + (size_t)i * (BS / 8);
			unsigned int k;

			w[0] = POISON;
			w[1] = step;
			w[2] = i;
			for (k = 3; k < BS / 8; k++)
				w[k] = POISON ^ k;
		}
		for (i = 0; i < pages; i += RUN_MAX) {
			unsigned int n = pages - i < RUN_MAX ? pages - i : RUN_MAX, k;
			uint64_t first = rnd(blocks - n + 1);

			for (k = 0; k < n; k++) {
				p->block[i + k] = first + k;
				p->seq[i + k] = seqs[first + k];
			}
			if (xpread(fd, p->mem + (size_t)i * (BS / 8), (size_t)n * BS, first))
				return 1;
			st.reads += n;
		}
		p->step = step;
		p->pending = 1;

		/* Single-block writes with new sequence numbers. */
		for (i = 0; i < writes_per_step; i++) {
			uint64_t wb = rnd(blocks);

			fill(wbuf, wb, seqs[wb] + 1, seed);
			if (xpwrite(fd, wbuf, BS, wb))
				return 1;
			seqs[wb]++;	/* acknowledged */
			st.writes++;
		}

		if (now() - last >= 2.0) {
			last = now();
			printf("io t=%.0f step=%u writes=%" PRIu64 " reads=%" PRIu64
			       " verified=%" PRIu64 " bad=%" PRIu64 "\n",
			       last - t0, step, st.writes, st.reads, st.pages, total_bad(&st));
			fflush(stdout);
		}
	}
	for (i = 0; i < pools; i++)
		verify_pool(&pool[(step + i) % pools], pages, seed, &st, step);

	/* Every block must hold its last acknowledged write. */
	for (b = 0; b < blocks; b++) {
		enum verdict v;

		if (xpread(fd, wbuf, BS, b))
			return 1;
		v = check(wbuf, b, seqs[b], seed);
		if (v == OK)
			continue;
		if (v == STALE_SEQ)
			lost++;
		else
			corrupt++;
		if (lost + corrupt <= 10)
			printf("FINAL block %" PRIu64 " want seq %" PRIu64 ": %s (holds %" PRIu64
			       ")\n", b, seqs[b], verdict_name[v], wbuf[2]);
	}
	printf("RESULT steps=%u writes=%" PRIu64 " reads=%" PRIu64 " pages_verified=%" PRIu64
	       " stale_poison=%" PRIu64 " stale_seq=%" PRIu64 " newer=%" PRIu64
	       " wrong_block=%" PRIu64 " corrupt=%" PRIu64 " final_blocks=%" PRIu64
	       " lost_writes=%" PRIu64 " final_corrupt=%" PRIu64 " secs=%.0f\n",
	       step, st.writes, st.reads, st.pages, st.bad[STALE_POISON],
	       st.bad[STALE_SEQ], st.bad[NEWER_SEQ], st.bad[WRONG_BLOCK], st.bad[CORRUPT],
	       blocks, lost, corrupt, now() - t0);
	fflush(stdout);
	return total_bad(&st) || lost || corrupt ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "pattern"))
		return simple(argc, argv, 1);
	if (argc >= 2 && !strcmp(argv[1], "verify"))
		return simple(argc, argv, 0);
	if (argc >= 2 && !strcmp(argv[1], "stress"))
		return stress(argc, argv);
	fprintf(stderr, "usage: e2e-io pattern|verify DEV SEED FIRST COUNT\n"
		"       e2e-io stress DEV BLOCKS POOLS PAGES\n");
	return 2;
}
