/*
 * test-integration-wire.c — objmgrd seen from a raw Unix socket, with
 * msgpack-c's packer and unpacker and no libobjmgr: framing, pipelining,
 * notifications, malformed input, every limit, start-up and stop.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <msgpack.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check-main.h"
#include "harness.h"
#include "packet.h"

#define REPLY_MS 10000

/* A raw connection: its socket and the unpacker its replies are read with. */
typedef struct client {
	int fd;
	msgpack_unpacker up;
	msgpack_unpacked msg;
} client;

static void start_small_messages(void)
{
	harness_start(&harness_srv, "--max-message-size", "1K", NULL);
}

static void start_two_clients(void)
{
	harness_start(&harness_srv, "--max-clients", "2", NULL);
}

static void start_small_output(void)
{
	harness_start(&harness_srv, "--max-output", "256K", NULL);
}

static void client_open(client *c)
{
	c->fd = harness_connect_raw(&harness_srv);
	ck_assert(msgpack_unpacker_init(&c->up, 64 * 1024));
	msgpack_unpacked_init(&c->msg);
}

static void client_close(client *c)
{
	close(c->fd);
	msgpack_unpacked_destroy(&c->msg);
	msgpack_unpacker_destroy(&c->up);
}

/* depth nested one-item arrays around the integer 1. */
static void pack_nested(msgpack_packer *pk, int depth)
{
	for (int i = 0; i < depth; i++)
		msgpack_pack_array(pk, 1);
	msgpack_pack_uint8(pk, 1);
}

static void send_bytes(int fd, const void *data, size_t n)
{
	const char *p = data;
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		ck_assert_msg(w > 0, "write: %s", strerror(errno));
		p += w;
		n -= (size_t)w;
	}
}

/* Sends what p holds and empties it. */
static void send_packet(client *c, packet *p)
{
	send_bytes(c->fd, p->buf.data, p->buf.size);
	msgpack_sbuffer_clear(&p->buf);
}

/*
 * Reads into c's unpacker. Returns false at end of stream (or a reset, as
 * when the server closes with our bytes unread); fails after REPLY_MS.
 */
static bool client_fill(client *c)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	ck_assert_msg(poll(&p, 1, REPLY_MS) == 1, "nothing from the server in %d ms", REPLY_MS);
	ck_assert(msgpack_unpacker_reserve_buffer(&c->up, 64 * 1024));
	ssize_t n = read(c->fd, msgpack_unpacker_buffer(&c->up), msgpack_unpacker_buffer_capacity(&c->up));
	if (n == 0 || (n < 0 && errno == ECONNRESET))
		return false;
	ck_assert_msg(n > 0, "read: %s", strerror(errno));
	msgpack_unpacker_buffer_consumed(&c->up, (size_t)n);
	return true;
}

/* The next message from the server (valid until the next call), or NULL once it closed the connection. */
static const msgpack_object *client_next(client *c)
{
	for (;;) {
		msgpack_unpack_return rc = msgpack_unpacker_next(&c->up, &c->msg);
		if (rc == MSGPACK_UNPACK_SUCCESS)
			return &c->msg.data;
		ck_assert_int_eq(rc, MSGPACK_UNPACK_CONTINUE);
		if (!client_fill(c))
			return NULL;
	}
}

static bool is_str(const msgpack_object *o, const char *s)
{
	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
	       memcmp(o->via.str.ptr, s, o->via.str.size) == 0;
}

static bool str_contains(const msgpack_object *o, const char *s)
{
	return o->type == MSGPACK_OBJECT_STR && memmem(o->via.str.ptr, o->via.str.size, s, strlen(s));
}

static bool is_uint(const msgpack_object *o, uint64_t v)
{
	return o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 == v;
}

/* The value stored under key in a msgpack map, or NULL. */
static const msgpack_object *map_get(const msgpack_object *m, const char *key)
{
	for (uint32_t i = 0; i < m->via.map.size; i++)
		if (is_str(&m->via.map.ptr[i].key, key))
			return &m->via.map.ptr[i].val;
	return NULL;
}

/* The next message is a response to msgid; returns its [error, result] pair's start. */
static const msgpack_object *next_response(client *c, uint32_t msgid)
{
	const msgpack_object *o = client_next(c);
	ck_assert_msg(o, "the server closed the connection instead of answering %u", msgid);
	ck_assert_int_eq(o->type, MSGPACK_OBJECT_ARRAY);
	ck_assert_int_eq(o->via.array.size, 4);
	const msgpack_object *f = o->via.array.ptr;
	ck_assert_msg(is_uint(&f[0], 1), "not a response");
	ck_assert_msg(is_uint(&f[1], msgid), "response to msgid %llu, expected %u",
		      (unsigned long long)f[1].via.u64, msgid);
	return &f[2];
}

/* The next message answers msgid with success; returns the result. */
static const msgpack_object *expect_result(client *c, uint32_t msgid)
{
	const msgpack_object *f = next_response(c, msgid);
	ck_assert_msg(f[0].type == MSGPACK_OBJECT_NIL, "msgid %u failed", msgid);
	return &f[1];
}

/* The next message answers msgid with the error code; returns its message. */
static const msgpack_object *expect_error(client *c, uint32_t msgid, const char *code)
{
	const msgpack_object *f = next_response(c, msgid);
	ck_assert_msg(f[0].type == MSGPACK_OBJECT_ARRAY && f[0].via.array.size == 2,
		      "msgid %u did not fail", msgid);
	const msgpack_object *e = f[0].via.array.ptr;
	ck_assert_msg(is_str(&e[0], code), "msgid %u: error code %.*s, expected %s", msgid,
		      (int)e[0].via.str.size, e[0].via.str.ptr, code);
	ck_assert_int_eq(e[1].type, MSGPACK_OBJECT_STR);
	ck_assert_int_eq(f[1].type, MSGPACK_OBJECT_NIL);
	return &e[1];
}

/* The next message is [2, "server.error", [code, message]]; returns the message. */
static const msgpack_object *expect_server_error(client *c, const char *code)
{
	const msgpack_object *o = client_next(c);
	ck_assert_msg(o, "closed without a server.error notification");
	ck_assert_int_eq(o->type, MSGPACK_OBJECT_ARRAY);
	ck_assert_int_eq(o->via.array.size, 3);
	const msgpack_object *f = o->via.array.ptr;
	ck_assert(is_uint(&f[0], 2));
	ck_assert(is_str(&f[1], "server.error"));
	ck_assert_int_eq(f[2].type, MSGPACK_OBJECT_ARRAY);
	ck_assert_int_eq(f[2].via.array.size, 2);
	ck_assert_msg(is_str(&f[2].via.array.ptr[0], code), "server.error code %.*s, expected %s",
		      (int)f[2].via.array.ptr[0].via.str.size, f[2].via.array.ptr[0].via.str.ptr, code);
	ck_assert_int_eq(f[2].via.array.ptr[1].type, MSGPACK_OBJECT_STR);
	return &f[2].via.array.ptr[1];
}

/* The server sends [2, "server.error", [code, message]] and closes. */
static void expect_server_error_then_close(client *c, const char *code)
{
	expect_server_error(c, code);
	ck_assert_msg(client_next(c) == NULL, "the connection stayed open");
}

/* The resident memory of process pid, in KiB. */
static long rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	ck_assert(f);
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	ck_assert(kib > 0);
	return kib;
}

/* server.ping on c answers "pong". */
static void assert_ping(client *c, uint32_t msgid)
{
	packet p;
	packet_init(&p);
	pack_request(&p.pk, msgid, "server.ping", 0);
	send_packet(c, &p);
	packet_free(&p);
	ck_assert(is_str(expect_result(c, msgid), "pong"));
}

/* Sends one request of a method whose params are strings. */
static void send_str_request(client *c, uint32_t msgid, const char *method, int n, ...)
{
	packet p;
	packet_init(&p);
	pack_request(&p.pk, msgid, method, (uint32_t)n);
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		pack_str(&p.pk, va_arg(ap, const char *));
	va_end(ap);
	send_packet(c, &p);
	packet_free(&p);
}

/* Waits until server.info on c counts n connections (hang-ups are seen asynchronously). */
static void wait_connections(client *c, uint64_t n)
{
	for (uint32_t id = 100;; id++) {
		send_str_request(c, id, "server.info", 0);
		if (is_uint(map_get(expect_result(c, id), "connections"), n))
			return;
		ck_assert_msg(id < 1100, "the server never counted %llu connections", (unsigned long long)n);
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
}

/* --- requests, pipelining, notifications ---------------------------------- */

START_TEST(test_ping_answers_pong)
{
	client c;
	client_open(&c);
	assert_ping(&c, 1);
	client_close(&c);
}
END_TEST

START_TEST(test_pipeline_of_10000_requests_is_answered_in_order_with_msgids)
{
	enum { N = 10000 };
	client c;
	packet p;
	client_open(&c);
	packet_init(&p);
	for (uint32_t id = 1; id <= N; id++) {
		pack_request(&p.pk, id, "counter.add", 2);
		pack_str(&p.pk, "hits");
		msgpack_pack_uint8(&p.pk, 1);
	}
	send_packet(&c, &p);
	for (uint32_t id = 1; id <= N; id++) {
		const msgpack_object *r = expect_result(&c, id);
		ck_assert_msg(is_uint(r, id), "msgid %u: wrong counter value", id);
	}
	packet_free(&p);
	client_close(&c);
}
END_TEST

START_TEST(test_notification_is_executed_and_not_answered)
{
	client c;
	packet p;
	client_open(&c);
	packet_init(&p);
	pack_notification(&p.pk, "counter.add", 2);
	pack_str(&p.pk, "n");
	msgpack_pack_uint8(&p.pk, 5);
	pack_request(&p.pk, 7, "counter.get", 1);
	pack_str(&p.pk, "n");
	send_packet(&c, &p);
	ck_assert(is_uint(expect_result(&c, 7), 5));
	packet_free(&p);
	client_close(&c);
}
END_TEST

START_TEST(test_notification_of_unknown_method_or_bad_params_is_ignored)
{
	client c;
	packet p;
	client_open(&c);
	packet_init(&p);
	pack_notification(&p.pk, "nvim_subscribe", 1);
	pack_str(&p.pk, "x");
	pack_notification(&p.pk, "counter.add", 0);
	send_packet(&c, &p);
	assert_ping(&c, 2);
	packet_free(&p);
	client_close(&c);
}
END_TEST

START_TEST(test_response_sent_by_a_client_is_ignored)
{
	client c;
	packet p;
	client_open(&c);
	packet_init(&p);
	msgpack_pack_array(&p.pk, 4);
	msgpack_pack_uint8(&p.pk, 1);
	msgpack_pack_uint8(&p.pk, 9);
	msgpack_pack_nil(&p.pk);
	msgpack_pack_nil(&p.pk);
	send_packet(&c, &p);
	assert_ping(&c, 10);
	packet_free(&p);
	client_close(&c);
}
END_TEST

/* --- malformed input ------------------------------------------------------ */

START_TEST(test_garbage_bytes_get_server_error_and_close_while_others_carry_on)
{
	client bad, good;
	client_open(&good);
	client_open(&bad);
	send_bytes(bad.fd, "\xc1 not msgpack", 14);
	expect_server_error_then_close(&bad, "bad_request");
	assert_ping(&good, 1);
	client_close(&bad);
	client_close(&good);
}
END_TEST

START_TEST(test_truncated_frame_then_hangup_leaves_the_server_fine)
{
	client cut, good;
	packet p;
	client_open(&good);
	client_open(&cut);
	packet_init(&p);
	pack_request(&p.pk, 1, "dict.set", 3);
	pack_str(&p.pk, "d");
	pack_str(&p.pk, "k");
	pack_str(&p.pk, "a value that never arrives whole");
	send_bytes(cut.fd, p.buf.data, p.buf.size - 10);
	client_close(&cut);
	assert_ping(&good, 2);
	send_str_request(&good, 3, "objects.type", 1, "d");
	ck_assert_int_eq(expect_result(&good, 3)->type, MSGPACK_OBJECT_NIL);
	packet_free(&p);
	client_close(&good);
}
END_TEST

/*
 * The server decodes up to 16 buffered messages before running them, into
 * memory it reuses once they have run (server/conn.c). A message cut after
 * such a batch, its first items already decoded, must not lose them: cut
 * three bytes into the 20th request (its array header, type and msgid;
 * the rest of it, an array of 100 items, needs more memory than the batch
 * used), and again in the middle of the 21st one's string.
 */
START_TEST(test_messages_cut_after_a_batch_of_complete_ones_arrive_whole)
{
	static const char value[] = "a value of more than sixteen bytes, cut in the middle";
	client c;
	packet p;
	size_t start[22];
	client_open(&c);
	packet_init(&p);
	for (uint32_t id = 1; id <= 21; id++) {
		start[id] = p.buf.size;
		pack_request(&p.pk, id, "dict.set", 3);
		pack_str(&p.pk, "d");
		msgpack_pack_uint32(&p.pk, id);
		if (id != 20) {
			pack_str(&p.pk, value);
			continue;
		}
		msgpack_pack_array(&p.pk, 100);
		for (int i = 0; i < 100; i++)
			msgpack_pack_int(&p.pk, i);
	}
	size_t whole = p.buf.size, cut1 = start[20] + 3, cut2 = whole - sizeof value / 2;
	send_bytes(c.fd, p.buf.data, cut1);
	for (uint32_t id = 1; id <= 19; id++)
		expect_result(&c, id);
	send_bytes(c.fd, p.buf.data + cut1, cut2 - cut1);
	expect_result(&c, 20);
	send_bytes(c.fd, p.buf.data + cut2, whole - cut2);
	expect_result(&c, 21);
	msgpack_sbuffer_clear(&p.buf);
	for (uint32_t id = 20; id <= 21; id++) {
		pack_request(&p.pk, 100 + id, "dict.get", 2);
		pack_str(&p.pk, "d");
		msgpack_pack_uint32(&p.pk, id);
	}
	send_packet(&c, &p);
	const msgpack_object *items = expect_result(&c, 120);
	ck_assert_int_eq(items->type, MSGPACK_OBJECT_ARRAY);
	ck_assert_uint_eq(items->via.array.size, 100);
	for (uint32_t i = 0; i < 100; i++)
		ck_assert(is_uint(&items->via.array.ptr[i], i));
	ck_assert(is_str(expect_result(&c, 121), value));
	packet_free(&p);
	client_close(&c);
}
END_TEST

/*
 * The same in bulk: 3,000 requests whose values are strings of 0 to 40
 * bytes and arrays, sent in pieces of 1 to 200 bytes with pauses, so that
 * batches end at every kind of place inside a message. Each reply comes
 * in order, and every value is stored whole.
 */
START_TEST(test_requests_sent_in_random_pieces_are_all_answered_in_order)
{
	enum { N = 3000 };
	static const char text[] = "0123456789abcdefghijklmnopqrstuvwxyzABCD";
	client c;
	packet p;
	client_open(&c);
	packet_init(&p);
	for (uint32_t id = 1; id <= N; id++) {
		pack_request(&p.pk, id, "dict.set", 3);
		pack_str(&p.pk, "d");
		msgpack_pack_uint32(&p.pk, id);
		if (id % 7 == 0) {
			msgpack_pack_array(&p.pk, id % 5);
			for (uint32_t i = 0; i < id % 5; i++)
				msgpack_pack_uint32(&p.pk, id + i);
		} else {
			msgpack_pack_str_with_body(&p.pk, text, id % 41);
		}
	}
	unsigned seed = 7;
	for (size_t off = 0, pieces = 0; off < p.buf.size; pieces++) {
		size_t n = 1 + (size_t)rand_r(&seed) % 200;
		if (n > p.buf.size - off)
			n = p.buf.size - off;
		send_bytes(c.fd, p.buf.data + off, n);
		off += n;
		if (pieces % 16 == 0)
			harness_sleep_ms(1);
	}
	for (uint32_t id = 1; id <= N; id++)
		expect_result(&c, id);
	msgpack_sbuffer_clear(&p.buf);
	for (uint32_t id = 1; id <= N; id++) {
		pack_request(&p.pk, N + id, "dict.get", 2);
		pack_str(&p.pk, "d");
		msgpack_pack_uint32(&p.pk, id);
	}
	send_packet(&c, &p);
	for (uint32_t id = 1; id <= N; id++) {
		const msgpack_object *v = expect_result(&c, N + id);
		if (id % 7 == 0) {
			ck_assert_int_eq(v->type, MSGPACK_OBJECT_ARRAY);
			ck_assert_uint_eq(v->via.array.size, id % 5);
			for (uint32_t i = 0; i < id % 5; i++)
				ck_assert(is_uint(&v->via.array.ptr[i], id + i));
		} else {
			ck_assert_int_eq(v->type, MSGPACK_OBJECT_STR);
			ck_assert_uint_eq(v->via.str.size, id % 41);
			ck_assert(memcmp(v->via.str.ptr, text, id % 41) == 0);
		}
	}
	packet_free(&p);
	client_close(&c);
}
END_TEST

START_TEST(test_requests_before_garbage_in_one_write_are_answered_first)
{
	client c;
	packet p;
	client_open(&c);
	packet_init(&p);
	for (uint32_t id = 1; id <= 3; id++)
		pack_request(&p.pk, id, "server.ping", 0);
	msgpack_sbuffer_write(&p.buf, "\xc1", 1);
	send_packet(&c, &p);
	for (uint32_t id = 1; id <= 3; id++)
		ck_assert(is_str(expect_result(&c, id), "pong"));
	expect_server_error_then_close(&c, "bad_request");
	packet_free(&p);
	client_close(&c);
}
END_TEST

START_TEST(test_requests_of_the_wrong_shape_get_bad_request_and_the_connection_stays)
{
	client c;
	packet p;
	client_open(&c);
	packet_init(&p);
	/* [0, 1, 5, []]: the method is not a string */
	msgpack_pack_array(&p.pk, 4);
	msgpack_pack_uint8(&p.pk, 0);
	msgpack_pack_uint8(&p.pk, 1);
	msgpack_pack_uint8(&p.pk, 5);
	msgpack_pack_array(&p.pk, 0);
	/* [0, 2, "dict.get"]: too short */
	msgpack_pack_array(&p.pk, 3);
	msgpack_pack_uint8(&p.pk, 0);
	msgpack_pack_uint8(&p.pk, 2);
	pack_str(&p.pk, "dict.get");
	/* [0, 3, "server.ping", [], 9]: too long */
	msgpack_pack_array(&p.pk, 5);
	msgpack_pack_uint8(&p.pk, 0);
	msgpack_pack_uint8(&p.pk, 3);
	pack_str(&p.pk, "server.ping");
	msgpack_pack_array(&p.pk, 0);
	msgpack_pack_uint8(&p.pk, 9);
	/* 42 and [7]: no msgid to answer, so a server.error notification */
	msgpack_pack_uint8(&p.pk, 42);
	msgpack_pack_array(&p.pk, 1);
	msgpack_pack_uint8(&p.pk, 7);
	send_packet(&c, &p);
	ck_assert(str_contains(expect_error(&c, 1, "bad_request"), "method"));
	ck_assert(str_contains(expect_error(&c, 2, "bad_request"), "[0, msgid, method, params]"));
	expect_error(&c, 3, "bad_request");
	ck_assert(is_str(expect_server_error(&c, "bad_request"), "a message must be an array [type, ...]"));
	ck_assert(str_contains(expect_server_error(&c, "bad_request"), "message type must be"));
	assert_ping(&c, 4);
	packet_free(&p);
	client_close(&c);
}
END_TEST

/*
 * A request whose msgid is not a uint32 cannot be answered with a response:
 * it gets a server.error notification, and the connection goes on.
 */
START_TEST(test_request_with_a_msgid_that_is_not_a_uint32_gets_server_error_and_the_connection_stays)
{
	client c;
	packet p;
	client_open(&c);
	packet_init(&p);
	for (int kind = 0; kind < 4; kind++) {
		msgpack_pack_array(&p.pk, 4);
		msgpack_pack_uint8(&p.pk, 0);
		if (kind == 0)
			msgpack_pack_int8(&p.pk, -1);
		else if (kind == 1)
			msgpack_pack_uint64(&p.pk, (uint64_t)1 << 32);
		else if (kind == 2)
			pack_str(&p.pk, "7");
		else
			msgpack_pack_nil(&p.pk);
		pack_str(&p.pk, "server.ping");
		msgpack_pack_array(&p.pk, 0);
		send_packet(&c, &p);
		ck_assert(is_str(expect_server_error(&c, "bad_request"),
				 "msgid must be an unsigned 32-bit integer"));
		assert_ping(&c, (uint32_t)kind);
	}
	packet_free(&p);
	client_close(&c);
}
END_TEST

/*
 * A scalar as the first message of a connection, alone in its write, is
 * decoded without msgpack-c ever making its zone: it once crashed the
 * server. Each kind gets a server.error, and the connection and another
 * client go on.
 */
START_TEST(test_scalar_as_a_first_message_gets_server_error_and_the_connection_stays)
{
	static const struct { const char *bytes; size_t n; } scalars[] = {
		{"\xc0", 1}, {"\xc3", 1}, {"\xc2", 1}, {"\x05", 1}, {"\xcd\x12\x34", 3},
		{"\xff", 1}, {"\xd2\x80\0\0\0", 5}, {"\xca\x3f\xc0\0\0", 5},
		{"\xcb\x3f\xf8\0\0\0\0\0\0", 9},
	};
	client good;
	client_open(&good);
	for (uint32_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
		client c;
		client_open(&c);
		send_bytes(c.fd, scalars[i].bytes, scalars[i].n);
		ck_assert(is_str(expect_server_error(&c, "bad_request"), "a message must be an array [type, ...]"));
		assert_ping(&c, i);
		assert_ping(&good, i);
		client_close(&c);
	}
	client_close(&good);
}
END_TEST

/* After a message over 1 MiB the server gives its read buffer back: a scalar then once crashed it. */
START_TEST(test_scalar_after_a_message_over_1_mib_gets_server_error_and_the_connection_stays)
{
	enum { BIG = 1536 * 1024 };
	char *big = malloc(BIG + 1);
	ck_assert(big);
	memset(big, 'x', BIG);
	big[BIG] = '\0';
	client c;
	client_open(&c);
	send_str_request(&c, 1, "dict.set", 3, "d", "k", big);
	expect_result(&c, 1);
	send_bytes(c.fd, "\xc0", 1);
	expect_server_error(&c, "bad_request");
	assert_ping(&c, 2);
	client_close(&c);
	free(big);
}
END_TEST

/*
 * A batch of complete requests, then a scalar cut short in the same write:
 * the scalar's rest arrives later. It once crashed the server.
 */
START_TEST(test_scalar_cut_after_a_batch_gets_server_error_and_the_connection_stays)
{
	client c;
	packet p;
	client_open(&c);
	packet_init(&p);
	for (uint32_t id = 1; id <= 3; id++)
		pack_request(&p.pk, id, "server.ping", 0);
	msgpack_pack_double(&p.pk, 3.25);
	send_bytes(c.fd, p.buf.data, p.buf.size - 6);
	for (uint32_t id = 1; id <= 3; id++)
		expect_result(&c, id);
	send_bytes(c.fd, p.buf.data + p.buf.size - 6, 6);
	expect_server_error(&c, "bad_request");
	assert_ping(&c, 4);
	packet_free(&p);
	client_close(&c);
}
END_TEST

START_TEST(test_params_not_an_array_is_bad_request)
{
	client c;
	packet p;
	client_open(&c);
	packet_init(&p);
	msgpack_pack_array(&p.pk, 4);
	msgpack_pack_uint8(&p.pk, 0);
	msgpack_pack_uint8(&p.pk, 5);
	pack_str(&p.pk, "counter.get");
	pack_str(&p.pk, "n");
	send_packet(&c, &p);
	ck_assert(str_contains(expect_error(&c, 5, "bad_request"), "params"));
	assert_ping(&c, 6);
	packet_free(&p);
	client_close(&c);
}
END_TEST

START_TEST(test_unknown_method_is_no_such_method)
{
	client c;
	client_open(&c);
	send_str_request(&c, 1, "dict.nope", 1, "d");
	ck_assert(str_contains(expect_error(&c, 1, "no_such_method"), "dict.nope"));
	send_str_request(&c, 2, "nope.get", 0);
	expect_error(&c, 2, "no_such_method");
	send_str_request(&c, 3, "ping", 0);
	expect_error(&c, 3, "no_such_method");
	send_str_request(&c, 4, "", 0);
	expect_error(&c, 4, "no_such_method");
	client_close(&c);
}
END_TEST

START_TEST(test_bad_arity_and_param_kinds_are_bad_params_naming_method_and_parameter)
{
	client c;
	packet p;
	client_open(&c);
	packet_init(&p);
	send_str_request(&c, 1, "dict.get", 1, "d");
	ck_assert(str_contains(expect_error(&c, 1, "bad_params"), "dict.get: parameter 'key' is missing"));
	send_str_request(&c, 2, "counter.add", 2, "n", "one");
	ck_assert(str_contains(expect_error(&c, 2, "bad_params"), "counter.add: parameter 'delta'"));
	send_str_request(&c, 3, "counter.get", 2, "n", "extra");
	ck_assert(str_contains(expect_error(&c, 3, "bad_params"), "counter.get"));
	send_str_request(&c, 4, "dict.len", 0);
	ck_assert(str_contains(expect_error(&c, 4, "bad_params"), "dict.len: parameter 'name' is missing"));
	pack_request(&p.pk, 5, "dict.len", 1);
	msgpack_pack_uint8(&p.pk, 5);
	send_packet(&c, &p);
	ck_assert(str_contains(expect_error(&c, 5, "bad_params"), "dict.len: parameter 'name'"));
	send_str_request(&c, 6, "objects.type", 0);
	ck_assert(str_contains(expect_error(&c, 6, "bad_params"), "objects.type: parameter 'name' is missing"));
	assert_ping(&c, 7);
	packet_free(&p);
	client_close(&c);
}
END_TEST

START_TEST(test_object_names_are_1_to_1024_bytes)
{
	char name[1026];
	client c;
	client_open(&c);
	memset(name, 'n', 1025);
	name[1025] = '\0';
	send_str_request(&c, 1, "counter.add", 1, name);
	expect_error(&c, 1, "bad_params");
	send_str_request(&c, 2, "objects.create", 2, name, "dict");
	expect_error(&c, 2, "bad_params");
	name[1024] = '\0';
	send_str_request(&c, 3, "objects.create", 2, name, "dict");
	expect_result(&c, 3);
	send_str_request(&c, 4, "dict.len", 1, "");
	ck_assert(str_contains(expect_error(&c, 4, "bad_params"), "non-empty"));
	send_str_request(&c, 5, "objects.type", 1, name);
	ck_assert(is_str(expect_result(&c, 5), "dict"));
	client_close(&c);
}
END_TEST

/* A request [0, msgid, method, [name, ...rest]] whose name is given as raw bytes, str or bin. */
static void send_named_request(client *c, uint32_t msgid, const char *method, const char *name,
			       size_t len, bool bin, int nrest, const char *const *rest)
{
	packet p;
	packet_init(&p);
	pack_request(&p.pk, msgid, method, (uint32_t)(1 + nrest));
	if (bin)
		msgpack_pack_bin_with_body(&p.pk, name, len);
	else
		msgpack_pack_str_with_body(&p.pk, name, len);
	for (int i = 0; i < nrest; i++)
		pack_str(&p.pk, rest[i]);
	send_packet(c, &p);
	packet_free(&p);
}

/* A name may not hold a NUL byte, nor be sent as bin: bad_params, and nothing is created. */
START_TEST(test_names_holding_a_nul_byte_or_sent_as_bin_are_bad_params)
{
	static const char *const kv[] = {"k", "v"}, *const dict[] = {"dict"};
	client c;
	client_open(&c);
	uint32_t id = 1;
	for (int bin = 0; bin < 2; bin++) {
		const char *name = bin ? "ab" : "a\0b";
		size_t len = bin ? 2 : 3;
		send_named_request(&c, id, "dict.set", name, len, bin, 2, kv);
		ck_assert(str_contains(expect_error(&c, id++, "bad_params"), "parameter 'name'"));
		send_named_request(&c, id, "objects.create", name, len, bin, 1, dict);
		ck_assert(str_contains(expect_error(&c, id++, "bad_params"), "parameter 'name'"));
		send_named_request(&c, id, "objects.delete", name, len, bin, 0, NULL);
		ck_assert(str_contains(expect_error(&c, id++, "bad_params"), "parameter 'name'"));
	}
	send_str_request(&c, id, "objects.list", 0);
	const msgpack_object *list = expect_result(&c, id);
	ck_assert_int_eq(list->type, MSGPACK_OBJECT_MAP);
	ck_assert_int_eq(list->via.map.size, 0);
	client_close(&c);
}
END_TEST

/* A timeout must be a non-negative number or nil: a negative one is bad_params, and nothing waits. */
START_TEST(test_negative_timeout_is_bad_params)
{
	client c;
	packet p;
	client_open(&c);
	packet_init(&p);
	pack_request(&p.pk, 1, "queue.get", 2);
	pack_str(&p.pk, "q");
	msgpack_pack_int8(&p.pk, -1);
	pack_request(&p.pk, 2, "lock.acquire", 2);
	pack_str(&p.pk, "l");
	msgpack_pack_double(&p.pk, -0.5);
	send_packet(&c, &p);
	packet_free(&p);
	ck_assert(is_str(expect_error(&c, 1, "bad_params"),
			 "queue.get: parameter 'timeout' must be a non-negative number of seconds or "
			 "nil, got int"));
	ck_assert(is_str(expect_error(&c, 2, "bad_params"),
			 "lock.acquire: parameter 'timeout' must be a non-negative number of seconds "
			 "or nil, got float"));
	assert_ping(&c, 3);
	client_close(&c);
}
END_TEST

/* counter.set with an integer makes a float counter an integer one again. */
START_TEST(test_counter_set_with_an_int_makes_a_float_counter_an_int_again)
{
	client c;
	packet p;
	client_open(&c);
	packet_init(&p);
	pack_request(&p.pk, 1, "counter.set", 2);
	pack_str(&p.pk, "n");
	msgpack_pack_double(&p.pk, 1.5);
	pack_request(&p.pk, 2, "counter.set", 2);
	pack_str(&p.pk, "n");
	msgpack_pack_uint8(&p.pk, 2);
	pack_request(&p.pk, 3, "counter.add", 2);
	pack_str(&p.pk, "n");
	msgpack_pack_uint8(&p.pk, 1);
	send_packet(&c, &p);
	packet_free(&p);
	expect_result(&c, 1);
	expect_result(&c, 2);
	const msgpack_object *v = expect_result(&c, 3);
	ck_assert_int_eq(v->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	ck_assert_uint_eq(v->via.u64, 3);
	client_close(&c);
}
END_TEST

/* --- the object rules dispatch applies ------------------------------------ */

START_TEST(test_reads_of_missing_objects_create_nothing_and_writes_create_them)
{
	client c;
	client_open(&c);
	send_str_request(&c, 1, "counter.get", 1, "n");
	ck_assert(is_uint(expect_result(&c, 1), 0));
	send_str_request(&c, 2, "dict.len", 1, "d");
	ck_assert(is_uint(expect_result(&c, 2), 0));
	send_str_request(&c, 3, "objects.list", 0);
	const msgpack_object *list = expect_result(&c, 3);
	ck_assert_int_eq(list->type, MSGPACK_OBJECT_MAP);
	ck_assert_int_eq(list->via.map.size, 0);
	send_str_request(&c, 4, "dict.set", 3, "d", "k", "v");
	expect_result(&c, 4);
	send_str_request(&c, 5, "objects.type", 1, "d");
	ck_assert(is_str(expect_result(&c, 5), "dict"));
	client_close(&c);
}
END_TEST

START_TEST(test_a_failed_write_on_a_missing_object_leaves_nothing)
{
	client c;
	client_open(&c);
	send_str_request(&c, 1, "dict.del", 2, "d", "k");
	expect_error(&c, 1, "key_error");
	send_str_request(&c, 2, "objects.type", 1, "d");
	ck_assert_int_eq(expect_result(&c, 2)->type, MSGPACK_OBJECT_NIL);
	client_close(&c);
}
END_TEST

START_TEST(test_using_an_object_as_another_type_is_wrong_type)
{
	client c;
	client_open(&c);
	send_str_request(&c, 1, "list.append", 2, "users", "ann");
	expect_result(&c, 1);
	send_str_request(&c, 2, "dict.get", 2, "users", "k");
	ck_assert(is_str(expect_error(&c, 2, "wrong_type"), "\"users\" is a list, not a dict"));
	send_str_request(&c, 3, "objects.create", 2, "users", "counter");
	expect_error(&c, 3, "wrong_type");
	client_close(&c);
}
END_TEST

START_TEST(test_objects_create_is_idempotent_and_rejects_unknown_types)
{
	client c;
	client_open(&c);
	send_str_request(&c, 1, "objects.create", 2, "q", "list");
	ck_assert_int_eq(expect_result(&c, 1)->type, MSGPACK_OBJECT_NIL);
	send_str_request(&c, 2, "objects.create", 2, "q", "list");
	ck_assert_int_eq(expect_result(&c, 2)->type, MSGPACK_OBJECT_NIL);
	send_str_request(&c, 3, "objects.create", 2, "x", "teapot");
	ck_assert(str_contains(expect_error(&c, 3, "bad_params"), "teapot"));
	send_str_request(&c, 4, "objects.create", 2, "x", "server");
	expect_error(&c, 4, "bad_params");
	client_close(&c);
}
END_TEST

START_TEST(test_objects_list_is_sorted_by_name_and_delete_says_whether_it_existed)
{
	client c;
	client_open(&c);
	send_str_request(&c, 1, "objects.create", 2, "b", "dict");
	send_str_request(&c, 2, "objects.create", 2, "a", "counter");
	send_str_request(&c, 3, "objects.create", 2, "c", "list");
	for (uint32_t id = 1; id <= 3; id++)
		expect_result(&c, id);
	send_str_request(&c, 4, "objects.list", 0);
	const msgpack_object *m = expect_result(&c, 4);
	ck_assert_int_eq(m->type, MSGPACK_OBJECT_MAP);
	ck_assert_int_eq(m->via.map.size, 3);
	const char *names[] = {"a", "b", "c"}, *types[] = {"counter", "dict", "list"};
	for (int i = 0; i < 3; i++) {
		ck_assert(is_str(&m->via.map.ptr[i].key, names[i]));
		ck_assert(is_str(&m->via.map.ptr[i].val, types[i]));
	}
	send_str_request(&c, 5, "objects.delete", 1, "b");
	const msgpack_object *r = expect_result(&c, 5);
	ck_assert(r->type == MSGPACK_OBJECT_BOOLEAN && r->via.boolean);
	send_str_request(&c, 6, "objects.delete", 1, "b");
	r = expect_result(&c, 6);
	ck_assert(r->type == MSGPACK_OBJECT_BOOLEAN && !r->via.boolean);
	client_close(&c);
}
END_TEST

/*
 * Connections cost little while they wait: 500 of them, each after one
 * request, take less than 48 KiB of the server's memory each. Each read
 * buffer starts at 4 KiB and grows with the messages read; it used to be
 * 64 KiB from the start, doubled at the first read.
 */
START_TEST(test_500_connections_after_a_request_each_take_under_48_kib_each)
{
	enum { N = 500, EACH = 48 * 1024 };
	client c;
	client_open(&c);
	assert_ping(&c, 1);
	send_str_request(&c, 2, "server.info", 0);
	uint64_t before = map_get(expect_result(&c, 2), "used_memory")->via.u64;
	static client many[N];
	for (int i = 0; i < N; i++) {
		client_open(&many[i]);
		assert_ping(&many[i], 1);
	}
	send_str_request(&c, 3, "server.info", 0);
	const msgpack_object *info = expect_result(&c, 3);
	ck_assert(is_uint(map_get(info, "connections"), N + 1));
	uint64_t after = map_get(info, "used_memory")->via.u64;
	ck_assert_msg(after < before + (uint64_t)N * EACH,
		      "used_memory grew by %llu bytes for %d connections",
		      (unsigned long long)(after - before), N);
	for (int i = 0; i < N; i++)
		client_close(&many[i]);
	client_close(&c);
}
END_TEST

/*
 * A connection that has gone quiet gives back its read and reply buffers:
 * once 100 connections have each made a request and then stayed silent
 * (a second), the server's clients_buffers counts little more than their
 * structures. Waits up to 10 s for it.
 */
START_TEST(test_quiet_connections_give_back_their_buffers)
{
	enum { N = 100, STRUCTURE = 4 * 1024 };
	static client many[N];
	for (int i = 0; i < N; i++) {
		client_open(&many[i]);
		assert_ping(&many[i], 1);
	}
	client c;
	client_open(&c);
	uint64_t buffers = 0;
	for (uint32_t id = 1; id <= 100; id++) {
		send_str_request(&c, id, "server.info", 0);
		buffers = map_get(expect_result(&c, id), "clients_buffers")->via.u64;
		if (buffers < (N + 1) * STRUCTURE)
			break;
		struct timespec ts = {0, 100 * 1000000L};
		nanosleep(&ts, NULL);
	}
	ck_assert_msg(buffers < (N + 1) * STRUCTURE, "%d quiet connections still hold %llu bytes "
		      "of buffers after 10 s", N, (unsigned long long)buffers);
	for (int i = 0; i < N; i++) {
		assert_ping(&many[i], 2); /* their buffers are made again */
		client_close(&many[i]);
	}
	client_close(&c);
}
END_TEST

START_TEST(test_server_info_reports_the_server)
{
	client c, other;
	client_open(&c);
	client_open(&other);
	wait_connections(&c, 2);
	send_str_request(&c, 1, "server.info", 0);
	const msgpack_object *ops = map_get(expect_result(&c, 1), "ops_total");
	ck_assert_int_eq(ops->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	uint64_t ops_before = ops->via.u64;
	send_str_request(&c, 2, "counter.add", 2, "n", "x"); /* failed, but executed */
	expect_error(&c, 2, "bad_params");
	send_str_request(&c, 3, "nope.nope", 0); /* not a method: not executed */
	expect_error(&c, 3, "no_such_method");
	send_str_request(&c, 4, "objects.create", 2, "d", "dict");
	expect_result(&c, 4);
	send_str_request(&c, 5, "server.info", 0);
	const msgpack_object *m = expect_result(&c, 5);
	ck_assert_int_eq(m->type, MSGPACK_OBJECT_MAP);
	ck_assert_int_eq(m->via.map.size, 18);
	ck_assert(is_str(map_get(m, "version"), "0.1.0"));
	ck_assert(is_uint(map_get(m, "revision"), 1)); /* objects.create d */
	ck_assert_int_eq(map_get(m, "run_id")->type, MSGPACK_OBJECT_STR);
	ck_assert_int_eq(map_get(m, "run_id")->via.str.size, 32);
	const msgpack_object *persistence = map_get(m, "persistence");
	ck_assert_int_eq(persistence->type, MSGPACK_OBJECT_MAP);
	ck_assert_int_eq(persistence->via.map.size, 1);
	ck_assert(is_str(map_get(persistence, "mode"), "memory"));
	ck_assert(map_get(m, "uptime_s")->type == MSGPACK_OBJECT_FLOAT64);
	ck_assert(is_uint(map_get(m, "connections"), 2));
	ck_assert(is_uint(map_get(m, "objects"), 1));
	ck_assert(is_uint(map_get(m, "ops_total"), ops_before + 3));
	ck_assert(is_uint(map_get(m, "waiting"), 0));
	ck_assert(is_uint(map_get(m, "parked_runs"), 0));
	ck_assert(map_get(m, "used_memory")->type == MSGPACK_OBJECT_POSITIVE_INTEGER);
	/* two connections' structures and buffers, counted in used_memory too */
	const msgpack_object *buffers = map_get(m, "clients_buffers");
	ck_assert(buffers->type == MSGPACK_OBJECT_POSITIVE_INTEGER);
	ck_assert_uint_ge(buffers->via.u64, 2 * 4 * 1024);
	ck_assert_uint_le(buffers->via.u64, map_get(m, "used_memory")->via.u64);
	ck_assert(is_uint(map_get(m, "pid"), (uint64_t)harness_srv.pid));
	ck_assert(is_str(map_get(m, "socket"), harness_srv.socket));
	const msgpack_object *listening = map_get(m, "listening");
	ck_assert_int_eq(listening->type, MSGPACK_OBJECT_ARRAY);
	ck_assert_uint_eq(listening->via.array.size, 1);
	ck_assert(is_str(&listening->via.array.ptr[0], harness_srv.socket));
	const msgpack_object *config = map_get(m, "config");
	ck_assert_int_eq(config->type, MSGPACK_OBJECT_MAP);
	ck_assert_int_eq(config->via.map.size, 10);
	ck_assert(is_uint(map_get(config, "max_message_size"), 64 << 20));
	ck_assert(is_uint(map_get(config, "max_clients"), 1024));
	ck_assert(is_uint(map_get(config, "max_output"), 64 << 20));
	ck_assert(is_uint(map_get(config, "max_output_hard"), 128 << 20));
	ck_assert(is_uint(map_get(config, "max_waiting"), 65536));
	ck_assert(is_uint(map_get(config, "max_memory"), 0));
	ck_assert(map_get(config, "idle_timeout_s")->type == MSGPACK_OBJECT_FLOAT64);
	ck_assert(map_get(config, "idle_timeout_s")->via.f64 == 0.0);
	ck_assert(map_get(config, "message_timeout_s")->via.f64 == 30.0);
	ck_assert(is_uint(map_get(config, "busy_poll_us"), 50)); /* auto's window */
	ck_assert(map_get(config, "authkey")->type == MSGPACK_OBJECT_BOOLEAN);
	ck_assert(!map_get(config, "authkey")->via.boolean);
	/* polling after each batch: auto by default; windows counted (details in the busy-poll tests) */
	const msgpack_object *polling = map_get(m, "polling");
	ck_assert_int_eq(polling->type, MSGPACK_OBJECT_MAP);
	ck_assert_uint_eq(polling->via.map.size, 8);
	ck_assert(is_str(map_get(polling, "mode"), "auto"));
	ck_assert(is_uint(map_get(polling, "window_us"), 50));
	ck_assert_int_eq(map_get(polling, "next")->type, MSGPACK_OBJECT_BOOLEAN);
	ck_assert_uint_ge(map_get(polling, "windows")->via.u64, 1);
	ck_assert_uint_le(map_get(polling, "caught")->via.u64, map_get(polling, "windows")->via.u64);
	ck_assert_uint_le(map_get(polling, "stolen")->via.u64, map_get(polling, "windows")->via.u64);
	ck_assert_int_eq(map_get(polling, "usec")->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
	ck_assert(is_uint(map_get(polling, "doorbells"), 0)); /* no client on shared memory */
	/* per method: calls (a failed call counts, an unknown method does not) and time */
	const msgpack_object *methods = map_get(m, "methods");
	ck_assert_int_eq(methods->type, MSGPACK_OBJECT_MAP);
	ck_assert(is_uint(map_get(map_get(methods, "counter.add"), "calls"), 1));
	ck_assert(is_uint(map_get(map_get(methods, "objects.create"), "calls"), 1));
	ck_assert_int_eq(map_get(map_get(methods, "objects.create"), "usec")->type,
			 MSGPACK_OBJECT_POSITIVE_INTEGER);
	ck_assert_uint_ge(map_get(map_get(methods, "server.info"), "calls")->via.u64, 2);
	ck_assert_uint_eq(methods->via.map.size, 3);
	client_close(&other);
	client_close(&c);
}
END_TEST

/* --- limits --------------------------------------------------------------- */

START_TEST(test_value_nested_past_24_levels_is_too_deep_and_the_connection_stays)
{
	client c;
	packet p;
	client_open(&c);
	packet_init(&p);
	pack_request(&p.pk, 1, "dict.set", 3);
	pack_str(&p.pk, "d");
	pack_str(&p.pk, "k");
	pack_nested(&p.pk, 24);
	pack_request(&p.pk, 2, "dict.set", 3);
	pack_str(&p.pk, "d");
	pack_str(&p.pk, "k");
	pack_nested(&p.pk, 25);
	pack_request(&p.pk, 3, "list.append", 2);
	pack_str(&p.pk, "l");
	pack_nested(&p.pk, 30);
	send_packet(&c, &p);
	expect_result(&c, 1);
	ck_assert(str_contains(expect_error(&c, 2, "too_deep"), "dict.set: parameter 'value'"));
	expect_error(&c, 3, "too_deep");
	send_str_request(&c, 4, "objects.type", 1, "l");
	ck_assert_int_eq(expect_result(&c, 4)->type, MSGPACK_OBJECT_NIL);
	packet_free(&p);
	client_close(&c);
}
END_TEST

START_TEST(test_message_nested_past_the_unpacker_stack_gets_server_error_and_close)
{
	client c, good;
	packet p;
	client_open(&good);
	client_open(&c);
	packet_init(&p);
	pack_request(&p.pk, 1, "list.append", 2);
	pack_str(&p.pk, "l");
	pack_nested(&p.pk, 40);
	send_packet(&c, &p);
	expect_server_error_then_close(&c, "too_deep");
	assert_ping(&good, 1);
	packet_free(&p);
	client_close(&c);
	client_close(&good);
}
END_TEST

/*
 * Headers declaring 2^27 and 2^31 items or bytes, over the 64 MiB limit
 * (an item takes at least a byte), alone or as a request's params: refused
 * at once, before the server reserves anything for them (msgpack-c would
 * reserve 24 bytes an item), and another client goes on.
 */
START_TEST(test_headers_declaring_more_than_the_limit_are_refused_at_once)
{
	static const char *const heads[] = {
		"\xdd\x08\x00\x00\x00", "\xdd\x80\x00\x00\x00", /* array32 */
		"\xdf\x08\x00\x00\x00", "\xdf\x80\x00\x00\x00", /* map32 */
		"\xdb\x08\x00\x00\x00", "\xdb\x80\x00\x00\x00", /* str32 */
		"\xc6\x08\x00\x00\x00", "\xc6\x80\x00\x00\x00", /* bin32 */
	};
	client good;
	client_open(&good);
	long before = rss_kib(harness_srv.pid);
	for (uint32_t i = 0; i < 2 * sizeof heads / sizeof heads[0]; i++) {
		client c;
		packet p;
		client_open(&c);
		packet_init(&p);
		if (i % 2) { /* [0, i, "dict.set", <header>] */
			msgpack_pack_array(&p.pk, 4);
			msgpack_pack_uint8(&p.pk, 0);
			msgpack_pack_uint32(&p.pk, i);
			pack_str(&p.pk, "dict.set");
		}
		msgpack_sbuffer_write(&p.buf, heads[i / 2], 5);
		send_packet(&c, &p);
		ck_assert(str_contains(expect_server_error(&c, "too_large"), "limit of 67108864 bytes"));
		ck_assert_msg(client_next(&c) == NULL, "the connection stayed open");
		packet_free(&p);
		client_close(&c);
		assert_ping(&good, i);
	}
	long grown = rss_kib(harness_srv.pid) - before;
	ck_assert_msg(grown < 8192, "the server grew by %ld KiB", grown);
	client_close(&good);
}
END_TEST

/*
 * A message declaring 8 Mi nils that fit the limit, its nils sent but not
 * its end: the server holds the bytes received, not 24 bytes a declared
 * item (192 MiB), until the message is whole.
 */
START_TEST(test_an_unfinished_message_costs_about_the_bytes_received)
{
	enum { ITEMS = 8 << 20, SENT = ITEMS - 1 };
	char *nils = malloc(SENT);
	ck_assert(nils);
	memset(nils, 0xc0, SENT);
	client c, good;
	client_open(&good);
	client_open(&c);
	long before = rss_kib(harness_srv.pid);
	send_bytes(c.fd, "\xdd\x00\x80\x00\x00", 5);
	send_bytes(c.fd, nils, SENT);
	assert_ping(&good, 1);
	long grown = rss_kib(harness_srv.pid) - before;
	ck_assert_msg(grown < 4 * (SENT / 1024), "the server grew by %ld KiB for %d KiB sent",
		      grown, SENT / 1024);
	send_bytes(c.fd, "\xc0", 1); /* the message is whole: a malformed one, answered */
	expect_server_error(&c, "bad_request");
	assert_ping(&c, 2);
	free(nils);
	client_close(&c);
	client_close(&good);
}
END_TEST

static void start_4g_messages(void)
{
	harness_start(&harness_srv, "--max-message-size", "4G", NULL);
}

/*
 * Under a limit it fits, a header declaring 2^31 items is a message like
 * any other: the server reads on, holding only the bytes that arrive
 * (msgpack-c is handed the message only once it is whole), and the
 * connection and the others go on.
 */
START_TEST(test_header_of_2_31_items_under_a_4_gib_limit_reserves_nothing_and_waits)
{
	client c, good;
	client_open(&good);
	client_open(&c);
	long before = rss_kib(harness_srv.pid);
	send_bytes(c.fd, "\xdd\x80\x00\x00\x00", 5);
	send_bytes(c.fd, "\xc0\xc0\xc0", 3);
	assert_ping(&good, 1);
	struct pollfd pfd = {.fd = c.fd, .events = POLLIN};
	ck_assert_int_eq(poll(&pfd, 1, 200), 0); /* no answer, no close: it waits for the rest */
	long grown = rss_kib(harness_srv.pid) - before;
	ck_assert_msg(grown < 4096, "the server grew by %ld KiB", grown);
	client_close(&c);
	assert_ping(&good, 2);
	client_close(&good);
}
END_TEST

START_TEST(test_message_over_max_message_size_gets_too_large_and_close)
{
	char big[2000];
	client c, good;
	client_open(&good);
	client_open(&c);
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	send_str_request(&good, 1, "dict.set", 3, "d", "k", "a message well under 1 KiB");
	expect_result(&good, 1);
	send_str_request(&c, 2, "dict.set", 3, "d", "k", big);
	expect_server_error_then_close(&c, "too_large");
	assert_ping(&good, 3);
	client_close(&c);
	client_close(&good);
}
END_TEST

START_TEST(test_requests_before_an_oversized_one_in_one_write_are_answered_first)
{
	char big[2000];
	client c;
	packet p;
	client_open(&c);
	packet_init(&p);
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	for (uint32_t id = 1; id <= 2; id++)
		pack_request(&p.pk, id, "server.ping", 0);
	pack_request(&p.pk, 3, "dict.set", 3);
	pack_str(&p.pk, "d");
	pack_str(&p.pk, "k");
	pack_str(&p.pk, big);
	send_packet(&c, &p);
	for (uint32_t id = 1; id <= 2; id++)
		ck_assert(is_str(expect_result(&c, id), "pong"));
	expect_server_error_then_close(&c, "too_large");
	packet_free(&p);
	client_close(&c);
}
END_TEST

START_TEST(test_partial_message_over_max_message_size_is_refused_before_it_ends)
{
	char chunk[1500];
	client c;
	packet p;
	client_open(&c);
	packet_init(&p);
	pack_request(&p.pk, 1, "dict.set", 3);
	pack_str(&p.pk, "d");
	pack_str(&p.pk, "k");
	msgpack_pack_str(&p.pk, 1 << 20); /* announces 1 MiB; only 1.5 KiB follow */
	send_packet(&c, &p);
	memset(chunk, 'x', sizeof chunk);
	/* The header alone is over the limit: the server may have closed already (EPIPE). */
	(void)!send(c.fd, chunk, sizeof chunk, MSG_NOSIGNAL);
	expect_server_error_then_close(&c, "too_large");
	packet_free(&p);
	client_close(&c);
}
END_TEST

START_TEST(test_client_past_max_clients_gets_limit_and_close)
{
	client a, b, extra;
	client_open(&a);
	wait_connections(&a, 1); /* harness_start's probe has gone */
	client_open(&b);
	assert_ping(&a, 1);
	assert_ping(&b, 1);
	client_open(&extra);
	expect_server_error_then_close(&extra, "limit");
	client_close(&extra);
	assert_ping(&a, 2);

	/* Once a client leaves, a new one is served. */
	client_close(&b);
	wait_connections(&a, 1);
	client_open(&extra);
	assert_ping(&extra, 3);
	client_close(&extra);
	client_close(&a);
}
END_TEST

/* Writes from buf[*off..size) until the socket takes no more for quiet_ms. */
static void write_until_stuck(int fd, const char *buf, size_t size, size_t *off, int quiet_ms)
{
	while (*off < size) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		if (poll(&p, 1, quiet_ms) == 0)
			return;
		ssize_t w = write(fd, buf + *off, size - *off);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		ck_assert_msg(w > 0, "write: %s", strerror(errno));
		*off += (size_t)w;
	}
}

START_TEST(test_client_that_does_not_read_is_throttled_and_loses_nothing)
{
	enum { N = 40000, VALUE = 4096 };
	static char value[VALUE];
	client slow, other;
	packet p;
	client_open(&other);
	client_open(&slow);
	packet_init(&p);
	memset(value, 'v', sizeof value);
	pack_request(&p.pk, 1, "dict.set", 3);
	pack_str(&p.pk, "big");
	pack_str(&p.pk, "v");
	msgpack_pack_bin_with_body(&p.pk, value, sizeof value);
	send_packet(&other, &p);
	expect_result(&other, 1);
	long base = rss_kib(harness_srv.pid);

	/* N requests whose replies total 160 MiB, written without reading any reply. */
	for (uint32_t id = 1; id <= N; id++) {
		pack_request(&p.pk, id, "dict.get", 2);
		pack_str(&p.pk, "big");
		pack_str(&p.pk, "v");
	}
	ck_assert_int_eq(fcntl(slow.fd, F_SETFL, O_NONBLOCK), 0);
	size_t off = 0;
	write_until_stuck(slow.fd, p.buf.data, p.buf.size, &off, 500);
	ck_assert_msg(off < p.buf.size, "the server read all %zu bytes of requests", p.buf.size);
	long grown = rss_kib(harness_srv.pid) - base;
	ck_assert_msg(grown < 32 * 1024, "the server grew by %ld KiB", grown);
	assert_ping(&other, 2);

	/* Now read: every reply arrives, in order, whole. */
	uint32_t got = 0;
	while (got < N) {
		struct pollfd pf = {.fd = slow.fd, .events = POLLIN | (off < p.buf.size ? POLLOUT : 0)};
		ck_assert_msg(poll(&pf, 1, REPLY_MS) > 0, "stalled after %u replies", got);
		if (pf.revents & POLLOUT)
			write_until_stuck(slow.fd, p.buf.data, p.buf.size, &off, 0);
		if (!(pf.revents & POLLIN))
			continue;
		ck_assert(msgpack_unpacker_reserve_buffer(&slow.up, 256 * 1024));
		ssize_t n = read(slow.fd, msgpack_unpacker_buffer(&slow.up),
				 msgpack_unpacker_buffer_capacity(&slow.up));
		if (n < 0 && errno == EAGAIN)
			continue;
		ck_assert_msg(n > 0, "read after %u replies: %s", got, n ? strerror(errno) : "closed");
		msgpack_unpacker_buffer_consumed(&slow.up, (size_t)n);
		while (msgpack_unpacker_next(&slow.up, &slow.msg) == MSGPACK_UNPACK_SUCCESS) {
			const msgpack_object *f = slow.msg.data.via.array.ptr;
			got++;
			ck_assert_msg(is_uint(&f[1], got), "reply %u out of order", got);
			ck_assert(f[2].type == MSGPACK_OBJECT_NIL);
			ck_assert(f[3].type == MSGPACK_OBJECT_BIN && f[3].via.bin.size == VALUE);
		}
	}
	packet_free(&p);
	client_close(&slow);
	client_close(&other);
}
END_TEST

START_TEST(test_stop_closes_a_client_that_does_not_read_after_a_grace_period)
{
	enum { N = 5000 };
	client slow;
	packet p;
	client_open(&slow);
	packet_init(&p);
	for (uint32_t id = 1; id <= N; id++)
		pack_request(&p.pk, id, "server.info", 0);
	ck_assert_int_eq(fcntl(slow.fd, F_SETFL, O_NONBLOCK), 0);
	size_t off = 0;
	write_until_stuck(slow.fd, p.buf.data, p.buf.size, &off, 300);
	ck_assert_int_eq(kill(harness_srv.pid, SIGTERM), 0);
	ck_assert_int_eq(harness_wait(&harness_srv), 0);
	packet_free(&p);
	client_close(&slow);
}
END_TEST

/* --- limits across connections: memory, descriptors, time ---------------- */

static void start_max_memory(void)
{
	harness_start(&harness_srv, "--max-memory", "4M", NULL);
}

static void start_hard_output(void)
{
	harness_start_with(&harness_srv, &(harness_options){.capture_log = true}, "--max-output",
			   "64K", "--max-output-hard", "128K", NULL);
}

/* Room for 8 clients: FD_RESERVE (32) descriptors of 40 are the server's own. */
static void start_few_descriptors(void)
{
	harness_start_with(&harness_srv, &(harness_options){.nofile = 40, .capture_log = true},
			   NULL);
}

static void start_timeouts(void)
{
	harness_start_with(&harness_srv, &(harness_options){.capture_log = true}, "--idle-timeout",
			   "0.3", "--message-timeout", "0.3", NULL);
}

/* Sends method(params[0] = name, then one 64 KiB string) as request msgid. */
static void send_big_value(client *c, uint32_t msgid, const char *method, const char *name)
{
	static char value[64 * 1024];
	packet p;
	packet_init(&p);
	memset(value, 'm', sizeof value);
	pack_request(&p.pk, msgid, method, 2);
	pack_str(&p.pk, name);
	msgpack_pack_str_with_body(&p.pk, value, sizeof value);
	send_packet(c, &p);
	packet_free(&p);
}

START_TEST(test_over_max_memory_growing_writes_get_limit_and_reads_and_deletes_run)
{
	client c;
	client_open(&c);
	uint32_t id = 1;
	const msgpack_object *f;
	/* 64 KiB strings until the server refuses one; 4 MiB hold at most 64 of them. */
	for (;; id++) {
		ck_assert_msg(id <= 100, "100 appends of 64 KiB passed --max-memory 4M");
		send_big_value(&c, id, "list.append", "big");
		f = next_response(&c, id);
		if (f[0].type != MSGPACK_OBJECT_NIL)
			break;
	}
	const msgpack_object *e = f[0].via.array.ptr;
	ck_assert(is_str(&e[0], "limit"));
	ck_assert_msg(str_contains(&e[1], "list.append: used memory ") &&
			      str_contains(&e[1], " is over --max-memory 4194304"),
		      "message: %.*s", (int)e[1].via.str.size, e[1].via.str.ptr);
	uint32_t stored = id - 1;

	/* Every write that stores something or creates an object is refused... */
	send_str_request(&c, ++id, "dict.set", 3, "d", "k", "v");
	expect_error(&c, id, "limit");
	send_str_request(&c, ++id, "queue.put", 2, "q", "v");
	expect_error(&c, id, "limit");
	send_str_request(&c, ++id, "objects.create", 2, "q", "queue");
	expect_error(&c, id, "limit");
	send_str_request(&c, ++id, "objects.list", 0);
	ck_assert_int_eq(expect_result(&c, id)->via.map.size, 1); /* nothing was created */
	/* ...while reads, pops, takes, locks and admin calls run. */
	send_str_request(&c, ++id, "list.len", 1, "big");
	ck_assert(is_uint(expect_result(&c, id), stored));
	send_str_request(&c, ++id, "list.pop", 1, "big");
	ck_assert_int_eq(expect_result(&c, id)->via.str.size, 64 * 1024);
	send_str_request(&c, ++id, "lock.acquire", 1, "l");
	ck_assert(expect_result(&c, id)->type == MSGPACK_OBJECT_BOOLEAN);
	send_str_request(&c, ++id, "lock.release", 1, "l");
	expect_result(&c, id);
	assert_ping(&c, ++id);

	/* Deleting frees the memory: writes run again once it is measured anew. */
	send_str_request(&c, ++id, "objects.delete", 1, "big");
	expect_result(&c, id);
	for (;; id++) {
		send_big_value(&c, id, "list.append", "again");
		f = next_response(&c, id);
		if (f[0].type == MSGPACK_OBJECT_NIL)
			break;
		ck_assert_msg(id < 1000, "writes stayed refused after the delete");
		harness_sleep_ms(10);
	}
	client_close(&c);
}
END_TEST

START_TEST(test_client_that_never_reads_its_waiting_replies_is_disconnected_past_max_output_hard)
{
	enum { GETS = 2000, VALUE = 4096 };
	static char value[VALUE];
	client slow, other;
	packet p;
	client_open(&slow);
	client_open(&other);
	packet_init(&p);
	/* slow waits for 2000 items, and will never read them. */
	for (uint32_t id = 1; id <= GETS; id++) {
		pack_request(&p.pk, id, "queue.get", 1);
		pack_str(&p.pk, "q");
	}
	send_packet(&slow, &p);
	send_str_request(&other, 1, "server.info", 0);
	while (!is_uint(map_get(expect_result(&other, 1), "waiting"), GETS))
		send_str_request(&other, 1, "server.info", 0);

	/* 8 MiB of items for it: far more than its socket and 128K of replies hold. */
	memset(value, 'v', sizeof value);
	for (uint32_t id = 2; id < 2 + GETS; id++) {
		pack_request(&p.pk, id, "queue.put", 2);
		pack_str(&p.pk, "q");
		msgpack_pack_bin_with_body(&p.pk, value, sizeof value);
	}
	send_packet(&other, &p);
	for (uint32_t id = 2; id < 2 + GETS; id++)
		expect_result(&other, id);
	ck_assert(harness_log_wait(&harness_srv, "bytes of replies unsent, over --max-output-hard "
					       "(131072); closing"));
	wait_connections(&other, 1);
	/* Its waiting calls are gone with it: what was not handed to it stays in the queue. */
	send_str_request(&other, 3, "server.info", 0);
	ck_assert(is_uint(map_get(expect_result(&other, 3), "waiting"), 0));
	send_str_request(&other, 4, "queue.len", 1, "q");
	ck_assert_int_gt(expect_result(&other, 4)->via.u64, 0);
	packet_free(&p);
	client_close(&slow);
	client_close(&other);
}
END_TEST

START_TEST(test_descriptor_limit_lowers_max_clients_and_every_client_past_it_is_told_limit)
{
	enum { FIT = 8, EXTRA = 40 };
	client c[FIT], extra[EXTRA];
	ck_assert(harness_log_wait(&harness_srv, "max clients lowered to 8 because of the "
					       "descriptor limit (RLIMIT_NOFILE 40, hard limit 40)"));
	client_open(&c[0]);
	wait_connections(&c[0], 1); /* harness_start's probe has gone */
	for (int i = 1; i < FIT; i++) {
		client_open(&c[i]);
		assert_ping(&c[i], 1);
	}
	/* More clients at once than the server has descriptors: each is told why, none vanishes. */
	for (int i = 0; i < EXTRA; i++) {
		client_open(&extra[i]);
		expect_server_error_then_close(&extra[i], "limit");
	}
	for (int i = 0; i < EXTRA; i++)
		client_close(&extra[i]);
	send_str_request(&c[0], 2, "server.info", 0);
	const msgpack_object *config = map_get(expect_result(&c[0], 2), "config");
	ck_assert(is_uint(map_get(config, "max_clients"), FIT));
	for (int i = 0; i < FIT; i++) {
		assert_ping(&c[i], 3);
		client_close(&c[i]);
	}
}
END_TEST

START_TEST(test_message_unfinished_past_message_timeout_gets_timeout_and_close)
{
	client c;
	packet p;
	client_open(&c);
	packet_init(&p);
	pack_request(&p.pk, 1, "server.ping", 0);
	/* A byte every 50 ms: the message is never finished. */
	for (size_t i = 0; i < p.buf.size - 1; i++) {
		if (send(c.fd, p.buf.data + i, 1, MSG_NOSIGNAL) != 1)
			break; /* closed by the server */
		harness_sleep_ms(50);
	}
	expect_server_error_then_close(&c, "timeout");
	ck_assert(harness_log_wait(&harness_srv, ": timeout: a message unfinished after 0.3 s "
					       "(--message-timeout): "));
	packet_free(&p);
	client_close(&c);
}
END_TEST

START_TEST(test_idle_client_is_closed_past_idle_timeout_but_not_one_waiting_holding_or_busy)
{
	client idle, waiting, holding, busy;
	client_open(&idle);
	client_open(&waiting);
	client_open(&holding);
	send_str_request(&waiting, 1, "queue.get", 1, "q");
	send_str_request(&holding, 1, "lock.acquire", 1, "l");
	ck_assert(expect_result(&holding, 1)->via.boolean);
	assert_ping(&idle, 1);
	expect_server_error_then_close(&idle, "timeout");
	ck_assert(harness_log_wait(&harness_srv, ": timeout: idle for 0.3 s (--idle-timeout)"));

	/* Past the timeout twice more, the others are still served. */
	client_open(&busy);
	for (uint32_t id = 2; id < 2 + 2 * 300 / 50; id++) {
		assert_ping(&busy, id);
		harness_sleep_ms(50);
	}
	send_str_request(&busy, 100, "queue.put", 2, "q", "item");
	expect_result(&busy, 100);
	ck_assert(is_str(expect_result(&waiting, 1), "item"));
	send_str_request(&holding, 2, "lock.release", 1, "l");
	expect_result(&holding, 2);
	client_close(&idle);
	client_close(&waiting);
	client_close(&holding);
	client_close(&busy);
}
END_TEST

START_TEST(test_closing_client_that_does_not_take_its_last_replies_is_closed_after_2_s)
{
	enum { GETS = 100, VALUE = 100 * 1024 };
	static char value[VALUE];
	client slow, other;
	packet p;
	client_open(&slow);
	packet_init(&p);
	memset(value, 'v', sizeof value);
	pack_request(&p.pk, 1, "dict.set", 3);
	pack_str(&p.pk, "big");
	pack_str(&p.pk, "v");
	msgpack_pack_bin_with_body(&p.pk, value, sizeof value);
	send_packet(&slow, &p);
	expect_result(&slow, 1);
	/* 10 MiB of replies, more than its socket holds, then bytes that end the connection. */
	for (uint32_t id = 1; id <= GETS; id++) {
		pack_request(&p.pk, id, "dict.get", 2);
		pack_str(&p.pk, "big");
		pack_str(&p.pk, "v");
	}
	msgpack_sbuffer_write(&p.buf, "\xc1", 1); /* a byte msgpack never uses */
	send_packet(&slow, &p);
	ck_assert(harness_log_wait(&harness_srv, ": bad_request: bytes that are not msgpack (0xc1); closing"));
	ck_assert(harness_log_wait(&harness_srv, ": last replies not taken within 2 s; closing now"));
	client_open(&other);
	wait_connections(&other, 1);
	packet_free(&p);
	client_close(&slow);
	client_close(&other);
}
END_TEST

/* --- start-up and stop ---------------------------------------------------- */

/* Runs objmgrd with args; returns its exit status, its output (stdout and stderr) in out. */
static int run_objmgrd(char *out, size_t size, const char *arg1, const char *arg2)
{
	int pipefd[2];
	ck_assert_int_eq(pipe(pipefd), 0);
	pid_t pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		close(pipefd[1]);
		const char *bin = getenv("OBJMGRD");
		execl(bin, bin, arg1, arg2, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	size_t len = 0;
	ssize_t n;
	while (len + 1 < size && (n = read(pipefd[0], out + len, size - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(pipefd[0]);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(test_help_and_version_exit_0_and_a_bad_option_exits_2)
{
	static char out[16384];
	ck_assert_int_eq(run_objmgrd(out, sizeof out, "--help", NULL), 0);
	const char *sections[] = {"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "ENVIRONMENT", "EXIT STATUS"};
	for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
		ck_assert_msg(strstr(out, sections[i]), "--help lacks %s", sections[i]);
	ck_assert_int_eq(run_objmgrd(out, sizeof out, "--version", NULL), 0);
	ck_assert_str_eq(out, "objmgrd 0.1.0\n");
	ck_assert_int_eq(run_objmgrd(out, sizeof out, "--bogus", NULL), 2);
	ck_assert_int_eq(run_objmgrd(out, sizeof out, "--max-clients", "0"), 2);
	ck_assert_int_eq(run_objmgrd(out, sizeof out, "--max-output", "12X"), 2);
	ck_assert_int_eq(run_objmgrd(out, sizeof out, "--log-level", "loud"), 2);
	ck_assert_int_eq(run_objmgrd(out, sizeof out, "--max-memory", "lots"), 2);
	ck_assert_int_eq(run_objmgrd(out, sizeof out, "--max-output-hard", "1K"), 2); /* < --max-output */
	ck_assert_int_eq(run_objmgrd(out, sizeof out, "--idle-timeout", "-1"), 2);
	ck_assert_int_eq(run_objmgrd(out, sizeof out, "--message-timeout", "86401"), 2);
	ck_assert_int_eq(run_objmgrd(out, sizeof out, "--message-timeout", "1s"), 2);
}
END_TEST

START_TEST(test_second_server_on_a_live_socket_refuses_to_start)
{
	static char out[4096];
	client c;
	ck_assert_int_eq(run_objmgrd(out, sizeof out, "--socket", harness_srv.socket), 1);
	ck_assert_msg(strstr(out, "already listening"), "output: %s", out);
	client_open(&c);
	assert_ping(&c, 1);
	client_close(&c);
}
END_TEST

START_TEST(test_socket_in_a_missing_directory_is_refused_clearly)
{
	static char out[4096];
	ck_assert_int_eq(run_objmgrd(out, sizeof out, "--socket", "/nonexistent-objmgr-dir/x.sock"), 1);
	ck_assert_msg(strstr(out, "No such file or directory"), "output: %s", out);
}
END_TEST

/* Whether a server accepts connections on path. */
static bool accepting(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert(fd >= 0);
	bool up = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	close(fd);
	return up;
}

START_TEST(test_stale_socket_is_replaced)
{
	harness_server second = harness_srv;
	ck_assert_int_eq(kill(harness_srv.pid, SIGKILL), 0);
	ck_assert_int_eq(harness_wait(&harness_srv), 128 + SIGKILL);
	ck_assert_int_eq(access(harness_srv.socket, F_OK), 0);

	/* A new server on the dead one's socket, started by hand and stopped by the fixture. */
	pid_t pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		const char *bin = getenv("OBJMGRD");
		execl(bin, bin, "--socket", harness_srv.socket, (char *)NULL);
		_exit(127);
	}
	second.pid = pid;
	harness_srv = second;
	for (int i = 0; !accepting(harness_srv.socket); i++) {
		ck_assert_msg(i < 1000, "the new server did not take over the stale socket");
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
	}
	client c;
	client_open(&c);
	assert_ping(&c, 1);
	client_close(&c);
}
END_TEST

START_TEST(test_server_shutdown_replies_then_exits_0_and_removes_the_socket)
{
	client c, other;
	client_open(&other);
	client_open(&c);
	send_str_request(&c, 1, "server.shutdown", 0);
	ck_assert_int_eq(expect_result(&c, 1)->type, MSGPACK_OBJECT_NIL);
	ck_assert(client_next(&c) == NULL);
	ck_assert(client_next(&other) == NULL);
	ck_assert_int_eq(harness_wait(&harness_srv), 0);
	ck_assert_int_ne(access(harness_srv.socket, F_OK), 0);
	client_close(&other);
	client_close(&c);
}
END_TEST

START_TEST(test_sigint_stops_the_server_cleanly)
{
	client c;
	client_open(&c);
	send_str_request(&c, 1, "counter.add", 2, "n", "x");
	expect_error(&c, 1, "bad_params");
	ck_assert_int_eq(kill(harness_srv.pid, SIGINT), 0);
	ck_assert(client_next(&c) == NULL);
	ck_assert_int_eq(harness_wait(&harness_srv), 0);
	ck_assert_int_ne(access(harness_srv.socket, F_OK), 0);
	client_close(&c);
}
END_TEST

/* --- --busy-poll ------------------------------------------------------------ */

static void start_busy_poll(void)
{
	harness_start(&harness_srv, "--busy-poll", "200", NULL);
}

static void start_busy_poll_max(void)
{
	harness_start(&harness_srv, "--busy-poll", "1000000", NULL);
}

/* The CPU time (user + system) process pid has used, in ms. */
static long cpu_ms(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	ck_assert(f);
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* utime and stime are fields 14 and 15; count from the end of the command name. */
	const char *p = strrchr(buf, ')');
	ck_assert(p);
	unsigned long utime, stime;
	ck_assert_int_eq(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
				&utime, &stime), 2);
	return (long)((utime + stime) * 1000 / (unsigned long)sysconf(_SC_CLK_TCK));
}

/*
 * The CPU time the server uses over 300 ms, in ms. Idle it uses next to
 * none; spinning, up to 300 (less on a busy machine, but far above 50).
 */
static long cpu_ms_over_300_ms(void)
{
	long before = cpu_ms(harness_srv.pid);
	harness_sleep_ms(300);
	return cpu_ms(harness_srv.pid) - before;
}

START_TEST(test_busy_poll_server_stops_spinning_when_requests_stop)
{
	client c;
	client_open(&c);
	for (uint32_t id = 1; id <= 2000; id++)
		assert_ping(&c, id);
	harness_sleep_ms(100); /* the 200 µs window is long past */
	long used = cpu_ms_over_300_ms();
	ck_assert_msg(used < 50, "an idle server with a client connected used %ld ms of CPU in 300 ms",
		      used);
	assert_ping(&c, 2001);
	client_close(&c);
	harness_sleep_ms(100);
	used = cpu_ms_over_300_ms();
	ck_assert_msg(used < 50, "an idle server used %ld ms of CPU in 300 ms", used);
}
END_TEST

START_TEST(test_busy_poll_of_1_s_spins_after_a_request_then_sleeps)
{
	client c;
	client_open(&c);
	assert_ping(&c, 1);
	long used = cpu_ms_over_300_ms();
	ck_assert_msg(used >= 50, "the server used %ld ms of CPU in the 300 ms after a request", used);
	harness_sleep_ms(1000); /* past the 1 s window */
	used = cpu_ms_over_300_ms();
	ck_assert_msg(used < 50, "an idle server used %ld ms of CPU in 300 ms", used);
	assert_ping(&c, 2);
	client_close(&c);
}
END_TEST

START_TEST(test_busy_poll_out_of_range_or_not_a_number_exits_2_naming_the_option)
{
	static char out[16384], want[256];
	const char *bad[] = {"-1", "abc", "1000001", "", "50us", "+5", "18446744073709551616",
			     "AUTO", "auto ", "on"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(run_objmgrd(out, sizeof out, "--busy-poll", bad[i]), 2);
		snprintf(want, sizeof want, "objmgrd: --busy-poll: not auto or a number of "
			 "microseconds from 0 to 1000000: '%s'\nTry 'objmgrd --help'.\n", bad[i]);
		ck_assert_str_eq(out, want);
	}
	ck_assert_int_eq(run_objmgrd(out, sizeof out, "--busy-poll", NULL), 2);
	ck_assert_str_eq(out, "objmgrd: option '--busy-poll' needs a value\nTry 'objmgrd --help'.\n");
	ck_assert_int_eq(run_objmgrd(out, sizeof out, "--help", NULL), 0);
	ck_assert_msg(strstr(out, "--busy-poll auto|USEC"), "--help lacks --busy-poll");
}
END_TEST

/* server.info's "polling" map, copied out of the reply. */
typedef struct polling {
	char mode[8];
	bool next;
	uint64_t window_us, windows, caught, stolen, usec;
} polling;

static uint64_t uint_at(const msgpack_object *m, const char *key)
{
	const msgpack_object *v = map_get(m, key);
	ck_assert_msg(v && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER, "polling.%s", key);
	return v->via.u64;
}

/* Reads server.info's polling counters; caught and stolen are windows, so never more than they. */
static polling read_polling(client *c, uint32_t msgid)
{
	send_str_request(c, msgid, "server.info", 0);
	const msgpack_object *m = map_get(expect_result(c, msgid), "polling");
	ck_assert(m && m->type == MSGPACK_OBJECT_MAP);
	ck_assert_uint_eq(m->via.map.size, 8);
	ck_assert_uint_eq(uint_at(m, "doorbells"), 0); /* sockets only */
	polling p = {.window_us = uint_at(m, "window_us"), .windows = uint_at(m, "windows"),
		     .caught = uint_at(m, "caught"), .stolen = uint_at(m, "stolen"),
		     .usec = uint_at(m, "usec")};
	const msgpack_object *mode = map_get(m, "mode"), *next = map_get(m, "next");
	ck_assert(mode && mode->type == MSGPACK_OBJECT_STR && mode->via.str.size < sizeof p.mode);
	memcpy(p.mode, mode->via.str.ptr, mode->via.str.size);
	ck_assert(next && next->type == MSGPACK_OBJECT_BOOLEAN);
	p.next = next->via.boolean;
	ck_assert_uint_le(p.caught, p.windows);
	ck_assert_uint_le(p.stolen, p.windows);
	return p;
}

START_TEST(test_default_polling_is_auto_with_consistent_counters)
{
	client c;
	client_open(&c);
	for (uint32_t id = 1; id <= 1000; id++)
		assert_ping(&c, id);
	polling p = read_polling(&c, 1001);
	ck_assert_str_eq(p.mode, "auto");
	ck_assert_uint_eq(p.window_us, 50);
	/* The first batch is always followed by a window; never more than one a batch. */
	ck_assert_uint_ge(p.windows, 1);
	ck_assert_uint_le(p.windows, 1000);
	client_close(&c);
}
END_TEST

/*
 * An idle server polls at most once more, in the window after the last
 * request: its counters stop. Each read is a request, followed by a window
 * exactly when that read says "next"; none catches anything, as nothing
 * comes for 1.5 s.
 */
START_TEST(test_idle_server_stops_polling_and_its_counters_stop)
{
	client c;
	client_open(&c);
	for (uint32_t id = 1; id <= 1000; id++)
		assert_ping(&c, id);
	harness_sleep_ms(1500);
	polling a = read_polling(&c, 1001);
	harness_sleep_ms(1500);
	polling b = read_polling(&c, 1002);
	harness_sleep_ms(1500);
	polling d = read_polling(&c, 1003);
	ck_assert_uint_eq(b.windows, a.windows + a.next);
	ck_assert_uint_eq(d.windows, b.windows + b.next);
	ck_assert_uint_eq(b.caught, a.caught);
	ck_assert_uint_eq(d.caught, b.caught);
	ck_assert_uint_le(b.stolen, a.stolen + 1);
	ck_assert_uint_le(d.stolen, b.stolen + 1);
	client_close(&c);
}
END_TEST

START_TEST(test_busy_poll_0_never_polls)
{
	client c;
	client_open(&c);
	for (uint32_t id = 1; id <= 1000; id++)
		assert_ping(&c, id);
	polling p = read_polling(&c, 1001);
	ck_assert_str_eq(p.mode, "off");
	ck_assert(!p.next);
	ck_assert_uint_eq(p.window_us, 0);
	ck_assert_uint_eq(p.windows, 0);
	ck_assert_uint_eq(p.caught, 0);
	ck_assert_uint_eq(p.stolen, 0);
	ck_assert_uint_eq(p.usec, 0);
	send_str_request(&c, 1002, "server.info", 0);
	ck_assert(is_uint(map_get(map_get(expect_result(&c, 1002), "config"), "busy_poll_us"), 0));
	client_close(&c);
}
END_TEST

START_TEST(test_busy_poll_usec_polls_after_every_batch_and_is_never_stolen)
{
	client c;
	client_open(&c);
	for (uint32_t id = 1; id <= 1000; id++)
		assert_ping(&c, id);
	polling p = read_polling(&c, 1001);
	ck_assert_str_eq(p.mode, "fixed");
	ck_assert(p.next);
	ck_assert_uint_eq(p.window_us, 200);
	ck_assert_uint_ge(p.windows, 1);
	ck_assert_uint_le(p.windows, 1000);
	ck_assert_uint_eq(p.stolen, 0);
	send_str_request(&c, 1002, "server.info", 0);
	ck_assert(is_uint(map_get(map_get(expect_result(&c, 1002), "config"), "busy_poll_us"), 200));
	client_close(&c);
}
END_TEST

static void start_busy_poll_0(void)
{
	harness_start(&harness_srv, "--busy-poll", "0", NULL);
}

static void start_busy_poll_auto(void)
{
	harness_start(&harness_srv, "--busy-poll", "auto", NULL);
}

static TCase *server_case(const char *name, void (*start)(void), int timeout)
{
	TCase *tc = tcase_create(name);
	tcase_add_checked_fixture(tc, start, harness_fixture_stop);
	tcase_set_timeout(tc, timeout);
	return tc;
}

static Suite *wire_suite(void)
{
	Suite *s = suite_create("integration-wire");
	TCase *tc = server_case("messages", harness_fixture_start, 60);
	tcase_add_test(tc, test_ping_answers_pong);
	tcase_add_test(tc, test_pipeline_of_10000_requests_is_answered_in_order_with_msgids);
	tcase_add_test(tc, test_notification_is_executed_and_not_answered);
	tcase_add_test(tc, test_notification_of_unknown_method_or_bad_params_is_ignored);
	tcase_add_test(tc, test_response_sent_by_a_client_is_ignored);
	tcase_add_test(tc, test_garbage_bytes_get_server_error_and_close_while_others_carry_on);
	tcase_add_test(tc, test_truncated_frame_then_hangup_leaves_the_server_fine);
	tcase_add_test(tc, test_messages_cut_after_a_batch_of_complete_ones_arrive_whole);
	tcase_add_test(tc, test_requests_sent_in_random_pieces_are_all_answered_in_order);
	tcase_add_test(tc, test_requests_before_garbage_in_one_write_are_answered_first);
	tcase_add_test(tc, test_requests_of_the_wrong_shape_get_bad_request_and_the_connection_stays);
	tcase_add_test(tc, test_request_with_a_msgid_that_is_not_a_uint32_gets_server_error_and_the_connection_stays);
	tcase_add_test(tc, test_scalar_as_a_first_message_gets_server_error_and_the_connection_stays);
	tcase_add_test(tc, test_scalar_after_a_message_over_1_mib_gets_server_error_and_the_connection_stays);
	tcase_add_test(tc, test_scalar_cut_after_a_batch_gets_server_error_and_the_connection_stays);
	tcase_add_test(tc, test_params_not_an_array_is_bad_request);
	tcase_add_test(tc, test_unknown_method_is_no_such_method);
	tcase_add_test(tc, test_bad_arity_and_param_kinds_are_bad_params_naming_method_and_parameter);
	tcase_add_test(tc, test_object_names_are_1_to_1024_bytes);
	tcase_add_test(tc, test_names_holding_a_nul_byte_or_sent_as_bin_are_bad_params);
	tcase_add_test(tc, test_negative_timeout_is_bad_params);
	tcase_add_test(tc, test_counter_set_with_an_int_makes_a_float_counter_an_int_again);
	tcase_add_test(tc, test_reads_of_missing_objects_create_nothing_and_writes_create_them);
	tcase_add_test(tc, test_a_failed_write_on_a_missing_object_leaves_nothing);
	tcase_add_test(tc, test_using_an_object_as_another_type_is_wrong_type);
	tcase_add_test(tc, test_objects_create_is_idempotent_and_rejects_unknown_types);
	tcase_add_test(tc, test_objects_list_is_sorted_by_name_and_delete_says_whether_it_existed);
	tcase_add_test(tc, test_server_info_reports_the_server);
	tcase_add_test(tc, test_default_polling_is_auto_with_consistent_counters);
	tcase_add_test(tc, test_idle_server_stops_polling_and_its_counters_stop);
	tcase_add_test(tc, test_500_connections_after_a_request_each_take_under_48_kib_each);
	tcase_add_test(tc, test_quiet_connections_give_back_their_buffers);
	tcase_add_test(tc, test_value_nested_past_24_levels_is_too_deep_and_the_connection_stays);
	tcase_add_test(tc, test_message_nested_past_the_unpacker_stack_gets_server_error_and_close);
	tcase_add_test(tc, test_headers_declaring_more_than_the_limit_are_refused_at_once);
	tcase_add_test(tc, test_an_unfinished_message_costs_about_the_bytes_received);
	tcase_add_test(tc, test_help_and_version_exit_0_and_a_bad_option_exits_2);
	tcase_add_test(tc, test_second_server_on_a_live_socket_refuses_to_start);
	tcase_add_test(tc, test_socket_in_a_missing_directory_is_refused_clearly);
	tcase_add_test(tc, test_stale_socket_is_replaced);
	tcase_add_test(tc, test_server_shutdown_replies_then_exits_0_and_removes_the_socket);
	tcase_add_test(tc, test_sigint_stops_the_server_cleanly);
	suite_add_tcase(s, tc);

	tc = server_case("max-message-size", start_small_messages, 60);
	tcase_add_test(tc, test_message_over_max_message_size_gets_too_large_and_close);
	tcase_add_test(tc, test_requests_before_an_oversized_one_in_one_write_are_answered_first);
	tcase_add_test(tc, test_partial_message_over_max_message_size_is_refused_before_it_ends);
	suite_add_tcase(s, tc);

	tc = server_case("max-message-size 4G", start_4g_messages, 60);
	tcase_add_test(tc, test_header_of_2_31_items_under_a_4_gib_limit_reserves_nothing_and_waits);
	suite_add_tcase(s, tc);

	tc = server_case("max-clients", start_two_clients, 60);
	tcase_add_test(tc, test_client_past_max_clients_gets_limit_and_close);
	suite_add_tcase(s, tc);

	tc = server_case("max-output", start_small_output, 120);
	tcase_add_test(tc, test_client_that_does_not_read_is_throttled_and_loses_nothing);
	tcase_add_test(tc, test_stop_closes_a_client_that_does_not_read_after_a_grace_period);
	suite_add_tcase(s, tc);

	tc = server_case("max-memory", start_max_memory, 60);
	tcase_add_test(tc, test_over_max_memory_growing_writes_get_limit_and_reads_and_deletes_run);
	suite_add_tcase(s, tc);

	tc = server_case("max-output-hard", start_hard_output, 60);
	tcase_add_test(tc, test_client_that_never_reads_its_waiting_replies_is_disconnected_past_max_output_hard);
	suite_add_tcase(s, tc);

	tc = server_case("descriptors", start_few_descriptors, 60);
	tcase_add_test(tc, test_descriptor_limit_lowers_max_clients_and_every_client_past_it_is_told_limit);
	suite_add_tcase(s, tc);

	tc = server_case("timeouts", start_timeouts, 60);
	tcase_add_test(tc, test_message_unfinished_past_message_timeout_gets_timeout_and_close);
	tcase_add_test(tc, test_idle_client_is_closed_past_idle_timeout_but_not_one_waiting_holding_or_busy);
	tcase_add_test(tc, test_closing_client_that_does_not_take_its_last_replies_is_closed_after_2_s);
	suite_add_tcase(s, tc);

	/* Requests, errors and stops work the same while the server busy-polls. */
	tc = server_case("busy-poll", start_busy_poll, 60);
	tcase_add_test(tc, test_ping_answers_pong);
	tcase_add_test(tc, test_pipeline_of_10000_requests_is_answered_in_order_with_msgids);
	tcase_add_test(tc, test_notification_is_executed_and_not_answered);
	tcase_add_test(tc, test_garbage_bytes_get_server_error_and_close_while_others_carry_on);
	tcase_add_test(tc, test_busy_poll_server_stops_spinning_when_requests_stop);
	tcase_add_test(tc, test_busy_poll_usec_polls_after_every_batch_and_is_never_stolen);
	tcase_add_test(tc, test_busy_poll_out_of_range_or_not_a_number_exits_2_naming_the_option);
	tcase_add_test(tc, test_server_shutdown_replies_then_exits_0_and_removes_the_socket);
	tcase_add_test(tc, test_sigint_stops_the_server_cleanly);
	suite_add_tcase(s, tc);

	/* And with polling off, and auto given explicitly. */
	tc = server_case("busy-poll 0", start_busy_poll_0, 60);
	tcase_add_test(tc, test_busy_poll_0_never_polls);
	tcase_add_test(tc, test_ping_answers_pong);
	tcase_add_test(tc, test_pipeline_of_10000_requests_is_answered_in_order_with_msgids);
	tcase_add_test(tc, test_notification_is_executed_and_not_answered);
	suite_add_tcase(s, tc);

	tc = server_case("busy-poll auto", start_busy_poll_auto, 60);
	tcase_add_test(tc, test_default_polling_is_auto_with_consistent_counters);
	suite_add_tcase(s, tc);

	tc = server_case("busy-poll-max", start_busy_poll_max, 60);
	tcase_add_test(tc, test_busy_poll_of_1_s_spins_after_a_request_then_sleeps);
	tcase_add_test(tc, test_server_shutdown_replies_then_exits_0_and_removes_the_socket);
	tcase_add_test(tc, test_sigint_stops_the_server_cleanly);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(wire_suite());
}
