/*
 * call.c — om_call: one request, one reply. The request is packed whole
 * and written with as few send() calls as the socket allows; replies are
 * read in large pieces into msgpack-c's streaming unpacker and matched by
 * msgid, so a late reply to a call that timed out is skipped, not taken
 * for the next call's answer.
 */
#include "client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#include "codec.h"

enum {
	READ_CHUNK = 64 * 1024, /* room made in the unpacker before each recv() */
	OUT_KEEP = 1 << 20,     /* a request buffer above this is released after its call */
	/*
	 * msgpack-c's unpacker already stops at 32 levels; a larger bound here
	 * means decoding a reply it accepted never fails on depth.
	 */
	REPLY_MAX_DEPTH = 64,
	SKIPPED = 1,            /* take_message: not the reply we wait for */
};

typedef struct deadline {
	bool set;
	struct timespec at; /* CLOCK_MONOTONIC */
} deadline;

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

/* Waits for events on fd until the deadline: 1 when ready, 0 on timeout, -1 with errno. */
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
		if (rc >= 0 || errno != EINTR)
			return rc;
	}
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

/*
 * Handles one message from the server. Returns SKIPPED when it is not the
 * reply to msgid (a notification, or the late reply to a call that timed
 * out; with msgid NULL no reply is expected), else the call's status with
 * the decoded result in *result when it succeeded.
 */
static int take_message(om_client *c, const msgpack_object *o, const uint32_t *msgid,
			om_value *result)
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
		return SKIPPED;
	}
	if (!msgid || m.msgid != *msgid)
		return SKIPPED;
	if (m.error->type != MSGPACK_OBJECT_NIL)
		return server_error(c, m.error, "");
	if (result && codec_decode(m.result, result, REPLY_MAX_DEPTH) != OM_OK)
		return protocol_error(c, "a result nested too deeply");
	return OM_OK;
}

/* Reads what the socket has into the unpacker, waiting until the deadline for at least one byte. */
static int fill(om_client *c, const char *method, const deadline *d)
{
	if (!msgpack_unpacker_reserve_buffer(&c->unpacker, READ_CHUNK))
		return lost(c, "recv", ENOMEM);
	for (;;) {
		ssize_t n = recv(c->fd, msgpack_unpacker_buffer(&c->unpacker),
				 msgpack_unpacker_buffer_capacity(&c->unpacker), 0);
		if (n > 0) {
			msgpack_unpacker_buffer_consumed(&c->unpacker, (size_t)n);
			return OM_OK;
		}
		if (n == 0) {
			client_disconnect(c);
			return client_fail(c, OM_IO, "lost the connection to %s: the server closed it",
					   c->address);
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return lost(c, "recv", errno);
		int rc = wait_fd(c->fd, POLLIN, d);
		if (rc < 0)
			return lost(c, "poll", errno);
		if (rc == 0)
			return client_fail(c, OM_TIMEOUT, "%s: no reply from %s within %g s", method,
					   c->address, c->opts.timeout_s);
	}
}

/* Reads messages until the reply to msgid (NULL: until one that ends the wait with an error). */
static int read_reply(om_client *c, const char *method, const uint32_t *msgid,
		      const deadline *d, om_value *result)
{
	msgpack_unpacked up;
	msgpack_unpacked_init(&up);
	int rc;
	for (;;) {
		msgpack_unpack_return u = msgpack_unpacker_next(&c->unpacker, &up);
		if (u == MSGPACK_UNPACK_SUCCESS) {
			rc = take_message(c, &up.data, msgid, result);
			if (rc != SKIPPED)
				break;
		} else if (u == MSGPACK_UNPACK_CONTINUE) {
			rc = fill(c, method, d);
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
 * A send failed with err. A server that closes a connection first sends a
 * "server.error" notification saying why (too many clients, ...): when one
 * is already waiting in the socket, report it rather than the bare errno.
 */
static int send_failed(om_client *c, const char *method, int err)
{
	deadline now = {.set = true};
	clock_gettime(CLOCK_MONOTONIC, &now.at);
	int rc = read_reply(c, method, NULL, &now, NULL);
	if (rc != OM_IO && rc != OM_TIMEOUT && rc != OM_PROTOCOL)
		return rc;
	return lost(c, "send", err);
}

/* Writes all n bytes: partial writes and EINTR are retried, a full socket is waited on. */
static int send_all(om_client *c, const char *method, const char *p, size_t n, const deadline *d)
{
	while (n > 0) {
		ssize_t k = send(c->fd, p, n, MSG_NOSIGNAL);
		if (k >= 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return send_failed(c, method, errno);
		int rc = wait_fd(c->fd, POLLOUT, d);
		if (rc < 0)
			return lost(c, "poll", errno);
		if (rc == 0) {
			/* Half a request on the wire: the stream cannot be reused. */
			client_disconnect(c);
			return client_fail(c, OM_TIMEOUT, "%s: could not send to %s within %g s",
					   method, c->address, c->opts.timeout_s);
		}
	}
	return OM_OK;
}

int om_call(om_client *c, const char *method, const om_value *params, size_t n,
	    om_value *result)
{
	if (result)
		*result = om_nil();
	if (c->fd < 0)
		return client_fail(c, OM_IO, "%s: not connected to %s (om_reconnect() connects again)",
				   method, c->address);
	deadline d = deadline_after(c->opts.timeout_s);
	uint32_t msgid = c->next_msgid++;

	msgpack_sbuffer_clear(&c->out);
	msgpack_packer pk;
	msgpack_packer_init(&pk, &c->out, msgpack_sbuffer_write);
	rpc_pack_request(&pk, msgid, method, params, n);
	int rc = send_all(c, method, c->out.data, c->out.size, &d);
	if (c->out.alloc > OUT_KEEP) {
		msgpack_sbuffer_destroy(&c->out);
		msgpack_sbuffer_init(&c->out);
	}
	if (rc == OM_OK)
		rc = read_reply(c, method, &msgid, &d, result);
	if (rc == OM_OK)
		client_ok(c);
	return rc;
}
