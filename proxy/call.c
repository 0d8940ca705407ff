/*
 * call.c — requests and replies: om_call (one request, then its reply) and
 * the pipeline (om_send, om_flush, om_recv), on one machinery.
 *
 * Requests are packed into c->out and sent with as few send() calls as the
 * socket allows: om_call sends at once, om_send only once OUT_FLUSH bytes
 * have collected. While a send would block, what the server has answered
 * meanwhile is read (not decoded yet), so that the two never wait for each
 * other with full buffers. Replies are read in large pieces into
 * msgpack-c's streaming unpacker and matched by msgid: om_call (and
 * om_recv_id) takes its own, stashes replies to other pipelined requests
 * for om_recv and om_recv_id, and skips the late reply to a call that timed
 * out. Notifications met on the way are queued for om_next_notification
 * (notify.c), whatever is waited for. A reply awaited is polled for
 * briefly before sleeping, while that pays off (poll_reply).
 */
#include "client.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "authkey.h"
#include "codec.h"
#include "mem.h"
#include "payoff.h"

enum {
	READ_CHUNK = 64 * 1024, /* room made in the unpacker before each recv() */
	OUT_FLUSH = 64 * 1024,  /* om_send sends once this much is packed */
	OUT_KEEP = 1 << 20,     /* an emptied request buffer above this is released */
	/*
	 * msgpack-c's unpacker already stops at 32 levels; a larger bound here
	 * means decoding a reply it accepted never fails on depth.
	 */
	REPLY_MAX_DEPTH = 64,
	SKIPPED = 1,            /* take_message: not the reply waited for */
	STASH_MIN = 16,         /* the stash's first allocation, in replies */
	POLL_WINDOW_NS = 50000, /* how long a call polls for its reply before sleeping (poll_reply) */
};

typedef struct deadline {
	bool set;
	struct timespec at; /* CLOCK_MONOTONIC */
} deadline;

/* What read_reply waits for. */
typedef enum want_kind {
	WANT_CALL,      /* the reply to msgid; pipelined replies on the way are stashed */
	WANT_PIPELINED, /* the next reply to a pipelined request; msgid is set to its id */
	WANT_PIPELINED_ID, /* the reply to the pipelined request msgid; others are stashed */
	WANT_NOTHING,   /* only a server.error notification; pipelined replies are stashed */
	WANT_CHALLENGE, /* the auth.challenge notification, which must come before any reply */
	WANT_NOTIFICATION, /* any notification but server.error; pipelined replies are stashed */
} want_kind;

typedef struct want {
	want_kind kind;
	uint32_t msgid;
} want;

static deadline deadline_after(double seconds)
{
	deadline d = {.set = seconds > 0};
	if (!d.set)
		return d;
	if (seconds > 1e9) /* about 30 years: as good as forever, and no time_t overflow */
		seconds = 1e9;
	clock_gettime(CLOCK_MONOTONIC, &d.at);
	time_t whole = (time_t)seconds;
	d.at.tv_sec += whole;
	d.at.tv_nsec += (long)((seconds - (double)whole) * 1e9);
	if (d.at.tv_nsec >= 1000000000L) {
		d.at.tv_sec++;
		d.at.tv_nsec -= 1000000000L;
	}
	return d;
}

/* A deadline that has passed already: waits on it only take what is there. */
static deadline deadline_now(void)
{
	deadline d = {.set = true};
	clock_gettime(CLOCK_MONOTONIC, &d.at);
	return d;
}

/* Waits for events on fd until the deadline: the events that happened, 0 on timeout, -1 with errno. */
static int wait_fd(int fd, short events, const deadline *d)
{
	for (;;) {
		struct timespec left = {0, 0}, now;
		if (d->set) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			left.tv_sec = d->at.tv_sec - now.tv_sec;
			left.tv_nsec = d->at.tv_nsec - now.tv_nsec;
			if (left.tv_nsec < 0) {
				left.tv_sec--;
				left.tv_nsec += 1000000000L;
			}
			if (left.tv_sec < 0)
				left = (struct timespec){0, 0};
		}
		struct pollfd p = {.fd = fd, .events = events};
		/* POLLERR and POLLHUP count as ready: the next send/recv reports them. */
		int rc = ppoll(&p, 1, d->set ? &left : NULL, NULL);
		if (rc > 0)
			return p.revents;
		if (rc == 0 || errno != EINTR)
			return rc;
	}
}

/* Adds id, the newest msgid, at the end; amortised O(1). */
static void pending_add(pending_ids *p, uint32_t id)
{
	if (p->head + p->count == p->cap) {
		if (p->count < p->cap / 2) {
			memmove(p->ids, p->ids + p->head, p->count * sizeof *p->ids);
			p->head = 0;
		} else {
			p->cap = p->cap ? 2 * p->cap : 64;
			p->ids = xrealloc(p->ids, p->cap * sizeof *p->ids);
		}
	}
	p->ids[p->head + p->count++] = id;
}

/*
 * Where id is among the pending ids, or p->count when it is not there. The
 * ids are in the order they were issued, which is increasing modulo 2^32
 * counted from the oldest: the usual in-order reply is the oldest, an
 * out-of-order one (a blocking call answered late) is found by binary
 * search.
 */
static size_t pending_find(const pending_ids *p, uint32_t id)
{
	if (p->count == 0)
		return 0;
	const uint32_t *ids = p->ids + p->head;
	uint32_t dist = id - ids[0];
	if (dist == 0)
		return 0;
	size_t lo = 1, hi = p->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ids[mid] - ids[0] < dist)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->count && ids[lo] == id ? lo : p->count;
}

/*
 * Removes id if it is pending and says whether it was. Removing from the
 * middle moves the shorter side, so the replies that overtake one old
 * blocked request each cost O(1), not a move of everything behind it.
 */
static bool pending_take(pending_ids *p, uint32_t id)
{
	size_t at = pending_find(p, id);
	if (at == p->count)
		return false;
	uint32_t *ids = p->ids + p->head;
	if (at < p->count / 2) {
		memmove(ids + 1, ids, at * sizeof *ids);
		p->head++;
	} else {
		memmove(ids + at, ids + at + 1, (p->count - at - 1) * sizeof *ids);
	}
	if (--p->count == 0)
		p->head = 0;
	return true;
}

/*
 * The stash's index slot where a lookup of msgid starts. Fibonacci hashing:
 * msgids are consecutive, and spread evenly they keep linear probing's runs
 * short.
 */
static size_t stash_home(const stash *s, uint32_t msgid)
{
	return (size_t)((msgid * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - s->index_bits));
}

static void stash_index_add(stash *s, size_t pos)
{
	size_t mask = ((size_t)1 << s->index_bits) - 1;
	size_t i = stash_home(s, s->items[pos].msgid);
	while (s->index[i])
		i = (i + 1) & mask;
	s->index[i] = pos + 1;
}

/*
 * Called when the array is full: squeezes out the replies given back,
 * doubles the array if it is still over half full, and rebuilds the index,
 * twice the array's size so that it is never over half full. Each call
 * leaves room for at least cap / 2 pushes, so pushing stays amortised O(1).
 */
static void stash_compact(stash *s)
{
	size_t n = 0;
	for (size_t i = s->head; i < s->end; i++)
		if (s->items[i].msgid)
			s->items[n++] = s->items[i];
	s->head = 0;
	s->end = n;
	if (n >= s->cap / 2) {
		s->cap = s->cap ? 2 * s->cap : STASH_MIN;
		s->items = xrealloc(s->items, s->cap * sizeof *s->items);
		free(s->index);
		s->index = xmalloc(2 * s->cap * sizeof *s->index);
		for (s->index_bits = 1; ((size_t)1 << s->index_bits) < 2 * s->cap; s->index_bits++)
			;
	}
	memset(s->index, 0, 2 * s->cap * sizeof *s->index);
	for (size_t i = 0; i < n; i++)
		stash_index_add(s, i);
}

static void stash_push(stash *s, stashed item)
{
	if (s->end == s->cap)
		stash_compact(s);
	s->items[s->end] = item;
	stash_index_add(s, s->end++);
	s->count++;
}

/* Takes the oldest reply, skipping those om_recv_id took. The stash must not be empty. */
static stashed stash_pop(stash *s)
{
	while (s->items[s->head].msgid == 0)
		s->head++;
	stashed item = s->items[s->head];
	s->items[s->head++].msgid = 0;
	s->count--;
	return item;
}

/* Takes the reply to msgid out of the stash, wherever it is, if it is there. */
static bool stash_take(stash *s, uint32_t msgid, stashed *item)
{
	if (s->count == 0 || msgid == 0)
		return false;
	size_t mask = ((size_t)1 << s->index_bits) - 1;
	for (size_t i = stash_home(s, msgid); s->index[i]; i = (i + 1) & mask) {
		stashed *at = &s->items[s->index[i] - 1];
		if (at->msgid == msgid) {
			*item = *at;
			at->msgid = 0;
			s->count--;
			return true;
		}
	}
	return false;
}

/* Frees the replies not given back, and the arrays. */
static void stash_clear(stash *s)
{
	for (size_t i = s->head; i < s->end; i++) {
		if (s->items[i].msgid) {
			free(s->items[i].message);
			om_value_free(&s->items[i].result);
		}
	}
	free(s->items);
	free(s->index);
	*s = (stash){0};
}

void pipeline_clear(om_client *c)
{
	c->out.size = 0;
	c->out_sent = 0;
	if (c->out.alloc > OUT_KEEP) {
		msgpack_sbuffer_destroy(&c->out);
		msgpack_sbuffer_init(&c->out);
	}
	c->pending.head = c->pending.count = 0;
	stash_clear(&c->stash);
}

/* The connection is unusable after a failed read or write: drop it and say why. */
static int lost(om_client *c, const char *what, int err)
{
	client_disconnect(c);
	return client_fail(c, OM_IO, "lost the connection to %s: %s: %s", c->address, what,
			   strerror(err));
}

static int protocol_error(om_client *c, const char *what)
{
	client_disconnect(c);
	return client_fail(c, OM_PROTOCOL, "bad reply from %s: %s", c->address, what);
}

static int not_connected(om_client *c, const char *what)
{
	return client_fail(c, OM_IO, "%s: not connected to %s (om_reconnect() connects again)",
			   what, c->address);
}

static bool is_str(const msgpack_object *o)
{
	return o->type == MSGPACK_OBJECT_STR;
}

/* An error [code, message] (a reply's, or a server.error notification's): its code, and the message on c. */
static int server_error(om_client *c, const msgpack_object *e, const char *prefix)
{
	if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 2 ||
	    !is_str(&e->via.array.ptr[0]) || !is_str(&e->via.array.ptr[1]))
		return protocol_error(c, "an error that is not [code, message]");
	const msgpack_object_str *name = &e->via.array.ptr[0].via.str;
	const msgpack_object_str *msg = &e->via.array.ptr[1].via.str;
	int code = om_code_from_name(name->ptr, name->size);
	if (code == OM_UNKNOWN_ERROR)
		return client_fail(c, code, "%s%.*s: %.*s", prefix, (int)name->size, name->ptr,
				   (int)msg->size, msg->ptr);
	return client_fail(c, code, "%s%.*s", prefix, (int)msg->size, msg->ptr);
}

/* A response's status: OM_OK with the owned result in *result (if result), or its error, recorded on c. */
static int reply_status(om_client *c, const rpc_msg *m, om_value *result)
{
	if (m->error->type != MSGPACK_OBJECT_NIL)
		return server_error(c, m->error, "");
	int rc = result ? codec_decode(m->result, result, REPLY_MAX_DEPTH) : OM_OK;
	if (rc == OM_BAD_PARAMS)
		return protocol_error(c, "a result holding a reference that names no object");
	if (rc == OM_LIMIT)
		return protocol_error(c, "out of memory for a result");
	if (rc != OM_OK)
		return protocol_error(c, "a result nested too deeply");
	return OM_OK;
}

/*
 * Keeps a reply to a pipelined request for om_recv and om_recv_id. Returns SKIPPED, or
 * OM_PROTOCOL when the reply is malformed (the connection is dropped).
 */
static int stash_reply(om_client *c, const rpc_msg *m)
{
	stashed item = {.msgid = m->msgid, .result = om_nil()};
	item.code = reply_status(c, m, &item.result);
	if (c->fd < 0)
		return item.code;
	if (item.code != OM_OK)
		item.message = xstrdup(c->message);
	stash_push(&c->stash, item);
	return SKIPPED;
}

/*
 * Queues a notification for om_next_notification. Returns OM_OK when a
 * notification is what w waits for, else SKIPPED, or OM_PROTOCOL when its
 * params cannot be decoded (the connection is dropped).
 */
static int queue_notification(om_client *c, const rpc_msg *m, const want *w)
{
	om_notification n = {.method = xmemdup0(m->method, m->method_len)};
	if (codec_decode(m->params, &n.params, REPLY_MAX_DEPTH) != OM_OK) {
		free(n.method);
		return protocol_error(c, "a notification whose params cannot be decoded");
	}
	notes_push(&c->notes, n);
	return w->kind == WANT_NOTIFICATION ? OM_OK : SKIPPED;
}

/*
 * Handles one message from the server. Returns SKIPPED when it is not what
 * w waits for (a notification queued on the way, a late reply to a call
 * that timed out, or a pipelined reply stashed on the way), else the
 * status of the reply waited for, with the decoded result in *result when
 * it succeeded.
 */
static int take_message(om_client *c, const msgpack_object *o, want *w, om_value *result)
{
	rpc_msg m;
	char err[128];
	if (rpc_parse(o, &m, err, sizeof err) != OM_OK)
		return protocol_error(c, err);
	if (m.type == RPC_REQUEST)
		return protocol_error(c, "a request sent to the client");
	if (m.type == RPC_NOTIFICATION) {
		static const char closing[] = "server.error";
		/* The server says why, then closes the connection. */
		if (m.method_len == strlen(closing) && memcmp(m.method, closing, m.method_len) == 0) {
			client_disconnect(c);
			return server_error(c, m.params, "objmgrd closed the connection: ");
		}
		if (w->kind == WANT_CHALLENGE && m.method_len == strlen(AUTH_CHALLENGE) &&
		    memcmp(m.method, AUTH_CHALLENGE, m.method_len) == 0)
			return codec_decode(m.params, result, REPLY_MAX_DEPTH) == OM_OK
				       ? OM_OK
				       : protocol_error(c, "an auth.challenge that cannot be decoded");
		return queue_notification(c, &m, w);
	}
	if (w->kind == WANT_CHALLENGE) {
		/* A server with an authkey challenges a connection before it answers anything. */
		client_disconnect(c);
		return client_fail(c, OM_AUTH_FAILED, "the server at %s asks for no authkey, so it "
				   "cannot prove it knows yours", c->address);
	}
	if (w->kind == WANT_CALL && m.msgid == w->msgid)
		return reply_status(c, &m, result);
	if (!pending_take(&c->pending, m.msgid))
		return SKIPPED;
	if (w->kind == WANT_PIPELINED_ID && m.msgid == w->msgid)
		return reply_status(c, &m, result);
	if (w->kind != WANT_PIPELINED)
		return stash_reply(c, &m);
	w->msgid = m.msgid;
	return reply_status(c, &m, result);
}

/* Waits as wait_fd() on c's socket, or on its rings when it uses shared memory. */
static int wait_io(om_client *c, short events, const deadline *d)
{
	if (c->shm.h)
		return shm_link_wait(&c->shm, events, d->set ? &d->at : NULL);
	return wait_fd(c->fd, events, d);
}

/*
 * A forked child shares its parent's region and would mix its frames into
 * the parent's stream: it is refused, its copy of the connection dropped.
 */
static int check_owner(om_client *c, const char *what)
{
	if (!c->shm.h || c->shm.pid == getpid())
		return OM_OK;
	client_disconnect(c);
	return client_fail(c, OM_IO, "%s: this process forked from the one that connected to %s, "
			   "whose shared memory it may not use: om_reconnect() first", what,
			   c->address);
}

/*
 * One recv() (or ring read) into the unpacker's free space, EINTR retried,
 * counted in *count; as recv() returns.
 */
static ssize_t recv_counted(om_client *c, uint64_t *count)
{
	if (!msgpack_unpacker_reserve_buffer(&c->unpacker, READ_CHUNK)) {
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		ssize_t n;
		if (c->shm.h) {
			n = shm_link_recv(&c->shm, msgpack_unpacker_buffer(&c->unpacker),
					  msgpack_unpacker_buffer_capacity(&c->unpacker));
		} else {
			n = recv(c->fd, msgpack_unpacker_buffer(&c->unpacker),
				 msgpack_unpacker_buffer_capacity(&c->unpacker), 0);
		}
		(*count)++;
		if (n > 0)
			msgpack_unpacker_buffer_consumed(&c->unpacker, (size_t)n);
		if (n >= 0 || errno != EINTR)
			return n;
	}
}

static ssize_t recv_chunk(om_client *c)
{
	return recv_counted(c, &c->stats.recvs);
}

static uint64_t mono_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return mono_ns(&t);
}

static bool would_block(ssize_t n)
{
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/*
 * Called when a reply is awaited and the socket is empty: polls it with
 * recv() for up to POLL_WINDOW_NS (never past d) before the caller sleeps
 * in poll(). A server on another CPU often answers within that, and a
 * sleeping thread can take longer than that to wake. Only while such
 * windows pay off (payoff.h): one in which nothing came, or in which this
 * thread was preempted (it shares its CPU, perhaps with the server), makes
 * the next ones rarer. As recv(): what the last one returned, -1 with
 * EAGAIN when nothing came.
 */
static ssize_t poll_reply(om_client *c, const deadline *d)
{
	if (!c->polling || !payoff_try(&c->poll_rule)) {
		errno = EAGAIN;
		return -1;
	}
	c->stats.poll_windows++;
	payoff_window w = payoff_open(&c->poll_rule);
	uint64_t end = now_ns() + POLL_WINDOW_NS;
	if (d->set && mono_ns(&d->at) < end)
		end = mono_ns(&d->at);
	ssize_t n;
	do
		n = recv_counted(c, &c->stats.poll_recvs);
	while (would_block(n) && now_ns() < end);
	int err = errno;
	bool caught = !would_block(n);
	c->stats.poll_caught += caught;
	payoff_close(&c->poll_rule, w, caught);
	errno = err;
	return n;
}

/*
 * Reads what the socket has into the unpacker, waiting until the deadline
 * for at least one byte; when a reply is awaited (poll), polling for it
 * first.
 */
static int fill(om_client *c, const char *what, const deadline *d, bool poll)
{
	int rc = check_owner(c, what);
	if (rc != OM_OK)
		return rc;
	for (;;) {
		ssize_t n = recv_chunk(c);
		/* Shared memory polls its rings itself (shm_link_wait). */
		if (poll && !c->shm.h && would_block(n)) {
			poll = false;
			n = poll_reply(c, d);
		}
		if (n > 0)
			return OM_OK;
		if (n == 0) {
			client_disconnect(c);
			return client_fail(c, OM_IO, "lost the connection to %s: the server closed it",
					   c->address);
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return lost(c, "recv", errno);
		rc = wait_io(c, POLLIN, d);
		if (rc < 0)
			return lost(c, "poll", errno);
		if (rc == 0)
			return client_fail(c, OM_TIMEOUT, "%s: no reply from %s within %g s", what,
					   c->address, c->opts.timeout_s);
	}
}

/* Reads messages until the one w waits for (WANT_NOTHING: until one that ends the wait with an error). */
static int read_reply(om_client *c, const char *what, want *w, const deadline *d,
		      om_value *result)
{
	msgpack_unpacked up;
	msgpack_unpacked_init(&up);
	int rc;
	for (;;) {
		msgpack_unpack_return u = msgpack_unpacker_next(&c->unpacker, &up);
		if (u == MSGPACK_UNPACK_SUCCESS) {
			rc = take_message(c, &up.data, w, result);
			if (rc != SKIPPED)
				break;
		} else if (u == MSGPACK_UNPACK_CONTINUE) {
			rc = fill(c, what, d, w->kind == WANT_CALL || w->kind == WANT_PIPELINED ||
						      w->kind == WANT_PIPELINED_ID);
			if (rc != OM_OK)
				break;
		} else {
			rc = protocol_error(c, "bytes that are not msgpack, or nested too deeply");
			break;
		}
	}
	msgpack_unpacked_destroy(&up);
	return rc;
}

/*
 * A send failed with err, or the server hung up while we were sending. A
 * server that closes a connection first sends a "server.error" notification
 * saying why (too many clients, ...): when one is already waiting in the
 * socket or the unpacker, report it rather than the bare errno.
 */
static int send_failed(om_client *c, const char *what, int err)
{
	deadline now = deadline_now();
	want w = {.kind = WANT_NOTHING};
	int rc = read_reply(c, what, &w, &now, NULL);
	if (rc != OM_IO && rc != OM_TIMEOUT && rc != OM_PROTOCOL)
		return rc;
	return lost(c, "send", err);
}

/*
 * Called while a send would block: reads what the server has sent, without
 * decoding it yet. The server stops reading from a client whose replies
 * pile up unread, so a client that only wrote would wait for it forever.
 */
static int absorb(om_client *c, const char *what)
{
	ssize_t n = recv_chunk(c);
	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)))
		return OM_OK;
	if (n == 0)
		return send_failed(c, what, EPIPE);
	return lost(c, "recv", errno);
}

/*
 * Sends the unsent part of c->out: partial writes and EINTR are retried, a
 * full socket is waited on (reading meanwhile). Running out of time with
 * part of a request on the wire leaves a stream that cannot be continued
 * within the deadline's promise, so the connection is dropped then.
 */
static int flush_out(om_client *c, const char *what, const deadline *d)
{
	int rc = check_owner(c, what);
	if (rc != OM_OK)
		return rc;
	while (c->out_sent < c->out.size) {
		ssize_t k;
		if (c->shm.h) {
			k = shm_link_send(&c->shm, c->out.data + c->out_sent,
					  c->out.size - c->out_sent);
		} else {
			k = send(c->fd, c->out.data + c->out_sent, c->out.size - c->out_sent,
				 MSG_NOSIGNAL);
			c->stats.sends++;
		}
		if (k >= 0) {
			c->out_sent += (size_t)k;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return send_failed(c, what, errno);
		int ev = wait_io(c, POLLOUT | POLLIN, d);
		if (ev < 0)
			return lost(c, "poll", errno);
		if (ev == 0) {
			client_disconnect(c);
			return client_fail(c, OM_TIMEOUT, "%s: could not send to %s within %g s",
					   what, c->address, c->opts.timeout_s);
		}
		if (ev & POLLIN) {
			int rc = absorb(c, what);
			if (rc != OM_OK)
				return rc;
		}
	}
	c->out.size = 0;
	c->out_sent = 0;
	if (c->out.alloc > OUT_KEEP) {
		msgpack_sbuffer_destroy(&c->out);
		msgpack_sbuffer_init(&c->out);
	}
	return OM_OK;
}

/* Packs the request behind those not sent yet and returns its msgid, never 0. */
static uint32_t pack_request(om_client *c, const char *method, const om_value *params, size_t n)
{
	uint32_t msgid = c->next_msgid++;
	if (c->next_msgid == 0)
		c->next_msgid = 1;
	msgpack_packer pk;
	msgpack_packer_init(&pk, &c->out, codec_sbuffer_write);
	rpc_pack_request(&pk, msgid, method, params, n);
	return msgid;
}

/*
 * server.shm moves the connection onto rings whose fds come with its
 * reply, which recv() drops: called like any method it would leave the
 * connection dead. om_options.shm is the way to ask for it.
 */
static bool refuse_switch(om_client *c, const char *method)
{
	if (strcmp(method, "server.shm") != 0)
		return false;
	client_fail(c, OM_BAD_PARAMS, "server.shm: ask for shared memory with om_options.shm "
		    "when connecting; as a call it would move the connection onto rings it "
		    "cannot map");
	return true;
}

int om_call(om_client *c, const char *method, const om_value *params, size_t n,
	    om_value *result)
{
	if (result)
		*result = om_nil();
	if (c->fd < 0)
		return not_connected(c, method);
	if (refuse_switch(c, method))
		return OM_BAD_PARAMS;
	deadline d = deadline_after(c->opts.timeout_s);
	want w = {.kind = WANT_CALL, .msgid = pack_request(c, method, params, n)};
	int rc = flush_out(c, method, &d);
	if (rc == OM_OK)
		rc = read_reply(c, method, &w, &d, result);
	if (rc == OM_OK)
		client_ok(c);
	return rc;
}

int om_send(om_client *c, const char *method, const om_value *params, size_t n,
	    uint32_t *msgid)
{
	if (msgid)
		*msgid = 0;
	if (c->fd < 0)
		return not_connected(c, method);
	if (refuse_switch(c, method))
		return OM_BAD_PARAMS;
	uint32_t id = pack_request(c, method, params, n);
	pending_add(&c->pending, id);
	if (c->out.size - c->out_sent >= OUT_FLUSH) {
		deadline d = deadline_after(c->opts.timeout_s);
		int rc = flush_out(c, method, &d);
		if (rc != OM_OK)
			return rc;
	}
	if (msgid)
		*msgid = id;
	client_ok(c);
	return OM_OK;
}

int om_flush(om_client *c)
{
	if (c->fd < 0)
		return not_connected(c, "om_flush");
	deadline d = deadline_after(c->opts.timeout_s);
	int rc = flush_out(c, "om_flush", &d);
	if (rc == OM_OK)
		client_ok(c);
	return rc;
}

/* Gives back a stashed reply: its status, with its result in *result (if result) or its message on c. */
static int stashed_give(om_client *c, stashed *item, om_value *result)
{
	if (result)
		*result = item->result;
	else
		om_value_free(&item->result);
	if (item->code == OM_OK) {
		client_ok(c);
		return OM_OK;
	}
	client_fail(c, item->code, "%s", item->message);
	free(item->message);
	return item->code;
}

int om_recv(om_client *c, uint32_t *msgid, om_value *result)
{
	if (msgid)
		*msgid = 0;
	if (result)
		*result = om_nil();
	if (c->stash.count) {
		stashed item = stash_pop(&c->stash);
		if (msgid)
			*msgid = item.msgid;
		return stashed_give(c, &item, result);
	}
	if (c->pending.count == 0)
		return client_fail(c, OM_EMPTY, "om_recv: no request is pending");
	deadline d = deadline_after(c->opts.timeout_s);
	int rc = flush_out(c, "om_recv", &d);
	if (rc != OM_OK)
		return rc;
	want w = {.kind = WANT_PIPELINED};
	rc = read_reply(c, "om_recv", &w, &d, result);
	if (msgid && c->fd >= 0)
		*msgid = w.msgid;
	if (rc == OM_OK)
		client_ok(c);
	return rc;
}

int om_recv_id(om_client *c, uint32_t msgid, om_value *result)
{
	if (result)
		*result = om_nil();
	stashed item;
	if (stash_take(&c->stash, msgid, &item))
		return stashed_give(c, &item, result);
	if (pending_find(&c->pending, msgid) == c->pending.count)
		return client_fail(c, OM_BAD_REQUEST,
				   "om_recv_id: request %" PRIu32 " is not pending (%s)", msgid,
				   c->fd < 0 ? "not connected: what was in flight was forgotten"
					     : "never sent, or its reply was given back already");
	deadline d = deadline_after(c->opts.timeout_s);
	int rc = flush_out(c, "om_recv_id", &d);
	if (rc != OM_OK)
		return rc;
	want w = {.kind = WANT_PIPELINED_ID, .msgid = msgid};
	rc = read_reply(c, "om_recv_id", &w, &d, result);
	if (rc == OM_OK)
		client_ok(c);
	return rc;
}

int client_read_challenge(om_client *c, double timeout_s, om_value *params)
{
	*params = om_nil();
	deadline d = deadline_after(timeout_s);
	want w = {.kind = WANT_CHALLENGE};
	return read_reply(c, "waiting for the server's auth.challenge", &w, &d, params);
}

int client_read_notification(om_client *c, double timeout_s)
{
	static const char what[] = "om_next_notification";
	if (c->out_sent < c->out.size) {
		deadline d = deadline_after(c->opts.timeout_s);
		int rc = flush_out(c, what, &d);
		if (rc != OM_OK)
			return rc;
	}
	/* Unlike a call's timeout, 0 here means "do not wait", not "forever". */
	deadline d = timeout_s < 0   ? (deadline){.set = false}
		     : timeout_s > 0 ? deadline_after(timeout_s)
				     : deadline_now();
	want w = {.kind = WANT_NOTIFICATION};
	int rc = read_reply(c, what, &w, &d, NULL);
	if (rc == OM_TIMEOUT)
		return client_fail(c, OM_TIMEOUT, "%s: none from %s within %g s", what, c->address,
				   timeout_s);
	return rc;
}

size_t om_pending(const om_client *c)
{
	return c->pending.count + c->stash.count;
}
