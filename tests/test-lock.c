/*
 * test-lock.c — the lock and rlock types' state machines through their op
 * tables: ownership by connection, waiting acquires, re-entrance, what a
 * closed connection gives up, and the lock.h functions a condition uses.
 */
#include <check.h>

#include "check-main.h"
#include "lock.h"
#include "types-helper.h"

enum { ALICE = 1, BOB = 2, CAROL = 3 };

static void *mutex, *rmutex;

/* Runs op on the lock (L) or the rlock (R) as connection who. */
#define L(who, ...) (th_owner = (who), th_do(&lock_type, mutex, "m", __VA_ARGS__, TH_END))
#define R(who, ...) (th_owner = (who), th_do(&rlock_type, rmutex, "r", __VA_ARGS__, TH_END))
/* The same, kept across runs in *p: see th_park(). */
#define PARK_L(p, who, ...) th_park((p), &lock_type, mutex, "m", (who), __VA_ARGS__, TH_END)
#define PARK_R(p, who, ...) th_park((p), &rlock_type, rmutex, "r", (who), __VA_ARGS__, TH_END)

static void setup(void)
{
	op_call c = {0};
	mutex = lock_type.create(NULL, &c);
	rmutex = rlock_type.create(NULL, &c);
	ck_assert_ptr_nonnull(mutex);
	ck_assert_ptr_nonnull(rmutex);
}

static void teardown(void)
{
	th_reset();
	th_owner = 1;
	lock_type.destroy(mutex);
	rlock_type.destroy(rmutex);
}

START_TEST(test_lock_acquire_of_a_free_lock_is_true_and_locks_it)
{
	ck_assert_int_eq(L(ALICE, "locked"), OM_OK);
	th_expect(om_bool(false));
	ck_assert_int_eq(L(ALICE, "acquire"), OM_OK);
	th_expect(om_bool(true));
	L(BOB, "locked");
	th_expect(om_bool(true));
	ck_assert_int_eq(L(ALICE, "release"), OM_OK);
	th_expect(om_nil());
	L(ALICE, "locked");
	th_expect(om_bool(false));
}
END_TEST

START_TEST(test_lock_acquire_of_a_held_lock_waits_until_released)
{
	L(ALICE, "acquire");
	th_parked bob;
	ck_assert_int_eq(PARK_L(&bob, BOB, "acquire"), OP_WAIT);
	ck_assert_int_eq(th_rerun(&bob), OP_WAIT);
	L(ALICE, "release");
	ck_assert_int_eq(th_rerun(&bob), OM_OK);
	th_expect_parked(&bob, om_bool(true));
	ck_assert_int_eq(L(ALICE, "release"), OM_NOT_OWNER);
	ck_assert_int_eq(L(BOB, "release"), OM_OK);
	th_unpark(&bob);
}
END_TEST

START_TEST(test_lock_acquire_whose_timeout_expires_is_false_and_changes_nothing)
{
	L(ALICE, "acquire");
	th_parked bob;
	ck_assert_int_eq(PARK_L(&bob, BOB, "acquire", om_float(0.2)), OP_WAIT);
	ck_assert_int_eq(th_expire(&bob), OM_OK);
	th_expect_parked(&bob, om_bool(false));
	ck_assert_int_eq(L(BOB, "release"), OM_NOT_OWNER);
	ck_assert_int_eq(L(ALICE, "release"), OM_OK);
	th_unpark(&bob);
}
END_TEST

START_TEST(test_lock_is_not_reentrant_its_holder_waits_too)
{
	L(ALICE, "acquire");
	ck_assert_int_eq(L(ALICE, "acquire", om_int(0)), OP_WAIT);
	th_parked again;
	ck_assert_int_eq(PARK_L(&again, ALICE, "acquire", om_int(0)), OP_WAIT);
	ck_assert_int_eq(th_expire(&again), OM_OK);
	th_expect_parked(&again, om_bool(false));
	th_unpark(&again);
}
END_TEST

START_TEST(test_lock_release_by_another_connection_is_not_owner)
{
	ck_assert_int_eq(L(ALICE, "release"), OM_NOT_OWNER);
	ck_assert_str_eq(th_message(), "lock 'm' is not held");
	L(ALICE, "acquire");
	ck_assert_int_eq(L(BOB, "release"), OM_NOT_OWNER);
	ck_assert_str_eq(th_message(), "lock 'm' is held by another connection");
	L(BOB, "locked");
	th_expect(om_bool(true));
}
END_TEST

START_TEST(test_lock_closed_connection_gives_its_lock_back)
{
	L(ALICE, "acquire");
	lock_type.release(mutex, BOB);
	L(CAROL, "locked");
	th_expect(om_bool(true));
	lock_type.release(mutex, ALICE);
	L(CAROL, "locked");
	th_expect(om_bool(false));
	ck_assert_int_eq(L(CAROL, "acquire"), OM_OK);
	th_expect(om_bool(true));
}
END_TEST

START_TEST(test_rlock_holder_acquires_again_and_releases_as_many_times)
{
	ck_assert_int_eq(R(ALICE, "acquire"), OM_OK);
	th_expect(om_bool(true));
	ck_assert_int_eq(R(ALICE, "acquire"), OM_OK);
	th_expect(om_bool(true));
	ck_assert_int_eq(R(ALICE, "acquire", om_int(0)), OM_OK);
	ck_assert_int_eq(R(BOB, "acquire", om_int(0)), OP_WAIT);
	R(ALICE, "release");
	R(ALICE, "release");
	R(BOB, "locked");
	th_expect(om_bool(true));
	ck_assert_int_eq(R(ALICE, "release"), OM_OK);
	R(BOB, "locked");
	th_expect(om_bool(false));
	ck_assert_int_eq(R(ALICE, "release"), OM_NOT_OWNER);
	ck_assert_str_eq(th_message(), "rlock 'r' is not held");
}
END_TEST

START_TEST(test_rlock_waiter_gets_it_once_fully_released)
{
	R(ALICE, "acquire");
	R(ALICE, "acquire");
	th_parked bob;
	ck_assert_int_eq(PARK_R(&bob, BOB, "acquire"), OP_WAIT);
	R(ALICE, "release");
	ck_assert_int_eq(th_rerun(&bob), OP_WAIT);
	R(ALICE, "release");
	ck_assert_int_eq(th_rerun(&bob), OM_OK);
	th_expect_parked(&bob, om_bool(true));
	ck_assert_int_eq(R(ALICE, "release"), OM_NOT_OWNER);
	ck_assert_str_eq(th_message(), "rlock 'r' is held by another connection");
	th_unpark(&bob);
}
END_TEST

START_TEST(test_rlock_closed_connection_gives_back_every_acquire)
{
	for (int i = 0; i < 5; i++)
		R(ALICE, "acquire");
	rlock_type.release(rmutex, ALICE);
	R(BOB, "locked");
	th_expect(om_bool(false));
	ck_assert_int_eq(R(BOB, "acquire"), OM_OK);
	ck_assert_int_eq(R(BOB, "release"), OM_OK);
	R(BOB, "locked");
	th_expect(om_bool(false));
}
END_TEST

START_TEST(test_lock_functions_for_a_condition)
{
	ck_assert(!lock_held_by(mutex, ALICE));
	ck_assert(lock_try_acquire(mutex, ALICE));
	ck_assert(lock_held_by(mutex, ALICE));
	ck_assert(!lock_held_by(mutex, BOB));
	ck_assert(!lock_try_acquire(mutex, BOB));
	ck_assert(!lock_try_acquire(mutex, ALICE));
	ck_assert(!lock_release(mutex, BOB));
	ck_assert(lock_release(mutex, ALICE));
	ck_assert(!lock_release(mutex, ALICE));
	ck_assert(!lock_held_by(mutex, ALICE));
	ck_assert(lock_try_acquire(mutex, BOB));
}
END_TEST

/* The lock is replaced by one made with {"owned": owned}. */
static void use_owned(bool owned)
{
	op_call c = {0};
	om_value opts[] = {om_str("owned"), om_bool(owned)};
	om_value map = om_map(opts, 1);
	lock_type.destroy(mutex);
	mutex = lock_type.create(&map, &c);
	ck_assert_ptr_nonnull(mutex);
}

START_TEST(test_lock_unowned_is_released_by_any_connection)
{
	use_owned(false);
	ck_assert_int_eq(L(ALICE, "release"), OM_NOT_OWNER);
	ck_assert_str_eq(th_message(), "lock 'm' is not held");
	L(ALICE, "acquire");
	ck_assert_int_eq(L(BOB, "release"), OM_OK);
	th_expect(om_nil());
	L(ALICE, "locked");
	th_expect(om_bool(false));
	ck_assert_int_eq(L(BOB, "release"), OM_NOT_OWNER);
	ck_assert_str_eq(th_message(), "lock 'm' is not held");
}
END_TEST

START_TEST(test_lock_unowned_stays_held_when_its_holder_closes)
{
	use_owned(false);
	L(ALICE, "acquire");
	lock_type.release(mutex, ALICE);
	L(BOB, "locked");
	th_expect(om_bool(true));
	th_parked bob;
	ck_assert_int_eq(PARK_L(&bob, BOB, "acquire"), OP_WAIT);
	L(CAROL, "release");
	ck_assert_int_eq(th_rerun(&bob), OM_OK);
	th_expect_parked(&bob, om_bool(true));
	th_unpark(&bob);
}
END_TEST

START_TEST(test_lock_owned_true_is_the_default)
{
	use_owned(true);
	L(ALICE, "acquire");
	ck_assert_int_eq(L(BOB, "release"), OM_NOT_OWNER);
	lock_type.release(mutex, ALICE);
	L(BOB, "locked");
	th_expect(om_bool(false));
}
END_TEST

START_TEST(test_lock_unowned_counts_as_held_by_anyone_for_a_condition)
{
	use_owned(false);
	ck_assert(!lock_held_by(mutex, ALICE));
	ck_assert(lock_try_acquire(mutex, ALICE));
	ck_assert(lock_held_by(mutex, BOB));
	ck_assert(lock_release(mutex, BOB));
	ck_assert(!lock_release(mutex, BOB));
}
END_TEST

START_TEST(test_lock_create_takes_no_options_but_owned)
{
	op_call c = {0};
	om_value opts[] = {om_str("fair"), om_bool(true)};
	om_value map = om_map(opts, 1);
	ck_assert_ptr_null(lock_type.create(&map, &c));
	ck_assert_int_eq(c.code, OM_BAD_PARAMS);
	ck_assert_str_eq(c.message, "lock: unknown option 'fair'");
	memset(&c, 0, sizeof c);
	ck_assert_ptr_null(rlock_type.create(&map, &c));
	ck_assert_str_eq(c.message, "rlock: unknown option 'fair'");
	om_value owned[] = {om_str("owned"), om_int(0)};
	map = om_map(owned, 1);
	memset(&c, 0, sizeof c);
	ck_assert_ptr_null(lock_type.create(&map, &c));
	ck_assert_int_eq(c.code, OM_BAD_PARAMS);
	ck_assert_str_eq(c.message, "lock: option 'owned' must be a boolean");
	memset(&c, 0, sizeof c);
	ck_assert_ptr_null(rlock_type.create(&map, &c));
	ck_assert_str_eq(c.message, "rlock: unknown option 'owned'");
}
END_TEST

START_TEST(test_lock_options_answer_owned_false_only)
{
	om_value pairs[] = {om_str("owned"), om_bool(true)};
	om_value opts = om_map(pairs, 1);
	th_expect_options(&lock_type, NULL, om_map(NULL, 0));
	th_expect_options(&lock_type, &opts, om_map(NULL, 0));
	pairs[1] = om_bool(false);
	th_expect_options(&lock_type, &opts, om_map(pairs, 1));
	ck_assert_uint_eq(th_options_each_failure(&lock_type, &opts), 2);
	ck_assert_ptr_null(rlock_type.options); /* an rlock takes none */
}
END_TEST

START_TEST(test_lock_params_are_checked)
{
	ck_assert_int_eq(L(ALICE, "acquire", om_float(-0.5)), OM_BAD_PARAMS);
	ck_assert_int_eq(L(ALICE, "release", om_int(1)), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(), "lock.release: takes at most 0 parameters after the object name, got 1");
	L(ALICE, "locked");
	th_expect(om_bool(false));
}
END_TEST

START_TEST(test_lock_op_tables)
{
	static const char *const writes[] = {"acquire", "release", NULL};
	th_check_table(&lock_type, writes);
	th_check_table(&rlock_type, writes);
	th_check_grows(&lock_type, (const char *const[]){NULL});
	th_check_grows(&rlock_type, (const char *const[]){NULL});
	ck_assert(th_op(&lock_type, "acquire")->flags & OP_BLOCKING);
	ck_assert(th_op(&rlock_type, "acquire")->flags & OP_BLOCKING);
	ck_assert_ptr_nonnull(lock_type.release);
	ck_assert_ptr_nonnull(rlock_type.release);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lock");
	TCase *tc = tcase_create("lock");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_lock_acquire_of_a_free_lock_is_true_and_locks_it);
	tcase_add_test(tc, test_lock_acquire_of_a_held_lock_waits_until_released);
	tcase_add_test(tc, test_lock_acquire_whose_timeout_expires_is_false_and_changes_nothing);
	tcase_add_test(tc, test_lock_is_not_reentrant_its_holder_waits_too);
	tcase_add_test(tc, test_lock_release_by_another_connection_is_not_owner);
	tcase_add_test(tc, test_lock_closed_connection_gives_its_lock_back);
	tcase_add_test(tc, test_rlock_holder_acquires_again_and_releases_as_many_times);
	tcase_add_test(tc, test_rlock_waiter_gets_it_once_fully_released);
	tcase_add_test(tc, test_rlock_closed_connection_gives_back_every_acquire);
	tcase_add_test(tc, test_lock_functions_for_a_condition);
	tcase_add_test(tc, test_lock_unowned_is_released_by_any_connection);
	tcase_add_test(tc, test_lock_unowned_stays_held_when_its_holder_closes);
	tcase_add_test(tc, test_lock_owned_true_is_the_default);
	tcase_add_test(tc, test_lock_unowned_counts_as_held_by_anyone_for_a_condition);
	tcase_add_test(tc, test_lock_create_takes_no_options_but_owned);
	tcase_add_test(tc, test_lock_options_answer_owned_false_only);
	tcase_add_test(tc, test_lock_params_are_checked);
	tcase_add_test(tc, test_lock_op_tables);
	suite_add_tcase(s, tc);
	return check_main(s);
}
