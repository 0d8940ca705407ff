/*
 * fuzz-conn.c — libFuzzer harness over one connection's byte stream.
 *
 * Each input runs the real server (server/, as objmgrd runs it) on a loop
 * of its own with a fresh registry: one end of a socketpair becomes a
 * client connection (conn_open_fd(), as conn_accept() does with a client
 * of the listener), the input is written to the other end in pieces with
 * the loop run after each, the replies are read and checked, then the
 * client hangs up and everything is freed. A hang-up in the middle of a
 * message, a parked call and an object left behind are all part of the run.
 *
 * The input is the byte stream itself, so a plain msgpack-RPC request
 * stream is an input. 0xc1, a byte msgpack never uses, escapes:
 *   c1 00              the write ends here: the loop runs before the next
 *   c1 01 NNNNNN L ... N (24-bit big-endian) copies of the L bytes that follow
 *                      (at most 3 MiB in all per input: a large message, or
 *                      thousands of requests, from a few bytes)
 *   c1 02 S            from here, cut every write into pieces of sizes drawn
 *                      from seed S, 1 byte to 4 KiB (S = 0: whole writes again)
 *   c1 and any other byte, or c1 at the end: a literal c1 (the other byte
 *                      is read as usual)
 * and, as the input's first two bytes only (before the connection opens):
 *   c1 03              the server has an authkey: the connection starts
 *                      unauthenticated, as a client without the key's does
 *   c1 04              the same, but the harness answers the challenge with
 *                      the right auth.hello (msgid 2^32-1) before the input
 *
 * What fails an input, besides a crash or a sanitizer report: a reply that
 * is not a msgpack-RPC response or notification, a reply after the
 * server.error notification that closes a connection, a reply cut short, a
 * server that stops reading a connection it never closes, and a call
 * parked or a handle left open once the connection is closed.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "authkey.h"
#include "codec.h"
#include "conn.h"
#include "log.h"
#include "server.h"
#include "value.h"

#define ESCAPE 0xc1
#define ESC_WRITE 0x00
#define ESC_REPEAT 0x01
#define ESC_PIECES 0x02
#define ESC_KEYED 0x03
#define ESC_KEYED_HELLO 0x04

/*
 * The most bytes one input sends, repeats expanded: past the message size
 * limit, yet few enough that three million one-byte messages, each
 * answered, run well within scripts/fuzz's 30 s per input.
 */
#define MAX_STREAM (3u << 20)
/* How many loop runs in a row may pass with the server neither reading nor writing. */
#define MAX_IDLE_RUNS 1000

/*
 * Limits small enough for a fuzzed input to reach: too_large (a 2 MiB
 * message is a repeat away) and pausing a client that does not read fast
 * enough (64 KiB of replies in one batch).
 */
static const server_limits limits = {
	.max_message_size = 2u << 20,
	.max_clients = 1024,
	.max_output = 64u << 10,
	.max_output_hard = 128u << 10,
	.max_waiting = 65536,
};

typedef struct harness {
	uv_loop_t loop;
	server s;
	int peer;        /* the client's end of the socketpair */
	int server_fd;   /* the connection's end, while it is open */
	uint32_t pieces; /* the state drawing piece sizes; 0: whole writes */
	msgpack_unpacker replies;
	bool failed;     /* a server.error notification that ends the connection came */
	bool challenged; /* the auth.challenge came: its nonce is in nonce */
	unsigned char nonce[AUTH_NONCE_SIZE];
	uint8_t *chunk;  /* the write being assembled */
	size_t len, cap, total;
} harness;

static void fail(const char *what)
{
	fprintf(stderr, "fuzz-conn: %s\n", what);
	abort();
}

/* A reply must be [1, msgid, nil or [code, message], result] or [2, "server.error", [code, message]]. */
static bool is_error(const msgpack_object *o)
{
	return o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size == 2 &&
	       o->via.array.ptr[0].type == MSGPACK_OBJECT_STR &&
	       o->via.array.ptr[1].type == MSGPACK_OBJECT_STR;
}

static bool str_eq(const msgpack_object *o, const char *s)
{
	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
	       memcmp(o->via.str.ptr, s, o->via.str.size) == 0;
}

/*
 * A notification a watching or monitoring connection is sent (docs/protocol.md,
 * "Watching changes", "Monitoring"), well formed.
 */
static bool is_watch_note(const msgpack_object *method, const msgpack_object *params)
{
	if (params->type != MSGPACK_OBJECT_ARRAY)
		return false;
	const msgpack_object *p = params->via.array.ptr;
	uint32_t n = params->via.array.size;
	if (str_eq(method, "objects.changed"))
		return n == 4 && p[0].type == MSGPACK_OBJECT_STR && p[1].type == MSGPACK_OBJECT_STR &&
		       p[3].type == MSGPACK_OBJECT_POSITIVE_INTEGER;
	if (str_eq(method, "server.call"))
		return n == 4 && p[0].type == MSGPACK_OBJECT_FLOAT64 &&
		       p[1].type == MSGPACK_OBJECT_POSITIVE_INTEGER && p[2].type == MSGPACK_OBJECT_STR;
	if (str_eq(method, "objects.overflow"))
		return n == 2 && p[0].type == MSGPACK_OBJECT_STR &&
		       p[1].type == MSGPACK_OBJECT_POSITIVE_INTEGER;
	return str_eq(method, "server.overflow") && n == 1 && p[0].type == MSGPACK_OBJECT_STR;
}

static void check_reply(harness *h, const msgpack_object *o)
{
	if (h->failed)
		fail("a reply came after the server.error notification");
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 1 ||
	    o->via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		fail("a reply that is not a msgpack-RPC message");
	const msgpack_object *f = o->via.array.ptr;
	if (f[0].via.u64 == RPC_RESPONSE && o->via.array.size == 4 &&
	    f[1].type == MSGPACK_OBJECT_POSITIVE_INTEGER && f[1].via.u64 <= UINT32_MAX &&
	    (f[2].type == MSGPACK_OBJECT_NIL || (is_error(&f[2]) && f[3].type == MSGPACK_OBJECT_NIL)))
		return;
	if (f[0].via.u64 == RPC_NOTIFICATION && o->via.array.size == 3 &&
	    f[1].type == MSGPACK_OBJECT_STR && f[1].via.str.size == strlen("server.error") &&
	    memcmp(f[1].via.str.ptr, "server.error", f[1].via.str.size) == 0 && is_error(&f[2])) {
		/* bad_request may answer a message without msgid, and the connection goes on */
		const msgpack_object_str *code = &f[2].via.array.ptr[0].via.str;
		if (code->size != strlen("bad_request") ||
		    memcmp(code->ptr, "bad_request", code->size) != 0)
			h->failed = true;
		return;
	}
	if (f[0].via.u64 == RPC_NOTIFICATION && o->via.array.size == 3 && !h->challenged &&
	    f[1].type == MSGPACK_OBJECT_STR && f[1].via.str.size == strlen(AUTH_CHALLENGE) &&
	    memcmp(f[1].via.str.ptr, AUTH_CHALLENGE, f[1].via.str.size) == 0 &&
	    f[2].type == MSGPACK_OBJECT_ARRAY && f[2].via.array.size == 2 &&
	    f[2].via.array.ptr[1].type == MSGPACK_OBJECT_BIN &&
	    f[2].via.array.ptr[1].via.bin.size == AUTH_NONCE_SIZE) {
		memcpy(h->nonce, f[2].via.array.ptr[1].via.bin.ptr, AUTH_NONCE_SIZE);
		h->challenged = true;
		return;
	}
	if (f[0].via.u64 == RPC_NOTIFICATION && o->via.array.size == 3 && is_watch_note(&f[1], &f[2]))
		return;
	fail("a reply that is neither a response, a server.error notification, one challenge "
	     "nor a watch's or monitor's notification");
}

/* Reads and checks the replies waiting on the client's end; how many bytes came. */
static size_t drain(harness *h)
{
	size_t got = 0;
	for (;;) {
		if (!msgpack_unpacker_reserve_buffer(&h->replies, 64 * 1024))
			fail("out of memory for the replies");
		ssize_t n = read(h->peer, msgpack_unpacker_buffer(&h->replies),
				 msgpack_unpacker_buffer_capacity(&h->replies));
		if (n <= 0)
			break;
		msgpack_unpacker_buffer_consumed(&h->replies, (size_t)n);
		got += (size_t)n;
		msgpack_unpacked r;
		msgpack_unpacked_init(&r);
		int rc;
		while ((rc = msgpack_unpacker_next(&h->replies, &r)) == MSGPACK_UNPACK_SUCCESS)
			check_reply(h, &r.data);
		msgpack_unpacked_destroy(&r);
		if (rc != MSGPACK_UNPACK_CONTINUE)
			fail("replies that are not msgpack");
	}
	return got;
}

/* Bytes written to the connection that the server has not read yet. */
static int unread(const harness *h)
{
	int n = 0;
	if (h->s.nconns == 0 || ioctl(h->server_fd, FIONREAD, &n) < 0)
		return 0;
	return n;
}

/*
 * Runs the loop until the server has read everything written to it (or
 * closed the connection), taking its replies as they come. A server that
 * neither reads nor writes for MAX_IDLE_RUNS runs has stopped reading a
 * client that is reading its replies: that is a freeze.
 */
static void pump(harness *h)
{
	int idle = 0, last = -1;
	for (;;) {
		size_t got = drain(h);
		uv_run(&h->loop, UV_RUN_NOWAIT);
		got += drain(h);
		int left = unread(h);
		if (h->s.nconns == 0 || (left == 0 && got == 0 && !h->s.nrefused))
			return;
		/* A connection refused a wrong proof is not read until its answer, 0.1 s on. */
		idle = got == 0 && left == last && !h->s.nrefused ? idle + 1 : 0;
		if (idle > MAX_IDLE_RUNS)
			fail("the server stopped reading a connection it keeps open");
		last = left;
	}
}

/* Writes all of p[0..n); false once the server has closed the connection. */
static bool write_all(harness *h, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(h->peer, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return false;
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		}
		pump(h); /* the server reads what came, or makes room for the rest */
		if (n > 0 && h->s.nconns == 0)
			return false;
	}
	return true;
}

/* The next piece size, 1 byte to 4 KiB, smaller ones more often. */
static size_t next_piece(harness *h)
{
	h->pieces = h->pieces * 1103515245u + 12345u;
	uint32_t r = h->pieces >> 8;
	return 1 + (r >> 4) % ((size_t)1 << (r % 13));
}

/* Sends the write assembled so far, in pieces when asked to; false once the connection is closed. */
static bool send_chunk(harness *h)
{
	size_t off = 0;
	while (off < h->len) {
		size_t n = h->len - off;
		if (h->pieces) {
			size_t piece = next_piece(h);
			n = piece < n ? piece : n;
		}
		if (!write_all(h, h->chunk + off, n))
			return false;
		off += n;
	}
	h->len = 0;
	return true;
}

static void append(harness *h, const uint8_t *p, size_t n)
{
	if (n > MAX_STREAM - h->total)
		n = MAX_STREAM - h->total;
	if (n == 0)
		return;
	if (h->len + n > h->cap) {
		h->cap = h->len + n > 2 * h->cap ? h->len + n : 2 * h->cap;
		h->chunk = realloc(h->chunk, h->cap);
		if (!h->chunk)
			fail("out of memory for the input");
	}
	memcpy(h->chunk + h->len, p, n);
	h->len += n;
	h->total += n;
}

/* Sends the input as its escapes say; stops early once the connection is closed. */
static void send_input(harness *h, const uint8_t *data, size_t size)
{
	size_t i = 0;
	while (i < size) {
		size_t lit = i;
		while (lit < size && data[lit] != ESCAPE)
			lit++;
		append(h, data + i, lit - i);
		i = lit;
		if (i == size)
			break;
		uint8_t kind = i + 1 < size ? data[i + 1] : ESCAPE;
		if (kind == ESC_WRITE) {
			i += 2;
			if (!send_chunk(h))
				return;
		} else if (kind == ESC_REPEAT && i + 6 <= size) {
			size_t count = (size_t)data[i + 2] << 16 | (size_t)data[i + 3] << 8 | data[i + 4];
			size_t n = data[i + 5];
			i += 6;
			if (n > size - i)
				n = size - i;
			for (size_t k = 0; k < count && n > 0 && h->total < MAX_STREAM; k++)
				append(h, data + i, n);
			i += n;
		} else if (kind == ESC_PIECES && i + 3 <= size) {
			h->pieces = data[i + 2];
			i += 3;
		} else {
			append(h, data + i, 1); /* a literal c1 */
			i++;
		}
	}
	send_chunk(h);
}

static void check_no_handle(uv_handle_t *handle, void *arg)
{
	harness *h = arg;
	if (handle != (uv_handle_t *)&h->s.stop_timer &&
	    handle != (uv_handle_t *)&h->s.sweep_timer && handle != (uv_handle_t *)&h->s.resume &&
	    handle != (uv_handle_t *)&h->s.refuse_timer &&
	    !uv_is_closing(handle))
		fail("a handle is left open once the connection is closed");
}

/* The key of the inputs that start c1 03 or c1 04. */
static authkey key;

/* Sends the auth.hello that proves key, once the challenge has come. */
static void send_hello(harness *h)
{
	pump(h);
	if (!h->challenged)
		fail("no auth.challenge from a server with an authkey");
	unsigned char client_nonce[AUTH_NONCE_SIZE] = {1}, proof[AUTH_PROOF_SIZE];
	auth_client_proof(&key, h->nonce, client_nonce, proof);
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	msgpack_packer pk;
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 4);
	msgpack_pack_int(&pk, RPC_REQUEST);
	msgpack_pack_uint32(&pk, UINT32_MAX);
	msgpack_pack_str_with_body(&pk, AUTH_HELLO, strlen(AUTH_HELLO));
	msgpack_pack_array(&pk, 2);
	msgpack_pack_bin_with_body(&pk, client_nonce, sizeof client_nonce);
	msgpack_pack_bin_with_body(&pk, proof, sizeof proof);
	if (!write_all(h, (const uint8_t *)sb.data, sb.size))
		fail("the server closed the connection at a right auth.hello");
	msgpack_sbuffer_destroy(&sb);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_level = getenv("OBJMGR_FUZZ_DEBUG") ? LOG_LEVEL_DEBUG : LOG_LEVEL_ERROR;
	signal(SIGPIPE, SIG_IGN);
	value_hash_randomize();
	char why[AUTHKEY_WHY_MAX];
	if (authkey_set(&key, "the fuzz harness's key", 22, why))
		fail(why);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static harness h;
	memset(&h, 0, sizeof h);
	int fds[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0)
		fail("socketpair failed");
	if (uv_loop_init(&h.loop) < 0 || !msgpack_unpacker_init(&h.replies, 64 * 1024))
		fail("cannot set up a loop");
	server_init(&h.s, &h.loop, &limits);
	h.s.socket_path = "(fuzz)";
	h.peer = fds[0];
	h.server_fd = fds[1];
	uint8_t keyed = size >= 2 && data[0] == ESCAPE ? data[1] : 0;
	if (keyed == ESC_KEYED || keyed == ESC_KEYED_HELLO) {
		h.s.authkey = &key;
		data += 2;
		size -= 2;
	}
	if (conn_open_fd(&h.s, fds[1]) < 0)
		fail("conn_open_fd failed");
	if (keyed == ESC_KEYED_HELLO)
		send_hello(&h);

	send_input(&h, data, size);
	shutdown(h.peer, SHUT_WR);
	pump(&h);
	if (h.s.nconns != 0)
		fail("the server keeps a connection open after the client hung up");
	drain(&h);
	if (msgpack_unpacker_message_size(&h.replies) != 0 && !h.s.stopping)
		fail("a reply cut short");
	if (h.s.nparked != 0)
		fail("calls are still parked once their connection is closed");
	uv_walk(&h.loop, check_no_handle, &h);

	close(h.peer);
	server_free(&h.s);
	if (uv_loop_close(&h.loop) != 0)
		fail("the loop does not close");
	msgpack_unpacker_destroy(&h.replies);
	free(h.chunk);
	return 0;
}
