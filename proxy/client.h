/*
 * client.h — libobjmgr's internals: the client handle, shared by the
 * connection code (client.c), the request/reply loop (call.c) and the typed
 * proxy handles (handle.c and the per-type files).
 */
#ifndef OBJMGR_CLIENT_H
#define OBJMGR_CLIENT_H

#include <msgpack.h>

#include "objmgr.h"
#include "shmlink.h"
#include "payoff.h"

/* A reply to a pipelined request read while waiting for another (by om_call or om_recv_id). */
typedef struct stashed {
	uint32_t msgid;  /* 0 once given back: never a real msgid */
	int code;        /* OM_OK or the server's code */
	char *message;   /* owned; NULL when code is OM_OK */
	om_value result; /* owned; nil unless code is OM_OK */
} stashed;

/*
 * The msgids of pipelined requests awaiting their replies, oldest first:
 * ids[head .. head + count). Replies usually come in order, so taking one
 * is usually taking the head.
 */
typedef struct pending_ids {
	uint32_t *ids;
	size_t head, count, cap;
} pending_ids;

/*
 * Replies stashed for om_recv and om_recv_id: items[head .. end) in arrival
 * order, count of them not given back yet (those given back out of order,
 * by om_recv_id, stay as holes with msgid 0 until the array is compacted).
 * index maps a msgid to its position for om_recv_id: an open-addressing
 * table of 2^index_bits = 2 * cap slots, each 0 (free) or 1 + a position
 * below end, rebuilt at each compaction; a slot whose reply was given back
 * points to a hole and is skipped by lookups.
 */
typedef struct stash {
	stashed *items;
	size_t head, end, count, cap;
	size_t *index;
	unsigned index_bits;
} stash;

/*
 * Notifications read and not yet given back by om_next_notification: a
 * ring, items[(head + i) % cap] for i < count, oldest first. It has no
 * bound (objmgr.h says why) and outlives the connection.
 */
typedef struct notes {
	om_notification *items;
	size_t head, count, cap;
} notes;

/* Queues n (taken over) behind the others; amortised O(1). */
void notes_push(notes *q, om_notification n);
/* Frees every queued notification and the ring. */
void notes_clear(notes *q);

/*
 * Syscalls made on the socket since om_connect, across reconnects (the
 * rings' copies of a shared-memory connection are none). Not part
 * of the public API: tests read them through this header to prove that
 * pipelining coalesces requests and reads replies in large pieces.
 */
typedef struct client_stats {
	uint64_t sends; /* send() calls, including those that failed with EAGAIN */
	uint64_t recvs; /* recv() calls, likewise, but for those polling for a reply: */
	uint64_t poll_recvs;   /* recv() calls made in polling windows */
	uint64_t poll_windows; /* windows: polling for a reply before sleeping (call.c) */
	uint64_t poll_caught;  /* of them, those the reply (or a close) arrived in */
} client_stats;

/*
 * Invariant: fd >= 0 exactly while connected, and the unpacker is
 * initialised exactly while connected, so a reconnect always starts
 * reading on a fresh, unbroken stream. While disconnected, out, pending
 * and the stash are empty: what was in flight died with the connection.
 */
struct om_client {
	int fd;
	char *address;           /* the socket path, without "unix:" */
	bool check_dir;          /* the default socket, in a directory that must be the user's */
	struct authkey *key;     /* the authkey handshake's, or NULL: none (owned, wiped on close) */
	om_options opts;
	char *name;              /* client.setname's on connecting, "" for none (owned) */
	uint32_t next_msgid;     /* never 0: om_recv's msgid 0 means "no reply" */
	msgpack_unpacker unpacker; /* replies read but not yet consumed */
	msgpack_sbuffer out;     /* requests packed and not yet sent whole */
	size_t out_sent;         /* bytes at the start of out already sent */
	pending_ids pending;     /* pipelined requests whose replies are not read yet */
	stash stash;             /* pipelined replies read, not yet given back */
	notes notes;             /* notifications read, not yet given back */
	client_stats stats;
	shm_link shm;            /* requests and replies on shared memory, when open (om_options.shm) */
	bool polling;            /* poll for replies before sleeping: not opts.no_poll nor OBJMGR_POLL=0 */
	payoff poll_rule;        /* and while that pays off (payoff.h) */
	int code;                /* the last call's status */
	char message[1024];      /* and its detail; "" after a success */
};

/*
 * Reads until the server's auth.challenge notification and gives its
 * params (owned: om_value_free). Fails, disconnected, with OM_AUTH_FAILED
 * when a reply comes first (the server asks for no authkey), or as a call
 * does (OM_IO, OM_TIMEOUT after timeout_s, a server.error's code).
 */
int client_read_challenge(om_client *c, double timeout_s, om_value *params);

/*
 * Reads until a notification is queued on c, for at most timeout_s (0:
 * only what has arrived; negative: no limit), sending queued requests
 * first. OM_OK, OM_TIMEOUT (connected still), or a failure as om_recv()'s,
 * recorded on c.
 */
int client_read_notification(om_client *c, double timeout_s);

/*
 * The authkey handshake on c's new connection (auth.c): proves c knows
 * c->key and checks that the server does. OM_OK, or the failure recorded
 * on c and the connection closed.
 */
int client_authenticate(om_client *c);

/*
 * Asks the server for shared memory (server.shm) on c's new connection and
 * moves c onto it: OM_OK on it, or on the socket still when the server
 * refuses (an older server, a TCP connection); another code, recorded and
 * the connection closed, when the exchange itself fails.
 */
int client_shm_start(om_client *c);

/* Records a failure on c and returns code, for `return client_fail(...)`. */
int client_fail(om_client *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Records a success: clears the code and the message. */
void client_ok(om_client *c);

/*
 * Closes the connection after an I/O or protocol failure, forgetting the
 * requests in flight, answered or not; the handle stays usable for
 * om_reconnect.
 */
void client_disconnect(om_client *c);

/* Frees what the pipeline holds (unsent requests, pending msgids, stashed replies) and empties it. */
void pipeline_clear(om_client *c);

#endif
