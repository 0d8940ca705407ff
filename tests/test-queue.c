/*
 * test-queue.c — the queue type's state machine through its op table:
 * FIFO order, waiting gets and puts (OP_WAIT, re-runs, expired timeouts),
 * Python's JoinableQueue task counting, options.
 */
#include <check.h>

#include "check-main.h"
#include "types-helper.h"

static void *jobs;

#define Q(...) th_do(&queue_type, jobs, "jobs", __VA_ARGS__, TH_END)
#define PARK(p, ...) th_park((p), &queue_type, jobs, "jobs", 2, __VA_ARGS__, TH_END)

/* A queue made with options {"maxsize": n}. */
static void *bounded(int64_t n)
{
	op_call c = {0};
	om_value opts[] = {om_str("maxsize"), om_int(n)};
	om_value map = om_map(opts, 1);
	void *q = queue_type.create(&map, &c);
	ck_assert_ptr_nonnull(q);
	return q;
}

static void setup(void)
{
	op_call c = {0};
	jobs = queue_type.create(NULL, &c);
	ck_assert_ptr_nonnull(jobs);
}

static void teardown(void)
{
	th_reset();
	queue_type.destroy(jobs);
}

/* Replaces the fixture's unbounded queue with one of maxsize n. */
static void use_bounded(int64_t n)
{
	queue_type.destroy(jobs);
	jobs = bounded(n);
}

START_TEST(test_queue_get_answers_values_in_put_order)
{
	ck_assert_int_eq(Q("put", om_str("a")), OM_OK);
	th_expect(om_nil());
	Q("put", om_int(2));
	om_value pair[] = {om_int(3), om_nil()};
	Q("put", om_array(pair, 2));
	ck_assert_int_eq(Q("get"), OM_OK);
	th_expect(om_str("a"));
	Q("get");
	th_expect(om_int(2));
	Q("get");
	th_expect_array(om_int(3), om_nil());
}
END_TEST

START_TEST(test_queue_len_counts_values_not_yet_got)
{
	ck_assert_int_eq(Q("len"), OM_OK);
	th_expect(om_int(0));
	Q("put", om_int(1));
	Q("put", om_int(2));
	Q("len");
	th_expect(om_int(2));
	ck_assert_uint_eq(queue_type.len(jobs), 2);
	Q("get");
	Q("len");
	th_expect(om_int(1));
}
END_TEST

START_TEST(test_queue_get_on_empty_waits_then_gets_the_next_put)
{
	th_parked get;
	ck_assert_int_eq(PARK(&get, "get"), OP_WAIT);
	ck_assert_int_eq(th_rerun(&get), OP_WAIT);
	Q("put", om_str("job"));
	ck_assert_int_eq(th_rerun(&get), OM_OK);
	th_expect_parked(&get, om_str("job"));
	Q("len");
	th_expect(om_int(0));
	th_unpark(&get);
}
END_TEST

START_TEST(test_queue_get_with_zero_timeout_on_empty_is_empty)
{
	th_parked get;
	ck_assert_int_eq(PARK(&get, "get", om_int(0)), OP_WAIT);
	ck_assert_int_eq(th_expire(&get), OM_EMPTY);
	ck_assert_str_eq(get.c.message, "queue 'jobs' is empty");
	th_unpark(&get);
}
END_TEST

START_TEST(test_queue_get_whose_timeout_expires_after_a_put_gets_the_value)
{
	th_parked get;
	ck_assert_int_eq(PARK(&get, "get", om_float(0.5)), OP_WAIT);
	Q("put", om_int(7));
	ck_assert_int_eq(th_expire(&get), OM_OK);
	th_expect_parked(&get, om_int(7));
	th_unpark(&get);
}
END_TEST

START_TEST(test_queue_put_on_full_waits_until_a_get_makes_room)
{
	use_bounded(2);
	Q("put", om_int(1));
	Q("put", om_int(2));
	th_parked put;
	ck_assert_int_eq(PARK(&put, "put", om_int(3)), OP_WAIT);
	ck_assert_int_eq(th_rerun(&put), OP_WAIT);
	Q("len");
	th_expect(om_int(2));
	Q("get");
	th_expect(om_int(1));
	ck_assert_int_eq(th_rerun(&put), OM_OK);
	th_expect_parked(&put, om_nil());
	Q("get");
	th_expect(om_int(2));
	Q("get");
	th_expect(om_int(3));
	th_unpark(&put);
}
END_TEST

START_TEST(test_queue_put_whose_timeout_expires_on_full_is_full_and_stores_nothing)
{
	use_bounded(1);
	Q("put", om_str("first"));
	th_parked put;
	ck_assert_int_eq(PARK(&put, "put", om_str("second"), om_float(0.2)), OP_WAIT);
	ck_assert_int_eq(th_expire(&put), OM_FULL);
	ck_assert_str_eq(put.c.message, "queue 'jobs' is full (maxsize 1)");
	Q("len");
	th_expect(om_int(1));
	Q("get");
	th_expect(om_str("first"));
	th_unpark(&put);
}
END_TEST

START_TEST(test_queue_waiting_puts_complete_in_the_order_they_are_run)
{
	use_bounded(1);
	Q("put", om_int(0));
	th_parked a, b;
	ck_assert_int_eq(PARK(&a, "put", om_int(1)), OP_WAIT);
	ck_assert_int_eq(PARK(&b, "put", om_int(2)), OP_WAIT);
	Q("get");
	th_expect(om_int(0));
	ck_assert_int_eq(th_rerun(&a), OM_OK);
	ck_assert_int_eq(th_rerun(&b), OP_WAIT);
	Q("get");
	th_expect(om_int(1));
	ck_assert_int_eq(th_rerun(&b), OM_OK);
	Q("get");
	th_expect(om_int(2));
	th_unpark(&a);
	th_unpark(&b);
}
END_TEST

START_TEST(test_queue_zero_maxsize_is_unbounded)
{
	use_bounded(0);
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(Q("put", om_int(i)), OM_OK);
	Q("len");
	th_expect(om_int(1000));
}
END_TEST

START_TEST(test_queue_ring_wraps_grows_and_shrinks_keeping_order)
{
	int64_t next_put = 0, next_get = 0;
	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < 3 * round + 5; i++)
			th_assert(Q("put", om_int(next_put++)) == OM_OK, "put %lld", (long long)next_put);
		for (int i = 0; i < 2 * round + 3; i++) {
			th_assert(Q("get") == OM_OK, "get %lld", (long long)next_get);
			th_assert(th_answer()->as.i == next_get, "got %lld, want %lld",
				  (long long)th_answer()->as.i, (long long)next_get);
			next_get++;
		}
	}
	while (next_get < next_put) {
		th_assert(Q("get") == OM_OK && th_answer()->as.i == next_get, "at %lld",
			  (long long)next_get);
		next_get++;
	}
	Q("len");
	th_expect(om_int(0));
}
END_TEST

START_TEST(test_queue_items_answers_every_value_oldest_first_and_takes_none)
{
	Q("items");
	th_expect_array();
	om_value pair[] = {om_str("x"), om_int(2)};
	Q("put", om_str("first"));
	Q("put", om_array(pair, 2));
	Q("put", om_nil());
	Q("items");
	th_expect_array(om_str("first"), om_array(pair, 2), om_nil());
	Q("len");
	th_expect(om_int(3));
	Q("get");
	th_expect(om_str("first"));
	/* Around the end of the ring: head 5 of 8 slots, 7 values. */
	Q("get");
	Q("get");
	for (int i = 0; i < 8; i++)
		Q("put", om_int(i));
	for (int i = 0; i < 5; i++)
		Q("get");
	for (int i = 8; i < 12; i++)
		Q("put", om_int(i));
	Q("items");
	th_expect_array(om_int(5), om_int(6), om_int(7), om_int(8), om_int(9), om_int(10),
			om_int(11));
	/* As a read, it leaves the unfinished tasks alone too. */
	ck_assert_int_eq(Q("join", om_int(0)), OP_WAIT);
}
END_TEST

START_TEST(test_queue_join_is_true_at_once_when_nothing_was_put)
{
	ck_assert_int_eq(Q("join"), OM_OK);
	th_expect(om_bool(true));
}
END_TEST

START_TEST(test_queue_join_waits_until_every_value_is_marked_done)
{
	Q("put", om_str("a"));
	Q("put", om_str("b"));
	th_parked join;
	ck_assert_int_eq(PARK(&join, "join"), OP_WAIT);
	Q("get");
	Q("get");
	ck_assert_int_eq(th_rerun(&join), OP_WAIT);
	ck_assert_int_eq(Q("task_done"), OM_OK);
	th_expect(om_nil());
	ck_assert_int_eq(th_rerun(&join), OP_WAIT);
	Q("task_done");
	ck_assert_int_eq(th_rerun(&join), OM_OK);
	th_expect_parked(&join, om_bool(true));
	th_unpark(&join);
}
END_TEST

START_TEST(test_queue_join_whose_timeout_expires_is_false)
{
	Q("put", om_int(1));
	th_parked join;
	ck_assert_int_eq(PARK(&join, "join", om_float(0.1)), OP_WAIT);
	ck_assert_int_eq(th_expire(&join), OM_OK);
	th_expect_parked(&join, om_bool(false));
	th_unpark(&join);
}
END_TEST

START_TEST(test_queue_task_done_beyond_the_values_got_is_value_error)
{
	ck_assert_int_eq(Q("task_done"), OM_VALUE_ERROR);
	ck_assert_str_eq(th_message(), "queue 'jobs': task_done called more times than items were got");
	Q("put", om_int(1));
	ck_assert_int_eq(Q("task_done"), OM_VALUE_ERROR);
	Q("get");
	ck_assert_int_eq(Q("task_done"), OM_OK);
	ck_assert_int_eq(Q("task_done"), OM_VALUE_ERROR);
}
END_TEST

START_TEST(test_queue_destroy_frees_the_values_left)
{
	om_value nested[] = {om_str("x"), om_str("y")};
	for (int i = 0; i < 100; i++)
		Q("put", om_array(nested, 2));
	/* teardown destroys the queue: ASan reports any value leaked */
}
END_TEST

START_TEST(test_queue_create_checks_maxsize)
{
	op_call c = {0};
	om_value bad[] = {om_str("maxsize"), om_int(-1)};
	om_value opts = om_map(bad, 1);
	ck_assert_ptr_null(queue_type.create(&opts, &c));
	ck_assert_int_eq(c.code, OM_BAD_PARAMS);
	ck_assert_str_eq(c.message, "queue: option 'maxsize' must be a non-negative integer");

	memset(&c, 0, sizeof c);
	bad[1] = om_float(2.0);
	ck_assert_ptr_null(queue_type.create(&opts, &c));
	ck_assert_str_eq(c.message, "queue: option 'maxsize' must be a non-negative integer");

	memset(&c, 0, sizeof c);
	om_value unknown[] = {om_str("size"), om_int(1)};
	opts = om_map(unknown, 1);
	ck_assert_ptr_null(queue_type.create(&opts, &c));
	ck_assert_int_eq(c.code, OM_BAD_PARAMS);
	ck_assert_str_eq(c.message, "queue: unknown option 'size'");

	memset(&c, 0, sizeof c);
	om_value empty = om_map(NULL, 0);
	void *q = queue_type.create(&empty, &c);
	ck_assert_ptr_nonnull(q);
	queue_type.destroy(q);
}
END_TEST

/* Only a bounded queue has an option to answer: 0, the default, is unbounded. */
START_TEST(test_queue_options_answer_maxsize_when_bounded)
{
	om_value pairs[] = {om_str("maxsize"), om_int(0)};
	om_value opts = om_map(pairs, 1);
	th_expect_options(&queue_type, NULL, om_map(NULL, 0));
	th_expect_options(&queue_type, &opts, om_map(NULL, 0));
	pairs[1] = om_int(5);
	th_expect_options(&queue_type, &opts, om_map(pairs, 1));
	pairs[1] = om_uint(UINT64_MAX);
	th_expect_options(&queue_type, &opts, om_map(pairs, 1));
	ck_assert_uint_eq(th_options_each_failure(&queue_type, &opts), 2); /* the map, its key */
}
END_TEST

START_TEST(test_queue_params_are_checked)
{
	ck_assert_int_eq(Q("put"), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(), "queue.put: parameter 'value' is missing");
	ck_assert_int_eq(Q("get", om_int(-1)), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(),
			 "queue.get: parameter 'timeout' must be a non-negative number of seconds or nil, got int");
	ck_assert_int_eq(Q("join", om_str("1")), OM_BAD_PARAMS);
	ck_assert_int_eq(Q("get", om_nil()), OP_WAIT);
}
END_TEST

START_TEST(test_queue_op_table)
{
	static const char *const writes[] = {"put", "get", "task_done", "join", NULL};
	th_check_table(&queue_type, writes);
	th_check_grows(&queue_type, (const char *const[]){"put", NULL});
	static const char *const blocking[] = {"put", "get", "join"};
	for (size_t i = 0; i < 3; i++) {
		const op_def *op = th_op(&queue_type, blocking[i]);
		ck_assert_msg(op->flags & OP_BLOCKING, "queue.%s is not blocking", op->name);
		ck_assert_int_eq(op->args[op->nargs - 1].kind, ARG_TIMEOUT);
	}
	ck_assert_ptr_null(queue_type.release);
}
END_TEST

/* --- out of memory (types-helper.h's th_do_oom: each allocation fails in turn) --- */

#define OOM(...) th_do_oom(&queue_type, jobs, "jobs", "len", __VA_ARGS__, TH_END)

START_TEST(test_queue_put_out_of_memory_adds_nothing)
{
	ck_assert_int_eq(OOM("put", om_str("a value too long to be inline")), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 1); /* the first ring */
	for (int i = 1; i < 8; i++)
		Q("put", om_int(i));
	ck_assert_int_eq(OOM("put", om_int(8)), OM_OK); /* the ring is full: it doubles */
	ck_assert_uint_eq(th_oom_failures, 1);
	Q("get");
	th_expect(om_str("a value too long to be inline"));
	for (int i = 1; i < 9; i++) {
		Q("get");
		th_expect(om_int(i));
	}
	/* The puts that failed counted no unfinished task. */
	for (int i = 0; i < 9; i++)
		ck_assert_int_eq(Q("task_done"), OM_OK);
	ck_assert_int_eq(Q("task_done"), OM_VALUE_ERROR);
}
END_TEST

/* A get allocates only to shrink the ring: without memory it answers all the same. */
START_TEST(test_queue_get_needs_no_memory)
{
	for (int i = 0; i < 64; i++)
		Q("put", om_int(i));
	unsigned long shrinks_failed = 0;
	for (int i = 0; i < 60; i++) {
		mem_fail_nth(1);
		th_assert(Q("get") == OM_OK, "get %d", i);
		shrinks_failed += !mem_fail_pending();
		mem_fail_nth(0);
		th_expect(om_int(i));
	}
	ck_assert_uint_gt(shrinks_failed, 0);
	Q("len");
	th_expect(om_int(4));
}
END_TEST

/* Pages of items as list.slice counts them, around the end of the ring too, taking none. */
START_TEST(test_queue_slice_answers_a_range_of_the_values_waiting)
{
	ck_assert_int_eq(Q("slice", om_int(0), om_int(10)), OM_OK);
	th_expect_array();
	for (int i = 0; i < 8; i++)
		Q("put", om_int(i));
	for (int i = 0; i < 5; i++)
		Q("get");
	for (int i = 8; i < 12; i++)
		Q("put", om_int(i)); /* 5 to 11, from slot 5 of 8 round to slot 3 */
	Q("slice", om_int(0), om_int(3));
	th_expect_array(om_int(5), om_int(6), om_int(7));
	Q("slice", om_int(3), om_int(6));
	th_expect_array(om_int(8), om_int(9), om_int(10));
	Q("slice", om_int(6), om_int(9));
	th_expect_array(om_int(11));
	Q("slice", om_int(-2), om_nil());
	th_expect_array(om_int(10), om_int(11));
	Q("slice", om_nil(), om_int(-6));
	th_expect_array(om_int(5));
	Q("slice", om_int(4), om_int(2));
	th_expect_array();
	Q("slice", om_uint(UINT64_MAX), om_int(INT64_MIN));
	th_expect_array();
	Q("len");
	th_expect(om_int(7));
	ck_assert_int_eq(Q("slice", om_int(0)), OM_BAD_PARAMS);
	ck_assert_int_eq(Q("slice", om_str("0"), om_nil()), OM_BAD_PARAMS);
}
END_TEST

START_TEST(test_queue_items_out_of_memory_answers_limit)
{
	om_value pair[] = {om_str("a string too long to be inline"), om_int(2)};
	Q("put", om_int(1));
	Q("put", om_array(pair, 2));
	ck_assert_int_eq(OOM("items"), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 3); /* the array, the pair, its string */
	th_expect_array(om_int(1), om_array(pair, 2));
	ck_assert_int_eq(OOM("slice", om_int(1), om_nil()), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 3);
	th_expect_array(om_array(pair, 2));
}
END_TEST

START_TEST(test_queue_create_out_of_memory_answers_limit)
{
	th_create_oom(&queue_type, NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("queue");
	TCase *tc = tcase_create("queue");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_queue_get_answers_values_in_put_order);
	tcase_add_test(tc, test_queue_len_counts_values_not_yet_got);
	tcase_add_test(tc, test_queue_get_on_empty_waits_then_gets_the_next_put);
	tcase_add_test(tc, test_queue_get_with_zero_timeout_on_empty_is_empty);
	tcase_add_test(tc, test_queue_get_whose_timeout_expires_after_a_put_gets_the_value);
	tcase_add_test(tc, test_queue_put_on_full_waits_until_a_get_makes_room);
	tcase_add_test(tc, test_queue_put_whose_timeout_expires_on_full_is_full_and_stores_nothing);
	tcase_add_test(tc, test_queue_waiting_puts_complete_in_the_order_they_are_run);
	tcase_add_test(tc, test_queue_zero_maxsize_is_unbounded);
	tcase_add_test(tc, test_queue_ring_wraps_grows_and_shrinks_keeping_order);
	tcase_add_test(tc, test_queue_items_answers_every_value_oldest_first_and_takes_none);
	tcase_add_test(tc, test_queue_join_is_true_at_once_when_nothing_was_put);
	tcase_add_test(tc, test_queue_join_waits_until_every_value_is_marked_done);
	tcase_add_test(tc, test_queue_join_whose_timeout_expires_is_false);
	tcase_add_test(tc, test_queue_task_done_beyond_the_values_got_is_value_error);
	tcase_add_test(tc, test_queue_destroy_frees_the_values_left);
	tcase_add_test(tc, test_queue_create_checks_maxsize);
	tcase_add_test(tc, test_queue_options_answer_maxsize_when_bounded);
	tcase_add_test(tc, test_queue_params_are_checked);
	tcase_add_test(tc, test_queue_slice_answers_a_range_of_the_values_waiting);
	tcase_add_test(tc, test_queue_op_table);
	tcase_add_test(tc, test_queue_put_out_of_memory_adds_nothing);
	tcase_add_test(tc, test_queue_get_needs_no_memory);
	tcase_add_test(tc, test_queue_items_out_of_memory_answers_limit);
	tcase_add_test(tc, test_queue_create_out_of_memory_answers_limit);
	suite_add_tcase(s, tc);
	return check_main(s);
}
