/* test-barrier.c — the barrier type via its op table: rounds, arrival indices, breaking and reset. */
#include <check.h>

#include "check-main.h"
#include "types-helper.h"

static void *bar; /* 3 parties */

#define B(...) th_do(&barrier_type, bar, "b", __VA_ARGS__, TH_END)
#define B_AS(owner, ...) (th_owner = (owner), B(__VA_ARGS__))
#define PARK(p, owner, ...) th_park(p, &barrier_type, bar, "b", owner, __VA_ARGS__, TH_END)

static void *barrier_new(int64_t parties)
{
	op_call c = {0};
	om_value pairs[] = {om_str("parties"), om_int(parties)};
	om_value opts = om_map(pairs, 1);
	void *b = barrier_type.create(&opts, &c);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(c.code, OM_OK);
	return b;
}

static void expect(const char *op, om_value want)
{
	ck_assert_int_eq(B(op), OM_OK);
	th_expect(want);
}

static void expect_broken(int rc, const char *message)
{
	ck_assert_int_eq(rc, OM_BROKEN);
	ck_assert_str_eq(th_message(), message);
}

/* The parked call *p answered broken with message. */
static void expect_parked_broken(th_parked *p, int rc, const char *message)
{
	ck_assert_int_eq(rc, OM_BROKEN);
	ck_assert_int_eq(p->c.code, OM_BROKEN);
	ck_assert_str_eq(p->c.message, message);
}

static void setup(void)
{
	th_owner = 1;
	bar = barrier_new(3);
}

static void teardown(void)
{
	th_reset();
	barrier_type.destroy(bar);
}

START_TEST(test_barrier_last_arrival_releases_the_round)
{
	th_parked a, b;
	ck_assert_int_eq(PARK(&a, 1, "wait"), OP_WAIT);
	expect("n_waiting", om_int(1));
	ck_assert_int_eq(PARK(&b, 2, "wait", om_nil()), OP_WAIT);
	expect("n_waiting", om_int(2));
	ck_assert_int_eq(th_rerun(&a), OP_WAIT);
	ck_assert_int_eq(B_AS(3, "wait"), OM_OK);
	th_expect(om_int(2));
	expect("n_waiting", om_int(0));
	ck_assert_int_eq(th_rerun(&a), OM_OK);
	th_expect_parked(&a, om_int(0));
	ck_assert_int_eq(th_rerun(&b), OM_OK);
	th_expect_parked(&b, om_int(1));
	expect("broken", om_bool(false));
	th_unpark(&a);
	th_unpark(&b);
}
END_TEST

START_TEST(test_barrier_next_round_starts_at_index_zero)
{
	th_parked a, b, c;
	PARK(&a, 1, "wait");
	PARK(&b, 2, "wait");
	B_AS(3, "wait");
	/* A new round fills before the last one's waiters run again. */
	ck_assert_int_eq(PARK(&c, 3, "wait"), OP_WAIT);
	ck_assert_int_eq(th_rerun(&b), OM_OK);
	th_expect_parked(&b, om_int(1));
	ck_assert_int_eq(th_rerun(&a), OM_OK);
	th_expect_parked(&a, om_int(0));
	ck_assert_int_eq(th_rerun(&c), OP_WAIT);
	expect("n_waiting", om_int(1));
	ck_assert_int_eq(B_AS(1, "wait"), OP_WAIT);
	ck_assert_int_eq(B_AS(2, "wait"), OM_OK);
	th_expect(om_int(2));
	ck_assert_int_eq(th_rerun(&c), OM_OK);
	th_expect_parked(&c, om_int(0));
	th_unpark(&a);
	th_unpark(&b);
	th_unpark(&c);
}
END_TEST

START_TEST(test_barrier_of_one_party_never_waits)
{
	barrier_type.destroy(bar);
	bar = barrier_new(1);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(B("wait", om_int(0)), OM_OK);
		th_expect(om_int(0));
	}
	expect("n_waiting", om_int(0));
}
END_TEST

START_TEST(test_barrier_timeout_breaks_it_for_everyone)
{
	th_parked a, b;
	PARK(&a, 1, "wait", om_float(0.5));
	PARK(&b, 2, "wait");
	expect_parked_broken(&a, th_expire(&a), "barrier 'b' broke: the wait timed out");
	expect("broken", om_bool(true));
	expect("n_waiting", om_int(0));
	expect_parked_broken(&b, th_rerun(&b), "barrier 'b' is broken");
	expect_broken(B_AS(3, "wait"), "barrier 'b' is broken");
	th_unpark(&a);
	th_unpark(&b);
}
END_TEST

START_TEST(test_barrier_timeout_zero_breaks_it_at_once)
{
	th_parked a;
	ck_assert_int_eq(PARK(&a, 1, "wait", om_int(0)), OP_WAIT);
	expect_parked_broken(&a, th_expire(&a), "barrier 'b' broke: the wait timed out");
	expect("broken", om_bool(true));
	th_unpark(&a);
}
END_TEST

START_TEST(test_barrier_timeout_after_the_round_completed_answers_the_index)
{
	th_parked a, b;
	PARK(&a, 1, "wait", om_float(0.5));
	PARK(&b, 2, "wait");
	B_AS(3, "wait");
	ck_assert_int_eq(th_expire(&a), OM_OK);
	th_expect_parked(&a, om_int(0));
	expect("broken", om_bool(false));
	ck_assert_int_eq(th_rerun(&b), OM_OK);
	th_expect_parked(&b, om_int(1));
	th_unpark(&a);
	th_unpark(&b);
}
END_TEST

START_TEST(test_barrier_reset_breaks_waiters_and_leaves_it_usable)
{
	th_parked a, b;
	PARK(&a, 1, "wait");
	ck_assert_int_eq(B("reset"), OM_OK);
	th_expect(om_nil());
	expect("broken", om_bool(false));
	expect("n_waiting", om_int(0));
	expect_parked_broken(&a, th_rerun(&a), "barrier 'b' is broken");
	th_unpark(&a);
	PARK(&a, 1, "wait");
	PARK(&b, 2, "wait");
	ck_assert_int_eq(B_AS(3, "wait"), OM_OK);
	th_expect(om_int(2));
	ck_assert_int_eq(th_rerun(&a), OM_OK);
	th_expect_parked(&a, om_int(0));
	ck_assert_int_eq(th_rerun(&b), OM_OK);
	th_expect_parked(&b, om_int(1));
	th_unpark(&a);
	th_unpark(&b);
}
END_TEST

START_TEST(test_barrier_abort_breaks_it_until_reset)
{
	th_parked a;
	PARK(&a, 1, "wait");
	ck_assert_int_eq(B("abort"), OM_OK);
	th_expect(om_nil());
	expect("broken", om_bool(true));
	expect_parked_broken(&a, th_rerun(&a), "barrier 'b' is broken");
	th_unpark(&a);
	expect_broken(B("wait"), "barrier 'b' is broken");
	B("abort");
	expect("broken", om_bool(true));
	B("reset");
	expect("broken", om_bool(false));
	ck_assert_int_eq(B("wait"), OP_WAIT);
	expect("n_waiting", om_int(1));
}
END_TEST

START_TEST(test_barrier_abort_of_idle_barrier)
{
	B("abort");
	expect("broken", om_bool(true));
	expect("n_waiting", om_int(0));
	B("reset");
	B("reset");
	expect("broken", om_bool(false));
}
END_TEST

START_TEST(test_barrier_closed_waiter_breaks_it)
{
	th_parked a, b;
	PARK(&a, 1, "wait");
	PARK(&b, 2, "wait");
	barrier_type.release(bar, 2); /* b's connection closed: its call is dropped */
	th_unpark(&b);
	expect("broken", om_bool(true));
	expect("n_waiting", om_int(0));
	expect_parked_broken(&a, th_rerun(&a), "barrier 'b' is broken");
	th_unpark(&a);
}
END_TEST

START_TEST(test_barrier_closed_connection_not_waiting_changes_nothing)
{
	th_parked a;
	PARK(&a, 1, "wait");
	barrier_type.release(bar, 2);
	expect("broken", om_bool(false));
	expect("n_waiting", om_int(1));
	ck_assert_int_eq(th_rerun(&a), OP_WAIT);
	th_unpark(&a);
}
END_TEST

START_TEST(test_barrier_reads)
{
	expect("parties", om_int(3));
	expect("n_waiting", om_int(0));
	expect("broken", om_bool(false));
	ck_assert_uint_eq(barrier_type.len(bar), 1);
}
END_TEST

static void expect_bad_options(const om_value *opts, const char *message)
{
	op_call c = {0};
	ck_assert_ptr_null(barrier_type.create(opts, &c));
	ck_assert_int_eq(c.code, OM_BAD_PARAMS);
	ck_assert_str_eq(c.message, message);
}

/* The same for the options {key: value}. */
static void expect_bad_option(const char *key, om_value value, const char *message)
{
	om_value pair[] = {om_str(key), value};
	om_value opts = om_map(pair, 1);
	expect_bad_options(&opts, message);
}

START_TEST(test_barrier_create_requires_parties)
{
	const char *required = "barrier: option 'parties' is required: create it with objects.create";
	const char *positive = "barrier: option 'parties' must be a positive integer";
	om_value nil = om_nil(), empty = om_map(NULL, 0), num = om_int(3);
	om_value unk[] = {om_str("parties"), om_int(2), om_str("timeout"), om_int(1)};
	om_value unknown = om_map(unk, 2);
	expect_bad_options(NULL, required);
	expect_bad_options(&nil, required);
	expect_bad_options(&empty, required);
	expect_bad_options(&num, "barrier: options must be a map, got int");
	expect_bad_option("parties", om_int(0), positive);
	expect_bad_option("parties", om_int(-2), positive);
	expect_bad_option("parties", om_str("3"), positive);
	expect_bad_option("parties", om_uint(UINT64_MAX), "barrier: option 'parties' is too large");
	expect_bad_options(&unknown, "barrier: unknown option 'timeout'");
}
END_TEST

/* parties is required: always answered. */
START_TEST(test_barrier_options_answer_parties)
{
	om_value pairs[] = {om_str("parties"), om_int(1)};
	om_value opts = om_map(pairs, 1);
	th_expect_options(&barrier_type, &opts, om_map(pairs, 1));
	pairs[1] = om_int(4);
	th_expect_options(&barrier_type, &opts, om_map(pairs, 1));
	ck_assert_uint_eq(th_options_each_failure(&barrier_type, &opts), 2);
}
END_TEST

START_TEST(test_barrier_params_are_checked)
{
	ck_assert_int_eq(B("wait", om_float(-0.5)), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(),
			 "barrier.wait: parameter 'timeout' must be a non-negative number of seconds or nil, got float");
	ck_assert_int_eq(B("wait", om_int(1), om_int(1)), OM_BAD_PARAMS);
	ck_assert_int_eq(B("reset", om_int(1)), OM_BAD_PARAMS);
	expect("n_waiting", om_int(0));
}
END_TEST

START_TEST(test_barrier_op_table)
{
	static const char *const writes[] = {"wait", "reset", "abort", NULL};
	static const char *const all[] = {"wait", "reset", "abort", "parties", "n_waiting",
					  "broken"};
	ck_assert_uint_eq(barrier_type.nops, sizeof all / sizeof all[0]);
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		ck_assert_ptr_nonnull(type_find_op(&barrier_type, all[i], strlen(all[i])));
	th_check_table(&barrier_type, writes);
	th_check_grows(&barrier_type, (const char *const[]){NULL});
	for (size_t i = 0; i < barrier_type.nops; i++) {
		const op_def *op = &barrier_type.ops[i];
		ck_assert_int_eq((op->flags & OP_BLOCKING) != 0, strcmp(op->name, "wait") == 0);
	}
	ck_assert_ptr_nonnull(barrier_type.release);
	ck_assert_ptr_eq(type_find("barrier", 7), &barrier_type);
}
END_TEST

#define OOM(...) th_do_oom(&barrier_type, bar, "b", "n_waiting", __VA_ARGS__, TH_END)

/* An arrival is recorded in a growing table: out of memory, the caller has not arrived (types-helper.h). */
START_TEST(test_barrier_wait_out_of_memory_does_not_arrive)
{
	th_owner = 1;
	ck_assert_int_eq(OOM("wait"), OP_WAIT);
	ck_assert_uint_eq(th_oom_failures, 1);
	expect("n_waiting", om_int(1));
	th_owner = 2;
	ck_assert_int_eq(OOM("wait"), OP_WAIT);
	ck_assert_uint_eq(th_oom_failures, 0);
	th_owner = 3;
	ck_assert_int_eq(OOM("wait"), OM_OK);
	th_expect(om_int(2));
	expect("n_waiting", om_int(0));
	expect("broken", om_bool(false));
}
END_TEST

START_TEST(test_barrier_create_out_of_memory_answers_limit)
{
	om_value pairs[] = {om_str("parties"), om_int(2)};
	om_value opts = om_map(pairs, 1);
	th_create_oom(&barrier_type, &opts);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("barrier");
	TCase *tc = tcase_create("barrier");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_barrier_last_arrival_releases_the_round);
	tcase_add_test(tc, test_barrier_next_round_starts_at_index_zero);
	tcase_add_test(tc, test_barrier_of_one_party_never_waits);
	tcase_add_test(tc, test_barrier_timeout_breaks_it_for_everyone);
	tcase_add_test(tc, test_barrier_timeout_zero_breaks_it_at_once);
	tcase_add_test(tc, test_barrier_timeout_after_the_round_completed_answers_the_index);
	tcase_add_test(tc, test_barrier_reset_breaks_waiters_and_leaves_it_usable);
	tcase_add_test(tc, test_barrier_abort_breaks_it_until_reset);
	tcase_add_test(tc, test_barrier_abort_of_idle_barrier);
	tcase_add_test(tc, test_barrier_closed_waiter_breaks_it);
	tcase_add_test(tc, test_barrier_closed_connection_not_waiting_changes_nothing);
	tcase_add_test(tc, test_barrier_reads);
	tcase_add_test(tc, test_barrier_create_requires_parties);
	tcase_add_test(tc, test_barrier_options_answer_parties);
	tcase_add_test(tc, test_barrier_params_are_checked);
	tcase_add_test(tc, test_barrier_op_table);
	tcase_add_test(tc, test_barrier_wait_out_of_memory_does_not_arrive);
	tcase_add_test(tc, test_barrier_create_out_of_memory_answers_limit);
	suite_add_tcase(s, tc);
	return check_main(s);
}
