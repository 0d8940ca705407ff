/*
 * test-event.c — the event type's state machine through its op table:
 * set, clear, and waits that end when it is set or when their timeout
 * expires.
 */
#include <check.h>

#include "check-main.h"
#include "types-helper.h"

static void *ready;

#define E(...) th_do(&event_type, ready, "ready", __VA_ARGS__, TH_END)
#define PARK(p, who, ...) th_park((p), &event_type, ready, "ready", (who), __VA_ARGS__, TH_END)

static void setup(void)
{
	op_call c = {0};
	ready = event_type.create(NULL, &c);
	ck_assert_ptr_nonnull(ready);
}

static void teardown(void)
{
	th_reset();
	event_type.destroy(ready);
}

START_TEST(test_event_starts_clear)
{
	ck_assert_int_eq(E("is_set"), OM_OK);
	th_expect(om_bool(false));
}
END_TEST

START_TEST(test_event_set_and_clear_change_the_flag)
{
	ck_assert_int_eq(E("set"), OM_OK);
	th_expect(om_nil());
	E("is_set");
	th_expect(om_bool(true));
	E("set");
	E("is_set");
	th_expect(om_bool(true));
	ck_assert_int_eq(E("clear"), OM_OK);
	th_expect(om_nil());
	E("is_set");
	th_expect(om_bool(false));
}
END_TEST

START_TEST(test_event_wait_on_a_set_event_is_true_at_once)
{
	E("set");
	ck_assert_int_eq(E("wait"), OM_OK);
	th_expect(om_bool(true));
	ck_assert_int_eq(E("wait", om_int(0)), OM_OK);
	th_expect(om_bool(true));
}
END_TEST

START_TEST(test_event_set_wakes_every_waiter)
{
	th_parked w[3];
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(PARK(&w[i], (uint64_t)i + 1, "wait"), OP_WAIT);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(th_rerun(&w[i]), OP_WAIT);
	E("set");
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(th_rerun(&w[i]), OM_OK);
		th_expect_parked(&w[i], om_bool(true));
		th_unpark(&w[i]);
	}
}
END_TEST

START_TEST(test_event_wait_whose_timeout_expires_is_false)
{
	th_parked w;
	ck_assert_int_eq(PARK(&w, 1, "wait", om_float(0.25)), OP_WAIT);
	ck_assert_int_eq(th_expire(&w), OM_OK);
	th_expect_parked(&w, om_bool(false));
	th_unpark(&w);
}
END_TEST

START_TEST(test_event_wait_expiring_after_a_set_is_true)
{
	th_parked w;
	ck_assert_int_eq(PARK(&w, 1, "wait", om_int(1)), OP_WAIT);
	E("set");
	ck_assert_int_eq(th_expire(&w), OM_OK);
	th_expect_parked(&w, om_bool(true));
	th_unpark(&w);
}
END_TEST

START_TEST(test_event_cleared_again_keeps_waiters_waiting)
{
	th_parked w;
	ck_assert_int_eq(PARK(&w, 1, "wait"), OP_WAIT);
	E("set");
	E("clear");
	ck_assert_int_eq(th_rerun(&w), OP_WAIT);
	th_unpark(&w);
}
END_TEST

START_TEST(test_event_create_takes_no_options)
{
	op_call c = {0};
	om_value opts[] = {om_str("set"), om_bool(true)};
	om_value map = om_map(opts, 1);
	ck_assert_ptr_null(event_type.create(&map, &c));
	ck_assert_int_eq(c.code, OM_BAD_PARAMS);
	ck_assert_str_eq(c.message, "event: unknown option 'set'");
	ck_assert_ptr_null(event_type.options); /* none to answer either */
}
END_TEST

START_TEST(test_event_params_are_checked)
{
	ck_assert_int_eq(E("wait", om_str("soon")), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(),
			 "event.wait: parameter 'timeout' must be a non-negative number of seconds or nil, got str");
	ck_assert_int_eq(E("set", om_bool(true)), OM_BAD_PARAMS);
}
END_TEST

START_TEST(test_event_op_table)
{
	static const char *const writes[] = {"set", "clear", "wait", NULL};
	th_check_table(&event_type, writes);
	th_check_grows(&event_type, (const char *const[]){NULL});
	ck_assert(th_op(&event_type, "wait")->flags & OP_BLOCKING);
	ck_assert(!(th_op(&event_type, "set")->flags & OP_BLOCKING));
	ck_assert_ptr_null(event_type.release);
}
END_TEST

#define OOM(...) th_do_oom(&event_type, ready, "ready", "is_set", __VA_ARGS__, TH_END)

/* An event's ops allocate nothing: running out of memory cannot fail them (types-helper.h). */
START_TEST(test_event_ops_need_no_memory)
{
	ck_assert_int_eq(OOM("wait"), OP_WAIT);
	ck_assert_uint_eq(th_oom_failures, 0);
	ck_assert_int_eq(OOM("set"), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 0);
	ck_assert_int_eq(OOM("clear"), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 0);
}
END_TEST

START_TEST(test_event_create_out_of_memory_answers_limit)
{
	th_create_oom(&event_type, NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("event");
	TCase *tc = tcase_create("event");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_event_starts_clear);
	tcase_add_test(tc, test_event_set_and_clear_change_the_flag);
	tcase_add_test(tc, test_event_wait_on_a_set_event_is_true_at_once);
	tcase_add_test(tc, test_event_set_wakes_every_waiter);
	tcase_add_test(tc, test_event_wait_whose_timeout_expires_is_false);
	tcase_add_test(tc, test_event_wait_expiring_after_a_set_is_true);
	tcase_add_test(tc, test_event_cleared_again_keeps_waiters_waiting);
	tcase_add_test(tc, test_event_create_takes_no_options);
	tcase_add_test(tc, test_event_params_are_checked);
	tcase_add_test(tc, test_event_op_table);
	tcase_add_test(tc, test_event_ops_need_no_memory);
	tcase_add_test(tc, test_event_create_out_of_memory_answers_limit);
	suite_add_tcase(s, tc);
	return check_main(s);
}
