/*
 * journal_state.h — the state behind journal.h, shared by the three files
 * that keep it: journal.c (appending, writing, syncing, the replies that
 * wait), datadir.c (the directory's lock, loading and replaying at start-up)
 * and snapshot.c (writing snapshots and starting the journal over).
 * Nothing else includes it.
 *
 * Files in the data directory (docs/protocol.md has their format):
 *     lock            held with flock() while a server uses the directory
 *     snapshot.K      the state before journal.K: every object, remade
 *     journal.K       the calls since, one record each
 * The state is the highest snapshot.K (none: empty, K = 1) replayed with
 * journal.K, journal.K+1, ... in order. A snapshot is written as
 * snapshot.K.tmp and renamed once synced, so a snapshot.K is complete.
 */
#ifndef OBJMGRD_JOURNAL_STATE_H
#define OBJMGRD_JOURNAL_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "codec.h"
#include "journal.h"

/* How much disk is reserved ahead of the journal's end at a time. */
#define JOURNAL_RESERVE_CHUNK ((uint64_t)4 << 20)
/* Room a record takes beyond its request's bytes: its header, the method, the name. */
#define JOURNAL_RECORD_SLACK 4096
/* A file name in the data directory, "snapshot.18446744073709551615", with room to spare. */
#define JOURNAL_NAME_MAX 40

/* Work for a thread of libuv's pool: writing a batch, syncing, or both. */
typedef struct journal_job {
	uv_work_t req;
	int fd;
	msgpack_sbuffer buf; /* bytes to write at offset; empty: sync only */
	uint64_t offset;
	uint64_t epoch;      /* the batch whose records buf holds, 0: none */
	bool sync;           /* fdatasync() after writing */
	bool retire;         /* then give back the space reserved past its end, and close fd */
	int err;             /* errno of what failed, 0: done */
	const char *failed;  /* "write" or "fdatasync" */
	uint64_t ns;         /* how long it took */
} journal_job;

typedef struct journal {
	server *srv;
	journal_config cfg;
	char dir[4096];
	int dir_fd, lock_fd;
	bool replaying;        /* start-up: calls run from the files are not recorded again */

	/* The journal file being appended to: */
	int fd;
	uint64_t gen;          /* its K */
	uint64_t size;         /* its end: bytes written or handed to a job */
	uint64_t reserved;     /* fallocate() reserved the disk up to this offset */
	bool no_reserve;       /* the file system cannot reserve (EOPNOTSUPP) */
	uint64_t older;        /* bytes of the journals before it, since the snapshot */

	/* Records not yet handed out, all of batch acc_epoch: */
	msgpack_sbuffer acc;
	codec_out acc_out;
	msgpack_packer pk;
	uint64_t acc_epoch;
	uint64_t records;      /* appended since start-up */

	/* The job in flight (one at a time, so batches reach the file in order): */
	journal_job job;
	bool job_busy;
	uint64_t durable_epoch; /* every batch up to this one is durable */
	uint64_t unsynced;      /* bytes written since the last fdatasync (everysec) */

	/* A batch that could not be written: kept, and written again every second. */
	bool failing;
	int fail_err;
	const char *fail_op;
	msgpack_sbuffer failed; /* everysec and no: its bytes, at failed_offset */
	uint64_t failed_offset, failed_epoch;

	uv_check_t check;      /* hands out the batch after each poll for I/O */
	uv_timer_t tick;       /* everysec's sync, and retries while failing */

	/* Statistics for server.info: */
	uint64_t fsyncs;
	uint64_t last_fsync_ns;
	uint64_t loaded_ms;    /* how long start-up took to load the directory */
	uint64_t loaded_records;

	/* Snapshots (snapshot.c): */
	pid_t child;           /* the process writing one, 0: none */
	uint64_t child_gen;    /* the K it writes */
	uint64_t child_started_ns;
	uint64_t snapshot_size;     /* bytes of the last snapshot, 0: none */
	int64_t snapshot_time;      /* when it was written (Unix time), 0: never */
	uint64_t snapshot_ms;       /* how long writing it took */
	uint64_t fork_us;           /* how long the last fork() stopped the loop */
	int snapshot_status;        /* the last one's exit: 0 ok, else failed */
	bool save_wanted;           /* start one once the job in flight is done */
	uv_signal_t sigchld;
} journal;

/*
 * Writes what the loop has collected and fdatasync()s the file, in the
 * loop (at exit only): false with errno set on failure.
 * Waits for the job in flight first.
 */
bool journal_drain(journal *j);

/*
 * Starts the next journal (rotation, for a snapshot): what was collected
 * and the old file go to a job that writes, syncs and closes it, so the
 * server does not wait for the disk. False, logged, on failure.
 */
bool journal_rotate(journal *j);

/*
 * Starts journal gen (journal.gen, made with its header record and synced,
 * the directory synced): fd and size into j. False, logged, on failure.
 */
bool journal_create_file(journal *j, uint64_t gen);

/* datadir.c: locks j->dir, loads it into s->objects, leaves journal.K open in j. */
int datadir_load(server *s, journal *j);

/* snapshot.c: starts writing snapshot gen j->gen + 1 (rotating the journal); 0 or an OM_* code. */
int snapshot_start(journal *j, char *why, size_t size);
/* snapshot.c: the child process ended with status (from waitpid()). */
void snapshot_done(journal *j, int status);

#endif
