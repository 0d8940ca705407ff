/*
 * journal.h — durability: every call that changed state is appended to the
 * data directory's journal before its reply leaves the server
 * (docs/guide.md, "Keeping state"; the files: docs/protocol.md).
 *
 * Records collect in memory while the loop serves calls. Once per loop
 * iteration (a check handle, after the poll for I/O) they go to the file:
 *  - --fsync always: a thread of libuv's pool writes them and fdatasync()s
 *    the file, one batch at a time (group commit: one fdatasync covers
 *    every call of the iterations since the last); the loop goes on, and
 *    the replies produced meanwhile wait for the batch they depend on;
 *  - --fsync everysec: the loop write()s them, and a thread fdatasync()s
 *    the file once a second;
 *  - --fsync no: the loop write()s them; the kernel flushes when it likes.
 * A reply waits for the records before it (any call's, not only its own:
 * a read must not show what a crash could take back), so an answered
 * write survives a crash of the server, and in always mode a power cut.
 *
 * Nothing is acknowledged that cannot be journaled: before a write runs,
 * journal_admit() makes sure its record will fit, in memory and on disk
 * (space is reserved ahead with fallocate), and refuses the call with
 * "limit" when it would not. Should writing fail all the same (an I/O
 * error), the replies waiting for it stay unsent, writes are refused, and
 * the batch is written again every second until it goes through.
 *
 * What is recorded: a write's request as it came, [method, params], once
 * it succeeded (replayed on the same state, it does the same: every data
 * type is deterministic, and a dict keeps its insertion order); a parked
 * call that completes (queue.put, queue.get), when it does, without its
 * timeout. Coordination objects (locks, semaphores, conditions, barriers)
 * keep nothing for a restart but that they exist: their first successful
 * call records the objects.create that remakes them; their acquisitions,
 * releases and waits are not recorded.
 */
#ifndef OBJMGRD_JOURNAL_H
#define OBJMGRD_JOURNAL_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server.h"

enum journal_fsync { JOURNAL_ALWAYS, JOURNAL_EVERYSEC, JOURNAL_NO };

typedef struct journal_config {
	const char *dir;       /* the data directory; NULL: memory only */
	int fsync;             /* a journal_fsync */
	bool repair;           /* --repair: keep the valid prefix of a damaged journal */
	double compact_factor; /* compact when the journal passes this many times the snapshot */
	size_t compact_min;    /* ... and at least this many bytes */
} journal_config;

/*
 * Start-up: locks the data directory, loads its snapshot, replays its
 * journals into s->objects and opens the last one for appending. 0, or -1
 * with the reason logged (directory locked by another objmgrd, read-only,
 * damaged files without --repair, ...). Call before any client connects.
 */
int journal_open(server *s, const journal_config *cfg);

/*
 * At exit, after the loop ended: writes and syncs what is left, gives back
 * the space reserved ahead, and unlocks the directory.
 */
void journal_close(server *s);

/*
 * Before a write call runs: true when its record (at most size bytes of
 * request) will fit; otherwise fails c with limit, naming the cause (the
 * disk is full, the journal cannot be written), and the call must not run.
 */
bool journal_admit(server *s, size_t size, op_call *c);

/*
 * Where the records collecting in memory end, and taking back those after:
 * an atomic batch undone (batch.h) leaves no record. Records go to the
 * file between loop iterations, never while a batch runs.
 */
typedef struct journal_mark {
	size_t size;
	uint64_t records;
} journal_mark;
journal_mark journal_mark_now(server *s);
void journal_rollback(server *s, journal_mark m);
/*
 * Makes the records after m one record, ["server.batch", [record, ...]],
 * so that an atomic batch survives a crash whole or not at all (a torn
 * last record is dropped as a whole when the journal is read).
 */
void journal_group(server *s, journal_mark m);

/*
 * After call c of t.op succeeded on entry e (or opened `opened`): appends
 * its record when it changed durable state. params are the request's.
 */
void journal_call(server *s, const type_def *t, const op_def *op,
		  const msgpack_object_array *params, registry_entry *e, registry_entry *opened);

/*
 * Around a parked call's run (wait.c): journal_parked_begin() records the
 * call before its handler moves its arguments away, and false with c
 * failed when there is no room for it; journal_parked_end() keeps the
 * record when the run succeeded (rc OM_OK), and takes it back otherwise.
 */
bool journal_parked_begin(server *s, registry_entry *e, const op_def *op, op_call *c,
			  size_t *mark);
void journal_parked_end(server *s, registry_entry *e, const op_def *op, int rc, size_t mark);

/*
 * The batch that output produced now must wait for: 0 when everything
 * recorded is durable (or there is no journal), else a batch number; the
 * batches finish in order, and conn_journal_durable() hears of each.
 */
uint64_t journal_need(const server *s);

/* Into *out server.info's "persistence" map; false when out of memory. */
bool journal_info(const server *s, om_value *out);

/*
 * server.save: starts a snapshot, unless one is running. 0, or an OM_*
 * code with c failed (no data directory, a fork failed, ...).
 */
int journal_save(server *s, op_call *c);

/* Whether a snapshot is being written. */
bool journal_saving(const server *s);

/* The generation of the journal being appended to: the snapshot server.save writes. */
uint64_t journal_generation(const server *s);

#endif
