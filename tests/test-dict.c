/* test-dict.c — the dict type through its op table: every op and error, Python's ordering rules. */
#include <check.h>
#include <math.h>

#include "check-main.h"
#include "types-helper.h"

static void *users;

#define D(...) th_do(&dict_type, users, "users", __VA_ARGS__, TH_END)

static void setup(void)
{
	op_call c = {0};
	users = dict_type.create(NULL, &c);
	ck_assert_ptr_nonnull(users);
}

static void teardown(void)
{
	th_reset();
	dict_type.destroy(users);
}

START_TEST(test_dict_set_then_get_answers_value)
{
	ck_assert_int_eq(D("set", om_str("alice"), om_int(3)), OM_OK);
	th_expect(om_nil());
	ck_assert_int_eq(D("get", om_str("alice")), OM_OK);
	ck_assert_ptr_nonnull(th_call.borrowed);
	th_expect(om_int(3));
	ck_assert_uint_eq(dict_type.len(users), 1);
}
END_TEST

START_TEST(test_dict_set_replaces_value)
{
	om_value inner[] = {om_str("x"), om_int(1)};
	D("set", om_str("k"), om_array(inner, 2));
	D("set", om_str("k"), om_str("new"));
	D("get", om_str("k"));
	th_expect(om_str("new"));
	ck_assert_uint_eq(dict_type.len(users), 1);
}
END_TEST

START_TEST(test_dict_get_missing_is_key_error)
{
	D("set", om_str("alice"), om_int(3));
	ck_assert_int_eq(D("get", om_str("bob")), OM_KEY_ERROR);
	ck_assert_str_eq(th_message(), "dict 'users' has no key \"bob\"");
	ck_assert_int_eq(D("get", om_int(7)), OM_KEY_ERROR);
	ck_assert_str_eq(th_message(), "dict 'users' has no key 7");
}
END_TEST

START_TEST(test_dict_get_missing_answers_default)
{
	ck_assert_int_eq(D("get", om_str("bob"), om_str("none")), OM_OK);
	th_expect(om_str("none"));
	ck_assert_uint_eq(dict_type.len(users), 0);
	D("set", om_str("bob"), om_int(1));
	ck_assert_int_eq(D("get", om_str("bob"), om_str("none")), OM_OK);
	th_expect(om_int(1));
}
END_TEST

START_TEST(test_dict_has)
{
	D("set", om_str("a"), om_nil());
	ck_assert_int_eq(D("has", om_str("a")), OM_OK);
	th_expect(om_bool(true));
	ck_assert_int_eq(D("has", om_str("b")), OM_OK);
	th_expect(om_bool(false));
}
END_TEST

START_TEST(test_dict_del_removes_key)
{
	D("set", om_str("a"), om_int(1));
	D("set", om_str("b"), om_int(2));
	ck_assert_int_eq(D("del", om_str("a")), OM_OK);
	th_expect(om_nil());
	D("has", om_str("a"));
	th_expect(om_bool(false));
	D("keys");
	th_expect_array(om_str("b"));
}
END_TEST

START_TEST(test_dict_del_missing_is_key_error)
{
	ck_assert_int_eq(D("del", om_str("bob")), OM_KEY_ERROR);
	ck_assert_str_eq(th_message(), "dict 'users' has no key \"bob\"");
}
END_TEST

START_TEST(test_dict_pop_answers_value_and_removes_key)
{
	om_value list[] = {om_int(1), om_str("two")};
	D("set", om_str("a"), om_array(list, 2));
	ck_assert_int_eq(D("pop", om_str("a")), OM_OK);
	ck_assert_ptr_null(th_call.borrowed);
	th_expect(om_array(list, 2));
	D("len");
	th_expect(om_int(0));
}
END_TEST

START_TEST(test_dict_pop_missing_is_key_error_or_default)
{
	ck_assert_int_eq(D("pop", om_str("bob")), OM_KEY_ERROR);
	ck_assert_str_eq(th_message(), "dict 'users' has no key \"bob\"");
	ck_assert_int_eq(D("pop", om_str("bob"), om_int(0)), OM_OK);
	th_expect(om_int(0));
	D("set", om_str("bob"), om_int(5));
	ck_assert_int_eq(D("pop", om_str("bob"), om_int(0)), OM_OK);
	th_expect(om_int(5));
}
END_TEST

START_TEST(test_dict_setdefault_stores_only_when_absent)
{
	ck_assert_int_eq(D("setdefault", om_str("a"), om_int(1)), OM_OK);
	th_expect(om_int(1));
	ck_assert_int_eq(D("setdefault", om_str("a"), om_int(2)), OM_OK);
	th_expect(om_int(1));
	D("items");
	th_expect_map(om_str("a"), om_int(1));
}
END_TEST

START_TEST(test_dict_len_keys_values_items_in_insertion_order)
{
	D("set", om_str("z"), om_int(1));
	D("set", om_int(5), om_str("five"));
	D("set", om_str("a"), om_nil());
	D("len");
	th_expect(om_int(3));
	D("keys");
	th_expect_array(om_str("z"), om_int(5), om_str("a"));
	D("values");
	th_expect_array(om_int(1), om_str("five"), om_nil());
	D("items");
	th_expect_map(om_str("z"), om_int(1), om_int(5), om_str("five"), om_str("a"), om_nil());
}
END_TEST

START_TEST(test_dict_reads_of_empty_dict)
{
	D("len");
	th_expect(om_int(0));
	D("keys");
	th_expect(om_array(NULL, 0));
	D("values");
	th_expect(om_array(NULL, 0));
	D("items");
	th_expect(om_map(NULL, 0));
	D("has", om_nil());
	th_expect(om_bool(false));
}
END_TEST

START_TEST(test_dict_reinsert_keeps_position)
{
	D("set", om_str("a"), om_int(1));
	D("set", om_str("b"), om_int(2));
	D("set", om_str("c"), om_int(3));
	D("set", om_str("a"), om_int(10));
	D("items");
	th_expect_map(om_str("a"), om_int(10), om_str("b"), om_int(2), om_str("c"), om_int(3));
}
END_TEST

START_TEST(test_dict_reinsert_goes_last)
{
	D("set", om_str("a"), om_int(1));
	D("set", om_str("b"), om_int(2));
	D("set", om_str("c"), om_int(3));
	D("del", om_str("a"));
	D("set", om_str("a"), om_int(1));
	D("keys");
	th_expect_array(om_str("b"), om_str("c"), om_str("a"));
}
END_TEST

START_TEST(test_dict_update_stores_pairs_in_order)
{
	D("set", om_str("b"), om_int(0));
	om_value pairs[] = {om_str("a"), om_int(1), om_str("b"), om_int(2), om_str("c"), om_int(3)};
	ck_assert_int_eq(D("update", om_map(pairs, 3)), OM_OK);
	th_expect(om_nil());
	D("items");
	th_expect_map(om_str("b"), om_int(2), om_str("a"), om_int(1), om_str("c"), om_int(3));
}
END_TEST

START_TEST(test_dict_update_with_repeated_key_keeps_last_value)
{
	om_value pairs[] = {om_str("a"), om_int(1), om_str("b"), om_int(2), om_str("a"), om_int(3)};
	D("update", om_map(pairs, 3));
	D("items");
	th_expect_map(om_str("a"), om_int(3), om_str("b"), om_int(2));
}
END_TEST

START_TEST(test_dict_clear_empties_and_dict_stays_usable)
{
	for (int i = 0; i < 20; i++)
		D("set", om_int(i), om_int(i));
	ck_assert_int_eq(D("clear"), OM_OK);
	th_expect(om_nil());
	ck_assert_uint_eq(dict_type.len(users), 0);
	D("get", om_int(3));
	ck_assert_int_eq(th_call.code, OM_KEY_ERROR);
	D("set", om_int(3), om_str("again"));
	D("items");
	th_expect_map(om_int(3), om_str("again"));
}
END_TEST

START_TEST(test_dict_popitem_answers_last_inserted)
{
	D("set", om_str("a"), om_int(1));
	D("set", om_str("b"), om_int(2));
	D("set", om_str("c"), om_int(3));
	D("set", om_str("a"), om_int(4)); /* keeps its first position */
	ck_assert_int_eq(D("popitem"), OM_OK);
	th_expect_array(om_str("c"), om_int(3));
	D("popitem");
	th_expect_array(om_str("b"), om_int(2));
	D("set", om_str("d"), om_int(5));
	D("popitem");
	th_expect_array(om_str("d"), om_int(5));
	D("popitem");
	th_expect_array(om_str("a"), om_int(4));
	D("len");
	th_expect(om_int(0));
}
END_TEST

/* Keys and values on both sides of the 14 bytes kept inline come out whole, short ones uncopied. */
START_TEST(test_dict_pop_and_popitem_move_short_and_long_strings_out)
{
	const char *s36 = "abcdefghijklmnopqrstuvwxyz0123456789";
	om_value sizes[] = {om_strn(s36, 0), om_bin(s36, 1), om_strn(s36, 14), om_bin(s36, 14),
			    om_strn(s36, 15), om_bin(s36, 36)};
	size_t n = sizeof sizes / sizeof sizes[0];
	for (size_t i = 0; i < n; i++)
		D("set", sizes[i], sizes[n - 1 - i]);
	ck_assert_int_eq(D("pop", om_strn(s36, 14)), OM_OK);
	ck_assert_ptr_eq(th_call.view.as.str, th_call.held[0].s.bytes);
	th_expect(om_bin(s36, 14));
	ck_assert_int_eq(D("pop", om_bin(s36, 14)), OM_OK);
	th_expect(om_strn(s36, 14));
	ck_assert_int_eq(D("pop", om_strn(s36, 0)), OM_OK);
	ck_assert_ptr_null(th_call.borrowed);
	th_expect(om_bin(s36, 36));
	D("popitem");
	th_expect_array(om_bin(s36, 36), om_strn(s36, 0));
	D("popitem");
	th_expect_array(om_strn(s36, 15), om_bin(s36, 1));
	D("popitem");
	th_expect_array(om_bin(s36, 1), om_strn(s36, 15));
	ck_assert_int_eq(D("popitem"), OM_KEY_ERROR);
}
END_TEST

START_TEST(test_dict_popitem_skips_deleted_entries)
{
	for (int i = 0; i < 6; i++)
		D("set", om_int(i), om_int(i * 10));
	D("del", om_int(5));
	D("del", om_int(4));
	D("del", om_int(2));
	D("popitem");
	th_expect_array(om_int(3), om_int(30));
	D("set", om_int(9), om_int(90));
	D("popitem");
	th_expect_array(om_int(9), om_int(90));
	D("popitem");
	th_expect_array(om_int(1), om_int(10));
	D("keys");
	th_expect_array(om_int(0));
}
END_TEST

START_TEST(test_dict_popitem_empty_is_key_error)
{
	ck_assert_int_eq(D("popitem"), OM_KEY_ERROR);
	ck_assert_str_eq(th_message(), "dict 'users' is empty");
	D("set", om_int(1), om_int(1));
	D("del", om_int(1));
	ck_assert_int_eq(D("popitem"), OM_KEY_ERROR);
}
END_TEST

START_TEST(test_dict_int_and_float_keys_are_distinct)
{
	D("set", om_int(1), om_str("int"));
	D("set", om_float(1.0), om_str("float"));
	D("len");
	th_expect(om_int(2));
	D("get", om_int(1));
	th_expect(om_str("int"));
	D("get", om_float(1.0));
	th_expect(om_str("float"));
	D("get", om_bool(true));
	ck_assert_int_eq(th_call.code, OM_KEY_ERROR);
}
END_TEST

START_TEST(test_dict_equal_numbers_are_one_key)
{
	om_value f32 = om_float(0.5);
	f32.kind = OM_FLOAT32;
	D("set", om_uint(7), om_str("seven"));
	D("get", om_int(7));
	th_expect(om_str("seven"));
	D("set", f32, om_str("half32"));
	D("set", om_float(0.5), om_str("half64"));
	D("set", om_float(0.0), om_str("zero"));
	D("set", om_float(-0.0), om_str("minus zero"));
	D("set", om_float(NAN), om_str("nan"));
	D("get", om_float(-NAN));
	th_expect(om_str("nan"));
	/* An existing key keeps the key value first stored, as in Python. */
	D("items");
	th_expect_map(om_int(7), om_str("seven"), f32, om_str("half64"),
		      om_float(0.0), om_str("minus zero"), om_float(NAN), om_str("nan"));
}
END_TEST

START_TEST(test_dict_keys_of_every_kind)
{
	om_value arr[] = {om_int(1), om_str("x")};
	om_value pairs[] = {om_str("k"), om_int(1), om_str("j"), om_int(2)};
	om_value pairs_swapped[] = {om_str("j"), om_int(2), om_str("k"), om_int(1)};
	om_value keys[] = {
		om_nil(), om_bool(false), om_bool(true), om_int(-1), om_uint(UINT64_MAX),
		om_float(2.5), om_str("a"), om_bin("a", 1), om_ref("a"), om_ext(5, "a", 1),
		om_array(arr, 2), om_map(pairs, 2), om_str(""),
	};
	size_t n = sizeof keys / sizeof keys[0];
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(D("set", keys[i], om_int((int64_t)i)), OM_OK);
	D("len");
	th_expect(om_int((int64_t)n));
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(D("get", keys[i]), OM_OK);
		th_expect(om_int((int64_t)i));
	}
	D("get", om_map(pairs_swapped, 2)); /* maps are equal in any order */
	th_expect(om_int(11));
	D("keys");
	th_expect(om_array(keys, n));
}
END_TEST

/*
 * Strings up to 14 bytes are stored inside the entry, longer ones behind a
 * pointer (types/cval.h): every op must see the same values either way.
 */
START_TEST(test_dict_short_and_long_strings_round_trip)
{
	static const char text[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	static const size_t lens[] = {0, 1, 13, 14, 15, 16, 36};
	size_t n = sizeof lens / sizeof lens[0];
	for (size_t i = 0; i < n; i++) {
		D("set", om_strn(text, lens[i]), om_strn(text + 1, lens[i] ? lens[i] - 1 : 0));
		D("set", om_bin(text, lens[i]), om_bin(text, lens[n - 1 - i]));
	}
	for (int i = 0; i < 100; i++) /* resize a few times: entries move */
		D("set", om_int(i), om_str("filler"));
	D("len");
	th_expect(om_int((int64_t)(2 * n + 100)));
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(D("get", om_strn(text, lens[i])), OM_OK);
		th_expect(om_strn(text + 1, lens[i] ? lens[i] - 1 : 0));
		ck_assert_int_eq(D("get", om_bin(text, lens[i])), OM_OK);
		th_expect(om_bin(text, lens[n - 1 - i]));
	}
	ck_assert_int_eq(D("get", om_strn(text, 15), om_nil()), OM_OK);
	th_expect(om_strn(text + 1, 14));
	ck_assert_int_eq(D("get", om_strn(text + 1, 14), om_nil()), OM_OK);
	th_expect(om_nil()); /* same length, other bytes */
	/* an inline value replaced by a long one and back */
	D("set", om_str("k"), om_strn(text, 36));
	D("set", om_str("k"), om_str("short"));
	ck_assert_int_eq(D("setdefault", om_str("k"), om_int(0)), OM_OK);
	th_expect(om_str("short"));
	ck_assert_int_eq(D("incr", om_str("k"), om_int(1)), OM_WRONG_TYPE);
	ck_assert_int_eq(D("pop", om_strn(text, 14)), OM_OK);
	th_expect(om_strn(text + 1, 13));
	ck_assert_int_eq(D("popitem"), OM_OK);
	om_value pair[] = {om_str("k"), om_str("short")};
	th_expect(om_array(pair, 2));
	ck_assert_int_eq(D("del", om_bin(text, 0)), OM_OK);
	D("items");
	const om_value *items = th_answer();
	ck_assert_uint_eq(items->len, 2 * n + 100 - 2);
	om_value first = om_strn(text, 0), first_value = om_strn(text + 1, 0);
	ck_assert(om_value_equal(&items->as.items[0], &first));
	ck_assert(om_value_equal(&items->as.items[1], &first_value));
}
END_TEST

START_TEST(test_dict_incr_missing_key_counts_as_zero)
{
	D("set", om_str("other"), om_int(0));
	ck_assert_int_eq(D("incr", om_str("hits"), om_int(5)), OM_OK);
	th_expect(om_int(5));
	D("incr", om_str("hits"), om_int(-2));
	th_expect(om_int(3));
	D("items");
	th_expect_map(om_str("other"), om_int(0), om_str("hits"), om_int(3));
}
END_TEST

START_TEST(test_dict_incr_with_float_gives_float)
{
	om_value f32 = om_float(0.5);
	f32.kind = OM_FLOAT32;
	D("incr", om_str("a"), om_int(1));
	D("incr", om_str("a"), om_float(0.5));
	th_expect(om_float(1.5));
	D("incr", om_str("a"), om_int(1));
	th_expect(om_float(2.5));
	D("incr", om_str("b"), om_float(2.0));
	th_expect(om_float(2.0));
	D("set", om_str("c"), f32);
	D("incr", om_str("c"), om_int(1));
	th_expect(om_float(1.5)); /* float64, not float32 */
	D("incr", om_str("d"), f32);
	th_expect(om_float(0.5));
	D("get", om_str("d"));
	th_expect(om_float(0.5));
}
END_TEST

START_TEST(test_dict_incr_non_number_is_wrong_type)
{
	D("set", om_str("name"), om_str("bob"));
	ck_assert_int_eq(D("incr", om_str("name"), om_int(1)), OM_WRONG_TYPE);
	ck_assert_str_eq(th_message(),
			 "dict 'users': the value under key \"name\" is a str, not a number");
	D("get", om_str("name"));
	th_expect(om_str("bob"));
}
END_TEST

START_TEST(test_dict_incr_overflow_is_value_error_and_changes_nothing)
{
	D("set", om_str("big"), om_int(INT64_MAX));
	ck_assert_int_eq(D("incr", om_str("big"), om_int(1)), OM_VALUE_ERROR);
	ck_assert_str_eq(th_message(),
			 "dict 'users': 9223372036854775807 + 1 under key \"big\" overflows int64");
	D("get", om_str("big"));
	th_expect(om_int(INT64_MAX));
	D("set", om_str("small"), om_int(INT64_MIN));
	ck_assert_int_eq(D("incr", om_str("small"), om_int(-1)), OM_VALUE_ERROR);
	D("get", om_str("small"));
	th_expect(om_int(INT64_MIN));
	/* A missing key that would overflow is not stored either. */
	ck_assert_int_eq(D("incr", om_str("new"), om_uint(UINT64_MAX)), OM_VALUE_ERROR);
	D("has", om_str("new"));
	th_expect(om_bool(false));
}
END_TEST

START_TEST(test_dict_incr_mixes_int_and_uint_exactly)
{
	D("set", om_str("u"), om_uint((uint64_t)INT64_MAX + 1));
	ck_assert_int_eq(D("incr", om_str("u"), om_int(-1)), OM_OK);
	th_expect(om_int(INT64_MAX));
	D("set", om_str("n"), om_int(INT64_MIN));
	ck_assert_int_eq(D("incr", om_str("n"), om_uint(UINT64_MAX)), OM_OK);
	th_expect(om_int(INT64_MAX));
	D("set", om_str("uu"), om_uint(UINT64_MAX));
	ck_assert_int_eq(D("incr", om_str("uu"), om_uint(UINT64_MAX)), OM_VALUE_ERROR);
}
END_TEST

/* 100,000 keys: many resizes, then holes from deleting every other key, then compaction. */
START_TEST(test_dict_100k_keys_resize_and_keep_order)
{
	const int64_t n = 100000;
	for (int64_t i = 0; i < n; i++)
		th_assert(D("set", om_int(i), om_int(i * 2)) == OM_OK, "set %lld", (long long)i);
	ck_assert_uint_eq(dict_type.len(users), (size_t)n);
	for (int64_t i = 0; i < n; i += 2)
		th_assert(D("del", om_int(i)) == OM_OK, "del %lld", (long long)i);
	ck_assert_uint_eq(dict_type.len(users), (size_t)n / 2);
	D("keys");
	const om_value *keys = th_answer();
	ck_assert_uint_eq(keys->len, n / 2);
	for (int64_t j = 0; j < n / 2; j++)
		th_assert(keys->as.items[j].as.i == 2 * j + 1, "key %lld", (long long)j);
	/* Re-adding the deleted keys puts them last, and the holes get compacted away. */
	for (int64_t i = 0; i < n; i += 2)
		D("set", om_int(i), om_int(-i));
	for (int64_t i = 1; i < n; i += 2)
		D("set", om_int(i), om_int(i));
	D("items");
	const om_value *items = th_answer();
	ck_assert_uint_eq(items->len, n);
	for (int64_t j = 0; j < n; j++) {
		int64_t key = j < n / 2 ? 2 * j + 1 : 2 * (j - n / 2);
		th_assert(items->as.items[2 * j].as.i == key, "key %lld", (long long)j);
		th_assert(items->as.items[2 * j + 1].as.i == (j < n / 2 ? key : -key),
			  "value %lld", (long long)j);
	}
	for (int64_t i = 0; i < n; i++) {
		th_assert(D("get", om_int(i)) == OM_OK, "get %lld", (long long)i);
		th_assert(th_answer()->as.i == (i % 2 ? i : -i), "value of %lld", (long long)i);
	}
	D("popitem");
	th_expect_array(om_int(n - 2), om_int(-(n - 2)));
}
END_TEST

/* Deleting down to a few keys shrinks the table; what is left keeps its order. */
START_TEST(test_dict_shrinks_after_mass_delete)
{
	char name[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof name, "key-%d", i);
		D("set", om_str(name), om_int(i));
	}
	for (int i = 0; i < 5000; i++) {
		if (i % 1000 == 7)
			continue;
		snprintf(name, sizeof name, "key-%d", i);
		th_assert(D("pop", om_str(name)) == OM_OK, "pop %s", name);
		th_expect(om_int(i));
	}
	D("items");
	th_expect_map(om_str("key-7"), om_int(7), om_str("key-1007"), om_int(1007),
		      om_str("key-2007"), om_int(2007), om_str("key-3007"), om_int(3007),
		      om_str("key-4007"), om_int(4007));
	D("set", om_str("last"), om_int(0));
	D("popitem");
	th_expect_array(om_str("last"), om_int(0));
	D("popitem");
	th_expect_array(om_str("key-4007"), om_int(4007));
}
END_TEST

/* --- dict.scan --- */

#define SCAN_KEYS 20000
static int scan_seen[SCAN_KEYS]; /* times each int key was answered in the walk */

/*
 * One dict.scan page from cursor with count (0: the default), counting the
 * int keys it answers in scan_seen and checking that they come in
 * insertion order (key after key within a page); returns the next cursor,
 * and the page's size in *n.
 */
static int64_t scan_page(int64_t cursor, int64_t count, uint32_t *n)
{
	int rc = count ? D("scan", om_int(cursor), om_int(count)) : D("scan", om_int(cursor));
	th_assert(rc == OM_OK, "dict.scan failed: %s", th_message());
	const om_value *a = th_answer();
	th_assert(a->kind == OM_ARRAY && a->len == 2 && a->as.items[0].kind == OM_INT &&
		  a->as.items[1].kind == OM_MAP, "dict.scan answered no [cursor, map]");
	const om_value *page = &a->as.items[1];
	th_assert(!count || page->len <= count, "a page of %u pairs for count %lld", page->len,
		  (long long)count);
	for (uint32_t i = 0; i < page->len; i++) {
		const om_value *k = &page->as.items[2 * i];
		th_assert(k->kind == OM_INT && k->as.i >= 0 && k->as.i < SCAN_KEYS, "key not an int");
		th_assert(value_eq(k, &page->as.items[2 * i + 1]) || page->as.items[2 * i + 1].kind == OM_STR,
			  "key %lld answered with another value", (long long)k->as.i);
		scan_seen[k->as.i]++;
	}
	*n = page->len;
	return a->as.items[0].as.i;
}

/* Walks the whole dict with count; answers how many pages it took. */
static int scan_walk(int64_t count)
{
	memset(scan_seen, 0, sizeof scan_seen);
	int pages = 0;
	int64_t cursor = 0;
	uint32_t n;
	do {
		cursor = scan_page(cursor, count, &n);
		pages++;
	} while (cursor != 0);
	return pages;
}

static void scan_fill(int from, int to)
{
	for (int i = from; i < to; i++)
		D("set", om_int(i), om_int(i));
}

static void scan_del(int key)
{
	th_assert(D("del", om_int(key)) == OM_OK, "del %d: %s", key, th_message());
}

START_TEST(test_dict_scan_of_empty_dict_ends_at_once)
{
	ck_assert_int_eq(D("scan"), OM_OK);
	th_expect_array(om_int(0), om_map(NULL, 0));
	ck_assert_int_eq(D("scan", om_int(0), om_int(5)), OM_OK);
	th_expect_array(om_int(0), om_map(NULL, 0));
}
END_TEST

START_TEST(test_dict_scan_walks_every_key_once_in_pages_of_count)
{
	scan_fill(0, 1000);
	ck_assert_int_eq(scan_walk(7), 143); /* 142 full pages, then 6 */
	for (int i = 0; i < 1000; i++)
		th_assert(scan_seen[i] == 1, "key %d answered %d times", i, scan_seen[i]);
	ck_assert_int_eq(scan_walk(0), 10); /* the default count, 100 */
	ck_assert_int_eq(scan_walk(10000), 1);
	for (int i = 0; i < 1000; i++)
		th_assert(scan_seen[i] == 1, "key %d answered %d times", i, scan_seen[i]);
}
END_TEST

START_TEST(test_dict_scan_pages_keep_insertion_order)
{
	D("set", om_str("b"), om_int(1));
	D("set", om_str("a"), om_int(2));
	D("set", om_str("c"), om_int(3));
	ck_assert_int_eq(D("scan", om_int(0), om_int(2)), OM_OK);
	const om_value *a = th_answer();
	om_value next = a->as.items[0];
	ck_assert(next.kind == OM_INT && next.as.i > 0);
	th_expect_array(next, om_map((om_value[]){om_str("b"), om_int(1), om_str("a"), om_int(2)}, 2));
	ck_assert_int_eq(D("scan", next, om_int(2)), OM_OK);
	th_expect_array(om_int(0), om_map((om_value[]){om_str("c"), om_int(3)}, 1));
}
END_TEST

/*
 * Deletes ahead of and behind the cursor and inserts between pages, so
 * that resizes compact the holes (moving pairs down) and shrink the
 * table mid-walk: every key present throughout is answered, and a key
 * twice only for a hole compacted away meanwhile.
 */
START_TEST(test_dict_scan_with_changes_between_pages_answers_every_lasting_key)
{
	scan_fill(0, 8000);
	memset(scan_seen, 0, sizeof scan_seen);
	int64_t cursor = 0;
	int deleted = 0, added = 8000, pages = 0;
	uint32_t n;
	do {
		cursor = scan_page(cursor, 50, &n);
		pages++;
		/* each page: 60 deletes spread over the keys, 10 inserts at the end */
		for (int j = 0; j < 60 && deleted < 7600; j++, deleted++)
			scan_del((deleted * 7919) % 8000); /* 7919 is prime: no key twice */
		scan_fill(added, added + 10 < SCAN_KEYS ? added + 10 : added);
		added = added + 10 < SCAN_KEYS ? added + 10 : added;
	} while (cursor != 0);
	ck_assert_int_gt(pages, 20);
	int duplicates = 0;
	for (int k = 0; k < 8000; k++) {
		D("has", om_int(k));
		bool lasting = th_answer()->as.b;
		th_assert(!lasting || scan_seen[k] >= 1, "key %d, there all along, was not answered", k);
		duplicates += scan_seen[k] > 1 ? scan_seen[k] - 1 : 0;
	}
	ck_assert_int_le(duplicates, deleted);
}
END_TEST

/*
 * The resize an insert forces compacts holes away, moving the pairs after
 * them down: holes behind the cursor, and the walk goes back as far, so
 * that the two pairs that moved behind it are not skipped; holes ahead,
 * and it goes back all the same, answering two pairs again.
 */
START_TEST(test_dict_scan_across_a_compaction_goes_back_by_the_holes)
{
	for (int ahead = 0; ahead < 2; ahead++) {
		D("clear");
		scan_fill(0, 10); /* 16 slots: 10 usable */
		uint32_t n;
		memset(scan_seen, 0, sizeof scan_seen);
		int64_t cursor = scan_page(0, 4, &n); /* keys 0 to 3 */
		scan_del(ahead ? 6 : 0);
		scan_del(ahead ? 7 : 1);
		scan_fill(10, 11); /* no room left: a resize compacts the 2 holes away */
		int total = 0;
		while (cursor != 0) {
			cursor = scan_page(cursor, 4, &n);
			total += (int)n;
		}
		for (int k = 2; k < 11; k++)
			if (k != 6 && k != 7)
				th_assert(scan_seen[k] == 1 + (ahead && k < 4), "key %d answered %d times",
					  k, scan_seen[k]);
		ck_assert_int_eq(total, 7); /* keys 4 to 10, or 2 to 5 and 8 to 10 */
	}
}
END_TEST

START_TEST(test_dict_scan_after_clear_ends_without_old_keys)
{
	scan_fill(0, 100);
	uint32_t n;
	memset(scan_seen, 0, sizeof scan_seen);
	int64_t cursor = scan_page(0, 10, &n);
	D("clear");
	scan_fill(1000, 1005);
	cursor = scan_page(cursor, 10, &n);
	ck_assert_int_eq(cursor, 0);
	ck_assert_uint_eq(n, 0); /* the new keys sit before the cursor */
	ck_assert_int_eq(scan_walk(10), 1);
	for (int k = 1000; k < 1005; k++)
		ck_assert_int_eq(scan_seen[k], 1);
}
END_TEST

START_TEST(test_dict_scan_with_popitem_between_pages)
{
	scan_fill(0, 30);
	uint32_t n;
	memset(scan_seen, 0, sizeof scan_seen);
	int64_t cursor = scan_page(0, 10, &n);
	for (int i = 0; i < 15; i++)
		D("popitem");
	while (cursor != 0)
		cursor = scan_page(cursor, 10, &n);
	for (int k = 0; k < 15; k++)
		ck_assert_int_eq(scan_seen[k], 1);
	for (int k = 15; k < 30; k++)
		ck_assert_int_eq(scan_seen[k], 0);
}
END_TEST

/* A long run of holes costs a call at most 10 * count places: a page may hold no pair. */
START_TEST(test_dict_scan_page_over_holes_may_be_empty)
{
	scan_fill(0, 10000);
	for (int k = 0; k < 8000; k++)
		scan_del(k); /* 2,000 left: not few enough to shrink */
	uint32_t n;
	memset(scan_seen, 0, sizeof scan_seen);
	int64_t cursor = scan_page(0, 1, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_ne(cursor, 0);
	cursor = scan_page(cursor, 100, &n);
	ck_assert_uint_eq(n, 0); /* positions 10 to 1009 */
	ck_assert_int_eq(scan_walk(100), 28); /* 8 pages of holes only, then 20 of 100 */
	for (int k = 8000; k < 10000; k++)
		ck_assert_int_eq(scan_seen[k], 1);
}
END_TEST

/* A page ends once it holds 1 MiB of keys and values, after at least one pair. */
START_TEST(test_dict_scan_page_stops_at_a_mebibyte)
{
	size_t size = 256 << 10;
	char *big = xcalloc(1, size);
	memset(big, 'x', size - 1);
	for (int i = 0; i < 10; i++)
		D("set", om_int(i), om_strn(big, size - 1)); /* 256 KiB, and a NUL and a header */
	free(big);
	uint32_t n;
	memset(scan_seen, 0, sizeof scan_seen);
	int64_t cursor = scan_page(0, 100, &n);
	ck_assert_uint_eq(n, 4);
	cursor = scan_page(cursor, 100, &n);
	ck_assert_uint_eq(n, 4);
	cursor = scan_page(cursor, 100, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(cursor, 0);
}
END_TEST

START_TEST(test_dict_scan_bad_cursor_or_count_is_value_error)
{
	scan_fill(0, 3);
	ck_assert_int_eq(D("scan", om_int(-1)), OM_VALUE_ERROR);
	ck_assert_str_eq(th_message(), "dict.scan: cursor -1 is not one a scan answered");
	ck_assert_int_eq(D("scan", om_uint(UINT64_MAX)), OM_VALUE_ERROR);
	ck_assert_str_eq(th_message(), "dict.scan: cursor 18446744073709551615 is not one a scan answered");
	ck_assert_int_eq(D("scan", om_int(0), om_int(0)), OM_VALUE_ERROR);
	ck_assert_str_eq(th_message(), "dict.scan: count 0 is not between 1 and 10000");
	ck_assert_int_eq(D("scan", om_int(0), om_int(10001)), OM_VALUE_ERROR);
	ck_assert_str_eq(th_message(), "dict.scan: count 10001 is not between 1 and 10000");
	ck_assert_int_eq(D("scan", om_str("0")), OM_BAD_PARAMS);
	ck_assert_int_eq(D("scan", om_int(0), om_int(1), om_int(1)), OM_BAD_PARAMS);
	ck_assert_int_eq(D("scan", om_nil(), om_nil()), OM_OK); /* nil: the defaults */
	th_expect_array(om_int(0), om_map((om_value[]){om_int(0), om_int(0), om_int(1), om_int(1),
						      om_int(2), om_int(2)}, 3));
}
END_TEST

/* A cursor made up, or from another dict, never fails nor crashes: the walk just ends or restarts. */
START_TEST(test_dict_scan_any_cursor_is_safe)
{
	scan_fill(0, 50);
	uint32_t n;
	int64_t cursors[] = {1, 49, 50, 51, INT32_MAX, (int64_t)1 << 32, ((int64_t)5 << 32) | 7, INT64_MAX};
	for (size_t i = 0; i < sizeof cursors / sizeof cursors[0]; i++) {
		int64_t next = cursors[i];
		do
			next = scan_page(next, 20, &n);
		while (next != 0);
	}
}
END_TEST

START_TEST(test_dict_create_accepts_nil_or_empty_options)
{
	op_call c = {0};
	om_value nil = om_nil(), empty = om_map(NULL, 0);
	void *a = dict_type.create(&nil, &c);
	void *b = dict_type.create(&empty, &c);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(c.code, OM_OK);
	dict_type.destroy(a);
	dict_type.destroy(b);
}
END_TEST

START_TEST(test_dict_create_rejects_options)
{
	op_call c = {0};
	om_value pairs[] = {om_str("x"), om_int(1)};
	om_value opts = om_map(pairs, 1);
	ck_assert_ptr_null(dict_type.create(&opts, &c));
	ck_assert_int_eq(c.code, OM_BAD_PARAMS);
	ck_assert_str_eq(c.message, "dict: unknown option 'x'");
	om_value num = om_int(3);
	ck_assert_ptr_null(dict_type.create(&num, &c));
	ck_assert_int_eq(c.code, OM_BAD_PARAMS);
	ck_assert_str_eq(c.message, "dict: options must be a map, got int");
}
END_TEST

START_TEST(test_dict_params_are_checked)
{
	ck_assert_int_eq(D("get"), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(), "dict.get: parameter 'key' is missing");
	ck_assert_int_eq(D("set", om_str("k")), OM_BAD_PARAMS);
	ck_assert_int_eq(D("update", om_array(NULL, 0)), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(), "dict.update: parameter 'map' must be a map, got array");
	ck_assert_int_eq(D("incr", om_str("k"), om_str("1")), OM_BAD_PARAMS);
	ck_assert_int_eq(D("setdefault", om_str("k")), OM_BAD_PARAMS);
	ck_assert_int_eq(D("len", om_int(1)), OM_BAD_PARAMS);
	ck_assert_uint_eq(dict_type.len(users), 0);
}
END_TEST

START_TEST(test_dict_op_table)
{
	static const char *const writes[] = {"set", "del", "pop", "setdefault", "update",
					     "clear", "popitem", "incr", NULL};
	static const char *const all[] = {"set", "get", "has", "del", "pop", "setdefault", "len",
					  "keys", "values", "items", "scan", "update", "clear", "popitem",
					  "incr"};
	ck_assert_uint_eq(dict_type.nops, sizeof all / sizeof all[0]);
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		ck_assert_ptr_nonnull(type_find_op(&dict_type, all[i], strlen(all[i])));
	th_check_table(&dict_type, writes);
	th_check_grows(&dict_type, (const char *const[]){"set", "setdefault", "update", "incr", NULL});
	ck_assert_ptr_eq(type_find("dict", 4), &dict_type);
	ck_assert_ptr_null(dict_type.options); /* it takes none */
}
END_TEST

/* --- out of memory (types-helper.h's th_do_oom: each allocation fails in turn) --- */

#define OOM(...) th_do_oom(&dict_type, users, "users", "items", __VA_ARGS__, TH_END)

START_TEST(test_dict_set_out_of_memory_changes_nothing)
{
	char key[40];
	unsigned long failures = 0;
	ck_assert_int_eq(OOM("set", om_str("a key too long to be inline"), om_int(0)), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 2); /* the index, the entries */
	for (int i = 1; i < 40; i++) {
		snprintf(key, sizeof key, "key %d", i);
		ck_assert_int_eq(OOM("set", om_str(key), om_int(i)), OM_OK);
		failures += th_oom_failures;
	}
	ck_assert_uint_ge(failures, 6); /* every growth of the index and of the entries */
	ck_assert_int_eq(OOM("set", om_str("key 7"), om_str("replaced")), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 0);
	ck_assert_uint_eq(dict_type.len(users), 40);
	D("get", om_str("key 7"));
	th_expect(om_str("replaced"));
	D("keys");
	ck_assert_uint_eq(th_answer()->len, 40);
	th_expect_at(&th_answer()->as.items[0], om_str("a key too long to be inline"), __FILE__, __LINE__);
	th_expect_at(&th_answer()->as.items[39], om_str("key 39"), __FILE__, __LINE__);
}
END_TEST

START_TEST(test_dict_update_out_of_memory_stores_no_pair)
{
	D("set", om_str("a"), om_int(1));
	D("set", om_str("b"), om_int(2));
	D("set", om_str("c"), om_int(3));
	om_value pairs[] = {om_str("b"), om_int(20), om_str("d"), om_int(4), om_str("e"), om_int(5),
			    om_str("f"), om_int(6), om_str("a"), om_int(10)};
	ck_assert_int_eq(OOM("update", om_map(pairs, 5)), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 2); /* 6 keys: the index grows */
	D("items");
	th_expect_map(om_str("a"), om_int(10), om_str("b"), om_int(20), om_str("c"), om_int(3),
		      om_str("d"), om_int(4), om_str("e"), om_int(5), om_str("f"), om_int(6));
}
END_TEST

START_TEST(test_dict_setdefault_and_incr_out_of_memory_change_nothing)
{
	ck_assert_int_eq(OOM("setdefault", om_str("k"), om_str("a value too long to be inline")),
			 OM_OK);
	ck_assert_uint_eq(th_oom_failures, 2);
	th_expect(om_str("a value too long to be inline"));
	ck_assert_int_eq(OOM("setdefault", om_str("k"), om_str("other")), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 0);
	for (int i = 0; i < 2; i++)
		D("set", om_int(i), om_nil());
	ck_assert_int_eq(OOM("incr", om_str("n"), om_int(5)), OM_OK); /* the 4th entry: entries grow */
	ck_assert_uint_eq(th_oom_failures, 1);
	th_expect(om_int(5));
	D("items");
	th_expect_map(om_str("k"), om_str("a value too long to be inline"), om_int(0), om_nil(),
		      om_int(1), om_nil(), om_str("n"), om_int(5));
}
END_TEST

START_TEST(test_dict_reads_out_of_memory_answer_limit)
{
	D("set", om_str("first long key!"), om_str("first long value"));
	D("set", om_str("short"), om_str("second long value"));
	D("set", om_str("third long key!"), om_int(3));
	ck_assert_int_eq(OOM("items"), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 6); /* the map, then each string */
	th_expect_map(om_str("first long key!"), om_str("first long value"), om_str("short"),
		      om_str("second long value"), om_str("third long key!"), om_int(3));
	ck_assert_int_eq(OOM("keys"), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 4);
	th_expect_array(om_str("first long key!"), om_str("short"), om_str("third long key!"));
	ck_assert_int_eq(OOM("values"), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 3);
	th_expect_array(om_str("first long value"), om_str("second long value"), om_int(3));
	ck_assert_int_eq(OOM("scan", om_int(0), om_int(2)), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 6); /* the array, the map, then each string */
	th_expect_array(om_int(2), om_map((om_value[]){om_str("first long key!"), om_str("first long value"),
						      om_str("short"), om_str("second long value")}, 2));
}
END_TEST

/* A removal allocates only to shrink the table: without memory it removes all the same. */
START_TEST(test_dict_removals_need_no_memory)
{
	for (int i = 0; i < 64; i++)
		D("set", om_int(i), om_int(-i));
	unsigned long shrinks_failed = 0;
	for (int i = 0; i < 62; i++) {
		mem_fail_nth(1); /* an int param is copied without allocating */
		th_assert(D(i % 2 ? "del" : "pop", om_int(i)) == OM_OK, "removing %d", i);
		shrinks_failed += !mem_fail_pending();
		mem_fail_nth(0);
	}
	ck_assert_uint_gt(shrinks_failed, 0);
	mem_fail_nth(1);
	ck_assert_int_eq(D("popitem"), OM_OK);
	mem_fail_nth(0);
	th_expect_array(om_int(63), om_int(-63));
	D("items");
	th_expect_map(om_int(62), om_int(-62));
	D("set", om_int(100), om_int(0));
	D("items");
	th_expect_map(om_int(62), om_int(-62), om_int(100), om_int(0));
}
END_TEST

START_TEST(test_dict_create_out_of_memory_answers_limit)
{
	th_create_oom(&dict_type, NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dict");
	TCase *tc = tcase_create("dict");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dict_set_then_get_answers_value);
	tcase_add_test(tc, test_dict_set_replaces_value);
	tcase_add_test(tc, test_dict_get_missing_is_key_error);
	tcase_add_test(tc, test_dict_get_missing_answers_default);
	tcase_add_test(tc, test_dict_has);
	tcase_add_test(tc, test_dict_del_removes_key);
	tcase_add_test(tc, test_dict_del_missing_is_key_error);
	tcase_add_test(tc, test_dict_pop_answers_value_and_removes_key);
	tcase_add_test(tc, test_dict_pop_missing_is_key_error_or_default);
	tcase_add_test(tc, test_dict_setdefault_stores_only_when_absent);
	tcase_add_test(tc, test_dict_len_keys_values_items_in_insertion_order);
	tcase_add_test(tc, test_dict_reads_of_empty_dict);
	tcase_add_test(tc, test_dict_reinsert_keeps_position);
	tcase_add_test(tc, test_dict_reinsert_goes_last);
	tcase_add_test(tc, test_dict_update_stores_pairs_in_order);
	tcase_add_test(tc, test_dict_update_with_repeated_key_keeps_last_value);
	tcase_add_test(tc, test_dict_clear_empties_and_dict_stays_usable);
	tcase_add_test(tc, test_dict_popitem_answers_last_inserted);
	tcase_add_test(tc, test_dict_pop_and_popitem_move_short_and_long_strings_out);
	tcase_add_test(tc, test_dict_popitem_skips_deleted_entries);
	tcase_add_test(tc, test_dict_popitem_empty_is_key_error);
	tcase_add_test(tc, test_dict_int_and_float_keys_are_distinct);
	tcase_add_test(tc, test_dict_equal_numbers_are_one_key);
	tcase_add_test(tc, test_dict_keys_of_every_kind);
	tcase_add_test(tc, test_dict_short_and_long_strings_round_trip);
	tcase_add_test(tc, test_dict_incr_missing_key_counts_as_zero);
	tcase_add_test(tc, test_dict_incr_with_float_gives_float);
	tcase_add_test(tc, test_dict_incr_non_number_is_wrong_type);
	tcase_add_test(tc, test_dict_incr_overflow_is_value_error_and_changes_nothing);
	tcase_add_test(tc, test_dict_incr_mixes_int_and_uint_exactly);
	tcase_add_test(tc, test_dict_100k_keys_resize_and_keep_order);
	tcase_add_test(tc, test_dict_shrinks_after_mass_delete);
	tcase_add_test(tc, test_dict_scan_of_empty_dict_ends_at_once);
	tcase_add_test(tc, test_dict_scan_walks_every_key_once_in_pages_of_count);
	tcase_add_test(tc, test_dict_scan_pages_keep_insertion_order);
	tcase_add_test(tc, test_dict_scan_with_changes_between_pages_answers_every_lasting_key);
	tcase_add_test(tc, test_dict_scan_across_a_compaction_goes_back_by_the_holes);
	tcase_add_test(tc, test_dict_scan_after_clear_ends_without_old_keys);
	tcase_add_test(tc, test_dict_scan_with_popitem_between_pages);
	tcase_add_test(tc, test_dict_scan_page_over_holes_may_be_empty);
	tcase_add_test(tc, test_dict_scan_page_stops_at_a_mebibyte);
	tcase_add_test(tc, test_dict_scan_bad_cursor_or_count_is_value_error);
	tcase_add_test(tc, test_dict_scan_any_cursor_is_safe);
	tcase_add_test(tc, test_dict_create_accepts_nil_or_empty_options);
	tcase_add_test(tc, test_dict_create_rejects_options);
	tcase_add_test(tc, test_dict_params_are_checked);
	tcase_add_test(tc, test_dict_op_table);
	tcase_add_test(tc, test_dict_set_out_of_memory_changes_nothing);
	tcase_add_test(tc, test_dict_update_out_of_memory_stores_no_pair);
	tcase_add_test(tc, test_dict_setdefault_and_incr_out_of_memory_change_nothing);
	tcase_add_test(tc, test_dict_reads_out_of_memory_answer_limit);
	tcase_add_test(tc, test_dict_removals_need_no_memory);
	tcase_add_test(tc, test_dict_create_out_of_memory_answers_limit);
	suite_add_tcase(s, tc);
	return check_main(s);
}
