/* test-payoff.c — the polling pay-off rule (types/payoff.h) as a pure function. */
#include <check.h>

#include "check-main.h"
#include "payoff.h"

/* How many of the next n messages payoff_try() follows with a window, each window ending as o. */
static unsigned windows_of(payoff *p, unsigned n, payoff_outcome o)
{
	unsigned w = 0;
	for (unsigned i = 0; i < n; i++)
		if (payoff_try(p)) {
			w++;
			payoff_note(p, o);
		}
	return w;
}

START_TEST(test_a_fresh_rule_polls_after_the_first_message)
{
	payoff p;
	payoff_init(&p);
	ck_assert(payoff_try(&p));
}
END_TEST

START_TEST(test_windows_that_catch_keep_polling_after_every_message)
{
	payoff p;
	payoff_init(&p);
	ck_assert_uint_eq(windows_of(&p, 100000, PAYOFF_CAUGHT), 100000);
	ck_assert_uint_eq(p.credit, PAYOFF_CREDIT_MAX);
	ck_assert_uint_eq(p.backoff, 1);
}
END_TEST

START_TEST(test_from_full_credit_polling_survives_credit_max_minus_1_misses_in_a_row)
{
	payoff p;
	payoff_init(&p);
	windows_of(&p, 10, PAYOFF_CAUGHT);
	ck_assert_uint_eq(windows_of(&p, PAYOFF_CREDIT_MAX - 1, PAYOFF_MISSED), PAYOFF_CREDIT_MAX - 1);
	ck_assert_uint_eq(p.credit, 1);
	ck_assert(payoff_try(&p)); /* still polling */
	payoff_note(&p, PAYOFF_MISSED);
	ck_assert_uint_eq(p.credit, 0);
	ck_assert(!payoff_try(&p)); /* the next message is followed by sleep */
}
END_TEST

START_TEST(test_half_the_windows_catching_keeps_polling)
{
	payoff p;
	payoff_init(&p);
	for (int i = 0; i < 10000; i++) {
		ck_assert(payoff_try(&p));
		payoff_note(&p, i % 2 ? PAYOFF_MISSED : PAYOFF_CAUGHT);
	}
}
END_TEST

/* The trial windows spread out 1, 2, 4, ... messages apart, up to PAYOFF_BACKOFF_MAX. */
START_TEST(test_windows_that_never_catch_back_off_exponentially)
{
	payoff p;
	payoff_init(&p);
	unsigned gaps[16], n = 0, gap = 0;
	while (n < 13) {
		if (!payoff_try(&p)) {
			gap++;
			continue;
		}
		payoff_note(&p, PAYOFF_MISSED);
		gaps[n++] = gap;
		gap = 0;
	}
	unsigned want[] = {0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1024};
	for (unsigned i = 0; i < n; i++)
		ck_assert_uint_eq(gaps[i], want[i]);
	/* And it stays at one window in PAYOFF_BACKOFF_MAX + 1 messages. */
	ck_assert_uint_eq(windows_of(&p, 10 * (PAYOFF_BACKOFF_MAX + 1), PAYOFF_MISSED), 10);
}
END_TEST

START_TEST(test_a_stolen_window_stops_polling_even_with_full_credit)
{
	payoff p;
	payoff_init(&p);
	windows_of(&p, 10, PAYOFF_CAUGHT);
	ck_assert(payoff_try(&p));
	payoff_note(&p, PAYOFF_STOLEN);
	ck_assert(!payoff_try(&p));
	ck_assert(payoff_try(&p)); /* a trial after one message */
	payoff_note(&p, PAYOFF_STOLEN);
	ck_assert(!payoff_try(&p));
	ck_assert(!payoff_try(&p));
	ck_assert(payoff_try(&p)); /* then after two */
}
END_TEST

/* A client on the poller's CPU: every window stolen. Windows stay rare however long it runs. */
START_TEST(test_windows_always_stolen_cost_one_in_backoff_max_messages)
{
	payoff p;
	payoff_init(&p);
	ck_assert_uint_le(windows_of(&p, 1000000, PAYOFF_STOLEN),
			  12 + 1000000 / (PAYOFF_BACKOFF_MAX + 1));
}
END_TEST

START_TEST(test_a_trial_that_catches_resumes_polling_but_keeps_the_backoff_until_credit_is_full)
{
	payoff p;
	payoff_init(&p);
	windows_of(&p, 100, PAYOFF_MISSED); /* backed off */
	uint32_t backoff = p.backoff;
	ck_assert_uint_gt(backoff, 1);
	while (!payoff_try(&p))
		;
	payoff_note(&p, PAYOFF_CAUGHT);
	ck_assert_uint_eq(p.credit, 1);
	ck_assert(payoff_try(&p)); /* polling again */
	payoff_note(&p, PAYOFF_MISSED); /* one miss: back off, for longer than before */
	ck_assert_uint_eq(p.skip, backoff);
	ck_assert_uint_eq(p.backoff, 2 * backoff);
	while (!payoff_try(&p))
		;
	/* Enough catches to fill the credit bring the backoff down to 1. */
	for (int i = 0; i < PAYOFF_CREDIT_MAX; i++) {
		payoff_note(&p, PAYOFF_CAUGHT);
		ck_assert(payoff_try(&p));
	}
	ck_assert_uint_eq(p.backoff, 1);
}
END_TEST

START_TEST(test_one_window_in_watch_every_is_watched_and_every_trial)
{
	payoff p;
	payoff_init(&p);
	unsigned watched = 0;
	for (int i = 0; i < 100 * PAYOFF_WATCH_EVERY; i++) {
		ck_assert(payoff_try(&p));
		watched += payoff_watch(&p);
		payoff_note(&p, PAYOFF_CAUGHT);
	}
	ck_assert_uint_eq(watched, 100);
	/* Backed off, every trial window is watched, and can be told stolen. */
	for (int i = 0; i < PAYOFF_CREDIT_MAX; i++) {
		ck_assert(payoff_try(&p));
		payoff_note(&p, PAYOFF_MISSED);
	}
	for (int trials = 0; trials < 5;) {
		if (!payoff_try(&p))
			continue;
		ck_assert(payoff_watch(&p));
		payoff_note(&p, PAYOFF_STOLEN);
		trials++;
	}
	ck_assert_uint_eq(p.backoff, 64);
}
END_TEST

/* payoff_open/close note what payoff_note would: a catch adds credit, a miss takes it. */
START_TEST(test_a_timed_window_notes_its_outcome)
{
	payoff p;
	payoff_init(&p);
	ck_assert(payoff_try(&p));
	payoff_window w = payoff_open(&p);
	payoff_close(&p, w, true);
	ck_assert_uint_eq(p.credit, 2);
	w = payoff_open(&p);
	payoff_close(&p, w, false);
	ck_assert_uint_eq(p.credit, 1);
	/* A watched window whose preemption count moved meanwhile is stolen: all credit goes. */
	payoff_close(&p, (payoff_window){.watched = true, .preempted = payoff_preemptions() + 1},
		     true);
	ck_assert_uint_eq(p.credit, 0);
	ck_assert(!payoff_try(&p));
}
END_TEST

START_TEST(test_preemptions_of_this_thread_never_go_down)
{
	uint64_t a = payoff_preemptions();
	ck_assert_uint_ge(payoff_preemptions(), a);
}
END_TEST

static Suite *payoff_suite(void)
{
	Suite *s = suite_create("payoff");
	TCase *tc = tcase_create("rule");
	tcase_add_test(tc, test_a_fresh_rule_polls_after_the_first_message);
	tcase_add_test(tc, test_windows_that_catch_keep_polling_after_every_message);
	tcase_add_test(tc, test_from_full_credit_polling_survives_credit_max_minus_1_misses_in_a_row);
	tcase_add_test(tc, test_half_the_windows_catching_keeps_polling);
	tcase_add_test(tc, test_windows_that_never_catch_back_off_exponentially);
	tcase_add_test(tc, test_a_stolen_window_stops_polling_even_with_full_credit);
	tcase_add_test(tc, test_windows_always_stolen_cost_one_in_backoff_max_messages);
	tcase_add_test(tc, test_a_trial_that_catches_resumes_polling_but_keeps_the_backoff_until_credit_is_full);
	tcase_add_test(tc, test_one_window_in_watch_every_is_watched_and_every_trial);
	tcase_add_test(tc, test_a_timed_window_notes_its_outcome);
	tcase_add_test(tc, test_preemptions_of_this_thread_never_go_down);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(payoff_suite());
}
