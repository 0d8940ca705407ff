/* test-counter.c — the counter type via its op table: an int64 until a float comes; never wraps. */
#include <check.h>

#include "check-main.h"
#include "types-helper.h"

static void *hits;

#define C(...) th_do(&counter_type, hits, "hits", __VA_ARGS__, TH_END)

static void setup(void)
{
	op_call c = {0};
	hits = counter_type.create(NULL, &c);
	ck_assert_ptr_nonnull(hits);
}

static void teardown(void)
{
	th_reset();
	counter_type.destroy(hits);
}

static om_value float32(double f)
{
	om_value v = om_float(f);
	v.kind = OM_FLOAT32;
	return v;
}

START_TEST(test_counter_starts_at_int_zero)
{
	ck_assert_int_eq(C("get"), OM_OK);
	th_expect(om_int(0));
	ck_assert_uint_eq(counter_type.len(hits), 1);
}
END_TEST

START_TEST(test_counter_set_then_get)
{
	ck_assert_int_eq(C("set", om_int(-42)), OM_OK);
	th_expect(om_nil());
	C("get");
	th_expect(om_int(-42));
	C("set", om_uint(7));
	C("get");
	th_expect(om_int(7));
}
END_TEST

START_TEST(test_counter_set_float_makes_float64)
{
	C("set", om_float(2.5));
	C("get");
	th_expect(om_float(2.5));
	C("set", float32(0.5));
	C("get");
	th_expect(om_float(0.5));
	C("set", om_int(3));
	C("get");
	th_expect(om_int(3));
}
END_TEST

START_TEST(test_counter_set_above_int64_is_value_error)
{
	C("set", om_int(5));
	ck_assert_int_eq(C("set", om_uint(UINT64_MAX)), OM_VALUE_ERROR);
	ck_assert_str_eq(th_message(), "counter 'hits': 18446744073709551615 does not fit in an int64");
	C("get");
	th_expect(om_int(5));
}
END_TEST

START_TEST(test_counter_add_answers_new_value)
{
	ck_assert_int_eq(C("add", om_int(5)), OM_OK);
	th_expect(om_int(5));
	C("add", om_int(-8));
	th_expect(om_int(-3));
	C("get");
	th_expect(om_int(-3));
}
END_TEST

START_TEST(test_counter_add_float_switches_to_float)
{
	C("add", om_int(1));
	ck_assert_int_eq(C("add", om_float(0.5)), OM_OK);
	th_expect(om_float(1.5));
	C("add", om_int(1));
	th_expect(om_float(2.5));
	C("add", om_float(-2.5));
	th_expect(om_float(0.0)); /* stays a float even when integral */
	C("set", om_int(1));
	C("add", float32(0.25));
	th_expect(om_float(1.25));
}
END_TEST

START_TEST(test_counter_add_overflow_is_value_error)
{
	C("set", om_int(INT64_MAX));
	ck_assert_int_eq(C("add", om_int(1)), OM_VALUE_ERROR);
	ck_assert_str_eq(th_message(), "counter 'hits': 9223372036854775807 + 1 overflows int64");
	C("get");
	th_expect(om_int(INT64_MAX));
	C("set", om_int(INT64_MIN));
	ck_assert_int_eq(C("add", om_int(-1)), OM_VALUE_ERROR);
	C("get");
	th_expect(om_int(INT64_MIN));
	C("set", om_int(0));
	ck_assert_int_eq(C("add", om_uint(UINT64_MAX)), OM_VALUE_ERROR);
	C("get");
	th_expect(om_int(0));
}
END_TEST

START_TEST(test_counter_add_uint_delta_that_fits)
{
	C("set", om_int(-1));
	ck_assert_int_eq(C("add", om_uint((uint64_t)INT64_MAX + 1)), OM_OK);
	th_expect(om_int(INT64_MAX));
}
END_TEST

START_TEST(test_counter_float_never_overflows)
{
	C("set", om_float(1e308));
	ck_assert_int_eq(C("add", om_float(1e308)), OM_OK);
	ck_assert_int_eq(th_answer()->kind, OM_FLOAT64);
	ck_assert(th_answer()->as.f > 1e308);
	C("set", om_float(1.0));
	ck_assert_int_eq(C("add", om_uint(UINT64_MAX)), OM_OK);
	th_expect(om_float(18446744073709551616.0));
}
END_TEST

START_TEST(test_counter_cas_swaps_when_equal)
{
	C("set", om_int(3));
	ck_assert_int_eq(C("cas", om_int(3), om_int(4)), OM_OK);
	th_expect(om_bool(true));
	C("get");
	th_expect(om_int(4));
	ck_assert_int_eq(C("cas", om_int(3), om_int(5)), OM_OK);
	th_expect(om_bool(false));
	C("get");
	th_expect(om_int(4));
}
END_TEST

START_TEST(test_counter_cas_int_is_not_float)
{
	C("set", om_int(1));
	C("cas", om_float(1.0), om_int(9));
	th_expect(om_bool(false));
	C("set", om_float(1.0));
	C("cas", om_int(1), om_int(9));
	th_expect(om_bool(false));
	C("cas", float32(1.0), om_int(9)); /* float32 1.0 equals float64 1.0 */
	th_expect(om_bool(true));
	C("get");
	th_expect(om_int(9));
}
END_TEST

START_TEST(test_counter_cas_on_new_counter_and_to_float)
{
	ck_assert_int_eq(C("cas", om_int(0), om_float(0.5)), OM_OK);
	th_expect(om_bool(true));
	C("get");
	th_expect(om_float(0.5));
}
END_TEST

START_TEST(test_counter_cas_new_above_int64_is_value_error)
{
	ck_assert_int_eq(C("cas", om_int(0), om_uint(UINT64_MAX)), OM_VALUE_ERROR);
	ck_assert_str_eq(th_message(), "counter 'hits': 18446744073709551615 does not fit in an int64");
	C("get");
	th_expect(om_int(0));
}
END_TEST

START_TEST(test_counter_create_options)
{
	op_call c = {0};
	om_value nil = om_nil();
	void *n = counter_type.create(&nil, &c);
	ck_assert_ptr_nonnull(n);
	counter_type.destroy(n);
	om_value pairs[] = {om_str("initial"), om_int(1)};
	om_value opts = om_map(pairs, 1);
	ck_assert_ptr_null(counter_type.create(&opts, &c));
	ck_assert_int_eq(c.code, OM_BAD_PARAMS);
	ck_assert_str_eq(c.message, "counter: unknown option 'initial'");
	ck_assert_ptr_null(counter_type.options); /* none to answer either */
	om_value odd[] = {om_int(1), om_int(1)};
	opts = om_map(odd, 1);
	ck_assert_ptr_null(counter_type.create(&opts, &c));
	ck_assert_str_eq(c.message, "counter: unknown option 1");
}
END_TEST

START_TEST(test_counter_params_are_checked)
{
	ck_assert_int_eq(C("set", om_str("1")), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(), "counter.set: parameter 'value' must be a number, got str");
	ck_assert_int_eq(C("add"), OM_BAD_PARAMS);
	ck_assert_int_eq(C("add", om_nil()), OM_BAD_PARAMS);
	ck_assert_int_eq(C("cas", om_int(0)), OM_BAD_PARAMS);
	ck_assert_int_eq(C("cas", om_str("0"), om_int(1)), OM_BAD_PARAMS);
	ck_assert_int_eq(C("get", om_int(0)), OM_BAD_PARAMS);
	C("get");
	th_expect(om_int(0));
}
END_TEST

START_TEST(test_counter_op_table)
{
	static const char *const writes[] = {"set", "add", "cas", NULL};
	ck_assert_uint_eq(counter_type.nops, 4);
	ck_assert_ptr_nonnull(type_find_op(&counter_type, "get", 3));
	th_check_table(&counter_type, writes);
	th_check_grows(&counter_type, writes); /* each may create the counter */
}
END_TEST

#define OOM(...) th_do_oom(&counter_type, hits, "hits", "get", __VA_ARGS__, TH_END)

/* A counter's ops allocate nothing: running out of memory cannot fail them (types-helper.h). */
START_TEST(test_counter_writes_need_no_memory)
{
	ck_assert_int_eq(OOM("set", om_int(5)), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 0);
	ck_assert_int_eq(OOM("add", om_float(0.5)), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 0);
	th_expect(om_float(5.5));
	ck_assert_int_eq(OOM("cas", om_float(5.5), om_int(1)), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 0);
	th_expect(om_bool(true));
}
END_TEST

START_TEST(test_counter_create_out_of_memory_answers_limit)
{
	th_create_oom(&counter_type, NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("counter");
	TCase *tc = tcase_create("counter");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_counter_starts_at_int_zero);
	tcase_add_test(tc, test_counter_set_then_get);
	tcase_add_test(tc, test_counter_set_float_makes_float64);
	tcase_add_test(tc, test_counter_set_above_int64_is_value_error);
	tcase_add_test(tc, test_counter_add_answers_new_value);
	tcase_add_test(tc, test_counter_add_float_switches_to_float);
	tcase_add_test(tc, test_counter_add_overflow_is_value_error);
	tcase_add_test(tc, test_counter_add_uint_delta_that_fits);
	tcase_add_test(tc, test_counter_float_never_overflows);
	tcase_add_test(tc, test_counter_cas_swaps_when_equal);
	tcase_add_test(tc, test_counter_cas_int_is_not_float);
	tcase_add_test(tc, test_counter_cas_on_new_counter_and_to_float);
	tcase_add_test(tc, test_counter_cas_new_above_int64_is_value_error);
	tcase_add_test(tc, test_counter_create_options);
	tcase_add_test(tc, test_counter_params_are_checked);
	tcase_add_test(tc, test_counter_op_table);
	tcase_add_test(tc, test_counter_writes_need_no_memory);
	tcase_add_test(tc, test_counter_create_out_of_memory_answers_limit);
	suite_add_tcase(s, tc);
	return check_main(s);
}
