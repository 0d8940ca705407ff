/*
 * conn.h — one client connection: reading and framing msgpack-RPC
 * messages, and writing the replies back.
 *
 * Replies are packed into a per-connection buffer and sent with one write
 * per read batch. When a client's unsent replies pass the --max-output
 * limit the server stops reading from it until they drain below half;
 * replies of its parked calls still pile up, and past --max-output-hard
 * the client is disconnected.
 */
#ifndef OBJMGRD_CONN_H
#define OBJMGRD_CONN_H

#include <msgpack.h>
#include <stdbool.h>

#include "server.h"

/* Accepts the pending connection on listener (one of s->listeners) and starts serving it. */
void conn_accept(server *s, uv_stream_t *listener);

/*
 * Serves the connected stream socket fd as a client connection, as if
 * accepted (the fuzz harness's way in): 0, and the connection owns fd, or
 * a negative libuv error, and fd is still the caller's.
 */
int conn_open_fd(server *s, int fd);

/* The connection's id: unique for the server's life, never 0; the owner of what it acquires. */
uint64_t conn_id(const conn *c);

/* c's parked calls, which c holds and wait.c keeps (wait.h). */
struct wait_conn *conn_waits(conn *c);

/*
 * c called an object whose type has a release hook (it may hold something
 * there): wait_conn_closed() releases only what such connections hold.
 */
void conn_note_holder(conn *c);
bool conn_is_holder(const conn *c);

/* c sent a request or notification that runs (server.info's ops_total counts them all). */
void conn_note_request(conn *c);

/* The longest name client.setname gives a connection, in bytes. */
#define CONN_NAME_MAX 64

/*
 * Where c connects from, for clients.list and the log: "unix uid 1000 pid
 * 4242" (its peer's credentials as it connected), or "tcp:10.0.0.5:51234",
 * truncated to size.
 */
void conn_address(const conn *c, char *buf, size_t size);

/* What clients.list shows of a connection (conn_describe()). */
typedef struct conn_info {
	uint64_t id;
	const char *name;  /* client.setname's, NULL: none; c's, valid while c is */
	double age_s;      /* since it connected */
	double idle_s;     /* since it last sent bytes or took some */
	bool authed;       /* proved it knows the authkey, or the server has none */
	uint64_t requests; /* requests and notifications run for it */
	size_t output;     /* reply bytes not sent yet */
	size_t parked;     /* its calls waiting on objects */
} conn_info;

void conn_describe(const conn *c, conn_info *out);

/* Calls fn on every connection not closing, most recent first; fn must not close any. */
void conn_each_open(server *s, void (*fn)(conn *c, void *ctx), void *ctx);

/* The connection numbered id, or NULL when there is none or it is closing. */
conn *conn_find(server *s, uint64_t id);

/* Names c: name[0..len), len <= CONN_NAME_MAX, checked by the caller; len 0 clears it. */
void conn_set_name(conn *c, const char *name, size_t len);

/*
 * clients.kill: closes c as if its client had closed it (conn_close_after_flush:
 * its parked calls dropped, what it holds released, its replies sent). When
 * c is the connection `by` running the kill, it closes right after packing
 * that reply, running none of its later messages.
 */
void conn_kill(conn *c, uint64_t by);

/* Where c keeps what it watches (watch.c). */
struct watcher **conn_watch_slot(conn *c);

/* c's ephemeral objects (admin.c). */
registry_owned *conn_owned(conn *c);

/* c's reply bytes not sent yet. */
size_t conn_output(const conn *c);

/* Packs c's replies into its output buffer. */
msgpack_packer *conn_packer(conn *c);

/*
 * A reply was packed for c outside its own read batch (a parked call that
 * completed): c's output goes out at the next conn_flush_ready().
 */
void conn_reply_later(conn *c);

/*
 * Sends the output of every connection given to conn_reply_later(), and
 * stops reading from those past --max-output. May close connections whose
 * socket failed, or whose unsent replies passed --max-output-hard, which
 * releases their holdings (wait_conn_closed()).
 */
void conn_flush_ready(server *s);

/*
 * The journal's batch epoch and every one before it are durable
 * (journal.h): the output that waited for them is sent.
 */
void conn_journal_durable(server *s, uint64_t epoch);

/*
 * server.shm: gives c a shared-memory carrier with rings of req and rep
 * bytes (valid sizes), used once the reply being packed has gone out with
 * its fds. OM_OK, or OM_VALUE_ERROR (not a local Unix socket, already
 * one, replies pending) or OM_LIMIT (no memory or fds) with why filled.
 */
int conn_shm_offer(conn *c, uint32_t req, uint32_t rep, char *why, size_t size);

/*
 * shm.c's poll of c's rings: sends what the reply ring has room for and
 * runs what the request ring holds. True when either moved.
 */
bool conn_shm_pump(conn *c);

/* What the connections' structures and read and reply buffers take, in bytes. */
size_t conn_buffers(const server *s);

/*
 * Starts the timer that closes connections past --message-timeout or
 * --idle-timeout, or that do not take their last replies when closing.
 */
void conn_sweep_start(server *s);

/*
 * Closes every connection: with flush, each once its replies are sent;
 * without, at once (pending writes are cancelled).
 */
void conn_close_all(server *s, bool flush);

#endif
