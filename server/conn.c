/*
 * conn.c — one client connection.
 *
 * libuv reads straight into the msgpack-c streaming unpacker's buffer; each
 * complete message is dispatched and its reply packed into `out`. After a
 * read batch, `out` goes to the kernel with one uv_try_write, and whatever
 * the socket did not take becomes `sending`, owned by a single uv_write
 * while new replies collect in `out`. Dispatching pauses (and reading with
 * it) while the unsent bytes exceed --max-output, and resumes when they
 * drain below half: a client that does not read cannot grow the server.
 *
 * A parked call that completes later (wait.c) packs its reply into `out`
 * too, and the connection joins the server's ready list, flushed once the
 * wake-up that completed it is over. A connection gives up its parked calls
 * and its holdings as soon as it starts closing, not when libuv is done
 * with it: nothing is handed to a client that will never read it.
 */
#include "conn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack/unpack_define.h> /* MSGPACK_EMBED_STACK_SIZE: the unpacker's nesting limit */

#include "codec.h"
#include "dispatch.h"
#include "log.h"
#include "mem.h"
#include "wait.h"

/* The unpacker's first buffer; it grows to fit the largest message. */
#define READ_BUFFER (64 * 1024)
/*
 * A batch ends once its messages reach this many bytes: their decoded
 * items stay in its zone until the whole batch has run, so large messages
 * go one at a time, as they would unbatched (decoding can take many times
 * a message's size: msgpack-c reserves 24 bytes per declared item).
 */
#define BATCH_BYTES (64 * 1024)
/* Empty buffers larger than this are freed rather than kept for reuse. */
#define KEEP_BUFFER (1024 * 1024)

struct conn {
	uv_pipe_t pipe;
	server *srv;
	conn *prev, *next;       /* in srv->conns */
	conn *ready_next;        /* in srv->ready, when ready */
	uint64_t id;             /* for the log, and the owner of what it acquires */
	size_t nparked;          /* its calls parked on wait lists */
	bool holder;             /* has called an object with a release hook (conn.h) */
	msgpack_unpacker in;
	dispatch_msg held[DISPATCH_BATCH]; /* read into in's zone, dispatched from held_next on */
	size_t held_next, held_count;
	int held_error;          /* the stream's failure behind the held messages, or 0 */
	msgpack_zone *batch_zone; /* the held messages' zone, when not the unpacker's */
	msgpack_sbuffer out;     /* replies packed since the last flush */
	msgpack_sbuffer sending; /* the bytes of the write in flight */
	msgpack_packer pk;       /* packs into out */
	uv_write_t wreq;
	bool writing;            /* a uv_write owns `sending` */
	bool reading;
	bool paused;             /* unsent replies over the limit: dispatch waits */
	bool closing;            /* closes once its output is sent */
	bool ready;              /* in srv->ready: has late replies to send */
	bool released;           /* its parked calls and holdings are given up */
};

static void conn_run(conn *c);
static void conn_flush(conn *c);
static void set_reading(conn *c, bool on);

static uv_stream_t *stream_of(conn *c)
{
	return (uv_stream_t *)&c->pipe;
}

static bool conn_dead(conn *c)
{
	return uv_is_closing((uv_handle_t *)&c->pipe);
}

static size_t conn_pending(const conn *c)
{
	return c->out.size + (c->writing ? c->sending.size : 0);
}

/* Frees a large buffer once it is empty, so one big reply does not pin its memory. */
static void sbuffer_trim(msgpack_sbuffer *b)
{
	if (b->size == 0 && b->alloc > KEEP_BUFFER) {
		msgpack_sbuffer_destroy(b);
		msgpack_sbuffer_init(b);
	}
}

static void unpacker_init(msgpack_unpacker *u)
{
	if (!msgpack_unpacker_init(u, READ_BUFFER)) {
		log_error("out of memory for a connection's read buffer");
		abort();
	}
}

/* The unpacker's buffer grows to the largest message; give it back between messages. */
static void unpacker_trim(msgpack_unpacker *u)
{
	if (msgpack_unpacker_message_size(u) == 0 && u->used + u->free > KEEP_BUFFER) {
		msgpack_unpacker_destroy(u);
		unpacker_init(u);
	}
}

static void on_close(uv_handle_t *h)
{
	conn *c = h->data;
	server *s = c->srv;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	log_debug("client %llu: closed (%zu open)", (unsigned long long)c->id, s->nconns);
	if (c->batch_zone)
		msgpack_zone_free(c->batch_zone);
	msgpack_unpacker_destroy(&c->in);
	msgpack_sbuffer_destroy(&c->out);
	msgpack_sbuffer_destroy(&c->sending);
	free(c);
}

/* Gives up c's parked calls and what it holds, once; others waiting may proceed. */
static void conn_release(conn *c)
{
	if (c->released)
		return;
	c->released = true;
	wait_conn_closed(c->srv, c, c->id);
}

/* Closes at once; a write in flight is cancelled. c stays valid until on_close. */
static void conn_close(conn *c)
{
	if (conn_dead(c))
		return;
	uv_close((uv_handle_t *)&c->pipe, on_close);
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
	conn_flush(c);
	if (c->closing) {
		if (!c->writing)
			conn_close(c);
		return;
	}
	if (c->paused && conn_pending(c) <= c->srv->limits.max_output / 2)
		conn_run(c);
}

/*
 * Sends `out`: as much as the socket takes now, the rest through one
 * uv_write. While that write is in flight new replies wait in `out`, and
 * on_write sends them.
 */
static void conn_flush(conn *c)
{
	if (c->writing || c->out.size == 0 || conn_dead(c))
		return;
	uv_buf_t buf = {.base = c->out.data, .len = c->out.size};
	int n = uv_try_write(stream_of(c), &buf, 1);
	if (n == UV_EAGAIN)
		n = 0;
	if (n < 0) {
		write_failed(c, n);
		return;
	}
	if ((size_t)n == c->out.size) {
		c->out.size = 0;
		sbuffer_trim(&c->out);
		return;
	}
	msgpack_sbuffer empty = c->sending;
	c->sending = c->out;
	c->out = empty;
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
	set_reading(c, false);
	conn_release(c);
	conn_flush(c);
	if (!c->writing)
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
	const char *name = om_code_name(code);
	log_info("client %llu: %s: %s; closing", (unsigned long long)c->id, name, msg);
	msgpack_pack_array(&c->pk, 3);
	msgpack_pack_uint8(&c->pk, RPC_NOTIFICATION);
	msgpack_pack_str_with_body(&c->pk, "server.error", strlen("server.error"));
	msgpack_pack_array(&c->pk, 2);
	msgpack_pack_str_with_body(&c->pk, name, strlen(name));
	msgpack_pack_str_with_body(&c->pk, msg, strlen(msg));
	conn_close_after_flush(c);
}

/* Ends the connection for a stream failure met while unpacking (an OM_* code). */
static void stream_failed(conn *c, int code)
{
	if (code == OM_TOO_LARGE)
		conn_fail(c, OM_TOO_LARGE, "message larger than the limit of %zu bytes",
			  c->srv->limits.max_message_size);
	else if (code == OM_TOO_DEEP) /* msgpack-c reports both of these as NOMEM */
		conn_fail(c, OM_TOO_DEEP, "message nested more than %d levels deep, or "
			  "declaring more items than the server can allocate",
			  MSGPACK_EMBED_STACK_SIZE);
	else
		conn_fail(c, OM_BAD_REQUEST, "bytes that are not msgpack");
}

/*
 * The next complete message into *msg, in the unpacker's zone: OM_OK,
 * OP_WAIT for none yet, or the stream's failure.
 */
static int unpack_one(conn *c, dispatch_msg *msg, size_t *size)
{
	size_t max = c->srv->limits.max_message_size;
	int rc = msgpack_unpacker_execute(&c->in);
	if (rc == 0)
		return msgpack_unpacker_message_size(&c->in) > max ? OM_TOO_LARGE : OP_WAIT;
	if (rc == MSGPACK_UNPACK_NOMEM_ERROR)
		return OM_TOO_DEEP;
	if (rc < 0)
		return OM_BAD_REQUEST;
	*size = c->in.parsed; /* this message's bytes */
	msgpack_object o = msgpack_unpacker_data(&c->in);
	dispatch_read(msg, &o);
	msgpack_unpacker_reset(&c->in);
	return *size <= max ? OM_OK : OM_TOO_LARGE;
}

/*
 * The batch's messages are in the unpacker's zone, and so is the start of
 * the partial message that follows them, which began at byte `start`.
 * Moves the zone to c->batch_zone, freed after the batch, and rewinds the
 * unpacker to parse that message again, into a fresh zone, when its bytes
 * arrive.
 */
static void detach_batch(conn *c, size_t start)
{
	c->batch_zone = msgpack_unpacker_release_zone(&c->in);
	if (!c->batch_zone) {
		log_error("out of memory for a connection's unpacker zone");
		abort();
	}
	msgpack_unpacker_reset(&c->in);
	c->in.off = start;
}

/*
 * Refills c->held with up to DISPATCH_BATCH complete messages and lets
 * dispatch prefetch for them; false when there is none. A stream failure
 * behind some complete messages waits until they have been answered.
 *
 * The batch shares one zone, freed or cleared once it is dispatched
 * (release_batch): msgpack_unpacker_next() would allocate an 8 KiB zone
 * per message instead.
 */
static bool conn_unpack(conn *c)
{
	c->held_next = c->held_count = 0;
	if (c->held_error) {
		stream_failed(c, c->held_error);
		return false;
	}
	int rc = OM_OK;
	size_t start = c->in.off, size, bytes = 0;
	while (c->held_count < DISPATCH_BATCH && bytes < BATCH_BYTES &&
	       (rc = unpack_one(c, &c->held[c->held_count], &size)) == OM_OK) {
		c->held_count++;
		bytes += size;
		start = c->in.off;
	}
	if (rc == OP_WAIT && c->held_count > 0 && c->in.parsed > 0)
		detach_batch(c, start);
	else if (rc != OM_OK && rc != OP_WAIT)
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
 * Frees what the dispatched batch was decoded into. Left in the unpacker,
 * the zone is cleared, after telling the unpacker that nothing points into
 * its buffer any more (flush), so that it keeps reusing that buffer.
 */
static void release_batch(conn *c)
{
	if (c->batch_zone) {
		msgpack_zone_free(c->batch_zone);
		c->batch_zone = NULL;
		return;
	}
	if (!msgpack_unpacker_flush_zone(&c->in)) {
		log_error("out of memory for a connection's unpacker zone");
		abort();
	}
	msgpack_unpacker_reset_zone(&c->in);
}

/* Dispatches the complete messages buffered, until none is left or output must drain first. */
static void conn_dispatch(conn *c)
{
	server *s = c->srv;
	dispatch_clock_start(s);
	while (!c->paused && !c->closing && !conn_dead(c) && !s->stopping) {
		if (c->held_next == c->held_count && !conn_unpack(c))
			break;
		dispatch_message(s, c, &c->held[c->held_next++]);
		if (c->held_next == c->held_count)
			release_batch(c);
		if (conn_pending(c) > s->limits.max_output)
			c->paused = true;
	}
}

/*
 * Dispatches, then flushes the batch's replies with one write. When the
 * socket takes enough of them at once, carries on with the messages
 * buffered behind the pause; otherwise stops reading until on_write sees
 * the output drain below half the limit.
 */
static void conn_run(conn *c)
{
	size_t resume_at = c->srv->limits.max_output / 2;
	do {
		c->paused = false;
		conn_dispatch(c);
		conn_flush(c);
	} while (c->paused && !c->closing && !conn_dead(c) && conn_pending(c) <= resume_at);
	if (!c->closing)
		set_reading(c, !c->paused);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	conn *c = h->data;
	if (!msgpack_unpacker_reserve_buffer(&c->in, suggested)) {
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
	int rc = on ? uv_read_start(stream_of(c), on_alloc, on_read) : uv_read_stop(stream_of(c));
	if (rc < 0) {
		log_warn("client %llu: %s", (unsigned long long)c->id, uv_strerror(rc));
		conn_close(c);
		return;
	}
	c->reading = on;
}

/* A new connection in s->conns, its pipe initialised but not yet open. */
static conn *conn_new(server *s)
{
	conn *c = xcalloc(1, sizeof *c);
	c->srv = s;
	c->id = ++s->next_conn_id;
	unpacker_init(&c->in);
	msgpack_sbuffer_init(&c->out);
	msgpack_sbuffer_init(&c->sending);
	msgpack_packer_init(&c->pk, &c->out, codec_sbuffer_write);
	uv_pipe_init(s->loop, &c->pipe, 0);
	c->pipe.data = c;
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	return c;
}

void conn_accept(server *s)
{
	conn *c = conn_new(s);
	int rc = uv_accept((uv_stream_t *)&s->listener, stream_of(c));
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
	log_debug("client %llu: connected (%zu open)", (unsigned long long)c->id, s->nconns);
	set_reading(c, true);
}

int conn_open_fd(server *s, int fd)
{
	conn *c = conn_new(s);
	int rc = uv_pipe_open(&c->pipe, fd);
	if (rc < 0) {
		conn_close(c);
		return rc;
	}
	set_reading(c, true);
	return 0;
}

uint64_t conn_id(const conn *c)
{
	return c->id;
}

size_t *conn_parked(conn *c)
{
	return &c->nparked;
}

void conn_note_holder(conn *c)
{
	c->holder = true;
}

bool conn_is_holder(const conn *c)
{
	return c->holder;
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
		conn_flush(c);
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
