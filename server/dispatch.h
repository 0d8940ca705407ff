/*
 * dispatch.h — from a decoded msgpack-RPC message to an operation, and
 * from its result to the reply.
 */
#ifndef OBJMGRD_DISPATCH_H
#define OBJMGRD_DISPATCH_H

#include <msgpack.h>
#include <stdbool.h>

#include "codec.h"
#include "server.h"

/*
 * A message read for dispatch: its envelope parsed and its method looked
 * up once, by dispatch_read(), for both dispatch_prefetch() and
 * dispatch_message(). It points into the msgpack zone o came from.
 */
typedef struct dispatch_msg {
	msgpack_object o;
	rpc_msg m;
	bool parsed;         /* rpc_parse() passed: m holds the envelope */
	const type_def *t;
	const op_def *op;    /* NULL: no such method */
	size_t size;         /* the message's bytes, when known (0: not) */
	bool key_hashed;     /* dispatch_prefetch() hashed its key: key_hash (op_key_hash()) */
	uint64_t key_hash;
} dispatch_msg;

/* Parses o into d. */
void dispatch_read(dispatch_msg *d, const msgpack_object *o);

/*
 * Executes one message from connection `from`: a request is answered into
 * its output (later, when it has to wait: wait.h), a notification is
 * executed unanswered, a response is ignored. Any other message is answered
 * bad_request: with a response when it has a msgid, else with a
 * server.error notification (the connection stays usable).
 */
void dispatch_message(server *s, conn *from, const dispatch_msg *d);

/* At most this many messages are read ahead of dispatching, for dispatch_prefetch(). */
#define DISPATCH_BATCH 16

/*
 * Before a batch of messages runs: starts fetching the cache lines their
 * keyed operations (OP_KEYED) will read, so their cache misses overlap
 * instead of following one another. Changes nothing.
 */
void dispatch_prefetch(server *s, dispatch_msg *msgs, size_t n);

/*
 * Starts the clock for the calls dispatched next: each call's time runs
 * from the end of the one before (one clock read per call), so it includes
 * reading its message and packing its reply.
 */
void dispatch_clock_start(server *s);

/*
 * Runs record, a journal's or snapshot's [method, params], as a call
 * without a connection and without a reply (journal.h): 0, or -1 with why
 * it failed or is not a call a journal holds. Nothing is journaled.
 */
int dispatch_replay(server *s, const msgpack_object *record, char *why, size_t size);

/*
 * Runs one call of a server.batch (batch.h) from connection `from`, as a
 * request, but for two things: a blocking call does not wait (it runs at
 * once as timed out), and its answer is packed into pk as [error, result].
 * Answers the call's code. The parked calls it lets through run once the
 * batch calls wait_wake().
 */
int dispatch_batch_call(server *s, conn *from, const type_def *t, const op_def *op,
			const msgpack_object_array *params, msgpack_packer *pk);

/* The op named by "type.op" in method[0..len) and its type in *t, or NULL. */
const op_def *dispatch_find_method(const char *method, size_t len, const type_def **t);

/* Fails c with wrong_type: e exists, but is not a `want`. */
int dispatch_wrong_type(op_call *c, const registry_entry *e, const type_def *want);

/*
 * Checks at start-up that every operation of every type has a handler, and
 * that every blocking one is a write (it may have to be parked on its
 * object, which must exist) and a FIFO op (OP_FIFO or OP_OWNER: wait.h),
 * and that every one that grows memory is a write; logs each that fails.
 */
bool dispatch_check_tables(void);

#endif
