/*
 * test-integration-scan.c — dict.scan and objects.scan against a real
 * objmgrd: a 100,000-pair dict and 20,000 objects walked in pages through
 * libobjmgr, with changes between pages from another connection, and each
 * page's reply measured on a raw socket, to show that no reply of a walk
 * is big where dict.items's is.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check-main.h"
#include "harness.h"
#include "objmgr.h"
#include "packet.h"

#define PAIRS 100000
#define OBJECTS 20000
#define REPLY_MS 10000

static om_client *connect_client(void)
{
	om_options opts = {.timeout_s = 30};
	om_client *c = om_connect(harness_srv.socket, &opts);
	ck_assert_msg(om_errcode(c) == OM_OK, "%s", om_errmsg(c));
	return c;
}

/* Stores i -> i for every i in [from, to), in dict.update calls of 10,000 pairs. */
static void fill_dict(om_dict *d, int from, int to)
{
	static om_value pairs[2 * 10000];
	while (from < to) {
		int n = to - from < 10000 ? to - from : 10000;
		for (int i = 0; i < n; i++)
			pairs[2 * i] = pairs[2 * i + 1] = om_int(from + i);
		ck_assert_int_eq(om_dict_update(d, om_map(pairs, (size_t)n)), OM_OK);
		from += n;
	}
}

/* Makes counters named c<i> for i in [from, to), 1,000 per server.batch. */
static void make_objects(om_client *c, int from, int to)
{
	static om_value calls[1000], pair[1000][2], params[1000][2];
	static char names[1000][16];
	while (from < to) {
		int n = to - from < 1000 ? to - from : 1000;
		for (int i = 0; i < n; i++) {
			snprintf(names[i], sizeof names[i], "c%d", from + i);
			params[i][0] = om_str(names[i]);
			params[i][1] = om_int(1);
			pair[i][0] = om_str("counter.add");
			pair[i][1] = om_array(params[i], 2);
			calls[i] = om_array(pair[i], 2);
		}
		om_value batch = om_array(calls, (size_t)n), result;
		ck_assert_int_eq(om_batch(c, &batch, NULL, &result), OM_OK);
		om_value_free(&result);
		from += n;
	}
}

/*
 * Walks the whole dict in pages of count with om_dict_scan(), adding each
 * int key's answers to seen[]; between pages calls between(page number).
 * Checks that keys come in insertion order within a page. Returns the pages.
 */
static int walk_dict(om_dict *d, size_t count, int *seen, size_t nseen, void (*between)(int))
{
	uint64_t cursor = 0;
	int pages = 0;
	do {
		om_value page;
		ck_assert_int_eq(om_dict_scan(d, cursor, count, &cursor, &page), OM_OK);
		ck_assert(page.kind == OM_MAP && page.len <= count);
		for (uint32_t i = 0; i < page.len; i++) {
			const om_value *k = &page.as.items[2 * i];
			ck_assert(k->kind == OM_INT && k->as.i >= 0 && (size_t)k->as.i < nseen);
			ck_assert(i == 0 || k->as.i > page.as.items[2 * i - 2].as.i);
			seen[k->as.i]++;
		}
		om_value_free(&page);
		if (between)
			between(pages);
		pages++;
	} while (cursor != 0);
	return pages;
}

START_TEST(test_dict_scan_walks_100k_pairs_each_once_in_order)
{
	om_client *c = connect_client();
	om_dict *d = om_dict_open(c, "big");
	fill_dict(d, 0, PAIRS);
	int *seen = calloc(PAIRS, sizeof *seen);
	ck_assert_int_eq(walk_dict(d, 1000, seen, PAIRS, NULL), PAIRS / 1000);
	for (int i = 0; i < PAIRS; i++)
		ck_assert_int_eq(seen[i], 1);
	free(seen);
	om_dict_close(d);
	om_close(c);
}
END_TEST

/* The other connection and the dict it changes between pages. */
static om_client *changer;
static om_dict *changed;

/* Deletes 500 keys spread over the dict, and sets 200 new ones, per page. */
static void change_dict(int page)
{
	for (int i = 0; i < 500; i++) {
		int key = (int)(((long)(page * 500 + i) * 7919) % PAIRS);
		ck_assert_int_eq(om_dict_del(changed, om_int(key)), OM_OK);
	}
	fill_dict(changed, PAIRS + page * 200, PAIRS + page * 200 + 200);
}

START_TEST(test_dict_scan_answers_every_pair_kept_while_another_client_changes_it)
{
	om_client *c = connect_client();
	changer = connect_client();
	om_dict *d = om_dict_open(c, "big");
	changed = om_dict_open(changer, "big");
	fill_dict(d, 0, PAIRS);
	int *seen = calloc(2 * PAIRS, sizeof *seen);
	int pages = walk_dict(d, 1000, seen, 2 * PAIRS, change_dict);
	ck_assert_int_gt(pages, 50); /* the deletes leave fewer than 100 pages to walk */
	int deleted = pages * 500, duplicates = 0;
	bool *gone = calloc(PAIRS, sizeof *gone);
	for (int i = 0; i < deleted && i < PAIRS; i++)
		gone[((long)i * 7919) % PAIRS] = true;
	for (int k = 0; k < PAIRS; k++) {
		ck_assert_msg(gone[k] || seen[k] >= 1, "key %d, kept all along, was not answered", k);
		duplicates += seen[k] > 1 ? seen[k] - 1 : 0;
	}
	ck_assert_int_le(duplicates, deleted);
	free(gone);
	free(seen);
	om_dict_close(changed);
	om_dict_close(d);
	om_close(changer);
	om_close(c);
}
END_TEST

START_TEST(test_objects_scan_walks_every_object_once_across_a_growing_registry)
{
	om_client *c = connect_client();
	make_objects(c, 0, OBJECTS);
	int *seen = calloc(2 * OBJECTS, sizeof *seen);
	uint64_t cursor = 0;
	int pages = 0;
	do {
		om_value page;
		ck_assert_int_eq(om_objects_scan(c, cursor, NULL, 500, &cursor, &page), OM_OK);
		ck_assert(page.kind == OM_MAP);
		for (uint32_t i = 0; i < page.len; i++) {
			const om_value *name = &page.as.items[2 * i];
			int n = atoi(name->as.str + 1);
			ck_assert(name->kind == OM_STR && name->as.str[0] == 'c' && n < 2 * OBJECTS);
			ck_assert_str_eq(page.as.items[2 * i + 1].as.str, "counter");
			seen[n]++;
		}
		om_value_free(&page);
		if (pages++ == 10)
			make_objects(c, OBJECTS, 2 * OBJECTS); /* the table doubles mid-walk */
	} while (cursor != 0);
	for (int i = 0; i < OBJECTS; i++)
		ck_assert_msg(seen[i] == 1, "c%d answered %d times", i, seen[i]);
	free(seen);

	/* With a pattern: only the names matching, each once; pages may be empty. */
	int matched = 0;
	cursor = 0;
	do {
		om_value page;
		ck_assert_int_eq(om_objects_scan(c, cursor, "c1?", 0, &cursor, &page), OM_OK);
		matched += (int)page.len;
		om_value_free(&page);
	} while (cursor != 0);
	ck_assert_int_eq(matched, 10);

	om_value page;
	uint64_t next = 7;
	ck_assert_int_eq(om_objects_scan(c, 0, NULL, 10001, &next, &page), OM_VALUE_ERROR);
	ck_assert_str_eq(om_errmsg(c), "objects.scan: count 10001 is not between 1 and 10000");
	ck_assert_int_eq(page.kind, OM_NIL);
	ck_assert_uint_eq(next, 7);
	om_close(c);
}
END_TEST

/* A raw connection, for the size of each reply. */
typedef struct raw {
	int fd;
	msgpack_unpacker up;
	msgpack_unpacked msg;
	packet p;
} raw;

/*
 * Reads r's next reply, the only message due: answers its size, all the
 * bytes read for it, and leaves it in r->msg.
 */
static size_t raw_reply(raw *r)
{
	size_t size = 0;
	while (msgpack_unpacker_next(&r->up, &r->msg) != MSGPACK_UNPACK_SUCCESS) {
		struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
		ck_assert_msg(poll(&pfd, 1, REPLY_MS) == 1, "no reply in %d ms", REPLY_MS);
		ck_assert(msgpack_unpacker_reserve_buffer(&r->up, 1 << 20));
		ssize_t n = read(r->fd, msgpack_unpacker_buffer(&r->up),
				 msgpack_unpacker_buffer_capacity(&r->up));
		ck_assert_msg(n > 0, "read: %s", n < 0 ? strerror(errno) : "end of stream");
		msgpack_unpacker_buffer_consumed(&r->up, (size_t)n);
		size += (size_t)n;
	}
	ck_assert_uint_eq(r->up.used, r->up.off); /* nothing after it */
	return size;
}

/*
 * Sends "method" [name, cursor, count] (name NULL: [cursor, nil, count]) and
 * reads its reply; answers the reply's size in bytes and the next cursor.
 */
static size_t raw_scan(raw *r, const char *method, const char *name, uint64_t cursor,
		       unsigned count, uint64_t *next)
{
	pack_request(&r->p.pk, 1, method, 3);
	if (name)
		pack_str(&r->p.pk, name);
	msgpack_pack_uint64(&r->p.pk, cursor);
	if (!name)
		msgpack_pack_nil(&r->p.pk);
	msgpack_pack_unsigned_int(&r->p.pk, count);
	harness_send_all(r->fd, r->p.buf.data, r->p.buf.size);
	msgpack_sbuffer_clear(&r->p.buf);
	size_t size = raw_reply(r);
	const msgpack_object *m = &r->msg.data;
	ck_assert(m->type == MSGPACK_OBJECT_ARRAY && m->via.array.size == 4);
	const msgpack_object *result = &m->via.array.ptr[3];
	ck_assert_msg(m->via.array.ptr[2].type == MSGPACK_OBJECT_NIL, "%s failed", method);
	if (next) {
		ck_assert(result->type == MSGPACK_OBJECT_ARRAY && result->via.array.size == 2);
		*next = result->via.array.ptr[0].via.u64;
	}
	return size;
}

/*
 * Every reply of a walk of the 100,000-pair dict and of 20,000 objects in
 * pages of 1,000 is under 16 KiB; dict.items answers the same dict in one
 * reply of over 500 KiB.
 */
START_TEST(test_scan_replies_stay_small_where_items_is_big)
{
	om_client *c = connect_client();
	om_dict *d = om_dict_open(c, "big");
	fill_dict(d, 0, PAIRS);
	make_objects(c, 0, OBJECTS);
	raw r = {.fd = harness_connect_raw(&harness_srv)};
	ck_assert(msgpack_unpacker_init(&r.up, 1 << 20));
	msgpack_unpacked_init(&r.msg);
	packet_init(&r.p);

	size_t largest = 0, size;
	int pages = 0;
	uint64_t cursor = 0;
	do {
		size = raw_scan(&r, "dict.scan", "big", cursor, 1000, &cursor);
		largest = size > largest ? size : largest;
		pages++;
	} while (cursor != 0);
	ck_assert_int_eq(pages, PAIRS / 1000);
	ck_assert_uint_lt(largest, 16 << 10);
	do {
		size = raw_scan(&r, "objects.scan", NULL, cursor, 1000, &cursor);
		largest = size > largest ? size : largest;
	} while (cursor != 0);
	ck_assert_uint_lt(largest, 16 << 10);

	pack_request(&r.p.pk, 1, "dict.items", 1);
	pack_str(&r.p.pk, "big");
	harness_send_all(r.fd, r.p.buf.data, r.p.buf.size);
	msgpack_sbuffer_clear(&r.p.buf);
	ck_assert_uint_gt(raw_reply(&r), 500 << 10);

	packet_free(&r.p);
	msgpack_unpacked_destroy(&r.msg);
	msgpack_unpacker_destroy(&r.up);
	close(r.fd);
	om_dict_close(d);
	om_close(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("integration-scan");
	TCase *tc = tcase_create("scan");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, harness_fixture_start, harness_fixture_stop);
	tcase_add_test(tc, test_dict_scan_walks_100k_pairs_each_once_in_order);
	tcase_add_test(tc, test_dict_scan_answers_every_pair_kept_while_another_client_changes_it);
	tcase_add_test(tc, test_objects_scan_walks_every_object_once_across_a_growing_registry);
	tcase_add_test(tc, test_scan_replies_stay_small_where_items_is_big);
	suite_add_tcase(s, tc);
	return check_main(s);
}
