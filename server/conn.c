/*
 * conn.c — one client connection.
 *
 * libuv reads straight into the msgpack-c streaming unpacker's buffer,
 * made at the first read with READ_BUFFER bytes and grown with the message
 * being read, and freed with the reply buffers once the connection has been
 * silent for RELEASE_IDLE_MS: an idle connection costs its structure. The
 * frame scanner (frame.h) finds where each message ends and checks what its
 * headers declare before msgpack-c sees any of it: msgpack-c decodes
 * complete messages only, so it reserves nothing for a message that has
 * not arrived. Each message is dispatched and its reply packed into `out`.
 * After a read batch, `out` goes to the kernel with one uv_try_write, and whatever
 * the socket did not take becomes `sending`, owned by a single uv_write
 * while new replies collect in `out`. Dispatching pauses (and reading with
 * it) while the unsent bytes exceed --max-output, and resumes when they
 * drain below half: a client that does not read cannot grow the server.
 *
 * A connection gets turns: after TURN_MESSAGES messages or TURN_BYTES of
 * them, it stops reading and yields (conn_defer()); an idle handle gives
 * it its next turn on the loop's next iteration, after the others' I/O,
 * and so on until no complete message is left, when reading resumes. So a
 * client pipelining thousands of requests delays another by one turn, and
 * its replies still go out in order.
 *
 * A parked call that completes later (wait.c) packs its reply into `out`
 * too, and the connection joins the server's ready list, flushed once the
 * wake-up that completed it is over. A connection gives up its parked calls
 * and its holdings as soon as it starts closing, not when libuv is done
 * with it: nothing is handed to a client that will never read it.
 *
 * Running out of memory costs a request its answer, never the server: a
 * reply that cannot be packed is answered limit "out of memory" (dispatch.c);
 * when even that cannot be packed the connection is closed, once the
 * replies before it are sent. A new connection there is no memory for is
 * closed at once.
 *
 * Late replies pile up even while reading is paused: past
 * --max-output-hard the connection is closed. One timer (on_sweep) closes
 * connections past --idle-timeout or --message-timeout, and those that
 * do not take their last replies within CLOSE_GRACE_MS of closing, and
 * gives freed memory back to the system once the server is idle (memory.c).
 */
#include "conn.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "auth.h"
#include "codec.h"
#include "dispatch.h"
#include "frame.h"
#include "journal.h"
#include "log.h"
#include "listener.h"
#include "mem.h"
#include "memory.h"
#include "shm.h"
#include "tcp.h"
#include "trust.h"
#include "wait.h"
#include "watch.h"

/*
 * The unpacker's first buffer, made at a connection's first read: it
 * grows with the message being read (msgpack-c doubles it), so an idle
 * connection costs little.
 */
#define READ_BUFFER (4 * 1024)
/* A read is given the buffer's free space, grown first when less than this is free. */
#define READ_MIN 1024
/* msgpack-c's buffers begin with a reference count this size (COUNTER_SIZE in its unpack.c). */
#define UNPACKER_HEAD sizeof(_msgpack_atomic_counter_t)
/*
 * A batch ends once its messages reach this many bytes: their decoded
 * items stay in its zone until the whole batch has run, so large messages
 * go one at a time, as they would unbatched (decoding can take many times
 * a message's size: msgpack-c reserves 24 bytes per declared item).
 */
#define BATCH_BYTES (64 * 1024)
/* Empty buffers larger than this are freed rather than kept for reuse. */
#define KEEP_BUFFER (1024 * 1024)
/*
 * A connection's turn: after dispatching this many messages, or unpacking
 * this many bytes, it yields to the others (conn_defer()).
 */
#define TURN_MESSAGES 1024
#define TURN_BYTES (256 * 1024)
/* Accepting yields likewise after this many connections (conn_accept()). */
#define TURN_ACCEPTS 64
/* A connection closing after its last replies is closed at once if they are not taken by then. */
#define CLOSE_GRACE_MS 2000
/* A connection silent this long gives back its buffers, made again when it next sends. */
#define RELEASE_IDLE_MS 1000
/* Timeouts are checked this many times per the shortest of them: they close up to 10% late. */
#define SWEEP_STEPS 10
/*
 * Batches a connection's output can wait for at once: the one being synced
 * and the one collecting (a third would merge into the last, which only
 * waits longer).
 */
#define CONN_HOLDS 3

struct conn {
	stream_handle h;         /* a Unix socket's pipe, or a TCP socket */
	server *srv;
	conn *prev, *next;       /* in srv->conns */
	conn *ready_next;        /* in srv->ready, when ready */
	conn *deferred_prev, *deferred_next; /* in srv->deferred, when deferred */
	uint64_t id;             /* for the log, and the owner of what it acquires */
	trust_peer peer;         /* the client's process and user, as it connected (Unix sockets) */
	char remote[SERVER_ADDRESS_MAX]; /* "tcp:HOST:PORT" of a TCP client, "" for a Unix one */
	uint64_t opened_ms;      /* uv_now() when it connected */
	bool authed;             /* proved it knows the authkey, or the server has none */
	unsigned char nonce[AUTH_NONCE_SIZE]; /* its auth.challenge's (auth.h) */
	uint64_t refused_ms;     /* uv_now() when its proof was found wrong, 0: it was not */
	uint32_t refused_msgid;  /* that auth.hello's, answered auth_failed once the delay passed */
	wait_conn waits;         /* its calls parked on wait lists (wait.c) */
	bool holder;             /* has called an object with a release hook (conn.h) */
	msgpack_unpacker in;     /* decodes whole messages only; buffer NULL until a read needs it */
	frame frame;             /* has scanned frame.used bytes of the message at in.off */
	dispatch_msg held[DISPATCH_BATCH]; /* read into in's zone, dispatched from held_next on */
	size_t held_next, held_count;
	size_t turn_messages, turn_bytes; /* dispatched and unpacked since it last yielded */
	int held_error;          /* the stream's failure behind the held messages, or 0 */
	msgpack_sbuffer out;     /* replies packed since the last flush */
	msgpack_sbuffer sending; /* the bytes of the write in flight */
	codec_out pk_out;        /* what pk writes into: out, and whether a write failed */
	msgpack_packer pk;       /* packs into out */
	uv_write_t wreq;
	bool writing;            /* a uv_write owns `sending` */
	bool reading;
	bool paused;             /* unsent replies over the limit: dispatch waits */
	bool closing;            /* closes once its output is sent */
	bool ready;              /* in srv->ready: has late replies to send */
	bool deferred;           /* in srv->deferred: yielded with messages left, not reading */
	bool released;           /* its parked calls and holdings are given up */
	uint64_t active_ms;      /* uv_now() when it last sent bytes or took some, for --idle-timeout */
	uint64_t message_ms;     /* uv_now() when its unfinished message began, 0: none */
	uint64_t closing_ms;     /* uv_now() when it began closing after its replies */
	uint64_t requests;       /* requests and notifications executed for it */
	bool kill_pending;       /* clients.kill'ed itself: closes once that reply is packed */
	/*
	 * Output waiting for the journal (journal.h): out[hold_start..) must
	 * not leave before the batches it depends on are durable, each
	 * holds[i] covering up to holds[i].end for batch holds[i].epoch.
	 * noted: the bytes of out already given to a hold (or found free).
	 */
	struct hold {
		uint64_t epoch;
		size_t end;
	} holds[CONN_HOLDS];
	size_t nholds, hold_start, noted;
	conn *hold_prev, *hold_next; /* in srv->held, while nholds */
	char name[CONN_NAME_MAX + 1]; /* client.setname's, "" for none */
	struct watcher *watch;   /* what it watches or monitors (watch.h), NULL: nothing */
	registry_owned owned;    /* its ephemeral objects */
	/*
	 * Its shared-memory carrier (shm.h), from server.shm on: while !on_ring
	 * the reply ending at out[shm_end] still has to go on the socket, with
	 * the region's fds; after it, requests come from the ring and every
	 * reply goes to it, and the socket only tells when the client is gone.
	 */
	shm_carrier *shm;
	size_t shm_end;
	bool on_ring;
};

static void conn_run(conn *c);
static void conn_flush(conn *c);
static void hold_unlink(conn *c);
static void conn_undefer(conn *c);
static void set_reading(conn *c, bool on);
static void shm_flush(conn *c);

static uv_stream_t *stream_of(conn *c)
{
	return &c->h.stream;
}

static bool conn_dead(conn *c)
{
	return uv_is_closing(&c->h.handle);
}

static size_t conn_pending(const conn *c)
{
	return c->out.size + (c->writing ? c->sending.size : 0);
}

/* Bytes received of a message not complete yet (or not unpacked yet, while dispatch is paused). */
static size_t conn_partial(conn *c)
{
	return msgpack_unpacker_message_size(&c->in);
}

/* Frees a large buffer once it is empty, so one big reply does not pin its memory. */
static void sbuffer_trim(msgpack_sbuffer *b)
{
	if (b->size == 0 && b->alloc > KEEP_BUFFER) {
		msgpack_sbuffer_destroy(b);
		msgpack_sbuffer_init(b);
	}
}

/*
 * The unpacker's buffer grows to the largest message; give it back between
 * messages. The next read makes a new one (on_alloc).
 */
static void unpacker_trim(msgpack_unpacker *u)
{
	if (u->buffer && msgpack_unpacker_message_size(u) == 0 &&
	    u->used + u->free > KEEP_BUFFER) {
		msgpack_unpacker_destroy(u);
		*u = (msgpack_unpacker){0};
	}
}

static void on_close(uv_handle_t *h)
{
	conn *c = h->data;
	server *s = c->srv;
	if (c->refused_ms)
		s->nrefused--;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	conn_undefer(c);
	hold_unlink(c);
	log_debug("client %llu: closed (%zu open)", (unsigned long long)c->id, s->nconns);
	if (c->in.buffer)
		msgpack_unpacker_destroy(&c->in);
	if (c->shm)
		shm_carrier_close(c->shm);
	msgpack_sbuffer_destroy(&c->out);
	msgpack_sbuffer_destroy(&c->sending);
	free(c);
}

/*
 * Gives up c's watches, parked calls, what it holds and its ephemeral
 * objects, once; others waiting may proceed.
 */
static void conn_release(conn *c)
{
	if (c->released)
		return;
	c->released = true;
	watch_conn_closed(c->srv, c);
	wait_conn_closed(c->srv, c, c->id);
	admin_delete_owned(c->srv, &c->owned);
}

/* Closes at once; a write in flight is cancelled. c stays valid until on_close. */
static void conn_close(conn *c)
{
	if (conn_dead(c))
		return;
	uv_close(&c->h.handle, on_close);
	conn_release(c);
}

static void write_failed(conn *c, int err)
{
	log_debug("client %llu: write failed: %s", (unsigned long long)c->id, uv_strerror(err));
	conn_close(c);
}

static void on_write(uv_write_t *req, int status)
{
	conn *c = req->data;
	c->writing = false;
	c->sending.size = 0;
	sbuffer_trim(&c->sending);
	if (status < 0) {
		write_failed(c, status); /* UV_ECANCELED: already closing */
		return;
	}
	c->active_ms = uv_now(c->srv->loop);
	conn_flush(c);
	if (c->closing) {
		if (!c->writing && !c->nholds)
			conn_close(c);
		return;
	}
	if (c->paused && conn_pending(c) <= c->srv->limits.max_output / 2)
		conn_run(c);
}

/* --- output that waits for the journal ------------------------------------- */

static void hold_unlink(conn *c)
{
	server *s = c->srv;
	if (!c->nholds)
		return;
	c->nholds = 0;
	*(c->hold_prev ? &c->hold_prev->hold_next : &s->held) = c->hold_next;
	if (c->hold_next)
		c->hold_next->hold_prev = c->hold_prev;
}

/*
 * Gives the output packed since the last call to the batch it depends on
 * (journal_need()), or finds it free when the journal has nothing pending.
 * Output keeps its order: bytes behind held ones are held with the last.
 */
static void hold_note(conn *c)
{
	size_t end = c->out.size;
	if (end == c->noted)
		return;
	uint64_t need = journal_need(c->srv);
	if (!need && !c->nholds) {
		c->noted = end;
		return;
	}
	if (!c->nholds) {
		server *s = c->srv;
		c->hold_start = c->noted;
		c->hold_prev = NULL;
		c->hold_next = s->held;
		if (s->held)
			s->held->hold_prev = c;
		s->held = c;
	}
	struct hold *last = c->nholds ? &c->holds[c->nholds - 1] : NULL;
	if (last && (!need || last->epoch == need || c->nholds == CONN_HOLDS))
		last->end = end;
	else
		c->holds[c->nholds++] = (struct hold){need, end};
	c->noted = end;
}

/* The bytes at the front of out that may leave now. */
static size_t conn_sendable(conn *c)
{
	if (!c->srv->journal)
		return c->out.size;
	hold_note(c);
	return c->nholds ? c->hold_start : c->out.size;
}

/* n bytes left the front of out (conn_flush()): the holds move with the rest. */
static void out_consumed(conn *c, size_t n)
{
	if (n < c->out.size)
		memmove(c->out.data, c->out.data + n, c->out.size - n);
	c->out.size -= n;
	c->noted -= n;
	if (!c->nholds)
		return;
	c->hold_start -= n;
	for (size_t i = 0; i < c->nholds; i++)
		c->holds[i].end -= n;
}

/* n bytes of out have left (for the socket or the reply ring): out empties, or moves up. */
static void out_sent(conn *c, size_t n)
{
	if (n < c->out.size) {
		out_consumed(c, n);
		return;
	}
	c->out.size = 0;
	c->noted = 0;
	sbuffer_trim(&c->out);
}

void conn_journal_durable(server *s, uint64_t epoch)
{
	conn *next;
	for (conn *c = s->held; c; c = next) {
		next = c->hold_next;
		size_t k = 0;
		while (k < c->nholds && c->holds[k].epoch <= epoch)
			c->hold_start = c->holds[k++].end;
		if (!k)
			continue;
		memmove(c->holds, c->holds + k, (c->nholds - k) * sizeof c->holds[0]);
		if (k == c->nholds)
			hold_unlink(c);
		else
			c->nholds -= k;
		conn_flush(c);
		if (c->closing && !c->writing && !c->nholds)
			conn_close(c);
	}
}

/*
 * Sends what out may send now: as much as the socket takes, the rest
 * through one uv_write. While that write is in flight new replies wait in
 * `out`, and on_write sends them. Without a journal, all of out goes.
 */
static void conn_flush(conn *c)
{
	if (c->shm) {
		shm_flush(c);
		return;
	}
	size_t len = conn_dead(c) ? 0 : conn_sendable(c);
	if (c->writing || len == 0)
		return;
	uv_buf_t buf = {.base = c->out.data, .len = len};
	int n = uv_try_write(stream_of(c), &buf, 1);
	if (n == UV_EAGAIN)
		n = 0;
	if (n < 0) {
		write_failed(c, n);
		return;
	}
	if ((size_t)n == len) {
		out_sent(c, len);
		return;
	}
	if (len == c->out.size && !c->nholds) {
		msgpack_sbuffer empty = c->sending;
		c->sending = c->out;
		c->out = empty;
		c->noted = 0;
	} else {
		/* Only part of out may go: that part is copied to `sending`, empty while not writing. */
		if (msgpack_sbuffer_write(&c->sending, c->out.data, len) != 0) {
			write_failed(c, UV_ENOMEM);
			return;
		}
		out_consumed(c, len);
	}
	buf.base = c->sending.data + n;
	buf.len = c->sending.size - (size_t)n;
	c->wreq.data = c;
	int rc = uv_write(&c->wreq, stream_of(c), &buf, 1, on_write);
	if (rc < 0) {
		write_failed(c, rc);
		return;
	}
	c->writing = true;
}

/* Stops reading, sends what is pending, then closes. */
static void conn_close_after_flush(conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	c->closing_ms = uv_now(c->srv->loop);
	set_reading(c, false);
	conn_release(c);
	conn_flush(c);
	if (!c->writing && !c->nholds)
		conn_close(c);
}

/*
 * Ends a connection whose byte stream cannot be trusted any more: tells the
 * client why with [2, "server.error", [code, message]], then closes.
 */
static void conn_fail(conn *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void conn_fail(conn *c, int code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_info("client %llu: %s: %s; closing", (unsigned long long)c->id, om_code_name(code), msg);
	size_t mark = c->out.size;
	rpc_pack_server_error(&c->pk, code, msg);
	if (c->pk_out.failed)
		c->out.size = mark; /* out of memory: it closes without saying why */
	conn_close_after_flush(c);
}

/* Ends the connection for a stream failure met while unpacking (an OM_* code). */
static void stream_failed(conn *c, int code)
{
	if (code == OM_TOO_LARGE)
		conn_fail(c, OM_TOO_LARGE, "message larger than the limit of %zu bytes%s "
			  "(its headers declare more items or bytes than fit)", c->frame.max,
			  c->authed ? "" : " before authenticating");
	else if (code == OM_TOO_DEEP)
		conn_fail(c, OM_TOO_DEEP, "message nested more than %d levels deep",
			  FRAME_MAX_DEPTH);
	else if (code == OM_LIMIT)
		conn_fail(c, OM_LIMIT, "out of memory for decoding a message");
	else
		conn_fail(c, OM_BAD_REQUEST, "bytes that are not msgpack (0xc1)");
}

/*
 * The next complete message into *msg, in the unpacker's zone: OM_OK,
 * OP_WAIT for none yet, or the stream's failure. The scanner goes first,
 * from where it stopped, and msgpack-c decodes only once it found the end.
 */
static int unpack_one(conn *c, dispatch_msg *msg, size_t *size)
{
	msgpack_unpacker *u = &c->in;
	if (!u->buffer)
		return OP_WAIT;
	size_t scanned = c->frame.used, at = u->off + scanned, taken;
	int rc = frame_scan(&c->frame, u->buffer + at, u->used - at, &taken);
	if (rc == FRAME_MORE)
		return OP_WAIT;
	if (rc < 0)
		return rc;
	*size = scanned + taken;
	rc = msgpack_unpacker_execute(u);
	if (rc == MSGPACK_UNPACK_NOMEM_ERROR)
		return OM_LIMIT; /* the scanner has ruled out nesting, msgpack-c's other NOMEM */
	if (rc <= 0 || u->parsed != *size)
		return OM_BAD_REQUEST; /* the scanner and msgpack-c disagree: cannot happen */
	msgpack_object o = msgpack_unpacker_data(u);
	dispatch_read(msg, &o);
	msg->size = *size;
	msgpack_unpacker_reset(u);
	return OM_OK;
}

/*
 * Refills c->held with up to DISPATCH_BATCH complete messages and lets
 * dispatch prefetch for them; false when there is none. A stream failure
 * behind some complete messages waits until they have been answered.
 *
 * The batch shares the unpacker's zone, cleared once it is dispatched
 * (release_batch): msgpack_unpacker_next() would allocate an 8 KiB zone
 * per message instead. A partial message behind the batch has not been
 * given to msgpack-c, so nothing of it is in that zone.
 */
static bool conn_unpack(conn *c)
{
	c->held_next = c->held_count = 0;
	if (c->held_error) {
		stream_failed(c, c->held_error);
		return false;
	}
	int rc = OM_OK;
	size_t size, bytes = 0;
	while (c->held_count < DISPATCH_BATCH && bytes < BATCH_BYTES &&
	       (rc = unpack_one(c, &c->held[c->held_count], &size)) == OM_OK) {
		c->held_count++;
		bytes += size;
	}
	c->turn_bytes += bytes;
	if (rc != OM_OK && rc != OP_WAIT)
		c->held_error = rc;
	if (c->held_count > 0) {
		dispatch_prefetch(c->srv, c->held, c->held_count);
		return true;
	}
	if (c->held_error)
		stream_failed(c, c->held_error);
	else
		unpacker_trim(&c->in);
	return false;
}

/*
 * Frees what the dispatched batch was decoded into: clears the unpacker's
 * zone, after telling the unpacker that nothing points into its buffer any
 * more (flush), so that it keeps reusing that buffer. msgpack-c 4 makes the
 * zone only for a message that needs one (a container, str, bin or ext):
 * after a batch of scalars there is none.
 */
static void release_batch(conn *c)
{
	if (!c->in.z)
		return;
	if (!msgpack_unpacker_flush_zone(&c->in)) {
		conn_fail(c, OM_LIMIT, "out of memory for a connection's unpacker zone");
		return;
	}
	msgpack_unpacker_reset_zone(&c->in);
}

/*
 * A reply could not be packed, nor the error saying so (rpc_pack_reply()):
 * closes c, once the replies packed before it are sent, rather than leave
 * its client waiting for an answer that will never come.
 */
static bool conn_reply_lost(conn *c)
{
	if (!c->pk_out.failed || c->closing)
		return false;
	log_warn("client %llu: out of memory for a reply; closing", (unsigned long long)c->id);
	conn_close_after_flush(c);
	return true;
}

/*
 * Dispatches the complete messages buffered, until none is left, output
 * must drain first, or c has had its turn: true then, when it may have
 * more. A turn ends between batches, never inside one.
 */
/* Answers a wrong proof auth_failed, AUTH_FAIL_DELAY_MS after it came, and closes. */
static void refuse_now(conn *c)
{
	c->refused_ms = 0;
	c->srv->nrefused--;
	rpc_pack_error(&c->pk, c->refused_msgid, OM_AUTH_FAILED,
		       "wrong proof: the client does not know this server's authkey");
	conn_close_after_flush(c);
}

/*
 * uv_now() counts whole milliseconds, truncated: a proof that came at
 * 10.9 ms is stamped 10, so the delay has passed in full only once the
 * loop's clock is more than AUTH_FAIL_DELAY_MS past the stamp.
 */
static void on_refuse_timer(uv_timer_t *t)
{
	server *s = t->data;
	uint64_t now = uv_now(s->loop);
	for (conn *c = s->conns; c; c = c->next)
		if (c->refused_ms && !conn_dead(c) && now - c->refused_ms > AUTH_FAIL_DELAY_MS)
			refuse_now(c);
	if (!s->nrefused)
		uv_timer_stop(t);
}

/*
 * A wrong proof: c stops reading and running anything, and is answered
 * once the delay has passed (on_refuse_timer), so that each guess costs
 * the guesser that long while everyone else is served as usual.
 */
static void refuse_later(conn *c, uint32_t msgid)
{
	server *s = c->srv;
	log_warn("client %llu: wrong authkey proof (uid %u, pid %d); closing",
		 (unsigned long long)c->id, (unsigned)c->peer.uid, (int)c->peer.pid);
	c->refused_ms = uv_now(s->loop);
	c->refused_msgid = msgid;
	set_reading(c, false);
	/* Active only while a refusal waits, which keeps the loop running for it. */
	if (!s->refuse_timer.loop) {
		uv_timer_init(s->loop, &s->refuse_timer);
		s->refuse_timer.data = s;
	}
	if (s->nrefused++ == 0)
		uv_timer_start(&s->refuse_timer, on_refuse_timer, AUTH_FAIL_DELAY_MS / 4,
			       AUTH_FAIL_DELAY_MS / 4);
}

/*
 * A message that came before c proved it knows the authkey: only
 * auth.hello runs. Other requests are answered auth_required, and
 * notifications and responses dropped; a malformed message is answered
 * bad_request as always (nothing runs for it).
 */
static void conn_authenticate(conn *c, const dispatch_msg *d)
{
	static const char hello[] = AUTH_HELLO;
	server *s = c->srv;
	if (!d->parsed) {
		dispatch_message(s, c, d);
		return;
	}
	if (d->m.type != RPC_REQUEST)
		return;
	if (d->m.method_len != sizeof hello - 1 || memcmp(d->m.method, hello, sizeof hello - 1)) {
		rpc_pack_error(&c->pk, d->m.msgid, OM_AUTH_REQUIRED, "this server needs an authkey: "
			       "authenticate with " AUTH_HELLO " first (objmgr and libobjmgr: "
			       "--authkey-file or $OBJMGR_AUTHKEY_FILE)");
		return;
	}
	unsigned char proof[AUTH_PROOF_SIZE];
	char why[128];
	int rc = auth_check_hello(s->authkey, c->nonce, d->m.params, proof, why, sizeof why);
	if (rc == OM_AUTH_FAILED) {
		refuse_later(c, d->m.msgid);
		return;
	}
	if (rc != OM_OK) {
		rpc_pack_error(&c->pk, d->m.msgid, rc, why);
		return;
	}
	c->authed = true;
	c->frame.max = s->limits.max_message_size; /* from the next message on */
	om_value result = om_bin(proof, sizeof proof);
	rpc_pack_result(&c->pk, d->m.msgid, &result);
	log_debug("client %llu: authenticated", (unsigned long long)c->id);
}

/*
 * server.shm made c a carrier: its reply, the last bytes of out (nothing
 * was pending before it, conn_shm_offer()), goes on the socket with the
 * fds, and nothing after it is read from the socket. A server.shm sent as
 * a notification has no reply to carry the fds: the carrier is dropped.
 */
static void shm_reply_packed(conn *c)
{
	if (c->shm_end)
		return;
	if (c->out.size) {
		c->shm_end = c->out.size;
		return;
	}
	shm_carrier_close(c->shm);
	c->shm = NULL;
}

static bool conn_dispatch(conn *c)
{
	server *s = c->srv;
	dispatch_clock_start(s);
	while (!c->paused && !c->closing && !c->refused_ms && !conn_dead(c) && !s->stopping &&
	       !(c->shm && !c->on_ring)) {
		if (c->held_next == c->held_count) {
			if (c->turn_messages >= TURN_MESSAGES || c->turn_bytes >= TURN_BYTES)
				return true;
			if (!conn_unpack(c))
				break;
		}
		const dispatch_msg *d = &c->held[c->held_next++];
		if (c->authed)
			dispatch_message(s, c, d);
		else
			conn_authenticate(c, d);
		if (c->kill_pending) {
			conn_close_after_flush(c);
			break;
		}
		if (c->shm && !c->on_ring)
			shm_reply_packed(c);
		c->turn_messages++;
		c->message_ms = 0; /* the next message's time starts with its bytes */
		if (c->held_next == c->held_count)
			release_batch(c);
		if (conn_reply_lost(c))
			break;
		if (conn_pending(c) > s->limits.max_output)
			c->paused = true;
	}
	return false;
}

static void on_resume(uv_idle_t *h);

/* Has on_resume run on the loop's next iteration. */
static void resume_start(server *s)
{
	if (!s->resume.loop) {
		uv_idle_init(s->loop, &s->resume);
		s->resume.data = s;
	}
	uv_idle_start(&s->resume, on_resume);
}

/*
 * c has had its turn with messages left: it stops reading, and on_resume
 * gives it its next turn on the loop's next iteration, after the others'
 * I/O. While any connection is deferred the idle handle is active, which
 * makes libuv poll for I/O without blocking.
 */
static void conn_defer(conn *c)
{
	server *s = c->srv;
	if (c->deferred)
		return;
	c->deferred = true;
	c->deferred_next = NULL;
	c->deferred_prev = s->deferred_last;
	if (s->deferred_last)
		s->deferred_last->deferred_next = c;
	else
		s->deferred = c;
	s->deferred_last = c;
	resume_start(s);
}

static void conn_undefer(conn *c)
{
	server *s = c->srv;
	if (!c->deferred)
		return;
	c->deferred = false;
	if (c->deferred_prev)
		c->deferred_prev->deferred_next = c->deferred_next;
	else
		s->deferred = c->deferred_next;
	if (c->deferred_next)
		c->deferred_next->deferred_prev = c->deferred_prev;
	else
		s->deferred_last = c->deferred_prev;
}

/*
 * Gives accepting and each deferred connection their next turn, the
 * connections in the order they yielded; one that uses it up again goes
 * to the back. One paused meanwhile (conn_flush_ready()) resumes when its
 * output drains (on_write), one closing needs nothing more.
 */
static void on_resume(uv_idle_t *h)
{
	server *s = h->data;
	if (s->accept_deferred) {
		uint32_t deferred = s->accept_deferred;
		s->accept_deferred = 0;
		s->turn_accepts = 0;
		for (size_t i = 0; i < s->nlisteners && !s->stopping; i++)
			if (deferred & (1u << i))
				conn_accept(s, &s->listeners[i].stream);
	}
	conn *last = s->deferred_last, *c;
	if (last) {
		do {
			c = s->deferred;
			conn_undefer(c);
			if (!c->closing && !c->paused && !conn_dead(c)) {
				c->turn_messages = c->turn_bytes = 0;
				c->active_ms = uv_now(s->loop); /* being served: not idle */
				conn_run(c);
			}
		} while (c != last);
	}
	if (!s->deferred && !s->accept_deferred)
		uv_idle_stop(h);
}

/*
 * Dispatches, then flushes the batch's replies with one write. When the
 * socket takes enough of them at once, carries on with the messages
 * buffered behind the pause; otherwise stops reading until on_write sees
 * the output drain below half the limit. When c has had its turn, it
 * stops reading until its next (conn_defer()).
 */
static void conn_run(conn *c)
{
	size_t resume_at = c->srv->limits.max_output / 2;
	bool more;
	do {
		c->paused = false;
		more = conn_dispatch(c);
		conn_flush(c);
	} while (c->paused && !c->closing && !conn_dead(c) && conn_pending(c) <= resume_at);
	if (c->srv->ready)
		conn_flush_ready(c->srv); /* notifications for watchers and monitors */
	if (c->closing || c->refused_ms || conn_dead(c))
		return;
	if (more)
		conn_defer(c);
	set_reading(c, !c->paused && !more);
	/* Only time spent reading counts against --message-timeout: a pause or a deferral restarts it. */
	if (c->paused || more || !conn_partial(c))
		c->message_ms = 0;
	else if (!c->message_ms)
		c->message_ms = uv_now(c->srv->loop);
}

/*
 * Reads into the unpacker's free space, made or grown first when there is
 * little (msgpack-c doubles it, or moves a partial message to the front of
 * a new one): the buffer grows with what arrives, not with libuv's
 * suggestion, 64 KiB a read.
 */
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	conn *c = h->data;
	msgpack_unpacker *u = &c->in;
	(void)suggested;
	size_t want = READ_MIN;
	/*
	 * Between messages, ask for more than is free: msgpack-c then moves
	 * back to the front of its buffer (it does so only when asked for
	 * more), and a message as large as the last fits without growing it.
	 */
	if (u->buffer && u->used == u->off && u->off > UNPACKER_HEAD)
		want = u->free + 1;
	if ((!u->buffer && !msgpack_unpacker_init(u, READ_BUFFER)) ||
	    !msgpack_unpacker_reserve_buffer(u, want)) {
		buf->base = NULL; /* on_read gets UV_ENOBUFS */
		buf->len = 0;
		return;
	}
	buf->base = msgpack_unpacker_buffer(&c->in);
	buf->len = msgpack_unpacker_buffer_capacity(&c->in);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	conn *c = stream->data;
	(void)buf; /* it is the unpacker's own buffer */
	if (nread > 0) {
		msgpack_unpacker_buffer_consumed(&c->in, (size_t)nread);
		c->active_ms = uv_now(c->srv->loop);
		conn_run(c);
		return;
	}
	if (nread == 0)
		return;
	if (nread == UV_EOF) {
		size_t partial = msgpack_unpacker_message_size(&c->in);
		if (partial)
			log_debug("client %llu: hung up %zu bytes into a message",
				  (unsigned long long)c->id, partial);
		conn_close_after_flush(c);
		return;
	}
	if (nread == UV_ENOBUFS) {
		conn_fail(c, OM_LIMIT, "out of memory for the message being read");
		return;
	}
	log_debug("client %llu: read failed: %s", (unsigned long long)c->id, uv_strerror((int)nread));
	conn_close(c);
}

static void set_reading(conn *c, bool on)
{
	if (c->reading == on || conn_dead(c))
		return;
	if (c->on_ring) {
		/* The socket stays read (on_control_read); this gates the request ring. */
		c->reading = on;
		if (on)
			shm_carrier_kick(c->shm);
		return;
	}
	int rc = on ? uv_read_start(stream_of(c), on_alloc, on_read) : uv_read_stop(stream_of(c));
	if (rc < 0) {
		log_warn("client %llu: %s", (unsigned long long)c->id, uv_strerror(rc));
		conn_close(c);
		return;
	}
	c->reading = on;
}

/* --- the shared-memory carrier (shm.h) ----------------------------------- */

/* After the switch the socket carries nothing from the client: a byte is a protocol error, EOF its death. */
static void on_control_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char sink[64];
	(void)h;
	(void)suggested;
	buf->base = sink;
	buf->len = sizeof sink;
}

static void on_control_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	conn *c = stream->data;
	(void)buf;
	if (nread == 0)
		return;
	if (nread > 0) {
		conn_fail(c, OM_BAD_REQUEST, "bytes on the socket after server.shm: requests go on "
			  "the shared-memory ring");
		return;
	}
	if (nread != UV_EOF)
		log_debug("client %llu: read failed: %s", (unsigned long long)c->id,
			  uv_strerror((int)nread));
	conn_close(c);
}

/*
 * Sends server.shm's reply, out[0..shm_end), on the socket with the fds,
 * and moves c onto the ring: false when c was closed instead (the socket
 * would not take the reply whole at once, or the client sent more on the
 * socket behind server.shm).
 */
static bool shm_switch(conn *c)
{
	uv_os_fd_t fd;
	long n = uv_fileno(&c->h.handle, &fd) < 0 ? -EBADF
		 : shm_carrier_send(c->shm, fd, c->out.data, c->shm_end);
	if (n > 0)
		shm_carrier_start(c->shm);
	if (n < 0 || (size_t)n < c->shm_end) {
		log_info("client %llu: the socket did not take server.shm's reply whole (%s); "
			 "closing", (unsigned long long)c->id, n < 0 ? strerror((int)-n) : "full");
		conn_close(c);
		return false;
	}
	out_consumed(c, c->shm_end);
	c->shm_end = 0;
	c->on_ring = true;
	log_debug("client %llu: on shared memory", (unsigned long long)c->id);
	bool leftover = c->held_next != c->held_count ||
			(c->in.buffer && c->in.used > c->in.off);
	int rc = uv_read_stop(stream_of(c));
	if (rc == 0)
		rc = uv_read_start(stream_of(c), on_control_alloc, on_control_read);
	if (rc < 0) {
		log_warn("client %llu: %s", (unsigned long long)c->id, uv_strerror(rc));
		conn_close(c);
		return false;
	}
	if (leftover) {
		c->held_next = c->held_count = 0;
		if (c->in.buffer)
			msgpack_unpacker_reset(&c->in);
		frame_init(&c->frame, c->frame.max);
		conn_fail(c, OM_BAD_REQUEST, "bytes on the socket after server.shm: requests go on "
			  "the shared-memory ring");
		return false;
	}
	return true;
}

/*
 * conn_flush() for a carrier: before the switch, waits until server.shm's
 * reply may leave, then switches; after it, copies what may leave into the
 * reply ring. What the ring does not take stays in out, as unsent output
 * does for a socket (--max-output, --max-output-hard).
 */
static void shm_flush(conn *c)
{
	if (conn_dead(c))
		return;
	size_t len = conn_sendable(c);
	if (!c->on_ring) {
		if (c->writing || !c->shm_end || len < c->shm_end || !shm_switch(c))
			return;
		len = conn_sendable(c);
	}
	if (len == 0)
		return;
	long n = shm_carrier_write(c->shm, c->out.data, len);
	if (n < 0) {
		log_info("client %llu: its reply ring's indices are impossible; closing",
			 (unsigned long long)c->id);
		conn_close(c);
		return;
	}
	if (n == 0)
		return;
	c->active_ms = uv_now(c->srv->loop);
	out_sent(c, (size_t)n);
}

/* Reads what the request ring holds into the unpacker and runs it, a few pieces at most: true when it moved. */
static bool shm_read(conn *c)
{
	bool moved = false;
	for (int i = 0; i < 16 && c->reading && !c->closing && !conn_dead(c); i++) {
		long avail = shm_carrier_readable(c->shm);
		if (avail < 0) {
			conn_fail(c, OM_BAD_REQUEST, "the request ring's indices are impossible");
			return true;
		}
		if (avail == 0)
			break;
		uv_buf_t buf;
		on_alloc(&c->h.handle, 0, &buf);
		if (!buf.base) {
			conn_fail(c, OM_LIMIT, "out of memory for the message being read");
			return true;
		}
		long n = shm_carrier_read(c->shm, buf.base, buf.len);
		if (n <= 0)
			break;
		msgpack_unpacker_buffer_consumed(&c->in, (size_t)n);
		c->active_ms = uv_now(c->srv->loop);
		moved = true;
		conn_run(c);
	}
	return moved;
}

bool conn_shm_pump(conn *c)
{
	if (!c->on_ring || conn_dead(c))
		return false;
	bool moved = false;
	if (c->out.size) {
		size_t before = c->out.size;
		conn_flush(c);
		if (conn_dead(c))
			return true;
		if (c->out.size != before) {
			moved = true;
			if (c->closing && !c->out.size && !c->nholds) {
				conn_close(c);
				return true;
			}
			if (c->paused && !c->closing && conn_pending(c) <= c->srv->limits.max_output / 2)
				conn_run(c);
		}
	}
	return shm_read(c) || moved;
}

int conn_shm_offer(conn *c, uint32_t req, uint32_t rep, char *why, size_t size)
{
	if (c->h.handle.type != UV_NAMED_PIPE) {
		snprintf(why, size, "shared memory is for clients on this host's Unix socket");
		return OM_VALUE_ERROR;
	}
	if (c->shm) {
		snprintf(why, size, "this connection uses shared memory already");
		return OM_VALUE_ERROR;
	}
	if (conn_pending(c) || c->nholds) {
		snprintf(why, size, "send it alone, with no reply to an earlier request pending");
		return OM_VALUE_ERROR;
	}
	c->shm = shm_carrier_new(c->srv, c, req, rep, why, size);
	return c->shm ? OM_OK : OM_LIMIT;
}

static void on_refused(uv_handle_t *h)
{
	server *s = h->data;
	s->refusing = false;
	if (s->refuse_next && !s->stopping) {
		unsigned i = (unsigned)__builtin_ctz(s->refuse_next);
		s->refuse_next &= ~(1u << i);
		conn_accept(s, &s->listeners[i].stream);
	}
}

/* The position of listener in s->listeners, for the bit masks that name listeners. */
static unsigned listener_bit(server *s, uv_stream_t *listener)
{
	return 1u << ((stream_handle *)listener - s->listeners);
}

/* Makes h a Unix or a TCP stream, as listener is. */
static void stream_init(server *s, stream_handle *h, const uv_stream_t *listener)
{
	if (listener && listener->type == UV_TCP)
		uv_tcp_init(s->loop, &h->tcp);
	else
		uv_pipe_init(s->loop, &h->pipe, 0);
}

/*
 * No memory to serve a new connection: accepts it into s->refused and
 * closes it at once, so that its client sees it closed and the listener
 * goes on accepting. While refused closes, the next connection waits:
 * libuv stops watching the listener until uv_accept() takes it.
 */
static void conn_refuse(server *s, uv_stream_t *listener)
{
	if (s->refusing) {
		s->refuse_next |= listener_bit(s, listener);
		return;
	}
	stream_init(s, &s->refused, listener);
	s->refused.handle.data = s;
	int rc = uv_accept(listener, &s->refused.stream);
	if (rc < 0)
		log_warn("accepting a client failed: %s", uv_strerror(rc));
	else
		log_warn("refused a client: out of memory");
	s->refusing = true;
	uv_close(&s->refused.handle, on_refused);
}

/*
 * A new connection in s->conns, its stream (of listener's kind; a pipe
 * without one) initialised but not yet open; NULL when out of memory.
 */
static conn *conn_new(server *s, const uv_stream_t *listener)
{
	conn *c = mem_calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->srv = s;
	c->id = ++s->next_conn_id;
	c->owned.owner = c->id;
	c->active_ms = c->opened_ms = uv_now(s->loop);
	c->authed = !s->authkey;
	frame_init(&c->frame, c->authed ? s->limits.max_message_size : AUTH_MAX_MESSAGE);
	msgpack_sbuffer_init(&c->out);
	msgpack_sbuffer_init(&c->sending);
	c->pk_out.buf = &c->out;
	msgpack_packer_init(&c->pk, &c->pk_out, codec_out_write);
	stream_init(s, &c->h, listener);
	c->h.handle.data = c;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	return c;
}

/*
 * Reads who connected and refuses a user --allow-uid does not name, before
 * anything of theirs is read. Unknown credentials count as no user's.
 */
static bool conn_admit(conn *c)
{
	uv_os_fd_t fd;
	c->peer = (trust_peer){.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
	if (uv_fileno(&c->h.handle, &fd) < 0)
		fd = -1;
	if (c->h.handle.type == UV_TCP) {
		/* No user to check: the authkey, which TCP always needs, stands for one. */
		if (fd >= 0 && tcp_tune(fd) < 0)
			log_warn("client %llu: cannot set TCP_NODELAY and keepalive: %s",
				 (unsigned long long)c->id, strerror(errno));
		struct sockaddr_storage sa;
		int len = sizeof sa;
		if (uv_tcp_getpeername(&c->h.tcp, (struct sockaddr *)&sa, &len) == 0)
			listener_format(&sa, c->remote, sizeof c->remote);
		return true;
	}
	if (fd >= 0)
		trust_peer_of(fd, &c->peer);
	if (access_allows_uid(&c->srv->access, c->peer.uid))
		return true;
	conn_fail(c, OM_AUTH_FAILED, "uid %u (pid %d) may not use this server",
		  (unsigned)c->peer.uid, (int)c->peer.pid);
	return false;
}

/* Challenges c when the server has an authkey, then starts reading it. */
static void conn_begin(conn *c)
{
	if (!c->authed) {
		auth_nonce(c->nonce);
		auth_pack_challenge(&c->pk, c->nonce);
		if (c->pk_out.failed) {
			log_warn("client %llu: out of memory for its auth.challenge; closing",
				 (unsigned long long)c->id);
			conn_close(c);
			return;
		}
		conn_flush(c);
	}
	set_reading(c, true);
}

/*
 * Past TURN_ACCEPTS connections accepted in a turn, the pending one is
 * left to on_resume: libuv stops watching the listener until uv_accept()
 * takes it, so that thousands of clients connecting at once are accepted
 * a turn at a time, between the others' requests.
 */
void conn_accept(server *s, uv_stream_t *listener)
{
	if (s->turn_accepts >= TURN_ACCEPTS) {
		s->accept_deferred |= listener_bit(s, listener);
		resume_start(s);
		return;
	}
	s->turn_accepts++;
	conn *c = conn_new(s, listener);
	if (!c) {
		conn_refuse(s, listener);
		return;
	}
	int rc = uv_accept(listener, stream_of(c));
	if (rc < 0) {
		log_warn("accepting a client failed: %s", uv_strerror(rc));
		conn_close(c);
		return;
	}
	if (s->nconns > s->limits.max_clients) {
		conn_fail(c, OM_LIMIT, "too many clients: the server accepts %zu at most",
			  s->limits.max_clients);
		return;
	}
	if (!conn_admit(c))
		return;
	if (*c->remote)
		log_debug("client %llu: connected from %s (%zu open)", (unsigned long long)c->id,
			  c->remote, s->nconns);
	else
		log_debug("client %llu: connected (uid %u, pid %d; %zu open)",
			  (unsigned long long)c->id, (unsigned)c->peer.uid, (int)c->peer.pid,
			  s->nconns);
	conn_begin(c);
}

int conn_open_fd(server *s, int fd)
{
	conn *c = conn_new(s, NULL);
	if (!c)
		return UV_ENOMEM;
	int rc = uv_pipe_open(&c->h.pipe, fd);
	if (rc < 0) {
		conn_close(c);
		return rc;
	}
	conn_begin(c);
	return 0;
}

uint64_t conn_id(const conn *c)
{
	return c->id;
}

wait_conn *conn_waits(conn *c)
{
	return &c->waits;
}

void conn_note_holder(conn *c)
{
	c->holder = true;
}

bool conn_is_holder(const conn *c)
{
	return c->holder;
}

void conn_note_request(conn *c)
{
	c->requests++;
}

void conn_address(const conn *c, char *buf, size_t size)
{
	if (*c->remote)
		snprintf(buf, size, "%s", c->remote);
	else if (c->peer.uid == (uid_t)-1)
		snprintf(buf, size, "unix (peer unknown)");
	else
		snprintf(buf, size, "unix uid %u pid %d", (unsigned)c->peer.uid, (int)c->peer.pid);
}

void conn_describe(const conn *c, conn_info *out)
{
	uint64_t now = uv_now(c->srv->loop);
	*out = (conn_info){
		.id = c->id,
		.name = c->name[0] ? c->name : NULL,
		.age_s = (double)(now - c->opened_ms) / 1000.0,
		.idle_s = (double)(now - c->active_ms) / 1000.0,
		.authed = c->authed,
		.requests = c->requests,
		.output = conn_pending(c),
		.parked = wait_parked(&c->waits),
	};
}

void conn_each_open(server *s, void (*fn)(conn *c, void *ctx), void *ctx)
{
	for (conn *c = s->conns; c; c = c->next)
		if (!c->closing && !conn_dead(c) && !c->kill_pending)
			fn(c, ctx);
}

conn *conn_find(server *s, uint64_t id)
{
	for (conn *c = s->conns; c; c = c->next)
		if (c->id == id)
			return c->closing || conn_dead(c) || c->kill_pending ? NULL : c;
	return NULL;
}

void conn_set_name(conn *c, const char *name, size_t len)
{
	memcpy(c->name, name, len);
	c->name[len] = '\0';
}

void conn_kill(conn *c, uint64_t by)
{
	log_info("client %llu: killed by client %llu (clients.kill)", (unsigned long long)c->id,
		 (unsigned long long)by);
	if (c->id == by)
		c->kill_pending = true; /* conn_dispatch() closes it once the reply is packed */
	else
		conn_close_after_flush(c);
}

struct watcher **conn_watch_slot(conn *c)
{
	return &c->watch;
}

registry_owned *conn_owned(conn *c)
{
	return &c->owned;
}

size_t conn_output(const conn *c)
{
	return conn_pending(c);
}

msgpack_packer *conn_packer(conn *c)
{
	return &c->pk;
}

void conn_reply_later(conn *c)
{
	if (c->ready)
		return;
	c->ready = true;
	c->ready_next = c->srv->ready;
	c->srv->ready = c;
}

void conn_flush_ready(server *s)
{
	while (s->ready) {
		conn *c = s->ready;
		s->ready = c->ready_next;
		c->ready = false;
		if (conn_reply_lost(c))
			continue;
		conn_flush(c);
		if (conn_pending(c) > s->limits.max_output_hard && !conn_dead(c)) {
			log_info("client %llu: %zu bytes of replies unsent, over --max-output-hard "
				 "(%zu); closing", (unsigned long long)c->id, conn_pending(c),
				 s->limits.max_output_hard);
			conn_close(c);
			continue;
		}
		if (!c->closing && !c->paused && conn_pending(c) > s->limits.max_output) {
			c->paused = true;
			set_reading(c, false);
		}
	}
}

void conn_close_all(server *s, bool flush)
{
	for (conn *c = s->conns; c; c = c->next) {
		if (flush)
			conn_close_after_flush(c);
		else
			conn_close(c);
	}
}

size_t conn_buffers(const server *s)
{
	size_t n = 0;
	for (const conn *c = s->conns; c; c = c->next)
		n += sizeof *c + c->in.used + c->in.free + c->out.alloc + c->sending.alloc +
		     (c->shm ? shm_carrier_size(c->shm) : 0);
	return n;
}

/* Seconds, for messages: the options take them, the server keeps milliseconds. */
static double seconds(uint64_t ms)
{
	return (double)ms / 1000.0;
}

/*
 * Frees the read buffer (with its unpacker and zone) and the reply
 * buffers of a connection that has nothing in them: a client that has
 * gone quiet keeps its structure only. The next read and reply make them
 * again.
 */
static void conn_release_buffers(conn *c)
{
	if (c->deferred || c->paused || c->writing || c->out.size ||
	    c->held_next != c->held_count || msgpack_unpacker_message_size(&c->in))
		return;
	if (c->in.buffer) {
		msgpack_unpacker_destroy(&c->in);
		c->in = (msgpack_unpacker){0};
	}
	msgpack_sbuffer_destroy(&c->out);
	msgpack_sbuffer_init(&c->out);
	msgpack_sbuffer_destroy(&c->sending);
	msgpack_sbuffer_init(&c->sending);
}

/*
 * Closes c if a timeout has passed: its replies were not taken within
 * CLOSE_GRACE_MS of its closing, its message stayed unfinished for
 * --message-timeout, or it has been silent for --idle-timeout. A client
 * with parked calls, or which has used a lock, semaphore, condition or
 * barrier (and may hold one), is never idle: like a Redis client blocked
 * in BLPOP, it waits for the server or for others, and closing it would
 * release what it holds.
 */
static void sweep_one(conn *c, uint64_t now)
{
	const server_limits *l = &c->srv->limits;
	if (c->closing) {
		if (now - c->closing_ms >= CLOSE_GRACE_MS) {
			log_info("client %llu: last replies not taken within %g s; closing now",
				 (unsigned long long)c->id, seconds(CLOSE_GRACE_MS));
			conn_close(c);
		}
		return;
	}
	if (l->message_timeout_ms && c->message_ms && now - c->message_ms >= l->message_timeout_ms)
		conn_fail(c, OM_TIMEOUT, "a message unfinished after %g s (--message-timeout): "
			  "%zu bytes received of it", seconds(l->message_timeout_ms), conn_partial(c));
	else if (!c->authed && !c->refused_ms && now - c->opened_ms >= AUTH_TIMEOUT_MS)
		conn_fail(c, OM_TIMEOUT, "not authenticated within %g s", seconds(AUTH_TIMEOUT_MS));
	else if (l->idle_timeout_ms && !wait_parked(&c->waits) && !c->holder &&
		 now - c->active_ms >= l->idle_timeout_ms)
		conn_fail(c, OM_TIMEOUT, "idle for %g s (--idle-timeout)",
			  seconds(l->idle_timeout_ms));
	else if (now - c->active_ms >= RELEASE_IDLE_MS)
		conn_release_buffers(c);
}

static void on_sweep(uv_timer_t *t)
{
	server *s = t->data;
	uint64_t now = uv_now(s->loop);
	for (conn *c = s->conns; c; c = c->next)
		if (!conn_dead(c))
			sweep_one(c, now);
	memory_trim_when_idle(s);
}

void conn_sweep_start(server *s)
{
	uint64_t shortest = CLOSE_GRACE_MS;
	if (s->limits.message_timeout_ms && s->limits.message_timeout_ms < shortest)
		shortest = s->limits.message_timeout_ms;
	if (s->limits.idle_timeout_ms && s->limits.idle_timeout_ms < shortest)
		shortest = s->limits.idle_timeout_ms;
	uint64_t period = shortest / SWEEP_STEPS ? shortest / SWEEP_STEPS : 1;
	uv_timer_init(s->loop, &s->sweep_timer);
	s->sweep_timer.data = s;
	uv_timer_start(&s->sweep_timer, on_sweep, period, period);
	uv_unref((uv_handle_t *)&s->sweep_timer); /* never keeps the loop alive */
}
