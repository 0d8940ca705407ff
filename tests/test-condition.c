/*
 * test-condition.c — the condition type via its op table: its lock, wait in
 * its stages (release, notified, lock taken again), notify order, timeouts,
 * closed connections, and a condition over a named lock.
 */
#include <check.h>

#include "check-main.h"
#include "lock.h"
#include "mem.h"
#include "types-helper.h"

static void *cond;
static void *named;  /* the lock called "m" */
static int opens;    /* calls of test_open() */

#define C(...) th_do(&condition_type, cond, "cv", __VA_ARGS__, TH_END)
#define C_AS(owner, ...) (th_owner = (owner), C(__VA_ARGS__))
#define PARK(p, owner, ...) th_park(p, &condition_type, cond, "cv", owner, __VA_ARGS__, TH_END)

/* The server's c->open, with one lock "m" and a dict "d". */
static void *test_open(void *ctx, const char *name, const type_def *t, op_call *c)
{
	ck_assert_ptr_eq(ctx, &named);
	ck_assert_ptr_eq(t, &lock_type);
	opens++;
	if (strcmp(name, "m") == 0)
		return named;
	op_fail(c, OM_WRONG_TYPE, "\"%s\" is a dict, not a lock", name);
	return NULL;
}

static void *cond_new(const om_value *options)
{
	op_call c = {0};
	void *obj = condition_type.create(options, &c);
	ck_assert_ptr_nonnull(obj);
	ck_assert_int_eq(c.code, OM_OK);
	return obj;
}

/* Makes cond a condition over the lock called name. */
static void use_lock_named(const char *name)
{
	om_value pairs[] = {om_str("lock"), om_str(name)};
	om_value opts = om_map(pairs, 1);
	condition_type.destroy(cond);
	cond = cond_new(&opts);
}

static void expect_not_owner(int rc, const char *message)
{
	ck_assert_int_eq(rc, OM_NOT_OWNER);
	ck_assert_str_eq(th_message(), message);
}

/* owner takes the lock of cond at once. */
static void take(uint64_t owner)
{
	ck_assert_int_eq(C_AS(owner, "acquire"), OM_OK);
	th_expect(om_bool(true));
}

/* owner, holding the lock, begins to wait on cond in *p. */
static void begin_wait(th_parked *p, uint64_t owner)
{
	take(owner);
	ck_assert_int_eq(PARK(p, owner, "wait"), OP_WAIT);
}

static void expect_answer(th_parked *p, int rc, bool want)
{
	ck_assert_int_eq(rc, OM_OK);
	th_expect_parked(p, om_bool(want));
}

static void setup(void)
{
	op_call c = {0};
	th_owner = 1;
	th_open = test_open;
	th_open_ctx = &named;
	opens = 0;
	cond = cond_new(NULL);
	named = lock_type.create(NULL, &c);
	ck_assert_ptr_nonnull(named);
}

static void teardown(void)
{
	th_reset();
	condition_type.destroy(cond);
	lock_type.destroy(named);
}

START_TEST(test_condition_acquire_and_release_its_lock)
{
	take(1);
	ck_assert_int_eq(C_AS(1, "release"), OM_OK);
	th_expect(om_nil());
	expect_not_owner(C_AS(1, "release"), "condition 'cv': release without holding the lock");
	take(2);
	expect_not_owner(C_AS(1, "release"), "condition 'cv': release without holding the lock");
	ck_assert_uint_eq(condition_type.len(cond), 1);
	ck_assert_int_eq(opens, 0);
}
END_TEST

START_TEST(test_condition_acquire_waits_while_another_holds_the_lock)
{
	th_parked p;
	take(1);
	ck_assert_int_eq(PARK(&p, 2, "acquire"), OP_WAIT);
	ck_assert_int_eq(th_rerun(&p), OP_WAIT);
	C_AS(1, "release");
	expect_answer(&p, th_rerun(&p), true);
	expect_not_owner(C_AS(1, "release"), "condition 'cv': release without holding the lock");
	ck_assert_int_eq(C_AS(2, "release"), OM_OK);
	th_unpark(&p);
}
END_TEST

START_TEST(test_condition_acquire_timed_out_answers_false)
{
	th_parked p;
	take(1);
	PARK(&p, 2, "acquire", om_float(0.1));
	expect_answer(&p, th_expire(&p), false);
	expect_not_owner(C_AS(2, "release"), "condition 'cv': release without holding the lock");
	th_unpark(&p);
}
END_TEST

START_TEST(test_condition_wait_without_the_lock_is_not_owner)
{
	expect_not_owner(C_AS(1, "wait"), "condition 'cv': wait without holding the lock");
	take(2);
	expect_not_owner(C_AS(1, "wait", om_int(0)), "condition 'cv': wait without holding the lock");
	ck_assert_int_eq(C_AS(2, "release"), OM_OK);
}
END_TEST

START_TEST(test_condition_wait_releases_the_lock_until_notified)
{
	th_parked w;
	begin_wait(&w, 1);
	take(2); /* the lock is free while 1 waits */
	ck_assert_int_eq(th_rerun(&w), OP_WAIT);
	ck_assert_int_eq(C_AS(2, "notify"), OM_OK);
	th_expect(om_nil());
	ck_assert_int_eq(th_rerun(&w), OP_WAIT); /* notified, but 2 holds the lock */
	ck_assert_int_eq(th_rerun(&w), OP_WAIT);
	C_AS(2, "release");
	expect_answer(&w, th_rerun(&w), true);
	/* 1 holds the lock again. */
	expect_not_owner(C_AS(2, "release"), "condition 'cv': release without holding the lock");
	ck_assert_int_eq(C_AS(1, "release"), OM_OK);
	th_unpark(&w);
}
END_TEST

/* A wait that cannot record its waiter answers limit before it releases the lock. */
START_TEST(test_condition_wait_out_of_memory_answers_limit_and_keeps_the_lock)
{
	th_parked w;
	take(1);
	mem_fail_nth(1);
	ck_assert_int_eq(C_AS(1, "wait"), OM_LIMIT);
	ck_assert_str_eq(th_message(), "out of memory");
	ck_assert_int_eq(C_AS(2, "acquire"), OP_WAIT); /* 1 holds it still */
	ck_assert_int_eq(PARK(&w, 1, "wait"), OP_WAIT); /* and may wait, with memory */
	take(2);
	th_unpark(&w);
}
END_TEST

/* A notify says how many waiters it woke (c->wake): those the server runs, and no others. */
START_TEST(test_condition_notify_wakes_as_many_as_it_marks)
{
	th_parked w1, w2;
	begin_wait(&w1, 1);
	begin_wait(&w2, 2);
	take(3);
	ck_assert_int_eq(C_AS(3, "notify"), OM_OK);
	ck_assert_uint_eq(th_call.wake, 1);
	ck_assert_int_eq(C_AS(3, "notify", om_int(5)), OM_OK);
	ck_assert_uint_eq(th_call.wake, 1);
	ck_assert_int_eq(C_AS(3, "notify_all"), OM_OK);
	ck_assert_uint_eq(th_call.wake, 0);
	ck_assert_int_eq(th_rerun(&w1), OP_WAIT);
	ck_assert(!w1.c.sleep); /* woken, waiting for the lock */
	C_AS(3, "release");
	expect_answer(&w1, th_rerun(&w1), true);
	th_unpark(&w1);
	th_unpark(&w2);
}
END_TEST

/* A waiter not notified sleeps: it tells the server that no change can let it through. */
START_TEST(test_condition_waiter_not_notified_sleeps)
{
	th_parked w;
	take(1);
	ck_assert_int_eq(PARK(&w, 1, "wait"), OP_WAIT);
	ck_assert(w.c.sleep);
	ck_assert_int_eq(th_rerun(&w), OP_WAIT);
	ck_assert(w.c.sleep);
	ck_assert_int_eq(th_expire(&w), OM_OK);
	th_expect_parked(&w, om_bool(false));
	th_unpark(&w);
}
END_TEST

START_TEST(test_condition_notify_wakes_waiters_in_order)
{
	th_parked w1, w2, w3;
	begin_wait(&w1, 1);
	begin_wait(&w2, 2);
	begin_wait(&w3, 3);
	take(4);
	ck_assert_int_eq(C_AS(4, "notify", om_int(2)), OM_OK);
	C_AS(4, "release");
	ck_assert_int_eq(th_rerun(&w3), OP_WAIT); /* not notified, lock free or not */
	expect_answer(&w1, th_rerun(&w1), true);
	ck_assert_int_eq(th_rerun(&w2), OP_WAIT); /* notified; 1 holds the lock */
	C_AS(1, "release");
	expect_answer(&w2, th_rerun(&w2), true);
	C_AS(2, "notify");
	C_AS(2, "release");
	expect_answer(&w3, th_rerun(&w3), true);
	th_unpark(&w1);
	th_unpark(&w2);
	th_unpark(&w3);
}
END_TEST

START_TEST(test_condition_notify_skips_waiters_already_notified)
{
	th_parked w1, w2;
	begin_wait(&w1, 1);
	begin_wait(&w2, 2);
	take(3);
	C_AS(3, "notify");
	C_AS(3, "notify", om_int(1)); /* w1 has not run yet: this one is w2's */
	C_AS(3, "release");
	expect_answer(&w2, th_rerun(&w2), true);
	C_AS(2, "release");
	expect_answer(&w1, th_rerun(&w1), true);
	th_unpark(&w1);
	th_unpark(&w2);
}
END_TEST

START_TEST(test_condition_notify_all_wakes_every_waiter)
{
	th_parked w1, w2;
	begin_wait(&w1, 1);
	begin_wait(&w2, 2);
	take(3);
	ck_assert_int_eq(C_AS(3, "notify_all"), OM_OK);
	th_expect(om_nil());
	C_AS(3, "release");
	expect_answer(&w2, th_rerun(&w2), true);
	ck_assert_int_eq(th_rerun(&w1), OP_WAIT);
	C_AS(2, "release");
	expect_answer(&w1, th_rerun(&w1), true);
	th_unpark(&w1);
	th_unpark(&w2);
}
END_TEST

START_TEST(test_condition_notify_counts)
{
	th_parked w1, w2;
	begin_wait(&w1, 1);
	begin_wait(&w2, 2);
	take(3);
	ck_assert_int_eq(C_AS(3, "notify", om_int(0)), OM_OK);
	ck_assert_int_eq(C_AS(3, "notify", om_int(-1)), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(), "condition.notify: parameter 'count' must not be negative");
	C_AS(3, "release");
	ck_assert_int_eq(th_rerun(&w1), OP_WAIT);
	ck_assert_int_eq(th_rerun(&w2), OP_WAIT);
	take(3);
	ck_assert_int_eq(C_AS(3, "notify", om_uint(UINT64_MAX)), OM_OK);
	C_AS(3, "release");
	expect_answer(&w1, th_rerun(&w1), true);
	C_AS(1, "release");
	expect_answer(&w2, th_rerun(&w2), true);
	th_unpark(&w1);
	th_unpark(&w2);
}
END_TEST

START_TEST(test_condition_notify_with_no_waiters_does_nothing)
{
	th_parked w;
	take(1);
	ck_assert_int_eq(C_AS(1, "notify", om_int(5)), OM_OK);
	ck_assert_int_eq(C_AS(1, "notify_all"), OM_OK);
	C_AS(1, "release");
	begin_wait(&w, 1);
	ck_assert_int_eq(th_rerun(&w), OP_WAIT); /* an earlier notify is not kept */
	th_unpark(&w);
}
END_TEST

START_TEST(test_condition_notify_without_the_lock_is_not_owner)
{
	th_parked w;
	begin_wait(&w, 1);
	expect_not_owner(C_AS(2, "notify"), "condition 'cv': notify without holding the lock");
	expect_not_owner(C_AS(2, "notify_all"), "condition 'cv': notify_all without holding the lock");
	take(3);
	expect_not_owner(C_AS(2, "notify", om_int(1)), "condition 'cv': notify without holding the lock");
	C_AS(3, "release");
	ck_assert_int_eq(th_rerun(&w), OP_WAIT);
	th_unpark(&w);
}
END_TEST

START_TEST(test_condition_wait_timed_out_takes_the_lock_and_answers_false)
{
	th_parked w;
	begin_wait(&w, 1);
	expect_answer(&w, th_expire(&w), false);
	ck_assert_int_eq(C_AS(1, "release"), OM_OK);
	th_unpark(&w);
	/* Timeout 0: the server runs it again at once, timed out. */
	take(1);
	ck_assert_int_eq(PARK(&w, 1, "wait", om_int(0)), OP_WAIT);
	expect_answer(&w, th_expire(&w), false);
	ck_assert_int_eq(C_AS(1, "release"), OM_OK);
	th_unpark(&w);
}
END_TEST

START_TEST(test_condition_wait_timed_out_waits_for_the_lock_without_timeout)
{
	th_parked w1, w2;
	begin_wait(&w1, 1);
	begin_wait(&w2, 2);
	take(3);
	ck_assert_int_eq(th_expire(&w1), OP_WAIT); /* no longer waiting for notify; 3 holds the lock */
	ck_assert(!w1.c.timed_out);
	ck_assert_int_eq(th_rerun(&w1), OP_WAIT);
	C_AS(3, "notify"); /* w1 timed out: w2 gets it */
	C_AS(3, "release");
	expect_answer(&w1, th_rerun(&w1), false);
	ck_assert_int_eq(th_rerun(&w2), OP_WAIT);
	C_AS(1, "release");
	expect_answer(&w2, th_rerun(&w2), true);
	th_unpark(&w1);
	th_unpark(&w2);
}
END_TEST

START_TEST(test_condition_wait_notified_before_its_timeout_answers_true)
{
	th_parked w;
	begin_wait(&w, 1);
	take(2);
	C_AS(2, "notify");
	C_AS(2, "release");
	expect_answer(&w, th_expire(&w), true);
	th_unpark(&w);
}
END_TEST

START_TEST(test_condition_closed_waiter_is_dropped)
{
	th_parked w1, w2;
	begin_wait(&w1, 1);
	begin_wait(&w2, 2);
	condition_type.release(cond, 1); /* its parked call is dropped with it */
	th_unpark(&w1);
	take(3);
	C_AS(3, "notify");
	C_AS(3, "release");
	expect_answer(&w2, th_rerun(&w2), true);
	th_unpark(&w2);
}
END_TEST

START_TEST(test_condition_closed_holder_gives_the_lock_up)
{
	th_parked p;
	take(1);
	PARK(&p, 2, "acquire");
	condition_type.release(cond, 3); /* holds nothing */
	ck_assert_int_eq(th_rerun(&p), OP_WAIT);
	condition_type.release(cond, 1);
	expect_answer(&p, th_rerun(&p), true);
	th_unpark(&p);
}
END_TEST

START_TEST(test_condition_closed_holder_lets_a_notified_waiter_go_on)
{
	th_parked w;
	begin_wait(&w, 1);
	take(2);
	C_AS(2, "notify");
	ck_assert_int_eq(th_rerun(&w), OP_WAIT);
	condition_type.release(cond, 2);
	expect_answer(&w, th_rerun(&w), true);
	th_unpark(&w);
}
END_TEST

START_TEST(test_condition_over_a_named_lock)
{
	th_parked w;
	use_lock_named("m");
	take(1);
	ck_assert(lock_held_by(named, 1));
	ck_assert_int_eq(PARK(&w, 1, "wait"), OP_WAIT);
	ck_assert(!lock_held_by(named, 1));
	ck_assert(lock_try_acquire(named, 2)); /* lock.acquire by 2, on the lock itself */
	C_AS(2, "notify");
	ck_assert_int_eq(th_rerun(&w), OP_WAIT);
	ck_assert(lock_release(named, 2));
	expect_answer(&w, th_rerun(&w), true);
	ck_assert(lock_held_by(named, 1));
	ck_assert_int_eq(C_AS(1, "release"), OM_OK);
	ck_assert(!lock_held_by(named, 1));
	ck_assert_int_gt(opens, 0);
	th_unpark(&w);
}
END_TEST

START_TEST(test_condition_over_a_named_lock_leaves_it_to_the_lock_on_close)
{
	use_lock_named("m");
	take(1);
	condition_type.release(cond, 1);
	ck_assert(lock_held_by(named, 1)); /* lock_type.release frees it */
	lock_type.release(named, 1);
	take(2);
}
END_TEST

START_TEST(test_condition_over_a_name_of_another_type_is_wrong_type)
{
	use_lock_named("d");
	ck_assert_int_eq(C("acquire"), OM_WRONG_TYPE);
	ck_assert_str_eq(th_message(), "\"d\" is a dict, not a lock");
	ck_assert_int_eq(C("wait"), OM_WRONG_TYPE);
	ck_assert_int_eq(C("notify"), OM_WRONG_TYPE);
	ck_assert_int_eq(C("release"), OM_WRONG_TYPE);
}
END_TEST

static void expect_bad_options(om_value opts, const char *message)
{
	op_call c = {0};
	ck_assert_ptr_null(condition_type.create(&opts, &c));
	ck_assert_int_eq(c.code, OM_BAD_PARAMS);
	ck_assert_str_eq(c.message, message);
}

START_TEST(test_condition_create_options)
{
	const char *name = "condition: option 'lock' must be a lock's name: 1 to 1024 bytes without NUL";
	char longname[1026];
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	om_value num[] = {om_str("lock"), om_int(1)};
	om_value empty[] = {om_str("lock"), om_str("")};
	om_value nul[] = {om_str("lock"), om_strn("a\0b", 3)};
	om_value toolong[] = {om_str("lock"), om_str(longname)};
	om_value unk[] = {om_str("rlock"), om_str("m")};
	expect_bad_options(om_map(num, 1), name);
	expect_bad_options(om_map(empty, 1), name);
	expect_bad_options(om_map(nul, 1), name);
	expect_bad_options(om_map(toolong, 1), name);
	expect_bad_options(om_map(unk, 1), "condition: unknown option 'rlock'");
	expect_bad_options(om_str("m"), "condition: options must be a map, got str");
	longname[1024] = '\0';
	use_lock_named(longname);
	om_value none = om_map(NULL, 0);
	condition_type.destroy(cond_new(&none));
}
END_TEST

START_TEST(test_condition_options_answer_the_lock_it_names)
{
	om_value pairs[] = {om_str("lock"), om_str("jobs-lock")};
	om_value opts = om_map(pairs, 1);
	th_expect_options(&condition_type, NULL, om_map(NULL, 0));
	th_expect_options(&condition_type, &opts, om_map(pairs, 1));
	ck_assert_uint_eq(th_options_each_failure(&condition_type, &opts), 3); /* map, name, key */
}
END_TEST

START_TEST(test_condition_params_are_checked)
{
	ck_assert_int_eq(C("wait", om_str("1")), OM_BAD_PARAMS);
	ck_assert_int_eq(C("acquire", om_int(-3)), OM_BAD_PARAMS);
	ck_assert_int_eq(C("notify", om_float(1.0)), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(), "condition.notify: parameter 'count' must be an integer, got float");
	ck_assert_int_eq(C("notify_all", om_int(1)), OM_BAD_PARAMS);
	take(1);
}
END_TEST

START_TEST(test_condition_op_table)
{
	static const char *const writes[] = {"acquire", "release", "wait", "notify", "notify_all",
					     NULL};
	ck_assert_uint_eq(condition_type.nops, 5);
	th_check_table(&condition_type, writes);
	th_check_grows(&condition_type, (const char *const[]){NULL});
	for (size_t i = 0; i < condition_type.nops; i++) {
		const op_def *op = &condition_type.ops[i];
		bool blocking = strcmp(op->name, "acquire") == 0 || strcmp(op->name, "wait") == 0;
		ck_assert_int_eq((op->flags & OP_BLOCKING) != 0, blocking);
	}
	ck_assert_ptr_nonnull(condition_type.release);
	ck_assert_ptr_eq(type_find("condition", 9), &condition_type);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("condition");
	TCase *tc = tcase_create("condition");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_condition_acquire_and_release_its_lock);
	tcase_add_test(tc, test_condition_wait_out_of_memory_answers_limit_and_keeps_the_lock);
	tcase_add_test(tc, test_condition_notify_wakes_as_many_as_it_marks);
	tcase_add_test(tc, test_condition_waiter_not_notified_sleeps);
	tcase_add_test(tc, test_condition_acquire_waits_while_another_holds_the_lock);
	tcase_add_test(tc, test_condition_acquire_timed_out_answers_false);
	tcase_add_test(tc, test_condition_wait_without_the_lock_is_not_owner);
	tcase_add_test(tc, test_condition_wait_releases_the_lock_until_notified);
	tcase_add_test(tc, test_condition_notify_wakes_waiters_in_order);
	tcase_add_test(tc, test_condition_notify_skips_waiters_already_notified);
	tcase_add_test(tc, test_condition_notify_all_wakes_every_waiter);
	tcase_add_test(tc, test_condition_notify_counts);
	tcase_add_test(tc, test_condition_notify_with_no_waiters_does_nothing);
	tcase_add_test(tc, test_condition_notify_without_the_lock_is_not_owner);
	tcase_add_test(tc, test_condition_wait_timed_out_takes_the_lock_and_answers_false);
	tcase_add_test(tc, test_condition_wait_timed_out_waits_for_the_lock_without_timeout);
	tcase_add_test(tc, test_condition_wait_notified_before_its_timeout_answers_true);
	tcase_add_test(tc, test_condition_closed_waiter_is_dropped);
	tcase_add_test(tc, test_condition_closed_holder_gives_the_lock_up);
	tcase_add_test(tc, test_condition_closed_holder_lets_a_notified_waiter_go_on);
	tcase_add_test(tc, test_condition_over_a_named_lock);
	tcase_add_test(tc, test_condition_over_a_named_lock_leaves_it_to_the_lock_on_close);
	tcase_add_test(tc, test_condition_over_a_name_of_another_type_is_wrong_type);
	tcase_add_test(tc, test_condition_create_options);
	tcase_add_test(tc, test_condition_options_answer_the_lock_it_names);
	tcase_add_test(tc, test_condition_params_are_checked);
	tcase_add_test(tc, test_condition_op_table);
	suite_add_tcase(s, tc);
	return check_main(s);
}
