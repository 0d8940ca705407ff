/*
 * test-integration-shm.c — the shared-memory carrier (om_options.shm,
 * server.shm) against a real objmgrd: calls, pipelining, blocking calls
 * and notifications through the rings; a client killed mid-frame; rings
 * full both ways; the server restarting; a client that forks; and hostile
 * ring contents, which close that connection and nothing else.
 *
 * The hostile tests write the region directly through the client's
 * internals (proxy/client.h), as only tests do.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "calls.h"
#include "check-main.h"
#include "client.h"
#include "harness.h"
#include "objmgr.h"
#include "packet.h"

static om_client *connect_shm(const char *path)
{
	om_client *cl = om_connect(path, &(om_options){.timeout_s = 20, .shm = true});
	ck_assert_msg(om_errcode(cl) == OM_OK, "%s", om_errmsg(cl));
	ck_assert(om_uses_shm(cl));
	return cl;
}

static om_client *connect_socket(const char *path)
{
	om_client *cl = om_connect(path, &(om_options){.timeout_s = 20});
	ck_assert_msg(om_errcode(cl) == OM_OK, "%s", om_errmsg(cl));
	ck_assert(!om_uses_shm(cl));
	return cl;
}

static void setup(void)
{
	harness_start(&harness_srv, NULL);
}

static void teardown(void)
{
	harness_stop(&harness_srv);
}

/* The number of connections server.info reports, asked over a fresh socket connection. */
static int64_t connections(const char *path)
{
	om_client *cl = connect_socket(path);
	om_value info, n = om_nil();
	ck_assert_int_eq(om_call(cl, "server.info", NULL, 0, &info), OM_OK);
	for (size_t i = 0; i < info.len; i++)
		if (!strcmp(info.as.items[2 * i].as.str, "connections"))
			n = info.as.items[2 * i + 1];
	int64_t k = n.as.i;
	om_value_free(&info);
	om_close(cl);
	return k;
}

/* Waits (up to 10 s) until the server has want connections, the asking one included. */
static void wait_connections(const char *path, int64_t want)
{
	for (int i = 0; i < 1000 && connections(path) != want; i++)
		harness_sleep_ms(10);
	ck_assert_int_eq(connections(path), want);
}

START_TEST(test_calls_go_through_the_rings)
{
	om_client *c = connect_shm(harness_srv.socket);
	om_value out;
	for (int i = 0; i < 5000; i++) {
		OK(c, &out, "counter.add", om_str("n"), om_int(1));
		ck_assert_int_eq(out.as.i, i + 1);
	}
	ck_assert_int_eq(CALL(c, &out, "dict.get", om_str("d"), om_str("k")), OM_KEY_ERROR);
	ck_assert_str_eq(om_errmsg(c), "dict 'd' has no key \"k\"");
	/* A large value crosses the 256 KiB rings in pieces, both ways. */
	size_t big = 3 << 20;
	char *v = malloc(big);
	memset(v, 'v', big);
	OK(c, NULL, "dict.set", om_str("d"), om_str("big"), om_strn(v, big));
	OK(c, &out, "dict.get", om_str("d"), om_str("big"));
	ck_assert_uint_eq(out.len, big);
	ck_assert(!memcmp(out.as.str, v, big));
	om_value_free(&out);
	free(v);
	ck_assert(om_uses_shm(c));
	/* The socket carried only the switch: the requests went on the ring. */
	ck_assert_uint_lt(c->stats.sends, 5);
	om_close(c);
}
END_TEST

/*
 * The server's modes for the loop tests: polling while it pays off (the
 * default), and never (--busy-poll 0), where every ring must be woken
 * through the eventfd: a doorbell the client fails to ring hangs the test.
 */
static const char *const busy_poll[] = {"auto", "0"};

START_TEST(test_pipelined_requests_keep_their_order)
{
	harness_server s;
	harness_start(&s, "--busy-poll", busy_poll[_i], NULL);
	om_client *c = connect_shm(s.socket);
	uint32_t first = 0, id;
	for (int i = 0; i < 20000; i++) {
		ck_assert_int_eq(om_send(c, "list.append", (om_value[]){om_str("l"), om_int(i)}, 2,
					 &id), OM_OK);
		if (i == 0)
			first = id;
	}
	for (int i = 0; i < 20000; i++) {
		uint32_t got;
		ck_assert_int_eq(om_recv(c, &got, NULL), OM_OK);
		ck_assert_uint_eq(got, first + (uint32_t)i);
	}
	om_value out;
	OK(c, &out, "list.len", om_str("l"));
	ck_assert_int_eq(out.as.i, 20000);
	OK(c, &out, "list.get", om_str("l"), om_int(12345));
	ck_assert_int_eq(out.as.i, 12345);
	om_close(c);
	harness_stop(&s);
}
END_TEST

/* server.info's polling counter n, asked over a socket connection (which rings no doorbell). */
static uint64_t polling_counter(const char *path, const char *n)
{
	om_client *cl = connect_socket(path);
	om_value polling;
	const om_value *v;
	OK(cl, &polling, "server.info", om_str("polling"));
	ck_assert_ptr_nonnull(v = om_value_map_get(&polling, n));
	ck_assert_int_eq(v->kind, OM_INT);
	uint64_t k = (uint64_t)v->as.i;
	om_value_free(&polling);
	om_close(cl);
	return k;
}

/* server.shm called as a method would leave the connection dead: libobjmgr refuses it, and the connection goes on. */
START_TEST(test_server_shm_is_refused_as_a_call)
{
	om_client *c = connect_socket(harness_srv.socket);
	ck_assert_int_eq(om_call(c, "server.shm", NULL, 0, NULL), OM_BAD_PARAMS);
	ck_assert_str_eq(om_errmsg(c), "server.shm: ask for shared memory with om_options.shm "
			 "when connecting; as a call it would move the connection onto rings it "
			 "cannot map");
	uint32_t id = 7;
	ck_assert_int_eq(om_send(c, "server.shm", NULL, 0, &id), OM_BAD_PARAMS);
	ck_assert_uint_eq(id, 0);
	ck_assert_int_eq(om_server_ping(c), OM_OK);
	ck_assert(!om_uses_shm(c));
	om_close(c);
}
END_TEST

/*
 * With --busy-poll 0 the server never polls the rings: each request wakes
 * it through the eventfd, exactly once, and taking a reply wakes it not at
 * all (no reply waited for room).
 */
START_TEST(test_a_server_that_never_polls_is_woken_once_per_request)
{
	harness_server s;
	harness_start(&s, "--busy-poll", "0", NULL);
	om_client *c = connect_shm(s.socket);
	/* om_connect's client.setname went on the ring already. */
	ck_assert_uint_eq(polling_counter(s.socket, "doorbells"), 1);
	om_value out;
	for (int i = 0; i < 1000; i++) {
		OK(c, &out, "counter.add", om_str("n"), om_int(1));
		ck_assert_int_eq(out.as.i, i + 1);
	}
	ck_assert_uint_eq(polling_counter(s.socket, "doorbells"), 1001);
	ck_assert_uint_eq(polling_counter(s.socket, "windows"), 0);
	om_close(c);
	harness_stop(&s);
}
END_TEST

START_TEST(test_a_parked_call_is_answered_on_the_ring)
{
	om_client *c = connect_shm(harness_srv.socket);
	om_client *other = connect_socket(harness_srv.socket);
	uint32_t id;
	ck_assert_int_eq(om_send(c, "queue.get", (om_value[]){om_str("q"), om_float(30)}, 2, &id),
			 OM_OK);
	ck_assert_int_eq(om_flush(c), OM_OK);
	/* The get is parked once server.info counts it waiting. */
	om_value info;
	for (int waiting = 0; !waiting;) {
		OK(other, &info, "server.info");
		for (size_t i = 0; i < info.len; i++)
			if (!strcmp(info.as.items[2 * i].as.str, "waiting"))
				waiting = (int)info.as.items[2 * i + 1].as.i;
		om_value_free(&info);
	}
	OK(other, NULL, "queue.put", om_str("q"), om_str("job"));
	om_value out;
	uint32_t got;
	ck_assert_int_eq(om_recv(c, &got, &out), OM_OK);
	ck_assert_uint_eq(got, id);
	ck_assert_str_eq(out.as.str, "job");
	om_value_free(&out);
	om_close(other);
	om_close(c);
}
END_TEST

START_TEST(test_notifications_come_on_the_ring)
{
	om_client *c = connect_shm(harness_srv.socket);
	om_client *other = connect_socket(harness_srv.socket);
	ck_assert_int_eq(om_watch(c, "w:*", NULL), OM_OK);
	OK(other, NULL, "dict.set", om_str("w:a"), om_str("k"), om_int(1));
	om_notification n;
	ck_assert_int_eq(om_next_notification(c, 20, &n), OM_OK);
	ck_assert_str_eq(n.method, "objects.changed");
	ck_assert_str_eq(n.params.as.items[0].as.str, "w:a");
	ck_assert_str_eq(n.params.as.items[1].as.str, "dict.set");
	om_notification_free(&n);
	om_close(other);
	om_close(c);
}
END_TEST

/*
 * Reads the next message from up (fed from the socket fd, or from the ring
 * of c when c is set) and answers it as "code: message" for an error
 * reply, "ok" for a success.
 */
static const char *next_reply(int fd, om_client *c, msgpack_unpacker *up)
{
	static char out[512];
	msgpack_unpacked msg;
	msgpack_unpacked_init(&msg);
	while (msgpack_unpacker_next(up, &msg) != MSGPACK_UNPACK_SUCCESS) {
		ck_assert(msgpack_unpacker_reserve_buffer(up, 64 * 1024));
		ssize_t n;
		if (c) {
			ck_assert_int_gt(shm_link_wait(&c->shm, POLLIN, NULL), 0);
			n = shm_link_recv(&c->shm, msgpack_unpacker_buffer(up),
					  msgpack_unpacker_buffer_capacity(up));
		} else {
			n = read(fd, msgpack_unpacker_buffer(up), msgpack_unpacker_buffer_capacity(up));
		}
		ck_assert_int_gt(n, 0);
		msgpack_unpacker_buffer_consumed(up, (size_t)n);
	}
	const msgpack_object *m = msg.data.via.array.ptr;
	ck_assert_uint_eq(msg.data.via.array.size, 4);
	if (m[2].type == MSGPACK_OBJECT_NIL) {
		snprintf(out, sizeof out, "ok");
	} else {
		const msgpack_object_str *code = &m[2].via.array.ptr[0].via.str;
		const msgpack_object_str *what = &m[2].via.array.ptr[1].via.str;
		snprintf(out, sizeof out, "%.*s: %.*s", (int)code->size, code->ptr, (int)what->size,
			 what->ptr);
	}
	msgpack_unpacked_destroy(&msg);
	return out;
}

/* Sends what p holds on fd, and empties it. */
static void send_packet(int fd, packet *p)
{
	ck_assert_int_eq(write(fd, p->buf.data, p->buf.size), (ssize_t)p->buf.size);
	msgpack_sbuffer_clear(&p->buf);
}

/* Sends server.shm with the one option {key: value} on fd. */
static void send_shm_option(int fd, packet *p, const char *key, int64_t value)
{
	pack_request(&p->pk, 1, "server.shm", 1);
	msgpack_pack_map(&p->pk, 1);
	pack_str(&p->pk, key);
	msgpack_pack_int64(&p->pk, value);
	send_packet(fd, p);
}

/*
 * The server's refusals of server.shm, and their words, on a raw socket
 * and on a ring (libobjmgr refuses to send it as a call: see below).
 */
START_TEST(test_server_shm_refuses_bad_options_and_a_second_switch)
{
	int fd = harness_connect_raw(&harness_srv);
	msgpack_unpacker up;
	ck_assert(msgpack_unpacker_init(&up, 64 * 1024));
	packet p;
	packet_init(&p);
	send_shm_option(fd, &p, "request_ring", 5000);
	ck_assert_str_eq(next_reply(fd, NULL, &up), "bad_params: server.shm: a ring's size must "
			 "be a power of two from 4096 to 16777216 bytes");
	send_shm_option(fd, &p, "rings", 4096);
	ck_assert_str_eq(next_reply(fd, NULL, &up),
			 "bad_params: server.shm: the options are 'request_ring' and 'reply_ring'");
	/* The replies before it are unsent when it runs: it must come alone. */
	pack_request(&p.pk, 3, "server.ping", 0);
	pack_request(&p.pk, 4, "server.shm", 0);
	send_packet(fd, &p);
	ck_assert_str_eq(next_reply(fd, NULL, &up), "ok");
	ck_assert_str_eq(next_reply(fd, NULL, &up), "value_error: server.shm: send it alone, with "
			 "no reply to an earlier request pending");
	pack_request(&p.pk, 5, "server.batch", 1);
	msgpack_pack_array(&p.pk, 1);
	msgpack_pack_array(&p.pk, 2);
	pack_str(&p.pk, "server.shm");
	msgpack_pack_array(&p.pk, 0);
	send_packet(fd, &p);
	ck_assert_str_eq(next_reply(fd, NULL, &up),
			 "bad_params: server.batch: call 1: server.shm must be sent alone");
	pack_request(&p.pk, 6, "server.ping", 0);
	send_packet(fd, &p);
	ck_assert_str_eq(next_reply(fd, NULL, &up), "ok");
	close(fd);
	/* On a connection already switched, through its ring. */
	om_client *c = connect_shm(harness_srv.socket);
	pack_request(&p.pk, 1000, "server.shm", 0);
	ck_assert_int_eq(shm_link_send(&c->shm, p.buf.data, p.buf.size), (ssize_t)p.buf.size);
	msgpack_sbuffer_clear(&p.buf);
	ck_assert_str_eq(next_reply(-1, c, &up),
			 "value_error: server.shm: this connection uses shared memory already");
	ck_assert_int_eq(om_server_ping(c), OM_OK);
	om_close(c);
	packet_free(&p);
	msgpack_unpacker_destroy(&up);
}
END_TEST

/*
 * A client holding a lock and an ephemeral object dies with half a
 * request in its ring: the server releases the lock, deletes the object,
 * and serves the others.
 */
START_TEST(test_a_client_killed_mid_frame_is_cleaned_up)
{
	int ready[2];
	ck_assert_int_eq(pipe(ready), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		om_client *c = connect_shm(harness_srv.socket);
		bool got;
		if (om_lock_acquire(om_lock_open(c, "L"), 5, &got) != OM_OK || !got)
			_exit(2);
		om_value opts[] = {om_str("ephemeral"), om_bool(true)};
		om_value map = {.kind = OM_MAP, .len = 1, .as.items = opts};
		if (CALL(c, NULL, "objects.create", om_str("eph"), om_str("dict"), map) != OM_OK)
			_exit(3);
		/* [0, 99, "server.ping", []] cut after 5 bytes */
		static const char half[] = "\x94\x00\x63\xabserv";
		if (shm_link_send(&c->shm, half, 5) != 5)
			_exit(4);
		if (write(ready[1], "x", 1) != 1)
			_exit(5);
		raise(SIGKILL);
	}
	close(ready[1]);
	char x;
	ck_assert_int_eq(read(ready[0], &x, 1), 1);
	close(ready[0]);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	om_client *c = connect_shm(harness_srv.socket);
	om_lock *l = om_lock_open(c, "L");
	bool got;
	ck_assert_int_eq(om_lock_acquire(l, 10, &got), OM_OK);
	ck_assert(got);
	om_lock_close(l);
	om_value out;
	OK(c, &out, "objects.type", om_str("eph"));
	ck_assert_int_eq(out.kind, OM_NIL);
	om_close(c);
}
END_TEST

/*
 * A client that stops reading fills its reply ring, then the server's
 * buffer up to --max-output, after which the server stops taking its
 * requests: others are served meanwhile, and once it reads again every
 * reply comes, in order.
 */
START_TEST(test_a_client_that_stops_reading_loses_nothing)
{
	harness_server s;
	harness_start(&s, "--max-output", "65536", "--busy-poll", busy_poll[_i], NULL);
	om_client *c = connect_shm(s.socket);
	size_t vsize = 16 * 1024;
	char *v = malloc(vsize);
	memset(v, 'x', vsize);
	OK(c, NULL, "dict.set", om_str("d"), om_str("k"), om_strn(v, vsize));
	free(v);
	/* 200 gets answer 3.2 MB: far past the ring and the limit. */
	uint32_t first = 0, id;
	for (int i = 0; i < 200; i++) {
		ck_assert_int_eq(om_send(c, "dict.get", (om_value[]){om_str("d"), om_str("k")}, 2,
					 &id), OM_OK);
		if (i == 0)
			first = id;
	}
	ck_assert_int_eq(om_flush(c), OM_OK);
	om_client *other = connect_socket(s.socket);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(om_server_ping(other), OM_OK);
	om_value list;
	OK(other, &list, "clients.list");
	om_value_free(&list);
	om_close(other);
	for (int i = 0; i < 200; i++) {
		uint32_t got;
		om_value out;
		ck_assert_int_eq(om_recv(c, &got, &out), OM_OK);
		ck_assert_uint_eq(got, first + (uint32_t)i);
		ck_assert_uint_eq(out.len, vsize);
		om_value_free(&out);
	}
	om_close(c);
	harness_stop(&s);
}
END_TEST

/* The number of calls parked on the server, asked over cl. */
static int64_t waiting(om_client *cl)
{
	om_value info;
	int64_t n = -1;
	OK(cl, &info, "server.info");
	for (size_t i = 0; i < info.len; i++)
		if (!strcmp(info.as.items[2 * i].as.str, "waiting"))
			n = info.as.items[2 * i + 1].as.i;
	om_value_free(&info);
	return n;
}

/*
 * Late replies to a client that does not read pile up past
 * --max-output-hard once its ring is full: it is disconnected, the server
 * goes on.
 */
START_TEST(test_a_client_that_never_reads_is_closed_at_the_hard_limit)
{
	harness_server s;
	harness_start(&s, "--max-output", "65536", "--max-output-hard", "131072", NULL);
	om_client *c = connect_shm(s.socket);
	uint32_t id;
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(om_send(c, "queue.get", (om_value[]){om_str("q"), om_float(60)}, 2,
					 &id), OM_OK);
	ck_assert_int_eq(om_flush(c), OM_OK);
	om_client *other = connect_socket(s.socket);
	while (waiting(other) != 100)
		harness_sleep_ms(1);
	size_t vsize = 8 * 1024;
	char *v = malloc(vsize);
	memset(v, 'm', vsize);
	/* 100 replies of 8 KiB: past the 256 KiB ring and the 128 KiB hard limit. */
	for (int i = 0; i < 100; i++)
		OK(other, NULL, "queue.put", om_str("q"), om_strn(v, vsize));
	free(v);
	wait_connections(s.socket, 2);
	ck_assert_int_eq(om_server_ping(other), OM_OK);
	om_close(other);
	om_close(c);
	harness_stop(&s);
}
END_TEST

/* A server stopped cleanly, then one killed, each while a client waits: OM_IO, then reconnecting works. */
START_TEST(test_the_server_restarting_gives_om_io_then_reconnect_works)
{
	char dir[] = "/tmp/objmgr-shm-XXXXXX", link[64];
	ck_assert(mkdtemp(dir));
	snprintf(link, sizeof link, "%s/s", dir);
	harness_server s1, s2;
	harness_start(&s1, NULL);
	ck_assert_int_eq(symlink(s1.socket, link), 0);
	om_client *c = connect_shm(link);
	OK(c, NULL, "counter.add", om_str("n"), om_int(1));
	harness_stop(&s1);
	ck_assert_int_eq(om_server_ping(c), OM_IO);
	ck_assert(!om_connected(c));
	harness_start(&s2, NULL);
	ck_assert_int_eq(unlink(link), 0);
	ck_assert_int_eq(symlink(s2.socket, link), 0);
	ck_assert_int_eq(om_reconnect(c), OM_OK);
	ck_assert(om_uses_shm(c));
	ck_assert_int_eq(om_server_ping(c), OM_OK);
	/* Killed outright while a call waits: found by the socket check, not a futex wake. */
	uint32_t id;
	ck_assert_int_eq(om_send(c, "queue.get", (om_value[]){om_str("q"), om_float(60)}, 2, &id),
			 OM_OK);
	ck_assert_int_eq(om_flush(c), OM_OK);
	kill(s2.pid, SIGKILL);
	ck_assert_int_eq(om_recv(c, &id, NULL), OM_IO);
	ck_assert_int_eq(harness_wait(&s2), 128 + SIGKILL);
	unlink(s2.socket);
	harness_stop(&s2);
	om_close(c);
	unlink(link);
	rmdir(dir);
}
END_TEST

/* A forked child may not use its parent's rings: OM_IO, then om_reconnect gives it its own. */
START_TEST(test_a_forked_child_must_reconnect)
{
	om_client *c = connect_shm(harness_srv.socket);
	OK(c, NULL, "counter.add", om_str("n"), om_int(1));
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int rc = om_server_ping(c);
		char want[1024];
		snprintf(want, sizeof want, "server.ping: this process forked from the one that "
			 "connected to %s, whose shared memory it may not use: om_reconnect() first",
			 harness_srv.socket);
		if (rc != OM_IO || strcmp(om_errmsg(c), want) || om_connected(c))
			_exit(2);
		if (om_reconnect(c) != OM_OK || !om_uses_shm(c))
			_exit(3);
		if (CALL(c, NULL, "counter.add", om_str("n"), om_int(10)) != OM_OK)
			_exit(4);
		om_close(c);
		_exit(0);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	om_value out;
	OK(c, &out, "counter.add", om_str("n"), om_int(100));
	ck_assert_int_eq(out.as.i, 111);
	om_close(c);
}
END_TEST

/*
 * Writes n raw bytes into c's request ring and waits for what the server
 * answers: the code of the server.error it closes the connection with
 * (OM_IO when it closed without one).
 */
static int hostile_bytes(om_client *c, const char *bytes, size_t n)
{
	ck_assert_int_eq(shm_link_send(&c->shm, bytes, n), (ssize_t)n);
	return om_next_notification(c, 20, &(om_notification){0});
}

START_TEST(test_garbage_on_the_ring_closes_that_connection_only)
{
	om_client *bystander = connect_shm(harness_srv.socket);
	om_client *c = connect_shm(harness_srv.socket);
	ck_assert_int_eq(hostile_bytes(c, "\xc1\xc1\xc1", 3), OM_BAD_REQUEST);
	ck_assert_str_eq(om_errmsg(c), "objmgrd closed the connection: bytes that are not msgpack (0xc1)");
	ck_assert(!om_connected(c));
	om_close(c);
	c = connect_shm(harness_srv.socket);
	/* A str 32 header declaring 1 GiB: a claim over the message size limit. */
	ck_assert_int_eq(hostile_bytes(c, "\x94\x00\x01\xdb\x40\x00\x00\x00", 8), OM_TOO_LARGE);
	om_close(c);
	ck_assert_int_eq(om_server_ping(bystander), OM_OK);
	om_close(bystander);
}
END_TEST

START_TEST(test_impossible_indices_close_that_connection_only)
{
	om_client *bystander = connect_shm(harness_srv.socket);
	/* A request head past the ring's end. */
	om_client *c = connect_shm(harness_srv.socket);
	__atomic_store_n(&c->shm.h->request_head, c->shm.requests.own + c->shm.requests.size + 1,
			 __ATOMIC_RELEASE);
	uint64_t one = 1;
	ck_assert_int_eq(write(c->shm.efd, &one, sizeof one), 8);
	ck_assert_int_eq(om_next_notification(c, 20, &(om_notification){0}), OM_BAD_REQUEST);
	ck_assert_str_eq(om_errmsg(c), "objmgrd closed the connection: the request ring's indices are impossible");
	om_close(c);
	/* A reply tail ahead of the head: the server cannot write, and closes without a word. */
	c = connect_shm(harness_srv.socket);
	__atomic_store_n(&c->shm.h->reply_tail, 12345, __ATOMIC_RELEASE);
	ck_assert_int_eq(om_server_ping(c), OM_IO);
	om_close(c);
	/* A scribbled header: sizes and magic are read once, at the start, and never again. */
	c = connect_shm(harness_srv.socket);
	memset(c->shm.h, 0xff, 24);
	ck_assert_int_eq(om_server_ping(c), OM_OK);
	om_close(c);
	ck_assert_int_eq(om_server_ping(bystander), OM_OK);
	om_close(bystander);
}
END_TEST

static Suite *shm_suite(void)
{
	Suite *s = suite_create("integration-shm");
	TCase *tc = tcase_create("shm");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_calls_go_through_the_rings);
	tcase_add_loop_test(tc, test_pipelined_requests_keep_their_order, 0, 2);
	tcase_add_test(tc, test_a_server_that_never_polls_is_woken_once_per_request);
	tcase_add_test(tc, test_server_shm_is_refused_as_a_call);
	tcase_add_test(tc, test_a_parked_call_is_answered_on_the_ring);
	tcase_add_test(tc, test_notifications_come_on_the_ring);
	tcase_add_test(tc, test_server_shm_refuses_bad_options_and_a_second_switch);
	tcase_add_test(tc, test_a_client_killed_mid_frame_is_cleaned_up);
	tcase_add_loop_test(tc, test_a_client_that_stops_reading_loses_nothing, 0, 2);
	tcase_add_test(tc, test_a_client_that_never_reads_is_closed_at_the_hard_limit);
	tcase_add_test(tc, test_the_server_restarting_gives_om_io_then_reconnect_works);
	tcase_add_test(tc, test_a_forked_child_must_reconnect);
	tcase_add_test(tc, test_garbage_on_the_ring_closes_that_connection_only);
	tcase_add_test(tc, test_impossible_indices_close_that_connection_only);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(shm_suite());
}
