/*
 * test-integration-concurrency.c — many client processes on one object of
 * a real objmgrd: because the server runs every operation to completion
 * before the next, no update is lost or duplicated, however they interleave.
 *
 * Workers are forked processes, each with its own connection (a client
 * must not cross fork()). They report through their exit status only; the
 * parent reaps every one of them before it asserts anything.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check-main.h"
#include "client.h"
#include "harness.h"
#include "objmgr.h"
#include "workers.h"

/* The parent's own client, for setting up and checking. */
static om_client *connect_checked(void)
{
	om_client *c = om_connect(harness_srv.socket, NULL);
	ck_assert_msg(om_errcode(c) == OM_OK, "%s", om_errmsg(c));
	return c;
}

enum { ADD_WORKERS = 8, ADDS = 10000 };

static int add_ones(om_client *c, int id)
{
	(void)id;
	om_counter *hits = om_counter_open(c, "hits");
	int rc = OM_OK;
	for (int i = 0; i < ADDS && rc == OM_OK; i++)
		rc = om_counter_add_int(hits, 1, NULL);
	om_counter_close(hits);
	return rc;
}

START_TEST(test_counter_adds_from_8_processes_all_land)
{
	om_client *c = connect_checked();
	om_counter *hits = om_counter_open(c, "hits");
	ck_assert_int_eq(om_counter_set(hits, om_int(0)), OM_OK);

	ck_assert_int_eq(worker_run(ADD_WORKERS, add_ones), 0);

	om_value total;
	ck_assert_int_eq(om_counter_get(hits, &total), OM_OK);
	ck_assert_int_eq(total.kind, OM_INT);
	ck_assert_int_eq(total.as.i, ADD_WORKERS * ADDS);
	om_counter_close(hits);
	om_close(c);
}
END_TEST

enum { INCR_WORKERS = 8, INCRS = 1000 };

static int incr_one_key(om_client *c, int id)
{
	(void)id;
	om_dict *d = om_dict_open(c, "stats");
	int rc = OM_OK;
	for (int i = 0; i < INCRS && rc == OM_OK; i++)
		rc = om_dict_incr(d, om_str("visits"), om_int(1), NULL);
	om_dict_close(d);
	return rc;
}

START_TEST(test_dict_incr_from_8_processes_on_one_key_all_land)
{
	om_client *c = connect_checked();
	om_dict *d = om_dict_open(c, "stats");
	ck_assert_int_eq(om_dict_clear(d), OM_OK);

	ck_assert_int_eq(worker_run(INCR_WORKERS, incr_one_key), 0);

	om_value items;
	ck_assert_int_eq(om_dict_items(d, &items), OM_OK);
	char buf[64];
	om_value_format(&items, buf, sizeof buf);
	ck_assert_str_eq(buf, "{\"visits\": 8000}");
	om_value_free(&items);
	om_dict_close(d);
	om_close(c);
}
END_TEST

enum { APPEND_WORKERS = 4, APPENDS = 5000 };

/* Appends [id, i] for i in 0..APPENDS-1: every item says who sent it and when. */
static int append_pairs(om_client *c, int id)
{
	om_list *l = om_list_open(c, "log");
	int rc = OM_OK;
	for (int i = 0; i < APPENDS && rc == OM_OK; i++) {
		om_value pair[] = {om_int(id), om_int(i)};
		rc = om_list_append(l, om_array(pair, 2), NULL);
	}
	om_list_close(l);
	return rc;
}

START_TEST(test_list_appends_from_4_processes_all_arrive_exactly_once_and_in_order)
{
	om_client *c = connect_checked();
	om_list *l = om_list_open(c, "log");
	ck_assert_int_eq(om_list_clear(l), OM_OK);

	ck_assert_int_eq(worker_run(APPEND_WORKERS, append_pairs), 0);

	om_value items;
	ck_assert_int_eq(om_list_items(l, &items), OM_OK);
	ck_assert_int_eq(items.kind, OM_ARRAY);
	ck_assert_uint_eq(items.len, APPEND_WORKERS * APPENDS);
	/*
	 * next[p]: the i expected next from worker p. Each worker appends in
	 * order, so seeing exactly 0, 1, ... APPENDS-1 from every p proves each
	 * (p, i) pair arrived once, none lost, none duplicated.
	 */
	int64_t next[APPEND_WORKERS] = {0};
	for (uint32_t k = 0; k < items.len; k++) {
		const om_value *pair = &items.as.items[k];
		ck_assert_int_eq(pair->kind, OM_ARRAY);
		ck_assert_uint_eq(pair->len, 2);
		ck_assert_int_eq(pair->as.items[0].kind, OM_INT);
		ck_assert_int_eq(pair->as.items[1].kind, OM_INT);
		int64_t p = pair->as.items[0].as.i, i = pair->as.items[1].as.i;
		ck_assert_int_ge(p, 0);
		ck_assert_int_lt(p, APPEND_WORKERS);
		ck_assert_int_eq(i, next[p]);
		next[p]++;
	}
	for (int p = 0; p < APPEND_WORKERS; p++)
		ck_assert_int_eq(next[p], APPENDS);
	om_value_free(&items);
	om_list_close(l);
	om_close(c);
}
END_TEST

/*
 * Polling for replies (om_options.no_poll, OBJMGR_POLL) changes when a
 * client sleeps, never what it gets: 4 processes adding 10,000 each end at
 * 40,000 with polling and without. Each worker also checks that it did
 * poll (a window opens on the first reply that is not there at once, and
 * at least one in every 1,025 waits after) or did not.
 */
enum { POLL_WORKERS = 4 };
static bool workers_poll; /* inherited by the forked workers */

static int add_ones_checking_polling(om_client *c, int id)
{
	int rc = add_ones(c, id);
	if (rc != OM_OK)
		return rc;
	bool polled = c->stats.poll_windows > 0;
	if (polled != workers_poll || (!polled && c->stats.poll_recvs != 0) ||
	    c->stats.poll_caught > c->stats.poll_windows) {
		fprintf(stderr, "worker %d: %llu windows, %llu caught, %llu recvs polling\n", id,
			(unsigned long long)c->stats.poll_windows,
			(unsigned long long)c->stats.poll_caught,
			(unsigned long long)c->stats.poll_recvs);
		return OM_UNKNOWN_ERROR;
	}
	return OM_OK;
}

/* Runs the adders with polling as asked and returns the counter's total. */
static int64_t adds_with_polling(bool poll)
{
	om_client *c = connect_checked();
	om_counter *hits = om_counter_open(c, "hits");
	ck_assert_int_eq(om_counter_set(hits, om_int(0)), OM_OK);
	workers_poll = poll;
	if (poll)
		ck_assert_int_eq(unsetenv("OBJMGR_POLL"), 0);
	else
		ck_assert_int_eq(setenv("OBJMGR_POLL", "0", 1), 0);
	int failed = worker_run(POLL_WORKERS, add_ones_checking_polling);
	unsetenv("OBJMGR_POLL");
	ck_assert_int_eq(failed, 0);
	om_value total;
	ck_assert_int_eq(om_counter_get(hits, &total), OM_OK);
	ck_assert_int_eq(total.kind, OM_INT);
	om_counter_close(hits);
	om_close(c);
	return total.as.i;
}

START_TEST(test_counter_adds_from_4_processes_land_alike_with_client_polling_on_and_off)
{
	ck_assert_int_eq(adds_with_polling(true), POLL_WORKERS * ADDS);
	ck_assert_int_eq(adds_with_polling(false), POLL_WORKERS * ADDS);
}
END_TEST

START_TEST(test_no_poll_option_never_polls_and_objmgr_poll_other_than_0_does)
{
	om_options opts = {.no_poll = true};
	om_client *c = om_connect(harness_srv.socket, &opts);
	ck_assert_msg(om_errcode(c) == OM_OK, "%s", om_errmsg(c));
	om_counter *n = om_counter_open(c, "n");
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(om_counter_add_int(n, 1, NULL), OM_OK);
	ck_assert_uint_eq(c->stats.poll_windows, 0);
	ck_assert_uint_eq(c->stats.poll_recvs, 0);
	om_counter_close(n);
	om_close(c);

	ck_assert_int_eq(setenv("OBJMGR_POLL", "1", 1), 0);
	c = connect_checked();
	unsetenv("OBJMGR_POLL");
	ck_assert(c->polling);
	om_close(c);
}
END_TEST

static Suite *concurrency_suite(void)
{
	Suite *s = suite_create("integration-concurrency");
	TCase *tc = tcase_create("processes");
	tcase_add_unchecked_fixture(tc, harness_fixture_start, harness_fixture_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_counter_adds_from_8_processes_all_land);
	tcase_add_test(tc, test_dict_incr_from_8_processes_on_one_key_all_land);
	tcase_add_test(tc, test_list_appends_from_4_processes_all_arrive_exactly_once_and_in_order);
	tcase_add_test(tc, test_counter_adds_from_4_processes_land_alike_with_client_polling_on_and_off);
	tcase_add_test(tc, test_no_poll_option_never_polls_and_objmgr_poll_other_than_0_does);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(concurrency_suite());
}
