/*
 * shm.c — libobjmgr asks for the shared-memory carrier (client.h,
 * docs/protocol.md "Shared memory"): server.shm on the socket, its reply
 * read with recvmsg() to take the fds that come with it, the region mapped
 * (types/shmlink.h). From then on call.c moves its bytes through the
 * link's rings in place of send() and recv().
 */
#include "client.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* How long server.shm's answer is waited for when opts.timeout_s is 0. */
#define HELLO_TIMEOUT_MS (10 * 1000)

static void close_fds(const int *fds, size_t n)
{
	for (size_t i = 0; i < n && i < 2; i++)
		close(fds[i]);
}

/* Sends all of b on c's socket, waiting up to ms for room each time: 0, or -1 with errno. */
static int send_all(om_client *c, const char *b, size_t len, int ms)
{
	size_t sent = 0;
	while (sent < len) {
		ssize_t k = send(c->fd, b + sent, len - sent, MSG_NOSIGNAL);
		c->stats.sends++;
		if (k >= 0) {
			sent += (size_t)k;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		struct pollfd p = {.fd = c->fd, .events = POLLOUT};
		if (poll(&p, 1, ms) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
	return 0;
}

/*
 * Reads c's socket until a whole message is in *msg, taking the fds that
 * come with its bytes (shm_link_recvmsg()): 1, 0 when the server closed,
 * -1 with errno.
 */
static int read_with_fds(om_client *c, msgpack_unpacked *msg, int fds[2], size_t *nfds, int ms)
{
	for (;;) {
		msgpack_unpack_return u = msgpack_unpacker_next(&c->unpacker, msg);
		if (u == MSGPACK_UNPACK_SUCCESS)
			return 1;
		if (u != MSGPACK_UNPACK_CONTINUE) {
			errno = EPROTO;
			return -1;
		}
		if (!msgpack_unpacker_reserve_buffer(&c->unpacker, 4096)) {
			errno = ENOMEM;
			return -1;
		}
		ssize_t n = shm_link_recvmsg(c->fd, msgpack_unpacker_buffer(&c->unpacker),
					     msgpack_unpacker_buffer_capacity(&c->unpacker), fds, nfds);
		c->stats.recvs++;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = {.fd = c->fd, .events = POLLIN};
			if (poll(&p, 1, ms) <= 0) {
				errno = ETIMEDOUT;
				return -1;
			}
			continue;
		}
		if (n <= 0)
			return (int)n;
		msgpack_unpacker_buffer_consumed(&c->unpacker, (size_t)n);
	}
}

/* server.shm's answer: 1 an offer (result a map), 0 a refusal, -1 not the reply to msgid. */
static int answer_kind(const msgpack_object *o, uint32_t msgid)
{
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 4)
		return -1;
	const msgpack_object *a = o->via.array.ptr;
	if (a[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER || a[0].via.u64 != 1 ||
	    a[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER || a[1].via.u64 != msgid)
		return -1;
	if (a[2].type != MSGPACK_OBJECT_NIL)
		return 0;
	return a[3].type == MSGPACK_OBJECT_MAP ? 1 : -1;
}

int client_shm_start(om_client *c)
{
	int ms = c->opts.timeout_s > 0 ? (int)(c->opts.timeout_s * 1000) + 1 : HELLO_TIMEOUT_MS;
	uint32_t msgid = c->next_msgid++;
	if (c->next_msgid == 0)
		c->next_msgid = 1;
	msgpack_sbuffer b;
	msgpack_sbuffer_init(&b);
	msgpack_packer pk;
	msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_uint8(&pk, 0);
	msgpack_pack_uint32(&pk, msgid);
	msgpack_pack_str_with_body(&pk, "server.shm", 10);
	msgpack_pack_array(&pk, 0);
	int rc = send_all(c, b.data, b.size, ms);
	msgpack_sbuffer_destroy(&b);
	int fds[2] = {-1, -1};
	size_t nfds = 0;
	int kind = -1;
	if (rc == 0) {
		msgpack_unpacked up;
		msgpack_unpacked_init(&up);
		rc = read_with_fds(c, &up, fds, &nfds, ms);
		if (rc == 1)
			kind = answer_kind(&up.data, msgid);
		msgpack_unpacked_destroy(&up);
	}
	if (rc <= 0) {
		int err = rc == 0 ? EPIPE : errno;
		close_fds(fds, nfds);
		client_disconnect(c);
		return client_fail(c, OM_IO, "lost the connection to %s: server.shm: %s", c->address,
				   rc == 0 ? "the server closed it" : strerror(err));
	}
	if (kind == 0 && nfds == 0)
		return OM_OK; /* refused: the socket goes on */
	const char *why;
	if (kind != 1)
		why = "server.shm's answer is not a reply to it";
	else if (nfds != 2)
		why = "server.shm's reply did not carry two fds";
	else if (shm_link_open(&c->shm, c->fd, fds[0], fds[1], &why) == 0) {
		close(fds[0]);
		return OM_OK;
	}
	close_fds(fds, nfds);
	client_disconnect(c);
	return client_fail(c, OM_PROTOCOL, "bad reply from %s: %s", c->address, why);
}
