/*
 * fuzz-journal.c — libFuzzer harness over a data directory's files: a
 * damaged disk, a hand-edited journal or a hostile file must never crash
 * objmgrd's start-up, whatever it holds (server/datadir.c).
 *
 * Each input becomes a data directory (in /dev/shm, so syncing costs
 * nothing) and the real start-up runs on it: journal_open() on a fresh
 * server, then journal_close(). Checksums would stop random bytes at the
 * first record, so the harness frames the input itself:
 *   byte 0        flags: bit 0 --repair; bit 1 the records are snapshot.2
 *                 (then followed by an empty journal.2) instead of journal.1;
 *                 bit 2 the file gets no header record; bit 3 a snapshot gets
 *                 its end record
 *   then          a stream of msgpack values, each one record with a right
 *                 checksum; the first bytes that are not a whole value
 *                 (frame.h) are appended as they are, a torn or garbage tail
 * What fails an input: a crash or a sanitizer report (a leak included).
 * A start-up that refuses the directory is a pass: saying why is its job.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frame.h"
#include "journal.h"
#include "log.h"
#include "record.h"
#include "server.h"
#include "value.h"

#define F_REPAIR 1
#define F_SNAPSHOT 2
#define F_NO_HEADER 4
#define F_END 8
/* The largest record the harness makes. */
#define MAX_VALUE (1u << 20)

static char dir[64];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_level = -1; /* quiet: every refusal would be logged */
	value_hash_randomize();
	snprintf(dir, sizeof dir, "/dev/shm/fuzz-journal-%d", (int)getpid());
	return 0;
}

static void write_file(const char *name, const msgpack_sbuffer *b)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, b->data, b->size) != (ssize_t)b->size) {
		perror(path);
		abort();
	}
	close(fd);
}

/* The input's records, framed, then its tail as it is. */
static void frame_input(msgpack_sbuffer *b, const uint8_t *data, size_t size)
{
	size_t at = 0;
	while (at < size) {
		frame f;
		size_t taken;
		frame_init(&f, MAX_VALUE);
		if (frame_scan(&f, (const char *)data + at, size - at, &taken) != FRAME_END)
			break;
		size_t mark;
		if (!record_begin(b, &mark) || msgpack_sbuffer_write(b, (const char *)data + at, taken))
			abort();
		if (!record_end(b, mark))
			abort();
		at += taken;
	}
	if (at < size) /* an empty buffer's data is NULL: no write of 0 bytes to it */
		msgpack_sbuffer_write(b, (const char *)data + at, size - at);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t flags = data[0];
	bool snapshot = flags & F_SNAPSHOT;
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	if (mkdir(dir, 0700) < 0) {
		perror(dir);
		abort();
	}
	msgpack_sbuffer b;
	msgpack_sbuffer_init(&b);
	if (!(flags & F_NO_HEADER) && !record_pack_header(&b, snapshot ? "snapshot" : "journal",
							   snapshot ? 2 : 1))
		abort();
	frame_input(&b, data + 1, size - 1);
	if (snapshot && (flags & F_END)) {
		static const char end[] = "\x81\xa3" "end" "\xc3";
		size_t mark;
		if (!record_begin(&b, &mark) || msgpack_sbuffer_write(&b, end, sizeof end - 1) ||
		    !record_end(&b, mark))
			abort();
	}
	write_file(snapshot ? "snapshot.2" : "journal.1", &b);
	if (snapshot) {
		b.size = 0;
		if (!record_pack_header(&b, "journal", 2))
			abort();
		write_file("journal.2", &b);
	}
	msgpack_sbuffer_destroy(&b);

	static const server_limits limits = {
		.max_message_size = 1u << 20, .max_clients = 16, .max_output = 1u << 20,
		.max_output_hard = 2u << 20, .max_waiting = 1024,
	};
	uv_loop_t loop;
	uv_loop_init(&loop);
	server s;
	memset(&s, 0, sizeof s);
	server_init(&s, &loop, &limits);
	journal_config cfg = {.dir = dir, .fsync = JOURNAL_NO, .repair = flags & F_REPAIR,
			      .compact_factor = 1, .compact_min = 1u << 30};
	if (journal_open(&s, &cfg) == 0)
		journal_close(&s);
	server_free(&s);
	if (uv_loop_close(&loop))
		abort();
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
