/*
 * test-integration-pipeline.c — libobjmgr's pipeline (om_send, om_flush,
 * om_recv, om_recv_id, om_pending) against a real objmgrd: every request
 * applied, replies in order with their msgids or collected by msgid in any
 * order, errors reported per reply, few syscalls per batch, om_call mixed
 * in, no deadlock when both directions fill up, and what a timeout or a
 * dropped connection leaves behind.
 *
 * The syscall counts come from the client's internal statistics
 * (proxy/client.h), which only tests read.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "calls.h"
#include "check-main.h"
#include "client.h"
#include "harness.h"
#include "objmgr.h"

/* om_send with the params given inline: SEND(c, &id, "dict.set", om_str("d"), k, v). */
#define SEND(c, msgid, method, ...)                                                       \
	om_send((c), (method), (const om_value[]){__VA_ARGS__},                             \
		sizeof((const om_value[]){__VA_ARGS__}) / sizeof(om_value), (msgid))

/* The client of this test's objmgrd (harness_srv, one per test: some stop it or give it options). */
static om_client *c;

static om_client *connect_client(double timeout_s)
{
	om_options opts = {.timeout_s = timeout_s};
	om_client *cl = om_connect(harness_srv.socket, &opts);
	ck_assert_msg(om_errcode(cl) == OM_OK, "%s", om_errmsg(cl));
	return cl;
}

static void setup(void)
{
	harness_start(&harness_srv, NULL);
	/* A wedged server fails each test with a message, not a Check timeout. */
	c = connect_client(20);
}

static void teardown(void)
{
	om_close(c);
	harness_stop(&harness_srv);
}

/* v renders as want; then v is freed. */
#define assert_value(v, want)                                                            \
	do {                                                                             \
		char buf_[256];                                                          \
		om_value_format(&(v), buf_, sizeof buf_);                                \
		ck_assert_str_eq(buf_, (want));                                          \
		om_value_free(&(v));                                                     \
	} while (0)

/* Sends dict.set d key:i -> i for i in [0, n), checking each msgid is the next. */
static void send_sets(om_client *cl, int n, uint32_t *first)
{
	char key[32];
	uint32_t prev = 0;
	for (int i = 0; i < n; i++) {
		uint32_t id;
		snprintf(key, sizeof key, "key:%d", i);
		ck_assert_int_eq(SEND(cl, &id, "dict.set", om_str("d"), om_str(key), om_int(i)), OM_OK);
		ck_assert_uint_ne(id, 0);
		if (i == 0)
			*first = id;
		else
			ck_assert_uint_eq(id, prev + 1);
		prev = id;
	}
}

START_TEST(test_10000_pipelined_sets_are_all_applied)
{
	uint32_t first;
	send_sets(c, 10000, &first);
	ck_assert_uint_eq(om_pending(c), 10000);
	for (int i = 0; i < 10000; i++) {
		uint32_t id = 0;
		om_value v = om_int(1);
		ck_assert_int_eq(om_recv(c, &id, &v), OM_OK);
		ck_assert_uint_eq(id, first + (uint32_t)i);
		ck_assert_int_eq(v.kind, OM_NIL);
	}
	ck_assert_uint_eq(om_pending(c), 0);
	om_dict *d = om_dict_open(c, "d");
	size_t len = 0;
	ck_assert_int_eq(om_dict_len(d, &len), OM_OK);
	ck_assert_uint_eq(len, 10000);
	om_value v;
	ck_assert_int_eq(om_dict_get(d, om_str("key:9999"), &v), OM_OK);
	assert_value(v, "9999");
	om_dict_close(d);
}
END_TEST

/* Key i of the big dict: a string, an integer, a float or a bin, in turn. */
static om_value big_key(int i, char *buf, size_t size)
{
	snprintf(buf, size, "key:%d", i);
	switch (i % 4) {
	case 0:
		return om_str(buf);
	case 1:
		return om_int(-i);
	case 2:
		return om_float(i + 0.5);
	default:
		return om_bin(buf, strlen(buf));
	}
}

/*
 * Past 16,384 entries the server hashes the keys of a pipelined batch ahead
 * to prefetch, and the lookup reuses that hash (server/dispatch.c): every
 * kind of key must still find its own entry, and a missing one none.
 */
START_TEST(test_pipelined_reads_of_a_dict_past_the_prefetch_size_find_every_key)
{
	enum { N = 20000 };
	char buf[32];
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(SEND(c, NULL, "dict.set", om_str("big"), big_key(i, buf, sizeof buf),
				      om_int(i)), OM_OK);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(om_recv(c, NULL, NULL), OM_OK);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(SEND(c, NULL, "dict.get", om_str("big"), big_key(i, buf, sizeof buf)),
				 OM_OK);
	for (int i = 0; i < N; i++) {
		om_value v;
		ck_assert_int_eq(om_recv(c, NULL, &v), OM_OK);
		ck_assert_msg(v.kind == OM_INT && v.as.i == i, "key %d: wrong value", i);
	}
	for (int i = 0; i < 100; i++) {
		ck_assert_int_eq(SEND(c, NULL, "dict.has", om_str("big"), om_str("absent")), OM_OK);
		ck_assert_int_eq(SEND(c, NULL, "dict.incr", om_str("big"), om_int(-4 * i - 1),
				      om_int(1)), OM_OK);
	}
	for (int i = 0; i < 100; i++) {
		om_value v;
		ck_assert_int_eq(om_recv(c, NULL, &v), OM_OK);
		ck_assert(v.kind == OM_BOOL && !v.as.b);
		ck_assert_int_eq(om_recv(c, NULL, &v), OM_OK);
		ck_assert_int_eq(v.as.i, 4 * i + 2);
	}
}
END_TEST

START_TEST(test_replies_come_in_send_order_with_their_msgids_and_results)
{
	uint32_t ids[500];
	for (int i = 0; i < 500; i++)
		ck_assert_int_eq(SEND(c, &ids[i], "counter.add", om_str("n"), om_int(2)), OM_OK);
	for (int i = 0; i < 500; i++) {
		uint32_t id;
		om_value v;
		ck_assert_int_eq(om_recv(c, &id, &v), OM_OK);
		ck_assert_uint_eq(id, ids[i]);
		ck_assert_int_eq(v.kind, OM_INT);
		ck_assert_int_eq(v.as.i, 2 * (i + 1));
		ck_assert_uint_eq(om_pending(c), (size_t)(499 - i));
	}
}
END_TEST

START_TEST(test_errors_inside_a_pipeline_are_reported_per_reply)
{
	uint32_t ids[5];
	ck_assert_int_eq(SEND(c, &ids[0], "dict.set", om_str("users"), om_str("alice"), om_int(3)), OM_OK);
	ck_assert_int_eq(SEND(c, &ids[1], "dict.get", om_str("users"), om_str("bob")), OM_OK);
	ck_assert_int_eq(SEND(c, &ids[2], "list.pop", om_str("users")), OM_OK);
	ck_assert_int_eq(SEND(c, &ids[3], "no.such", om_str("x")), OM_OK);
	ck_assert_int_eq(SEND(c, &ids[4], "dict.get", om_str("users"), om_str("alice")), OM_OK);

	uint32_t id;
	om_value v;
	ck_assert_int_eq(om_recv(c, &id, &v), OM_OK);
	ck_assert_uint_eq(id, ids[0]);
	ck_assert_str_eq(om_errmsg(c), "");

	v = om_int(1);
	ck_assert_int_eq(om_recv(c, &id, &v), OM_KEY_ERROR);
	ck_assert_uint_eq(id, ids[1]);
	ck_assert_int_eq(v.kind, OM_NIL);
	ck_assert_int_eq(om_errcode(c), OM_KEY_ERROR);
	ck_assert_str_eq(om_errmsg(c), "dict 'users' has no key \"bob\"");

	ck_assert_int_eq(om_recv(c, &id, &v), OM_WRONG_TYPE);
	ck_assert_uint_eq(id, ids[2]);
	ck_assert_str_eq(om_errmsg(c), "\"users\" is a dict, not a list");

	ck_assert_int_eq(om_recv(c, &id, &v), OM_NO_SUCH_METHOD);
	ck_assert_uint_eq(id, ids[3]);

	ck_assert_int_eq(om_recv(c, &id, &v), OM_OK);
	ck_assert_uint_eq(id, ids[4]);
	assert_value(v, "3");
	ck_assert_int_eq(om_errcode(c), OM_OK);
	ck_assert_str_eq(om_errmsg(c), "");
	ck_assert(om_connected(c));
}
END_TEST

START_TEST(test_a_batch_of_10000_takes_fewer_than_100_sends_and_100_recvs)
{
	client_stats before = c->stats;
	uint32_t first;
	send_sets(c, 10000, &first);
	ck_assert_int_eq(om_flush(c), OM_OK);
	uint64_t sends = c->stats.sends - before.sends;
	while (om_pending(c))
		ck_assert_int_eq(om_recv(c, NULL, NULL), OM_OK);
	uint64_t recvs = c->stats.recvs - before.recvs;
	ck_assert_msg(sends < 100, "%llu send() calls for 10,000 requests",
		      (unsigned long long)sends);
	/* The server answers a batch of requests with one write: the replies come in batches too. */
	ck_assert_msg(recvs < 100, "%llu recv() calls for 10,000 replies",
		      (unsigned long long)recvs);
}
END_TEST

START_TEST(test_om_call_keeps_pipelined_replies_for_om_recv)
{
	uint32_t ids[3];
	ck_assert_int_eq(SEND(c, &ids[0], "list.append", om_str("l"), om_str("a")), OM_OK);
	ck_assert_int_eq(SEND(c, &ids[1], "list.pop", om_str("empty")), OM_OK);
	ck_assert_int_eq(SEND(c, &ids[2], "list.append", om_str("l"), om_str("b")), OM_OK);

	/* Sent after the three, so it sees both appends. */
	om_value v;
	ck_assert_int_eq(CALL(c, &v, "list.len", om_str("l")), OM_OK);
	assert_value(v, "2");
	ck_assert_uint_eq(om_pending(c), 3);

	uint32_t id;
	ck_assert_int_eq(om_recv(c, &id, &v), OM_OK);
	ck_assert_uint_eq(id, ids[0]);
	assert_value(v, "1");
	ck_assert_int_eq(om_recv(c, &id, &v), OM_INDEX_ERROR);
	ck_assert_uint_eq(id, ids[1]);
	ck_assert_str_eq(om_errmsg(c), "list 'empty' is empty");
	ck_assert_int_eq(om_recv(c, &id, NULL), OM_OK);
	ck_assert_uint_eq(id, ids[2]);
	ck_assert_uint_eq(om_pending(c), 0);
}
END_TEST

START_TEST(test_recv_with_nothing_pending_is_empty_with_msgid_0)
{
	uint32_t id = 7;
	om_value v = om_int(1);
	ck_assert_int_eq(om_recv(c, &id, &v), OM_EMPTY);
	ck_assert_uint_eq(id, 0);
	ck_assert_int_eq(v.kind, OM_NIL);
	ck_assert_str_eq(om_errmsg(c), "om_recv: no request is pending");
	ck_assert(om_connected(c));
}
END_TEST

START_TEST(test_blocking_call_is_answered_after_those_sent_behind_it)
{
	uint32_t get_id, set_id;
	ck_assert_int_eq(SEND(c, &get_id, "queue.get", om_str("q")), OM_OK);
	ck_assert_int_eq(SEND(c, &set_id, "dict.set", om_str("d"), om_str("k"), om_int(1)), OM_OK);
	uint32_t id;
	ck_assert_int_eq(om_recv(c, &id, NULL), OM_OK);
	ck_assert_uint_eq(id, set_id);

	om_client *other = connect_client(20);
	ck_assert_int_eq(CALL(other, NULL, "queue.put", om_str("q"), om_str("item")), OM_OK);
	om_close(other);

	om_value v;
	ck_assert_int_eq(om_recv(c, &id, &v), OM_OK);
	ck_assert_uint_eq(id, get_id);
	assert_value(v, "\"item\"");
	ck_assert_uint_eq(om_pending(c), 0);
}
END_TEST

START_TEST(test_recv_timeout_keeps_the_request_pending)
{
	om_client *t = connect_client(0.2);
	uint32_t get_id, id = 9;
	ck_assert_int_eq(SEND(t, &get_id, "queue.get", om_str("q")), OM_OK);
	ck_assert_int_eq(om_recv(t, &id, NULL), OM_TIMEOUT);
	ck_assert_uint_eq(id, 0);
	ck_assert(om_connected(t));
	ck_assert_uint_eq(om_pending(t), 1);

	ck_assert_int_eq(CALL(c, NULL, "queue.put", om_str("q"), om_int(5)), OM_OK);
	om_value v;
	ck_assert_int_eq(om_recv(t, &id, &v), OM_OK);
	ck_assert_uint_eq(id, get_id);
	assert_value(v, "5");
	om_close(t);
}
END_TEST

START_TEST(test_late_reply_to_a_timed_out_call_is_not_taken_by_om_recv)
{
	om_client *t = connect_client(0.2);
	ck_assert_int_eq(CALL(t, NULL, "queue.get", om_str("q")), OM_TIMEOUT);
	uint32_t set_id, id;
	ck_assert_int_eq(SEND(t, &set_id, "dict.set", om_str("d"), om_str("k"), om_int(1)), OM_OK);
	ck_assert_int_eq(om_recv(t, &id, NULL), OM_OK);
	ck_assert_uint_eq(id, set_id);
	/* The parked get is answered now, to nobody: om_recv has nothing to give. */
	ck_assert_int_eq(CALL(c, NULL, "queue.put", om_str("q"), om_int(5)), OM_OK);
	ck_assert_int_eq(SEND(t, &set_id, "dict.len", om_str("d")), OM_OK);
	om_value v;
	ck_assert_int_eq(om_recv(t, &id, &v), OM_OK);
	ck_assert_uint_eq(id, set_id);
	assert_value(v, "1");
	ck_assert_int_eq(om_recv(t, &id, NULL), OM_EMPTY);
	om_close(t);
}
END_TEST

/*
 * 100,000 reads of a 1 KiB value: 100 MB of replies against a server that
 * stops reading a client once 1 MiB of its replies is unsent, sent before
 * a single om_recv. Only a client that reads while its sends block gets
 * through.
 */
START_TEST(test_pipeline_larger_than_the_server_output_limit_does_not_deadlock)
{
	om_close(c);
	harness_stop(&harness_srv);
	harness_start(&harness_srv, "--max-output", "1M", NULL);
	c = connect_client(20);
	char big[1024];
	memset(big, 'x', sizeof big);
	ck_assert_int_eq(CALL(c, NULL, "dict.set", om_str("d"), om_str("big"),
			      om_strn(big, sizeof big)), OM_OK);
	enum { N = 100000 };
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(SEND(c, NULL, "dict.get", om_str("d"), om_str("big")), OM_OK);
	ck_assert_uint_eq(om_pending(c), N);
	for (int i = 0; i < N; i++) {
		om_value v;
		ck_assert_int_eq(om_recv(c, NULL, &v), OM_OK);
		ck_assert_uint_eq(v.len, sizeof big);
		om_value_free(&v);
	}
	ck_assert_uint_eq(om_pending(c), 0);
}
END_TEST

START_TEST(test_dropped_connection_forgets_every_pending_request)
{
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(SEND(c, NULL, "counter.add", om_str("n"), om_int(1)), OM_OK);
	om_client *admin = connect_client(20);
	ck_assert_int_eq(om_server_shutdown(admin), OM_OK);
	om_close(admin);
	ck_assert_int_eq(harness_wait(&harness_srv), 0);

	uint32_t id = 9;
	ck_assert_int_eq(om_recv(c, &id, NULL), OM_IO);
	ck_assert_uint_eq(id, 0);
	ck_assert(!om_connected(c));
	ck_assert_uint_eq(om_pending(c), 0);
	ck_assert_int_eq(om_recv(c, &id, NULL), OM_EMPTY);
	ck_assert_int_eq(SEND(c, &id, "counter.add", om_str("n"), om_int(1)), OM_IO);
	ck_assert_uint_eq(id, 0);
	ck_assert_int_eq(om_flush(c), OM_IO);
}
END_TEST

START_TEST(test_params_may_be_freed_as_soon_as_om_send_returns)
{
	char *key = strdup("transient");
	char *val = strdup("value");
	ck_assert_int_eq(SEND(c, NULL, "dict.set", om_str("d"), om_str(key), om_str(val)), OM_OK);
	memset(key, '#', strlen(key));
	memset(val, '#', strlen(val));
	free(key);
	free(val);
	ck_assert_int_eq(om_recv(c, NULL, NULL), OM_OK);
	om_value v;
	ck_assert_int_eq(CALL(c, &v, "dict.get", om_str("d"), om_str("transient")), OM_OK);
	assert_value(v, "\"value\"");
}
END_TEST

/* Sends n counter.add n 1: the reply to ids[i] is i + 1. */
static void send_adds(om_client *cl, int n, uint32_t *ids)
{
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(SEND(cl, &ids[i], "counter.add", om_str("n"), om_int(1)), OM_OK);
}

/* om_recv_id(cl, id) is OM_OK with the integer want. */
static void assert_recv_id_int(om_client *cl, uint32_t id, int64_t want)
{
	om_value v = om_nil();
	ck_assert_int_eq(om_recv_id(cl, id, &v), OM_OK);
	ck_assert_int_eq(v.kind, OM_INT);
	ck_assert_int_eq(v.as.i, want);
	ck_assert_int_eq(om_errcode(cl), OM_OK);
}

START_TEST(test_1000_replies_collected_by_id_in_reverse_order_get_their_own_values)
{
	enum { N = 1000 };
	uint32_t ids[N];
	send_adds(c, N, ids);
	for (int i = N - 1; i >= 0; i--) {
		assert_recv_id_int(c, ids[i], i + 1);
		ck_assert_uint_eq(om_pending(c), (size_t)i);
	}
	uint32_t id = 9;
	ck_assert_int_eq(om_recv(c, &id, NULL), OM_EMPTY);
	ck_assert_uint_eq(id, 0);
}
END_TEST

/*
 * Several rounds of sends, each followed by collecting a pseudo-random
 * choice of the replies outstanding, by id and (every fifth) by om_recv,
 * then the rest by id: the stash fills, gets holes, is compacted and grows
 * while every reply is given back exactly once, with its own value.
 */
START_TEST(test_replies_collected_in_any_order_are_each_given_back_once)
{
	enum { ROUNDS = 4, PER_ROUND = 1500, TAKE = 1000, N = ROUNDS * PER_ROUND };
	static uint32_t ids[N];
	static bool taken[N];
	uint32_t rnd = 12345;
	size_t left = 0;
	int oldest = 0; /* below it, every reply is taken */
	for (int r = 0; r < ROUNDS; r++) {
		send_adds(c, PER_ROUND, ids + r * PER_ROUND);
		int sent = (r + 1) * PER_ROUND;
		left += PER_ROUND;
		for (int k = 0; k < TAKE; k++) {
			while (taken[oldest])
				oldest++;
			int i;
			if (k % 5 == 4) {
				/* No blocking calls: arrival order is msgid order. */
				uint32_t id;
				om_value v;
				ck_assert_int_eq(om_recv(c, &id, &v), OM_OK);
				i = oldest;
				ck_assert_uint_eq(id, ids[i]);
				ck_assert_int_eq(v.as.i, i + 1);
			} else {
				rnd = rnd * 1103515245u + 12345u;
				i = oldest + (int)((rnd >> 8) % (uint32_t)(sent - oldest));
				while (taken[i])
					i = i + 1 < sent ? i + 1 : oldest;
				assert_recv_id_int(c, ids[i], i + 1);
			}
			taken[i] = true;
			ck_assert_uint_eq(om_pending(c), --left);
		}
	}
	for (int i = N - 1; i >= 0; i--) {
		if (taken[i]) {
			ck_assert_int_eq(om_recv_id(c, ids[i], NULL), OM_BAD_REQUEST);
			continue;
		}
		assert_recv_id_int(c, ids[i], i + 1);
		ck_assert_uint_eq(om_pending(c), --left);
	}
	ck_assert_uint_eq(left, 0);
}
END_TEST

START_TEST(test_recv_id_of_a_msgid_not_pending_is_bad_request_and_changes_nothing)
{
	om_value v = om_int(1);
	ck_assert_int_eq(om_recv_id(c, 0, &v), OM_BAD_REQUEST);
	ck_assert_int_eq(v.kind, OM_NIL);

	uint32_t ids[2];
	send_adds(c, 2, ids);
	/* Never sent: nothing is sent or read, both requests stay pending. */
	client_stats before = c->stats;
	v = om_int(1);
	ck_assert_int_eq(om_recv_id(c, ids[1] + 1000, &v), OM_BAD_REQUEST);
	ck_assert_int_eq(v.kind, OM_NIL);
	ck_assert_int_eq(om_errcode(c), OM_BAD_REQUEST);
	char want[128];
	snprintf(want, sizeof want,
		 "om_recv_id: request %u is not pending (never sent, or its reply was given back already)",
		 ids[1] + 1000);
	ck_assert_str_eq(om_errmsg(c), want);
	ck_assert_uint_eq(c->stats.sends, before.sends);
	ck_assert_uint_eq(c->stats.recvs, before.recvs);
	ck_assert_uint_eq(om_pending(c), 2);
	ck_assert(om_connected(c));

	/* Given back by om_recv_id, then by om_recv: neither is given again. */
	assert_recv_id_int(c, ids[1], 2);
	ck_assert_int_eq(om_recv_id(c, ids[1], NULL), OM_BAD_REQUEST);
	uint32_t id;
	ck_assert_int_eq(om_recv(c, &id, NULL), OM_OK);
	ck_assert_uint_eq(id, ids[0]);
	ck_assert_int_eq(om_recv_id(c, ids[0], NULL), OM_BAD_REQUEST);
	ck_assert_int_eq(om_recv(c, &id, NULL), OM_EMPTY);
	ck_assert_uint_eq(om_pending(c), 0);
	ck_assert(om_connected(c));
}
END_TEST

START_TEST(test_om_recv_and_om_recv_id_mixed_give_each_reply_once)
{
	uint32_t ids[7], id;
	om_value v;
	send_adds(c, 6, ids);
	assert_recv_id_int(c, ids[3], 4); /* 0, 1 and 2 are kept on the way */
	ck_assert_uint_eq(om_pending(c), 5);
	ck_assert_int_eq(om_recv(c, &id, &v), OM_OK);
	ck_assert_uint_eq(id, ids[0]);
	assert_value(v, "1");
	assert_recv_id_int(c, ids[2], 3);
	ck_assert_int_eq(om_recv(c, &id, &v), OM_OK); /* the kept one, not 3 again */
	ck_assert_uint_eq(id, ids[1]);
	assert_value(v, "2");
	ck_assert_int_eq(om_recv(c, &id, &v), OM_OK); /* from the socket now, 4 skipped */
	ck_assert_uint_eq(id, ids[4]);
	assert_value(v, "5");
	ck_assert_int_eq(om_recv_id(c, ids[4], NULL), OM_BAD_REQUEST);
	ck_assert_uint_eq(om_pending(c), 1);

	/* An om_call keeps the replies before its own for either. */
	ck_assert_int_eq(SEND(c, &ids[6], "counter.add", om_str("n"), om_int(1)), OM_OK);
	ck_assert_int_eq(CALL(c, &v, "counter.get", om_str("n")), OM_OK);
	assert_value(v, "7");
	assert_recv_id_int(c, ids[6], 7);
	ck_assert_int_eq(om_recv(c, &id, &v), OM_OK);
	ck_assert_uint_eq(id, ids[5]);
	assert_value(v, "6");
	ck_assert_uint_eq(om_pending(c), 0);
	ck_assert_int_eq(om_recv(c, &id, NULL), OM_EMPTY);
}
END_TEST

START_TEST(test_an_error_reply_collected_by_id_leaves_the_others_intact)
{
	uint32_t ids[4], id;
	om_value v;
	ck_assert_int_eq(SEND(c, &ids[0], "dict.set", om_str("users"), om_str("alice"), om_int(3)), OM_OK);
	ck_assert_int_eq(SEND(c, &ids[1], "dict.get", om_str("users"), om_str("bob")), OM_OK);
	ck_assert_int_eq(SEND(c, &ids[2], "list.pop", om_str("users")), OM_OK);
	ck_assert_int_eq(SEND(c, &ids[3], "dict.get", om_str("users"), om_str("alice")), OM_OK);

	v = om_int(1);
	ck_assert_int_eq(om_recv_id(c, ids[1], &v), OM_KEY_ERROR);
	ck_assert_int_eq(v.kind, OM_NIL);
	ck_assert_int_eq(om_errcode(c), OM_KEY_ERROR);
	ck_assert_str_eq(om_errmsg(c), "dict 'users' has no key \"bob\"");
	ck_assert_uint_eq(om_pending(c), 3);

	ck_assert_int_eq(om_recv_id(c, ids[3], &v), OM_OK);
	assert_value(v, "3");
	ck_assert_str_eq(om_errmsg(c), "");
	/* An error kept on the way keeps its own message. */
	ck_assert_int_eq(om_recv_id(c, ids[2], &v), OM_WRONG_TYPE);
	ck_assert_str_eq(om_errmsg(c), "\"users\" is a dict, not a list");
	ck_assert_int_eq(om_recv(c, &id, &v), OM_OK);
	ck_assert_uint_eq(id, ids[0]);
	ck_assert_int_eq(v.kind, OM_NIL);
	ck_assert_uint_eq(om_pending(c), 0);
	ck_assert(om_connected(c));
}
END_TEST

START_TEST(test_a_blocking_get_sent_first_can_be_collected_after_a_later_set)
{
	uint32_t get_id, set_id, id;
	ck_assert_int_eq(SEND(c, &get_id, "queue.get", om_str("q")), OM_OK);
	ck_assert_int_eq(SEND(c, &set_id, "dict.set", om_str("d"), om_str("k"), om_int(1)), OM_OK);
	ck_assert_int_eq(om_recv_id(c, set_id, NULL), OM_OK);
	ck_assert_uint_eq(om_pending(c), 1);

	om_client *other = connect_client(20);
	ck_assert_int_eq(CALL(other, NULL, "queue.put", om_str("q"), om_str("item")), OM_OK);
	om_value v;
	ck_assert_int_eq(CALL(other, &v, "dict.get", om_str("d"), om_str("k")), OM_OK);
	assert_value(v, "1");
	om_close(other);

	ck_assert_int_eq(om_recv_id(c, get_id, &v), OM_OK);
	assert_value(v, "\"item\"");
	ck_assert_uint_eq(om_pending(c), 0);
	ck_assert_int_eq(om_recv(c, &id, NULL), OM_EMPTY);
}
END_TEST

/*
 * A get with a server-side timeout, collected first: the set's reply,
 * which comes before it, is kept, and the get's own "empty" is its status
 * (not om_recv_id's "not pending").
 */
START_TEST(test_recv_id_of_a_get_that_times_out_on_the_server_is_its_empty)
{
	uint32_t get_id, set_id, id;
	ck_assert_int_eq(SEND(c, &get_id, "queue.get", om_str("q"), om_float(0.1)), OM_OK);
	ck_assert_int_eq(SEND(c, &set_id, "dict.set", om_str("d"), om_str("k"), om_int(1)), OM_OK);
	om_value v = om_int(1);
	ck_assert_int_eq(om_recv_id(c, get_id, &v), OM_EMPTY);
	ck_assert_int_eq(v.kind, OM_NIL);
	ck_assert_str_eq(om_errmsg(c), "queue 'q' is empty");
	ck_assert(om_connected(c));
	ck_assert_uint_eq(om_pending(c), 1);
	ck_assert_int_eq(om_recv_id(c, get_id, NULL), OM_BAD_REQUEST);
	ck_assert_int_eq(om_recv(c, &id, NULL), OM_OK);
	ck_assert_uint_eq(id, set_id);
	ck_assert_uint_eq(om_pending(c), 0);
}
END_TEST

START_TEST(test_recv_id_timeout_keeps_the_request_pending)
{
	om_client *t = connect_client(0.2);
	uint32_t get_id, set_id, id;
	ck_assert_int_eq(SEND(t, &get_id, "queue.get", om_str("q")), OM_OK);
	ck_assert_int_eq(SEND(t, &set_id, "dict.set", om_str("d"), om_str("k"), om_int(1)), OM_OK);
	om_value v = om_int(1);
	ck_assert_int_eq(om_recv_id(t, get_id, &v), OM_TIMEOUT);
	ck_assert_int_eq(v.kind, OM_NIL);
	ck_assert(om_connected(t));
	ck_assert_uint_eq(om_pending(t), 2);
	ck_assert_int_eq(om_recv_id(t, get_id, NULL), OM_TIMEOUT);
	ck_assert_uint_eq(om_pending(t), 2);

	ck_assert_int_eq(CALL(c, NULL, "queue.put", om_str("q"), om_int(5)), OM_OK);
	ck_assert_int_eq(om_recv_id(t, get_id, &v), OM_OK);
	assert_value(v, "5");
	ck_assert_int_eq(om_recv(t, &id, NULL), OM_OK);
	ck_assert_uint_eq(id, set_id);
	ck_assert_uint_eq(om_pending(t), 0);
	om_close(t);
}
END_TEST

START_TEST(test_recv_id_after_a_dropped_connection)
{
	uint32_t ids[3];
	send_adds(c, 3, ids);
	om_client *admin = connect_client(20);
	ck_assert_int_eq(om_server_shutdown(admin), OM_OK);
	om_close(admin);
	ck_assert_int_eq(harness_wait(&harness_srv), 0);

	ck_assert_int_eq(om_recv_id(c, ids[2], NULL), OM_IO);
	ck_assert(!om_connected(c));
	ck_assert_uint_eq(om_pending(c), 0);
	ck_assert_int_eq(om_recv_id(c, ids[0], NULL), OM_BAD_REQUEST);
	char want[128];
	snprintf(want, sizeof want,
		 "om_recv_id: request %u is not pending (not connected: what was in flight was forgotten)",
		 ids[0]);
	ck_assert_str_eq(om_errmsg(c), want);
}
END_TEST


/*
 * A client that pipelines many requests has them served a turn at a time:
 * another client's request that arrives meanwhile is answered between two
 * turns, not after the whole pipeline. The server is stopped (SIGSTOP)
 * while both clients' bytes reach its sockets, so that it finds them all
 * at once, the pipeline's first; the pipeline adds 1 to a counter N times, the other client
 * adds 1 to it once, and its answer tells how many of the pipeline's adds
 * ran before it. The pipeline's replies still come in order.
 */
START_TEST(test_a_long_pipeline_lets_another_client_in_between_its_turns)
{
	enum { N = 3000 };
	om_client *other = connect_client(20);
	ck_assert_int_eq(CALL(c, NULL, "objects.create", om_str("n"), om_str("counter")), OM_OK);
	ck_assert_int_eq(om_server_ping(other), OM_OK);

	ck_assert_int_eq(kill(harness_srv.pid, SIGSTOP), 0);
	int status;
	ck_assert_int_eq(waitpid(harness_srv.pid, &status, WUNTRACED), harness_srv.pid);
	ck_assert(WIFSTOPPED(status));
	int sent = OM_OK, flushed, other_sent, other_flushed;
	for (int i = 0; i < N && sent == OM_OK; i++)
		sent = SEND(c, NULL, "counter.add", om_str("n"), om_int(1));
	flushed = om_flush(c); /* N small requests fit in the socket's buffer */
	uint32_t id;
	other_sent = SEND(other, &id, "counter.add", om_str("n"), om_int(1));
	other_flushed = om_flush(other);
	ck_assert_int_eq(kill(harness_srv.pid, SIGCONT), 0);
	ck_assert_int_eq(sent, OM_OK);
	ck_assert_int_eq(flushed, OM_OK);
	ck_assert_int_eq(other_sent, OM_OK);
	ck_assert_int_eq(other_flushed, OM_OK);

	om_value v;
	ck_assert_int_eq(om_recv_id(other, id, &v), OM_OK);
	int64_t between = v.as.i - 1; /* the pipeline's adds that ran before the other's */
	/*
	 * Usually the pipeline's socket is served first (its bytes came first),
	 * and then its first turn runs before the other's add; once in a while
	 * (1 run in 26 seen, under load) the kernel reports the other socket
	 * first and no add runs before it. Either way the other's add must not
	 * wait for half the pipeline.
	 */
	ck_assert_msg(between >= 0 && between < N / 2, "%lld of the %d pipelined adds ran before "
		      "another client's add that was waiting", (long long)between, N);
	int64_t want = 1;
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(om_recv(c, NULL, &v), OM_OK);
		if (want == between + 1)
			want++; /* the other client's */
		ck_assert_int_eq(v.as.i, want);
		want++;
	}
	ck_assert_int_eq(want, N + 2);
	om_close(other);
}
END_TEST

static Suite *pipeline_suite(void)
{
	Suite *s = suite_create("integration-pipeline");
	TCase *tc = tcase_create("pipeline");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_10000_pipelined_sets_are_all_applied);
	tcase_add_test(tc, test_pipelined_reads_of_a_dict_past_the_prefetch_size_find_every_key);
	tcase_add_test(tc, test_replies_come_in_send_order_with_their_msgids_and_results);
	tcase_add_test(tc, test_errors_inside_a_pipeline_are_reported_per_reply);
	tcase_add_test(tc, test_a_batch_of_10000_takes_fewer_than_100_sends_and_100_recvs);
	tcase_add_test(tc, test_om_call_keeps_pipelined_replies_for_om_recv);
	tcase_add_test(tc, test_recv_with_nothing_pending_is_empty_with_msgid_0);
	tcase_add_test(tc, test_blocking_call_is_answered_after_those_sent_behind_it);
	tcase_add_test(tc, test_recv_timeout_keeps_the_request_pending);
	tcase_add_test(tc, test_late_reply_to_a_timed_out_call_is_not_taken_by_om_recv);
	tcase_add_test(tc, test_pipeline_larger_than_the_server_output_limit_does_not_deadlock);
	tcase_add_test(tc, test_dropped_connection_forgets_every_pending_request);
	tcase_add_test(tc, test_params_may_be_freed_as_soon_as_om_send_returns);
	tcase_add_test(tc, test_1000_replies_collected_by_id_in_reverse_order_get_their_own_values);
	tcase_add_test(tc, test_replies_collected_in_any_order_are_each_given_back_once);
	tcase_add_test(tc, test_recv_id_of_a_msgid_not_pending_is_bad_request_and_changes_nothing);
	tcase_add_test(tc, test_om_recv_and_om_recv_id_mixed_give_each_reply_once);
	tcase_add_test(tc, test_an_error_reply_collected_by_id_leaves_the_others_intact);
	tcase_add_test(tc, test_a_blocking_get_sent_first_can_be_collected_after_a_later_set);
	tcase_add_test(tc, test_recv_id_of_a_get_that_times_out_on_the_server_is_its_empty);
	tcase_add_test(tc, test_recv_id_timeout_keeps_the_request_pending);
	tcase_add_test(tc, test_recv_id_after_a_dropped_connection);
	tcase_add_test(tc, test_a_long_pipeline_lets_another_client_in_between_its_turns);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(pipeline_suite());
}
