/* test-glob.c — name patterns: each element, escapes, unclosed classes, and linear time on hostile patterns. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "glob.h"

static bool match(const char *pat, const char *s)
{
	return glob_match(pat, strlen(pat), s, strlen(s));
}

START_TEST(test_literals_stars_and_question_marks)
{
	ck_assert(match("cfg", "cfg"));
	ck_assert(!match("cfg", "cfg2"));
	ck_assert(!match("cfg2", "cfg"));
	ck_assert(match("*", ""));
	ck_assert(match("*", "anything/at.all"));
	ck_assert(match("cfg.*", "cfg."));
	ck_assert(match("cfg.*", "cfg.users"));
	ck_assert(!match("cfg.*", "cfg"));
	ck_assert(match("*.log", "a.b.log"));
	ck_assert(!match("*.log", "a.log.b"));
	ck_assert(match("a*b*c", "aXXbYYbZZc"));
	ck_assert(!match("a*b*c", "aXXbYYbZZ"));
	ck_assert(match("??", "ab"));
	ck_assert(!match("??", "abc"));
	ck_assert(match("a**b", "ab"));
	ck_assert(match("", ""));
	ck_assert(!match("", "a"));
}
END_TEST

START_TEST(test_classes_ranges_negation_and_escapes)
{
	ck_assert(match("[ab]1", "a1"));
	ck_assert(match("[ab]1", "b1"));
	ck_assert(!match("[ab]1", "c1"));
	ck_assert(match("w[0-9]", "w7"));
	ck_assert(!match("w[0-9]", "wx"));
	ck_assert(match("w[!0-9]", "wx"));
	ck_assert(match("w[^0-9]", "wx"));
	ck_assert(!match("w[!0-9]", "w5"));
	ck_assert(match("[]]", "]"));
	ck_assert(match("[a-]", "-"));
	ck_assert(match("\\*", "*"));
	ck_assert(!match("\\*", "x"));
	ck_assert(match("a\\?", "a?"));
	ck_assert(!match("a\\?", "ab"));
	ck_assert(match("[\\]]", "]"));
	ck_assert(match("[ab", "[ab")); /* unclosed: plain bytes */
	ck_assert(!match("[ab", "a"));
	ck_assert(match("x\\", "x\\")); /* a trailing backslash is itself */
	ck_assert(match("\xc3\xa9*", "\xc3\xa9t\xc3\xa9")); /* bytes, UTF-8 or not */
}
END_TEST

/* fnmatch(3) backtracks exponentially here; this must answer at once. */
START_TEST(test_hostile_patterns_stay_linear)
{
	char pat[1025], name[1025];
	for (int i = 0; i < 1024; i += 2)
		memcpy(pat + i, "*a", 2);
	pat[1024] = '\0';
	memset(name, 'a', 1024);
	name[1024] = '\0';
	ck_assert(match(pat, name));
	name[1023] = 'b';
	ck_assert(!match(pat, name));
	for (int n = 0; n < 1000; n++)
		ck_assert(!match(pat, name));
}
END_TEST

static Suite *glob_suite(void)
{
	Suite *s = suite_create("glob");
	TCase *tc = tcase_create("match");
	tcase_add_test(tc, test_literals_stars_and_question_marks);
	tcase_add_test(tc, test_classes_ranges_negation_and_escapes);
	tcase_add_test(tc, test_hostile_patterns_stay_linear);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(glob_suite());
}
