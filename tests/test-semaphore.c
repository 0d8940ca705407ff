/* test-semaphore.c — the semaphore type via its op table: permits, waiting, bounds, crashed holders. */
#include <check.h>

#include "check-main.h"
#include "types-helper.h"

static void *sem;

#define S(...) th_do(&semaphore_type, sem, "s", __VA_ARGS__, TH_END)
/* The same call from the connection owner. */
#define S_AS(owner, ...) (th_owner = (owner), S(__VA_ARGS__))
#define PARK(p, owner, ...) th_park(p, &semaphore_type, sem, "s", owner, __VA_ARGS__, TH_END)

/* A semaphore made with {"value": value, "bounded": bounded}. */
static void *sem_new(int64_t value, bool bounded)
{
	op_call c = {0};
	om_value pairs[] = {om_str("value"), om_int(value), om_str("bounded"), om_bool(bounded)};
	om_value opts = om_map(pairs, 2);
	void *s = semaphore_type.create(&opts, &c);
	ck_assert_ptr_nonnull(s);
	return s;
}

static void use(void *s)
{
	semaphore_type.destroy(sem);
	sem = s;
}

static void expect_value(int64_t want)
{
	ck_assert_int_eq(S("value"), OM_OK);
	th_expect(om_int(want));
}

static void setup(void)
{
	op_call c = {0};
	th_owner = 1;
	sem = semaphore_type.create(NULL, &c);
	ck_assert_ptr_nonnull(sem);
}

static void teardown(void)
{
	th_reset();
	semaphore_type.destroy(sem);
}

START_TEST(test_semaphore_starts_with_one_permit)
{
	expect_value(1);
	ck_assert_uint_eq(semaphore_type.len(sem), 1);
}
END_TEST

START_TEST(test_semaphore_acquire_takes_a_permit)
{
	use(sem_new(2, false));
	ck_assert_int_eq(S("acquire"), OM_OK);
	th_expect(om_bool(true));
	expect_value(1);
	ck_assert_int_eq(S_AS(2, "acquire", om_nil()), OM_OK);
	th_expect(om_bool(true));
	expect_value(0);
}
END_TEST

START_TEST(test_semaphore_acquire_without_permit_waits_and_changes_nothing)
{
	S("acquire");
	ck_assert_int_eq(S_AS(2, "acquire"), OP_WAIT);
	ck_assert_int_eq(S_AS(2, "acquire", om_float(1.5)), OP_WAIT);
	expect_value(0);
	semaphore_type.release(sem, 2); /* it took nothing */
	expect_value(0);
}
END_TEST

START_TEST(test_semaphore_parked_acquire_completes_after_release)
{
	th_parked p;
	S("acquire");
	ck_assert_int_eq(PARK(&p, 2, "acquire"), OP_WAIT);
	ck_assert_int_eq(th_rerun(&p), OP_WAIT);
	ck_assert_int_eq(S("release"), OM_OK);
	th_expect(om_nil());
	expect_value(1);
	ck_assert_int_eq(th_rerun(&p), OM_OK);
	th_expect_parked(&p, om_bool(true));
	expect_value(0);
	th_unpark(&p);
	/* The permit is owner 2's now: its crash gives it back. */
	semaphore_type.release(sem, 1);
	expect_value(0);
	semaphore_type.release(sem, 2);
	expect_value(1);
}
END_TEST

START_TEST(test_semaphore_first_waiter_rerun_takes_the_permit)
{
	th_parked a, b;
	S("acquire");
	PARK(&a, 2, "acquire");
	PARK(&b, 3, "acquire");
	S("release");
	ck_assert_int_eq(th_rerun(&a), OM_OK);
	th_expect_parked(&a, om_bool(true));
	ck_assert_int_eq(th_rerun(&b), OP_WAIT);
	expect_value(0);
	th_unpark(&a);
	th_unpark(&b);
}
END_TEST

START_TEST(test_semaphore_timed_out_acquire_answers_false)
{
	th_parked p;
	S("acquire");
	ck_assert_int_eq(PARK(&p, 2, "acquire", om_float(0.2)), OP_WAIT);
	ck_assert_int_eq(th_expire(&p), OM_OK);
	th_expect_parked(&p, om_bool(false));
	expect_value(0);
	th_unpark(&p);
	/* Timeout 0: the server runs it again at once as timed out. */
	ck_assert_int_eq(PARK(&p, 3, "acquire", om_int(0)), OP_WAIT);
	ck_assert_int_eq(th_expire(&p), OM_OK);
	th_expect_parked(&p, om_bool(false));
	th_unpark(&p);
}
END_TEST

START_TEST(test_semaphore_timed_out_acquire_takes_a_permit_freed_meanwhile)
{
	th_parked p;
	S("acquire");
	PARK(&p, 2, "acquire", om_float(0.2));
	S("release");
	ck_assert_int_eq(th_expire(&p), OM_OK);
	th_expect_parked(&p, om_bool(true));
	expect_value(0);
	th_unpark(&p);
}
END_TEST

START_TEST(test_semaphore_unbounded_release_adds_a_permit)
{
	ck_assert_int_eq(S_AS(7, "release"), OM_OK);
	ck_assert_int_eq(S_AS(8, "release"), OM_OK);
	expect_value(3);
}
END_TEST

START_TEST(test_semaphore_bounded_over_release_is_value_error)
{
	use(sem_new(2, true));
	ck_assert_int_eq(S("release"), OM_VALUE_ERROR);
	ck_assert_str_eq(th_message(), "semaphore 's' released too many times");
	expect_value(2);
	S("acquire");
	S("acquire");
	ck_assert_int_eq(S("release"), OM_OK);
	ck_assert_int_eq(S_AS(2, "release"), OM_OK); /* anyone may release */
	ck_assert_int_eq(S("release"), OM_VALUE_ERROR);
	expect_value(2);
}
END_TEST

START_TEST(test_semaphore_release_past_int64_is_value_error)
{
	use(sem_new(INT64_MAX, false));
	ck_assert_int_eq(S("release"), OM_VALUE_ERROR);
	ck_assert_str_eq(th_message(), "semaphore 's': the value would overflow int64");
	expect_value(INT64_MAX);
}
END_TEST

START_TEST(test_semaphore_zero_value_waits_from_the_start)
{
	th_parked p;
	use(sem_new(0, false));
	ck_assert_int_eq(PARK(&p, 1, "acquire"), OP_WAIT);
	S_AS(2, "release");
	ck_assert_int_eq(th_rerun(&p), OM_OK);
	th_expect_parked(&p, om_bool(true));
	th_unpark(&p);
}
END_TEST

START_TEST(test_semaphore_closed_connection_gives_its_permits_back)
{
	use(sem_new(5, false));
	S_AS(1, "acquire");
	S_AS(1, "acquire");
	S_AS(2, "acquire");
	S_AS(3, "acquire");
	expect_value(1);
	semaphore_type.release(sem, 1);
	expect_value(3);
	semaphore_type.release(sem, 1); /* nothing left */
	expect_value(3);
	semaphore_type.release(sem, 3);
	expect_value(4);
	semaphore_type.release(sem, 2);
	expect_value(5);
}
END_TEST

START_TEST(test_semaphore_release_by_holder_settles_its_own_permit)
{
	use(sem_new(3, false));
	S_AS(1, "acquire");
	S_AS(1, "acquire");
	S_AS(1, "release");
	expect_value(2);
	semaphore_type.release(sem, 1);
	expect_value(3);
	S_AS(1, "acquire");
	S_AS(1, "release");
	semaphore_type.release(sem, 1); /* holds nothing: changes nothing */
	expect_value(3);
}
END_TEST

START_TEST(test_semaphore_release_by_a_non_holder_settles_the_holders_permit)
{
	S_AS(1, "acquire");
	S_AS(2, "release");
	expect_value(1);
	semaphore_type.release(sem, 2);
	expect_value(1);
	semaphore_type.release(sem, 1); /* its permit was released by 2 */
	expect_value(1);
}
END_TEST

START_TEST(test_semaphore_release_by_a_non_holder_settles_the_longest_holder_first)
{
	use(sem_new(3, false));
	S_AS(2, "acquire");
	S_AS(1, "acquire");
	S_AS(1, "acquire");
	S_AS(3, "release"); /* settles 2's, the oldest holding */
	expect_value(1);
	semaphore_type.release(sem, 2);
	expect_value(1);
	S_AS(3, "release"); /* then 1's, now the oldest */
	semaphore_type.release(sem, 1);
	expect_value(3);
}
END_TEST

START_TEST(test_semaphore_handed_off_permits_never_multiply)
{
	for (uint64_t owner = 10; owner < 1010; owner++) {
		S_AS(owner, "acquire");
		S_AS(1, "release");
		semaphore_type.release(sem, owner);
		expect_value(1);
	}
}
END_TEST

START_TEST(test_semaphore_release_with_no_holder_adds_a_permit)
{
	S_AS(1, "release");
	expect_value(2);
	semaphore_type.release(sem, 1);
	expect_value(2);
}
END_TEST

START_TEST(test_semaphore_closed_holder_of_bounded_never_passes_initial_value)
{
	use(sem_new(1, true));
	S_AS(1, "acquire");
	S_AS(2, "release");
	expect_value(1);
	semaphore_type.release(sem, 1);
	expect_value(1);
}
END_TEST

START_TEST(test_semaphore_closed_holder_wakes_a_waiter)
{
	th_parked p;
	S_AS(1, "acquire");
	PARK(&p, 2, "acquire", om_nil());
	semaphore_type.release(sem, 1);
	ck_assert_int_eq(th_rerun(&p), OM_OK);
	th_expect_parked(&p, om_bool(true));
	expect_value(0);
	th_unpark(&p);
}
END_TEST

START_TEST(test_semaphore_create_options)
{
	op_call c = {0};
	om_value pairs[] = {om_str("value"), om_int(3)};
	om_value opts = om_map(pairs, 1);
	use(semaphore_type.create(&opts, &c));
	ck_assert_int_eq(c.code, OM_OK);
	expect_value(3);
	S("release");
	expect_value(4); /* not bounded unless asked */
	om_value empty = om_map(NULL, 0), nil = om_nil();
	use(semaphore_type.create(&empty, &c));
	expect_value(1);
	use(semaphore_type.create(&nil, &c));
	expect_value(1);
	ck_assert_int_eq(c.code, OM_OK);
}
END_TEST

/* The initial value, not the permits free now: a copy is made free. */
START_TEST(test_semaphore_options_answer_those_not_default)
{
	om_value all[] = {om_str("value"), om_int(3), om_str("bounded"), om_bool(true),
			  om_str("owned"), om_bool(false)};
	om_value defaults[] = {om_str("value"), om_int(1), om_str("bounded"), om_bool(false),
			       om_str("owned"), om_bool(true)};
	om_value opts = om_map(all, 3), plain = om_map(defaults, 3);
	om_value bounded = om_map(all + 2, 1), zero = om_map(all, 1);
	th_expect_options(&semaphore_type, NULL, om_map(NULL, 0));
	th_expect_options(&semaphore_type, &plain, om_map(NULL, 0));
	th_expect_options(&semaphore_type, &opts, om_map(all, 3));
	th_expect_options(&semaphore_type, &bounded, bounded);
	all[1] = om_int(0);
	th_expect_options(&semaphore_type, &zero, zero);

	op_call c = {0};
	all[1] = om_int(2);
	use(semaphore_type.create(&opts, &c));
	S("acquire");
	S("acquire");
	om_value got;
	ck_assert(semaphore_type.options(sem, &got));
	th_expect_at(&got, om_map(all, 3), __FILE__, __LINE__);
	om_value_free(&got);
	ck_assert_uint_eq(th_options_each_failure(&semaphore_type, &opts), 4);
}
END_TEST

/* A semaphore of one permit made with {"owned": false}. */
static void *sem_unowned(void)
{
	op_call c = {0};
	om_value pairs[] = {om_str("owned"), om_bool(false)};
	om_value opts = om_map(pairs, 1);
	void *s = semaphore_type.create(&opts, &c);
	ck_assert_ptr_nonnull(s);
	return s;
}

START_TEST(test_semaphore_unowned_close_gives_nothing_back)
{
	use(sem_unowned());
	S_AS(1, "acquire");
	expect_value(0);
	semaphore_type.release(sem, 1);
	expect_value(0);
	S_AS(2, "release");
	expect_value(1);
	S_AS(2, "release"); /* unbounded: a signal may be given ahead */
	semaphore_type.release(sem, 2);
	expect_value(2);
}
END_TEST

static void expect_bad_options(om_value opts, const char *message)
{
	op_call c = {0};
	ck_assert_ptr_null(semaphore_type.create(&opts, &c));
	ck_assert_int_eq(c.code, OM_BAD_PARAMS);
	ck_assert_str_eq(c.message, message);
}

START_TEST(test_semaphore_create_rejects_bad_options)
{
	om_value neg[] = {om_str("value"), om_int(-1)};
	om_value str[] = {om_str("value"), om_str("3")};
	om_value big[] = {om_str("value"), om_uint(UINT64_MAX)};
	om_value flt[] = {om_str("value"), om_float(2.0)};
	om_value bnd[] = {om_str("bounded"), om_int(1)};
	om_value unk[] = {om_str("value"), om_int(1), om_str("maxsize"), om_int(1)};
	const char *vmsg = "semaphore: option 'value' must be a non-negative integer";
	expect_bad_options(om_map(neg, 1), vmsg);
	expect_bad_options(om_map(str, 1), vmsg);
	expect_bad_options(om_map(flt, 1), vmsg);
	expect_bad_options(om_map(big, 1), "semaphore: option 'value' is too large");
	expect_bad_options(om_map(bnd, 1), "semaphore: option 'bounded' must be a boolean");
	om_value own[] = {om_str("owned"), om_str("no")};
	expect_bad_options(om_map(own, 1), "semaphore: option 'owned' must be a boolean");
	expect_bad_options(om_map(unk, 2), "semaphore: unknown option 'maxsize'");
	expect_bad_options(om_int(1), "semaphore: options must be a map, got int");
}
END_TEST

START_TEST(test_semaphore_params_are_checked)
{
	ck_assert_int_eq(S("acquire", om_int(-1)), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(),
			 "semaphore.acquire: parameter 'timeout' must be a non-negative number of seconds or nil, got int");
	ck_assert_int_eq(S("acquire", om_str("1")), OM_BAD_PARAMS);
	ck_assert_int_eq(S("acquire", om_nil(), om_nil()), OM_BAD_PARAMS);
	ck_assert_int_eq(S("release", om_int(1)), OM_BAD_PARAMS);
	ck_assert_int_eq(S("value", om_int(1)), OM_BAD_PARAMS);
	expect_value(1);
}
END_TEST

START_TEST(test_semaphore_op_table)
{
	static const char *const writes[] = {"acquire", "release", NULL};
	ck_assert_uint_eq(semaphore_type.nops, 3);
	th_check_table(&semaphore_type, writes);
	th_check_grows(&semaphore_type, (const char *const[]){NULL});
	for (size_t i = 0; i < semaphore_type.nops; i++) {
		const op_def *op = &semaphore_type.ops[i];
		ck_assert_int_eq((op->flags & OP_BLOCKING) != 0, strcmp(op->name, "acquire") == 0);
	}
	ck_assert_ptr_nonnull(type_find_op(&semaphore_type, "value", 5));
	ck_assert_ptr_nonnull(semaphore_type.release);
	ck_assert_ptr_eq(type_find("semaphore", 9), &semaphore_type);
}
END_TEST

#define OOM(...) th_do_oom(&semaphore_type, sem, "s", "value", __VA_ARGS__, TH_END)

/* Each owner's first permit is recorded against it: out of memory, it takes no permit (types-helper.h). */
START_TEST(test_semaphore_acquire_out_of_memory_takes_no_permit)
{
	use(sem_new(10, false));
	for (uint64_t owner = 1; owner <= 5; owner++) {
		th_owner = owner;
		ck_assert_int_eq(OOM("acquire"), OM_OK);
		th_expect(om_bool(true));
		/* the holders' table: made for the 1st owner, doubled for the 5th */
		ck_assert_uint_eq(th_oom_failures, owner == 1 || owner == 5);
	}
	ck_assert_int_eq(OOM("acquire"), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 0);
	expect_value(4);
	/* Each owner holds exactly what it took: closing gives that back. */
	semaphore_type.release(sem, 5);
	expect_value(6);
	semaphore_type.release(sem, 1);
	expect_value(7);
}
END_TEST

START_TEST(test_semaphore_create_out_of_memory_answers_limit)
{
	th_create_oom(&semaphore_type, NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("semaphore");
	TCase *tc = tcase_create("semaphore");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_semaphore_starts_with_one_permit);
	tcase_add_test(tc, test_semaphore_acquire_takes_a_permit);
	tcase_add_test(tc, test_semaphore_acquire_without_permit_waits_and_changes_nothing);
	tcase_add_test(tc, test_semaphore_parked_acquire_completes_after_release);
	tcase_add_test(tc, test_semaphore_first_waiter_rerun_takes_the_permit);
	tcase_add_test(tc, test_semaphore_timed_out_acquire_answers_false);
	tcase_add_test(tc, test_semaphore_timed_out_acquire_takes_a_permit_freed_meanwhile);
	tcase_add_test(tc, test_semaphore_unbounded_release_adds_a_permit);
	tcase_add_test(tc, test_semaphore_bounded_over_release_is_value_error);
	tcase_add_test(tc, test_semaphore_release_past_int64_is_value_error);
	tcase_add_test(tc, test_semaphore_zero_value_waits_from_the_start);
	tcase_add_test(tc, test_semaphore_closed_connection_gives_its_permits_back);
	tcase_add_test(tc, test_semaphore_release_by_holder_settles_its_own_permit);
	tcase_add_test(tc, test_semaphore_release_by_a_non_holder_settles_the_holders_permit);
	tcase_add_test(tc, test_semaphore_release_by_a_non_holder_settles_the_longest_holder_first);
	tcase_add_test(tc, test_semaphore_handed_off_permits_never_multiply);
	tcase_add_test(tc, test_semaphore_release_with_no_holder_adds_a_permit);
	tcase_add_test(tc, test_semaphore_closed_holder_of_bounded_never_passes_initial_value);
	tcase_add_test(tc, test_semaphore_closed_holder_wakes_a_waiter);
	tcase_add_test(tc, test_semaphore_unowned_close_gives_nothing_back);
	tcase_add_test(tc, test_semaphore_create_options);
	tcase_add_test(tc, test_semaphore_create_rejects_bad_options);
	tcase_add_test(tc, test_semaphore_options_answer_those_not_default);
	tcase_add_test(tc, test_semaphore_params_are_checked);
	tcase_add_test(tc, test_semaphore_op_table);
	tcase_add_test(tc, test_semaphore_acquire_out_of_memory_takes_no_permit);
	tcase_add_test(tc, test_semaphore_create_out_of_memory_answers_limit);
	suite_add_tcase(s, tc);
	return check_main(s);
}
