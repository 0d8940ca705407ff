/*
 * test-integration-types.c — every wire method of dict, list, counter,
 * objects and server, through libobjmgr's typed functions, against a real
 * objmgrd: exact results, exact error codes and messages, and the client's
 * error state and reconnection.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "check-main.h"
#include "harness.h"
#include "objmgr.h"

/* One objmgrd per test case, started and stopped by the runner so it is stopped even after failures. */
/* Each test's client, connected to an empty registry. */
static om_client *c;

static void client_setup(void)
{
	/* A wedged server fails each test with a message, not a Check timeout. */
	om_options opts = {.timeout_s = 10};
	c = om_connect(harness_srv.socket, &opts);
	ck_assert_msg(om_errcode(c) == OM_OK, "%s", om_errmsg(c));
	om_value all;
	ck_assert_int_eq(om_objects_list(c, &all), OM_OK);
	for (uint32_t i = 0; i < all.len; i++)
		ck_assert_int_eq(om_objects_delete(c, all.as.items[2 * i].as.str, NULL), OM_OK);
	om_value_free(&all);
}

static void client_teardown(void)
{
	om_close(c);
}

/* expr succeeds, and leaves the client's error state clear. */
#define assert_ok(expr)                                                                  \
	do {                                                                             \
		int rc_ = (expr);                                                        \
		ck_assert_msg(rc_ == OM_OK, "%s: %s: %s", #expr, om_code_name(rc_),      \
			      om_errmsg(c));                                             \
		ck_assert_int_eq(om_errcode(c), OM_OK);                                  \
		ck_assert_str_eq(om_errmsg(c), "");                                      \
	} while (0)

/* expr fails with code, and the client holds that code and exactly msg. */
#define assert_fails(expr, code, msg)                                                    \
	do {                                                                             \
		int rc_ = (expr);                                                        \
		ck_assert_msg(rc_ == (code), "%s: wanted %s, got %s: %s", #expr,         \
			      om_code_name(code), om_code_name(rc_), om_errmsg(c));      \
		ck_assert_int_eq(om_errcode(c), (code));                                 \
		ck_assert_str_eq(om_errmsg(c), (msg));                                   \
	} while (0)

/* v renders as want; then v is freed. */
#define assert_value(v, want)                                                            \
	do {                                                                             \
		char buf_[4096];                                                         \
		om_value_format(&(v), buf_, sizeof buf_);                                \
		ck_assert_str_eq(buf_, (want));                                          \
		om_value_free(&(v));                                                     \
	} while (0)

#define assert_objects(want)                                                             \
	do {                                                                             \
		om_value all_;                                                           \
		assert_ok(om_objects_list(c, &all_));                                    \
		assert_value(all_, (want));                                              \
	} while (0)

/* --- dict ---------------------------------------------------------------- */

START_TEST(test_dict_set_then_get_returns_the_value)
{
	om_dict *d = om_dict_open(c, "d");
	om_value tags[] = {om_str("admin"), om_int(-7), om_float(0.5)};
	om_value pairs[] = {om_str("name"), om_str("alice"), om_str("tags"), om_array(tags, 3)};
	om_value v;
	assert_ok(om_dict_set(d, om_str("alice"), om_map(pairs, 2)));
	assert_ok(om_dict_get(d, om_str("alice"), &v));
	assert_value(v, "{\"name\": \"alice\", \"tags\": [\"admin\", -7, 0.5]}");
	assert_objects("{\"d\": \"dict\"}");
	om_dict_close(d);
}
END_TEST

START_TEST(test_dict_set_of_an_existing_key_keeps_its_position)
{
	om_dict *d = om_dict_open(c, "d");
	om_value v;
	assert_ok(om_dict_set(d, om_str("a"), om_int(1)));
	assert_ok(om_dict_set(d, om_str("b"), om_int(2)));
	assert_ok(om_dict_set(d, om_str("c"), om_int(3)));
	assert_ok(om_dict_set(d, om_str("a"), om_int(9)));
	assert_ok(om_dict_items(d, &v));
	assert_value(v, "{\"a\": 9, \"b\": 2, \"c\": 3}");
	om_dict_close(d);
}
END_TEST

START_TEST(test_dict_reinsert_after_del_goes_last)
{
	om_dict *d = om_dict_open(c, "d");
	om_value v;
	assert_ok(om_dict_set(d, om_str("a"), om_int(1)));
	assert_ok(om_dict_set(d, om_str("b"), om_int(2)));
	assert_ok(om_dict_del(d, om_str("a")));
	assert_ok(om_dict_set(d, om_str("a"), om_int(3)));
	assert_ok(om_dict_keys(d, &v));
	assert_value(v, "[\"b\", \"a\"]");
	om_dict_close(d);
}
END_TEST

START_TEST(test_dict_get_of_a_missing_key_is_key_error)
{
	om_dict *d = om_dict_open(c, "users");
	om_value v = om_int(1);
	assert_ok(om_dict_set(d, om_str("alice"), om_int(3)));
	assert_fails(om_dict_get(d, om_str("bob"), &v), OM_KEY_ERROR,
		     "dict 'users' has no key \"bob\"");
	ck_assert_int_eq(v.kind, OM_NIL);
	om_dict_close(d);
}
END_TEST

/*
 * Keys and values only looked up (dict.get/has/pop/del, list.index/count/
 * remove) reach the handler as views into the request: a container of
 * strings, in another order, still finds what was stored, and errors name
 * it whole.
 */
START_TEST(test_container_keys_are_found_in_any_order)
{
	om_dict *d = om_dict_open(c, "d");
	om_list *l = om_list_open(c, "l");
	om_value tags[] = {om_str("x"), om_str("yz")};
	om_value stored[] = {om_str("name"), om_str("alice"), om_str("tags"), om_array(tags, 2)};
	om_value asked[] = {om_str("tags"), om_array(tags, 2), om_str("name"), om_str("alice")};
	om_value other[] = {om_str("tags"), om_array(tags, 1), om_str("name"), om_str("alice")};
	om_value key = om_map(stored, 2), same = om_map(asked, 2), missing = om_map(other, 2);
	om_value v;
	bool has;
	size_t n;
	assert_ok(om_dict_set(d, key, om_int(1)));
	assert_ok(om_dict_get(d, same, &v));
	assert_value(v, "1");
	assert_ok(om_dict_has(d, same, &has));
	ck_assert(has);
	assert_fails(om_dict_get(d, missing, &v), OM_KEY_ERROR,
		     "dict 'd' has no key {\"tags\": [\"x\"], \"name\": \"alice\"}");
	assert_ok(om_dict_pop(d, same, &v));
	assert_value(v, "1");
	assert_ok(om_dict_set(d, key, om_int(2)));
	assert_ok(om_dict_del(d, same));
	assert_fails(om_dict_del(d, same), OM_KEY_ERROR,
		     "dict 'd' has no key {\"tags\": [\"x\", \"yz\"], \"name\": \"alice\"}");
	assert_ok(om_list_append(l, key, NULL));
	assert_ok(om_list_append(l, key, NULL));
	assert_ok(om_list_index(l, same, &n));
	ck_assert_uint_eq(n, 0);
	assert_ok(om_list_count(l, same, &n));
	ck_assert_uint_eq(n, 2);
	assert_ok(om_list_remove(l, same));
	assert_ok(om_list_count(l, same, &n));
	ck_assert_uint_eq(n, 1);
	assert_fails(om_list_remove(l, missing), OM_VALUE_ERROR,
		     "list 'l' does not contain {\"tags\": [\"x\"], \"name\": \"alice\"}");
	om_list_close(l);
	om_dict_close(d);
}
END_TEST

START_TEST(test_dict_get_default_answers_the_default_only_when_absent)
{
	om_dict *d = om_dict_open(c, "d");
	om_value v;
	assert_ok(om_dict_set(d, om_str("k"), om_str("v")));
	assert_ok(om_dict_get_default(d, om_str("k"), om_str("none"), &v));
	assert_value(v, "\"v\"");
	assert_ok(om_dict_get_default(d, om_str("other"), om_str("none"), &v));
	assert_value(v, "\"none\"");
	assert_ok(om_dict_get_default(d, om_str("other"), om_nil(), &v));
	assert_value(v, "null");
	om_dict_close(d);
}
END_TEST

START_TEST(test_dict_has_tells_whether_a_key_is_present)
{
	om_dict *d = om_dict_open(c, "d");
	bool has = true;
	assert_ok(om_dict_has(d, om_int(1), &has));
	ck_assert(!has);
	assert_ok(om_dict_set(d, om_int(1), om_nil()));
	assert_ok(om_dict_has(d, om_int(1), &has));
	ck_assert(has);
	assert_ok(om_dict_has(d, om_float(1.0), &has));
	ck_assert(!has);
	om_dict_close(d);
}
END_TEST

START_TEST(test_dict_del_removes_a_key_and_fails_on_a_missing_one)
{
	om_dict *d = om_dict_open(c, "d");
	size_t n = 99;
	assert_ok(om_dict_set(d, om_str("k"), om_int(1)));
	assert_ok(om_dict_del(d, om_str("k")));
	assert_ok(om_dict_len(d, &n));
	ck_assert_uint_eq(n, 0);
	assert_fails(om_dict_del(d, om_str("k")), OM_KEY_ERROR, "dict 'd' has no key \"k\"");
	om_dict_close(d);
}
END_TEST

START_TEST(test_dict_pop_returns_the_removed_value)
{
	om_dict *d = om_dict_open(c, "d");
	om_value v;
	assert_ok(om_dict_set(d, om_str("k"), om_array(NULL, 0)));
	assert_ok(om_dict_pop(d, om_str("k"), &v));
	assert_value(v, "[]");
	assert_fails(om_dict_pop(d, om_str("k"), &v), OM_KEY_ERROR, "dict 'd' has no key \"k\"");
	ck_assert_int_eq(v.kind, OM_NIL);
	assert_ok(om_dict_pop_default(d, om_str("k"), om_int(0), &v));
	assert_value(v, "0");
	assert_ok(om_dict_set(d, om_str("k"), om_int(5)));
	assert_ok(om_dict_pop_default(d, om_str("k"), om_int(0), &v));
	assert_value(v, "5");
	om_dict_close(d);
}
END_TEST

START_TEST(test_dict_setdefault_stores_only_when_absent)
{
	om_dict *d = om_dict_open(c, "d");
	om_value v;
	assert_ok(om_dict_setdefault(d, om_str("k"), om_int(1), &v));
	assert_value(v, "1");
	assert_ok(om_dict_setdefault(d, om_str("k"), om_int(2), &v));
	assert_value(v, "1");
	assert_ok(om_dict_get(d, om_str("k"), &v));
	assert_value(v, "1");
	om_dict_close(d);
}
END_TEST

START_TEST(test_dict_len_keys_values_items_follow_insertion_order)
{
	om_dict *d = om_dict_open(c, "d");
	om_value v;
	size_t n;
	assert_ok(om_dict_set(d, om_str("z"), om_int(1)));
	assert_ok(om_dict_set(d, om_int(2), om_str("two")));
	assert_ok(om_dict_set(d, om_nil(), om_bool(false)));
	assert_ok(om_dict_len(d, &n));
	ck_assert_uint_eq(n, 3);
	assert_ok(om_dict_keys(d, &v));
	assert_value(v, "[\"z\", 2, null]");
	assert_ok(om_dict_values(d, &v));
	assert_value(v, "[1, \"two\", false]");
	assert_ok(om_dict_items(d, &v));
	assert_value(v, "{\"z\": 1, 2: \"two\", null: false}");
	om_dict_close(d);
}
END_TEST

START_TEST(test_dict_update_stores_every_pair_in_order)
{
	om_dict *d = om_dict_open(c, "d");
	om_value v;
	om_value pairs[] = {om_str("b"), om_int(20), om_str("c"), om_int(30)};
	assert_ok(om_dict_set(d, om_str("a"), om_int(1)));
	assert_ok(om_dict_set(d, om_str("b"), om_int(2)));
	assert_ok(om_dict_update(d, om_map(pairs, 2)));
	assert_ok(om_dict_items(d, &v));
	assert_value(v, "{\"a\": 1, \"b\": 20, \"c\": 30}");
	om_dict_close(d);
}
END_TEST

START_TEST(test_dict_clear_empties_it_and_keeps_it)
{
	om_dict *d = om_dict_open(c, "d");
	om_value v;
	size_t n = 99;
	assert_ok(om_dict_set(d, om_str("a"), om_int(1)));
	assert_ok(om_dict_clear(d));
	assert_ok(om_dict_len(d, &n));
	ck_assert_uint_eq(n, 0);
	assert_ok(om_objects_type(c, "d", &v));
	assert_value(v, "\"dict\"");
	om_dict_close(d);
}
END_TEST

START_TEST(test_dict_popitem_removes_the_last_inserted_pair)
{
	om_dict *d = om_dict_open(c, "d");
	om_value k, v;
	assert_ok(om_dict_set(d, om_str("a"), om_int(1)));
	assert_ok(om_dict_set(d, om_str("b"), om_int(2)));
	assert_ok(om_dict_popitem(d, &k, &v));
	assert_value(k, "\"b\"");
	assert_value(v, "2");
	assert_ok(om_dict_popitem(d, NULL, &v));
	assert_value(v, "1");
	assert_fails(om_dict_popitem(d, &k, &v), OM_KEY_ERROR, "dict 'd' is empty");
	ck_assert_int_eq(k.kind, OM_NIL);
	ck_assert_int_eq(v.kind, OM_NIL);
	om_dict_close(d);
}
END_TEST

START_TEST(test_dict_incr_counts_a_missing_key_as_zero)
{
	om_dict *d = om_dict_open(c, "d");
	om_value v;
	assert_ok(om_dict_incr(d, om_str("hits"), om_int(5), &v));
	assert_value(v, "5");
	assert_ok(om_dict_incr(d, om_str("hits"), om_int(-7), &v));
	assert_value(v, "-2");
	assert_ok(om_dict_incr(d, om_str("hits"), om_float(0.5), &v));
	ck_assert_int_eq(v.kind, OM_FLOAT64);
	assert_value(v, "-1.5");
	assert_ok(om_dict_get(d, om_str("hits"), &v));
	assert_value(v, "-1.5");
	om_dict_close(d);
}
END_TEST

START_TEST(test_dict_incr_of_a_non_number_is_wrong_type)
{
	om_dict *d = om_dict_open(c, "d");
	om_value v;
	assert_ok(om_dict_set(d, om_str("name"), om_str("alice")));
	assert_fails(om_dict_incr(d, om_str("name"), om_int(1), &v), OM_WRONG_TYPE,
		     "dict 'd': the value under key \"name\" is a str, not a number");
	om_dict_close(d);
}
END_TEST

START_TEST(test_dict_incr_overflow_is_value_error_and_stores_nothing)
{
	om_dict *d = om_dict_open(c, "d");
	om_value v;
	assert_ok(om_dict_set(d, om_str("n"), om_int(INT64_MAX)));
	assert_fails(om_dict_incr(d, om_str("n"), om_int(1), &v), OM_VALUE_ERROR,
		     "dict 'd': 9223372036854775807 + 1 under key \"n\" overflows int64");
	assert_ok(om_dict_get(d, om_str("n"), &v));
	assert_value(v, "9223372036854775807");
	om_dict_close(d);
}
END_TEST

START_TEST(test_dict_keys_of_every_kind_are_distinct)
{
	om_dict *d = om_dict_open(c, "d");
	om_value one[] = {om_int(1)};
	om_value pair[] = {om_str("a"), om_int(1)};
	om_value keys[] = {
		om_int(1), om_float(1.0), om_str("1"), om_bin("1", 1), om_array(one, 1),
		om_map(pair, 1), om_nil(), om_bool(true), om_ref("1"),
	};
	size_t nkeys = sizeof keys / sizeof keys[0], n;
	for (size_t i = 0; i < nkeys; i++)
		assert_ok(om_dict_set(d, keys[i], om_int((int64_t)i)));
	assert_ok(om_dict_len(d, &n));
	ck_assert_uint_eq(n, nkeys);
	for (size_t i = 0; i < nkeys; i++) {
		om_value v;
		assert_ok(om_dict_get(d, keys[i], &v));
		ck_assert_int_eq(v.kind, OM_INT);
		ck_assert_int_eq(v.as.i, (int64_t)i);
		om_value_free(&v);
	}
	/* An integer too large for int64_t is still equal to itself. */
	assert_ok(om_dict_set(d, om_uint(UINT64_MAX), om_str("max")));
	om_value v;
	assert_ok(om_dict_get(d, om_uint(UINT64_MAX), &v));
	assert_value(v, "\"max\"");
	om_dict_close(d);
}
END_TEST

START_TEST(test_values_of_every_kind_round_trip)
{
	om_dict *d = om_dict_open(c, "d");
	om_value f32 = om_float(1.5);
	f32.kind = OM_FLOAT32;
	om_value inner[] = {om_nil(), om_bool(false)};
	om_value pairs[] = {om_int(1), om_array(inner, 2)};
	om_value all[] = {
		om_nil(), om_bool(true), om_int(INT64_MIN), om_int(-1), om_uint(UINT64_MAX),
		om_float(-0.25), f32, om_str(""), om_strn("a\0b", 3), om_bin("\0\xff", 2),
		om_ext(42, "xyz", 3), om_ref("target"), om_map(pairs, 1),
	};
	om_value sent = om_array(all, sizeof all / sizeof all[0]), back;
	assert_ok(om_dict_set(d, om_str("k"), sent));
	assert_ok(om_dict_get(d, om_str("k"), &back));
	ck_assert(om_value_equal(&sent, &back));
	ck_assert_int_eq(back.as.items[6].kind, OM_FLOAT32);
	ck_assert_int_eq(back.as.items[10].kind, OM_EXT);
	ck_assert_int_eq(back.as.items[10].ext_type, 42);
	ck_assert_int_eq(back.as.items[11].kind, OM_REF);
	ck_assert_str_eq(back.as.items[11].as.str, "target");
	ck_assert_uint_eq(back.as.items[8].len, 3);
	ck_assert_int_eq(memcmp(back.as.items[8].as.str, "a\0b", 4), 0);
	om_value_free(&back);
	om_dict_close(d);
}
END_TEST

START_TEST(test_a_reference_reaches_the_shared_object)
{
	om_dict *jobs_by_user = om_dict_open(c, "jobs-by-user");
	om_value ref, v;
	assert_ok(om_dict_set(jobs_by_user, om_str("alice"), om_ref("alice-jobs")));
	assert_ok(om_dict_get(jobs_by_user, om_str("alice"), &ref));
	ck_assert_int_eq(ref.kind, OM_REF);
	om_list *jobs = om_list_open(c, ref.as.str);
	assert_ok(om_list_append(jobs, om_int(7), NULL));
	om_list_close(jobs);
	om_value_free(&ref);

	om_list *again = om_list_open(c, "alice-jobs");
	assert_ok(om_list_items(again, &v));
	assert_value(v, "[7]");
	om_list_close(again);
	om_dict_close(jobs_by_user);
}
END_TEST

/* A map of n int pairs {i: i}, its pairs stored in reverse when reversed. */
static om_value int_map(uint32_t n, bool reversed)
{
	om_value *items = calloc(2 * (size_t)n, sizeof *items);
	ck_assert_ptr_nonnull(items);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = reversed ? n - 1 - i : i;
		items[2 * i] = om_int(k);
		items[2 * i + 1] = om_int(k);
	}
	return om_map(items, n);
}

START_TEST(test_a_large_map_key_is_found_with_its_pairs_in_another_order)
{
	om_dict *d = om_dict_open(c, "d");
	om_value stored = int_map(100000, false), asked = int_map(100000, true), v;
	assert_ok(om_dict_set(d, stored, om_int(1)));
	assert_ok(om_dict_get(d, asked, &v));
	assert_value(v, "1");
	free(stored.as.items);
	free(asked.as.items);
	om_dict_close(d);
}
END_TEST

START_TEST(test_a_reference_that_is_no_object_name_is_bad_params)
{
	om_dict *d = om_dict_open(c, "d");
	char *big = malloc(1026);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 1025);
	big[1025] = '\0';
	om_value empty = om_ref(""), nul = om_ref("a"), too_long = om_ref(big), ok = om_ref(big + 1);
	nul.len = 2; /* "a\0" */
	om_value nested_items[] = {om_str("k"), om_array(&too_long, 1)};
	const char *bad_value = "dict.set: parameter 'value' holds a reference whose name is not a "
				"valid object name (1 to 1024 bytes without NUL)";
	assert_fails(om_dict_set(d, om_str("k"), empty), OM_BAD_PARAMS, bad_value);
	assert_fails(om_dict_set(d, om_str("k"), nul), OM_BAD_PARAMS, bad_value);
	assert_fails(om_dict_set(d, om_str("k"), om_map(nested_items, 1)), OM_BAD_PARAMS,
		     bad_value);
	assert_fails(om_dict_set(d, too_long, om_int(1)), OM_BAD_PARAMS,
		     "dict.set: parameter 'key' holds a reference whose name is not a valid "
		     "object name (1 to 1024 bytes without NUL)");
	assert_objects("{}");
	assert_ok(om_dict_set(d, ok, om_int(1)));
	free(big);
	om_dict_close(d);
}
END_TEST

/* --- list ---------------------------------------------------------------- */

/* Fills l with the ints 0..n-1. */
static void list_fill(om_list *l, int n)
{
	for (int i = 0; i < n; i++)
		assert_ok(om_list_append(l, om_int(i), NULL));
}

START_TEST(test_list_append_and_extend_return_the_new_length)
{
	om_list *l = om_list_open(c, "l");
	om_value more[] = {om_str("b"), om_str("c")};
	om_value v;
	size_t n = 0;
	assert_ok(om_list_append(l, om_str("a"), &n));
	ck_assert_uint_eq(n, 1);
	assert_ok(om_list_extend(l, om_array(more, 2), &n));
	ck_assert_uint_eq(n, 3);
	assert_ok(om_list_extend(l, om_array(NULL, 0), &n));
	ck_assert_uint_eq(n, 3);
	assert_ok(om_list_items(l, &v));
	assert_value(v, "[\"a\", \"b\", \"c\"]");
	om_list_close(l);
}
END_TEST

START_TEST(test_list_insert_clamps_its_index_like_python)
{
	om_list *l = om_list_open(c, "l");
	om_value v;
	size_t n = 0;
	assert_ok(om_list_insert(l, 0, om_str("b"), &n));
	ck_assert_uint_eq(n, 1);
	assert_ok(om_list_insert(l, 100, om_str("c"), &n));
	assert_ok(om_list_insert(l, -100, om_str("a"), &n));
	assert_ok(om_list_insert(l, -1, om_str("x"), &n));
	ck_assert_uint_eq(n, 4);
	assert_ok(om_list_items(l, &v));
	assert_value(v, "[\"a\", \"b\", \"x\", \"c\"]");
	om_list_close(l);
}
END_TEST

START_TEST(test_list_get_counts_negative_indexes_from_the_end)
{
	om_list *l = om_list_open(c, "l");
	om_value v = om_int(5);
	list_fill(l, 3);
	assert_ok(om_list_get(l, 0, &v));
	assert_value(v, "0");
	assert_ok(om_list_get(l, -1, &v));
	assert_value(v, "2");
	assert_ok(om_list_get(l, -3, &v));
	assert_value(v, "0");
	assert_fails(om_list_get(l, 3, &v), OM_INDEX_ERROR,
		     "list 'l' index 3 out of range (length 3)");
	ck_assert_int_eq(v.kind, OM_NIL);
	assert_fails(om_list_get(l, -4, &v), OM_INDEX_ERROR,
		     "list 'l' index -4 out of range (length 3)");
	om_list_close(l);
}
END_TEST

START_TEST(test_list_set_replaces_an_item)
{
	om_list *l = om_list_open(c, "l");
	om_value v;
	list_fill(l, 3);
	assert_ok(om_list_set(l, 1, om_str("one")));
	assert_ok(om_list_set(l, -1, om_str("two")));
	assert_ok(om_list_items(l, &v));
	assert_value(v, "[0, \"one\", \"two\"]");
	assert_fails(om_list_set(l, 3, om_nil()), OM_INDEX_ERROR,
		     "list 'l' index 3 out of range (length 3)");
	om_list_close(l);
}
END_TEST

START_TEST(test_list_pop_removes_the_last_or_the_given_item)
{
	om_list *l = om_list_open(c, "l");
	om_value v;
	list_fill(l, 4);
	assert_ok(om_list_pop(l, &v));
	assert_value(v, "3");
	assert_ok(om_list_pop_at(l, 0, &v));
	assert_value(v, "0");
	assert_ok(om_list_pop_at(l, -1, &v));
	assert_value(v, "2");
	assert_fails(om_list_pop_at(l, 1, &v), OM_INDEX_ERROR,
		     "list 'l' index 1 out of range (length 1)");
	assert_ok(om_list_items(l, &v));
	assert_value(v, "[1]");
	assert_ok(om_list_pop(l, &v));
	assert_value(v, "1");
	assert_fails(om_list_pop(l, &v), OM_INDEX_ERROR, "list 'l' is empty");
	om_list_close(l);
}
END_TEST

START_TEST(test_list_popleft_removes_the_first_item)
{
	om_list *l = om_list_open(c, "l");
	om_value v;
	list_fill(l, 2);
	assert_ok(om_list_popleft(l, &v));
	assert_value(v, "0");
	assert_ok(om_list_popleft(l, &v));
	assert_value(v, "1");
	assert_fails(om_list_popleft(l, &v), OM_INDEX_ERROR, "list 'l' is empty");
	om_list_close(l);
}
END_TEST

START_TEST(test_list_remove_removes_the_first_equal_item)
{
	om_list *l = om_list_open(c, "l");
	om_value items[] = {om_str("a"), om_str("b"), om_str("a")};
	om_value v;
	assert_ok(om_list_extend(l, om_array(items, 3), NULL));
	assert_ok(om_list_remove(l, om_str("a")));
	assert_ok(om_list_items(l, &v));
	assert_value(v, "[\"b\", \"a\"]");
	assert_fails(om_list_remove(l, om_str("z")), OM_VALUE_ERROR,
		     "list 'l' does not contain \"z\"");
	om_list_close(l);
}
END_TEST

START_TEST(test_list_index_and_count_find_equal_items)
{
	om_list *l = om_list_open(c, "l");
	om_value items[] = {om_int(1), om_float(1.0), om_int(1), om_str("x")};
	size_t n = 99;
	assert_ok(om_list_extend(l, om_array(items, 4), NULL));
	assert_ok(om_list_index(l, om_float(1.0), &n));
	ck_assert_uint_eq(n, 1);
	assert_ok(om_list_index(l, om_str("x"), &n));
	ck_assert_uint_eq(n, 3);
	assert_fails(om_list_index(l, om_str("y"), &n), OM_VALUE_ERROR,
		     "list 'l' does not contain \"y\"");
	ck_assert_uint_eq(n, 3);
	assert_ok(om_list_count(l, om_int(1), &n));
	ck_assert_uint_eq(n, 2);
	assert_ok(om_list_count(l, om_nil(), &n));
	ck_assert_uint_eq(n, 0);
	om_list_close(l);
}
END_TEST

START_TEST(test_list_slice_follows_python)
{
	om_list *l = om_list_open(c, "l");
	om_value v;
	size_t n;
	list_fill(l, 10);
	assert_ok(om_list_len(l, &n));
	ck_assert_uint_eq(n, 10);
	assert_ok(om_list_slice(l, om_int(2), om_int(5), &v));
	assert_value(v, "[2, 3, 4]");
	assert_ok(om_list_slice(l, om_nil(), om_int(3), &v));
	assert_value(v, "[0, 1, 2]");
	assert_ok(om_list_slice(l, om_int(-3), om_nil(), &v));
	assert_value(v, "[7, 8, 9]");
	assert_ok(om_list_slice(l, om_int(5), om_int(2), &v));
	assert_value(v, "[]");
	assert_ok(om_list_slice(l, om_int(-100), om_int(100), &v));
	assert_value(v, "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]");
	assert_fails(om_list_slice(l, om_str("a"), om_nil(), &v), OM_BAD_PARAMS,
		     "list.slice: parameter 'start' must be an integer or nil, got str");
	om_list_close(l);
}
END_TEST

START_TEST(test_list_clear_and_reverse_change_it_in_place)
{
	om_list *l = om_list_open(c, "l");
	om_value v;
	size_t n = 99;
	list_fill(l, 4);
	assert_ok(om_list_reverse(l));
	assert_ok(om_list_items(l, &v));
	assert_value(v, "[3, 2, 1, 0]");
	assert_ok(om_list_clear(l));
	assert_ok(om_list_len(l, &n));
	ck_assert_uint_eq(n, 0);
	assert_ok(om_objects_type(c, "l", &v));
	assert_value(v, "\"list\"");
	om_list_close(l);
}
END_TEST

START_TEST(test_list_sort_orders_values_of_every_type)
{
	om_list *l = om_list_open(c, "l");
	om_value one[] = {om_int(1)};
	om_value items[] = {
		om_str("b"), om_int(2), om_nil(), om_float(1.5), om_bool(true), om_str("a"),
		om_bool(false), om_array(one, 1), om_int(1), om_float(1.0), om_bin("a", 1),
	};
	om_value v;
	assert_ok(om_list_extend(l, om_array(items, sizeof items / sizeof items[0]), NULL));
	assert_ok(om_list_sort(l, false));
	assert_ok(om_list_items(l, &v));
	assert_value(v, "[null, false, true, 1, 1.0, 1.5, 2, \"a\", \"b\", b64\"YQ==\", [1]]");
	assert_ok(om_list_sort(l, true));
	assert_ok(om_list_items(l, &v));
	assert_value(v, "[[1], b64\"YQ==\", \"b\", \"a\", 2, 1.5, 1.0, 1, true, false, null]");
	om_list_close(l);
}
END_TEST

START_TEST(test_list_splice_assigns_a_slice_like_python)
{
	om_list *l = om_list_open(c, "l");
	om_value a[] = {om_str("a")}, xyz[] = {om_str("x"), om_str("y"), om_str("z")};
	om_value v;
	size_t n = 99;
	/* A write: it makes the list on a free name. */
	assert_ok(om_list_splice(l, om_nil(), om_nil(), om_array(NULL, 0), &n));
	ck_assert_uint_eq(n, 0);
	assert_ok(om_objects_type(c, "l", &v));
	assert_value(v, "\"list\"");
	list_fill(l, 10);
	assert_ok(om_list_splice(l, om_int(2), om_int(5), om_array(a, 1), &n));
	ck_assert_uint_eq(n, 8);
	assert_ok(om_list_items(l, &v));
	assert_value(v, "[0, 1, \"a\", 5, 6, 7, 8, 9]");
	assert_ok(om_list_splice(l, om_int(-2), om_nil(), om_array(xyz, 3), &n));
	ck_assert_uint_eq(n, 9);
	assert_ok(om_list_splice(l, om_int(6), om_int(1), om_array(a, 1), &n));
	ck_assert_uint_eq(n, 10);
	assert_ok(om_list_items(l, &v));
	assert_value(v, "[0, 1, \"a\", 5, 6, 7, \"a\", \"x\", \"y\", \"z\"]");
	assert_ok(om_list_splice(l, om_nil(), om_int(-3), om_array(NULL, 0), &n));
	ck_assert_uint_eq(n, 3);
	assert_ok(om_list_items(l, &v));
	assert_value(v, "[\"x\", \"y\", \"z\"]");
	assert_fails(om_list_splice(l, om_float(1.0), om_nil(), om_array(a, 1), &n), OM_BAD_PARAMS,
		     "list.splice: parameter 'start' must be an integer or nil, got float");
	assert_fails(om_list_splice(l, om_int(0), om_nil(), om_str("abc"), &n), OM_BAD_PARAMS,
		     "list.splice: parameter 'array' must be an array, got str");
	ck_assert_uint_eq(n, 3);
	om_list_close(l);
	/* A failed call makes nothing. */
	om_list *other = om_list_open(c, "other");
	assert_fails(om_list_splice(other, om_nil(), om_str("x"), om_array(a, 1), NULL), OM_BAD_PARAMS,
		     "list.splice: parameter 'stop' must be an integer or nil, got str");
	assert_ok(om_objects_type(c, "other", &v));
	assert_value(v, "null");
	om_list_close(other);
}
END_TEST

START_TEST(test_list_repeat_multiplies_like_python)
{
	om_list *l = om_list_open(c, "l");
	om_value items[] = {om_int(1), om_str("a string too long to be inline")};
	om_value v;
	size_t n = 99;
	assert_ok(om_list_repeat(l, 1000000, &n));
	ck_assert_uint_eq(n, 0);
	assert_ok(om_objects_type(c, "l", &v));
	assert_value(v, "\"list\"");
	assert_ok(om_list_extend(l, om_array(items, 2), NULL));
	assert_ok(om_list_repeat(l, 3, &n));
	ck_assert_uint_eq(n, 6);
	assert_ok(om_list_items(l, &v));
	assert_value(v, "[1, \"a string too long to be inline\", 1, \"a string too long to be inline\", "
			"1, \"a string too long to be inline\"]");
	assert_fails(om_list_repeat(l, (int64_t)1 << 62, &n), OM_LIMIT,
		     "list.repeat: list 'l' times 4611686018427387904 would hold more than 64 MiB, "
		     "the most list.repeat makes");
	assert_fails(om_list_repeat(l, INT64_MAX, &n), OM_LIMIT,
		     "list.repeat: list 'l' times 9223372036854775807 would hold more than 64 MiB, "
		     "the most list.repeat makes");
	ck_assert_uint_eq(n, 6);
	assert_ok(om_list_len(l, &n));
	ck_assert_uint_eq(n, 6);
	assert_ok(om_list_repeat(l, 1, &n));
	ck_assert_uint_eq(n, 6);
	assert_ok(om_list_repeat(l, -1, &n));
	ck_assert_uint_eq(n, 0);
	assert_ok(om_list_items(l, &v));
	assert_value(v, "[]");
	/* n is an integer: a uint64 past INT64_MAX too, and nothing else. */
	om_value huge[] = {om_str("l"), om_uint(UINT64_MAX)};
	assert_ok(om_call(c, "list.repeat", huge, 2, &v));
	assert_value(v, "0");
	om_value half[] = {om_str("l"), om_float(0.5)};
	assert_fails(om_call(c, "list.repeat", half, 2, NULL), OM_BAD_PARAMS,
		     "list.repeat: parameter 'n' must be an integer, got float");
	om_list_close(l);
}
END_TEST

/* --- counter ------------------------------------------------------------- */

START_TEST(test_counter_get_of_a_missing_counter_is_zero)
{
	om_counter *n = om_counter_open(c, "n");
	om_value v;
	assert_ok(om_counter_get(n, &v));
	ck_assert_int_eq(v.kind, OM_INT);
	assert_value(v, "0");
	om_counter_close(n);
}
END_TEST

START_TEST(test_counter_set_and_add_return_exact_values)
{
	om_counter *n = om_counter_open(c, "n");
	om_value v;
	int64_t i = 0;
	assert_ok(om_counter_set(n, om_int(40)));
	assert_ok(om_counter_add(n, om_int(2), &v));
	assert_value(v, "42");
	assert_ok(om_counter_add_int(n, -50, &i));
	ck_assert_int_eq(i, -8);
	assert_ok(om_counter_add_int(n, 8, NULL));
	assert_ok(om_counter_get(n, &v));
	assert_value(v, "0");
	om_counter_close(n);
}
END_TEST

START_TEST(test_counter_becomes_a_float_when_a_float_is_added)
{
	om_counter *n = om_counter_open(c, "n");
	om_value v;
	int64_t i = 7;
	assert_ok(om_counter_set(n, om_int(1)));
	assert_ok(om_counter_add(n, om_float(1.5), &v));
	ck_assert_int_eq(v.kind, OM_FLOAT64);
	assert_value(v, "2.5");
	assert_fails(om_counter_add_int(n, 1, &i), OM_WRONG_TYPE,
		     "counter 'n' holds 3.5, not an integer (the addition was done)");
	ck_assert_int_eq(i, 7);
	assert_ok(om_counter_get(n, &v));
	assert_value(v, "3.5");
	om_counter_close(n);
}
END_TEST

START_TEST(test_counter_overflow_is_value_error_and_changes_nothing)
{
	om_counter *n = om_counter_open(c, "n");
	om_value v;
	assert_ok(om_counter_set(n, om_int(INT64_MAX)));
	assert_fails(om_counter_add(n, om_int(1), &v), OM_VALUE_ERROR,
		     "counter 'n': 9223372036854775807 + 1 overflows int64");
	assert_ok(om_counter_get(n, &v));
	assert_value(v, "9223372036854775807");
	om_counter_close(n);
}
END_TEST

START_TEST(test_counter_cas_swaps_only_an_equal_value)
{
	om_counter *n = om_counter_open(c, "n");
	om_value v;
	bool swapped = true;
	assert_ok(om_counter_set(n, om_int(1)));
	assert_ok(om_counter_cas(n, om_int(0), om_int(5), &swapped));
	ck_assert(!swapped);
	assert_ok(om_counter_cas(n, om_float(1.0), om_int(5), &swapped));
	ck_assert(!swapped);
	assert_ok(om_counter_cas(n, om_int(1), om_int(5), &swapped));
	ck_assert(swapped);
	assert_ok(om_counter_get(n, &v));
	assert_value(v, "5");
	om_counter_close(n);
}
END_TEST

START_TEST(test_counter_set_of_a_non_number_is_bad_params)
{
	om_counter *n = om_counter_open(c, "n");
	assert_fails(om_counter_set(n, om_str("x")), OM_BAD_PARAMS,
		     "counter.set: parameter 'value' must be a number, got str");
	assert_objects("{}");
	om_counter_close(n);
}
END_TEST

/* --- objects and server -------------------------------------------------- */

START_TEST(test_objects_list_maps_names_to_types_sorted_by_name)
{
	om_dict *d = om_dict_open(c, "b-dict");
	om_list *l = om_list_open(c, "c-list");
	om_counter *n = om_counter_open(c, "a-counter");
	assert_objects("{}");
	assert_ok(om_dict_set(d, om_int(1), om_int(1)));
	assert_ok(om_list_append(l, om_int(1), NULL));
	assert_ok(om_counter_add_int(n, 1, NULL));
	assert_objects("{\"a-counter\": \"counter\", \"b-dict\": \"dict\", \"c-list\": \"list\"}");
	om_dict_close(d);
	om_list_close(l);
	om_counter_close(n);
}
END_TEST

START_TEST(test_objects_type_is_nil_for_a_missing_name)
{
	om_value v;
	assert_ok(om_objects_type(c, "nobody", &v));
	assert_value(v, "null");
	assert_ok(om_objects_create(c, "q", "counter", om_nil()));
	assert_ok(om_objects_type(c, "q", &v));
	assert_value(v, "\"counter\"");
}
END_TEST

START_TEST(test_objects_delete_says_whether_it_existed)
{
	bool existed = false;
	assert_ok(om_objects_create(c, "d", "dict", om_nil()));
	assert_ok(om_objects_delete(c, "d", &existed));
	ck_assert(existed);
	assert_ok(om_objects_delete(c, "d", &existed));
	ck_assert(!existed);
	assert_objects("{}");
}
END_TEST

START_TEST(test_objects_create_is_idempotent_for_the_same_type)
{
	om_value none = om_map(NULL, 0), v;
	om_dict *d = om_dict_open(c, "d");
	assert_ok(om_objects_create(c, "d", "dict", om_nil()));
	assert_ok(om_dict_set(d, om_str("k"), om_int(1)));
	assert_ok(om_objects_create(c, "d", "dict", none));
	assert_ok(om_dict_items(d, &v));
	assert_value(v, "{\"k\": 1}");
	assert_ok(om_objects_create(c, "l", "list", none));
	assert_objects("{\"d\": \"dict\", \"l\": \"list\"}");
	om_dict_close(d);
}
END_TEST

START_TEST(test_objects_create_fails_for_another_or_an_unknown_type)
{
	om_value opts[] = {om_str("maxsize"), om_int(3)};
	assert_ok(om_objects_create(c, "d", "dict", om_nil()));
	assert_fails(om_objects_create(c, "d", "list", om_nil()), OM_WRONG_TYPE,
		     "\"d\" is a dict, not a list");
	assert_fails(om_objects_create(c, "x", "tree", om_nil()), OM_BAD_PARAMS,
		     "objects.create: unknown type \"tree\"");
	assert_fails(om_objects_create(c, "y", "list", om_map(opts, 1)), OM_BAD_PARAMS,
		     "objects.create: parameter 'options': list: unknown option 'maxsize'");
	assert_objects("{\"d\": \"dict\"}");
}
END_TEST

/* objects.create [name, type, options] with the options sent as given, nil included. */
static int create_raw(const char *name, const char *type, om_value options)
{
	om_value args[] = {om_str(name), om_str(type), options};
	return om_call(c, "objects.create", args, 3, NULL);
}

START_TEST(test_objects_create_takes_nil_options_as_none)
{
	om_value opts[] = {om_str("maxsize"), om_int(1)};
	assert_ok(create_raw("d", "dict", om_nil()));
	assert_ok(create_raw("d", "dict", om_nil()));
	assert_ok(create_raw("q", "queue", om_map(opts, 1)));
	assert_ok(create_raw("q", "queue", om_nil()));
	assert_objects("{\"d\": \"dict\", \"q\": \"queue\"}");
	assert_fails(create_raw("e", "dict", om_array(opts, 1)), OM_BAD_PARAMS,
		     "objects.create: parameter 'options' must be a map or nil, got array");
}
END_TEST

START_TEST(test_objects_create_checks_the_options_of_an_existing_object)
{
	om_value bogus[] = {om_str("bogus"), om_int(2)};
	om_value negative[] = {om_str("maxsize"), om_int(-1)};
	om_value other[] = {om_str("maxsize"), om_int(5)};
	om_value parties[] = {om_str("parties"), om_int(0)};
	om_value two[] = {om_str("parties"), om_int(2)};
	assert_ok(create_raw("q", "queue", om_nil()));
	assert_fails(create_raw("q", "queue", om_map(bogus, 1)), OM_BAD_PARAMS,
		     "objects.create: parameter 'options': queue: unknown option 'bogus'");
	assert_fails(create_raw("q", "queue", om_map(negative, 1)), OM_BAD_PARAMS,
		     "objects.create: parameter 'options': queue: option 'maxsize' must be a "
		     "non-negative integer");
	assert_ok(create_raw("q", "queue", om_map(other, 1))); /* valid: not compared */
	assert_ok(create_raw("b", "barrier", om_map(two, 1)));
	assert_ok(create_raw("b", "barrier", om_nil()));
	assert_ok(create_raw("b", "barrier", om_map(NULL, 0)));
	assert_fails(create_raw("b", "barrier", om_map(parties, 1)), OM_BAD_PARAMS,
		     "objects.create: parameter 'options': barrier: option 'parties' must be a "
		     "positive integer");
	assert_objects("{\"b\": \"barrier\", \"q\": \"queue\"}");
}
END_TEST

/* objects.describe's options made into objects.create's: an equal object. */
static void assert_describe_copies(const char *name, const char *want)
{
	om_value d, again;
	assert_ok(om_objects_describe(c, name, &d));
	const om_value *type = om_value_map_get(&d, "type"), *options = om_value_map_get(&d, "options");
	ck_assert(type && options && type->kind == OM_STR);
	assert_ok(om_objects_delete(c, "copy", NULL));
	assert_ok(om_objects_create(c, "copy", type->as.str, *options));
	assert_ok(om_objects_describe(c, "copy", &again));
	om_value_free(&d);
	assert_value(again, want);
}

START_TEST(test_objects_describe_answers_type_options_and_len)
{
	om_value v;
	om_value bounded[] = {om_str("maxsize"), om_int(3)};
	om_value sem[] = {om_str("value"), om_int(2), om_str("bounded"), om_bool(true),
			  om_str("owned"), om_bool(true)};
	om_value parties[] = {om_str("parties"), om_int(4)};
	om_value lock[] = {om_str("lock"), om_str("m")};
	assert_ok(om_objects_describe(c, "nobody", &v));
	assert_value(v, "null");

	om_dict *d = om_dict_open(c, "d");
	assert_ok(om_dict_set(d, om_str("a"), om_int(1)));
	assert_ok(om_dict_set(d, om_str("b"), om_int(2)));
	assert_ok(om_objects_describe(c, "d", &v));
	assert_value(v, "{\"type\": \"dict\", \"options\": {}, \"len\": 2}");
	assert_ok(om_objects_create(c, "q", "queue", om_map(bounded, 1)));
	om_queue *q = om_queue_open(c, "q");
	assert_ok(om_queue_put(q, om_int(1), 0));
	assert_ok(om_objects_describe(c, "q", &v));
	assert_value(v, "{\"type\": \"queue\", \"options\": {\"maxsize\": 3}, \"len\": 1}");
	assert_describe_copies("q", "{\"type\": \"queue\", \"options\": {\"maxsize\": 3}, \"len\": 0}");

	/* The initial value, whatever is taken now; owned true is the default, so not said. */
	assert_ok(om_objects_create(c, "s", "semaphore", om_map(sem, 3)));
	om_semaphore *s = om_semaphore_open(c, "s");
	assert_ok(om_semaphore_acquire(s, 0, NULL));
	assert_describe_copies("s", "{\"type\": \"semaphore\", \"options\": {\"value\": 2, "
				    "\"bounded\": true}, \"len\": 1}");
	assert_ok(om_objects_create(c, "b", "barrier", om_map(parties, 1)));
	assert_describe_copies("b", "{\"type\": \"barrier\", \"options\": {\"parties\": 4}, \"len\": 1}");
	assert_ok(om_objects_create(c, "cv", "condition", om_map(lock, 1)));
	assert_describe_copies("cv", "{\"type\": \"condition\", \"options\": {\"lock\": \"m\"}, \"len\": 1}");
	assert_describe_copies("d", "{\"type\": \"dict\", \"options\": {}, \"len\": 0}");

	assert_fails(om_objects_describe(c, "", &v), OM_BAD_PARAMS,
		     "objects.describe: parameter 'name' must be a non-empty string of at most 1024 bytes without NUL");
	om_semaphore_close(s);
	om_queue_close(q);
	om_dict_close(d);
}
END_TEST

START_TEST(test_server_ping_answers_pong)
{
	om_value v;
	assert_ok(om_server_ping(c));
	assert_ok(om_call(c, "server.ping", NULL, 0, &v));
	assert_value(v, "\"pong\"");
}
END_TEST

START_TEST(test_server_info_reports_the_server)
{
	om_dict *d = om_dict_open(c, "d");
	om_value info;
	assert_ok(om_dict_set(d, om_int(1), om_int(1)));
	om_dict_close(d);
	assert_ok(om_server_info(c, &info));
	const om_value *version = om_value_map_get(&info, "version");
	const om_value *objects = om_value_map_get(&info, "objects");
	const om_value *socket = om_value_map_get(&info, "socket");
	const om_value *pid = om_value_map_get(&info, "pid");
	const om_value *connections = om_value_map_get(&info, "connections");
	const om_value *uptime = om_value_map_get(&info, "uptime_s");
	const om_value *ops = om_value_map_get(&info, "ops_total");
	const om_value *memory = om_value_map_get(&info, "used_memory");
	ck_assert(version && version->kind == OM_STR);
	ck_assert_str_eq(version->as.str, OM_VERSION);
	ck_assert(objects && objects->kind == OM_INT);
	ck_assert_int_eq(objects->as.i, 1);
	ck_assert(socket && socket->kind == OM_STR);
	ck_assert_str_eq(socket->as.str, harness_srv.socket);
	ck_assert(pid && pid->kind == OM_INT);
	ck_assert_int_eq(pid->as.i, harness_srv.pid);
	ck_assert(connections && connections->kind == OM_INT && connections->as.i >= 1);
	ck_assert(uptime && uptime->kind == OM_FLOAT64 && uptime->as.f >= 0);
	ck_assert(ops && ops->kind == OM_INT && ops->as.i >= 2);
	ck_assert(memory && memory->kind == OM_INT && memory->as.i > 0);
	om_value_free(&info);
}
END_TEST

/* The comment above om_server_info() in objmgr.h ($OBJMGR_SOURCE/proxy/objmgr.h), malloc'd. */
static char *server_info_description(void)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/proxy/objmgr.h", getenv("OBJMGR_SOURCE"));
	FILE *f = fopen(path, "r");
	ck_assert_msg(f, "cannot open %s", path);
	static char header[1 << 17];
	size_t n = fread(header, 1, sizeof header - 1, f);
	fclose(f);
	header[n] = '\0';
	char *decl = strstr(header, "int om_server_info(");
	ck_assert_ptr_nonnull(decl);
	*decl = '\0';
	char *start = strrchr(header, '/');
	while (start && start > header && start[1] != '*')
		start = memrchr(header, '/', (size_t)(start - header));
	ck_assert_ptr_nonnull(start);
	return strdup(start);
}

/* Each key of map is named, in quotes, in desc. */
static void assert_keys_described(const om_value *map, const char *desc, const char *where)
{
	ck_assert(map && map->kind == OM_MAP && map->len > 0);
	for (size_t i = 0; i < map->len; i++) {
		const om_value *key = &map->as.items[2 * i];
		char quoted[128];
		ck_assert_int_eq(key->kind, OM_STR);
		snprintf(quoted, sizeof quoted, "\"%s\"", key->as.str);
		ck_assert_msg(strstr(desc, quoted), "server.info's %s key %s is missing from objmgr.h's "
			      "description of om_server_info()", where, quoted);
	}
}

START_TEST(test_server_info_keys_are_all_in_objmgr_h)
{
	om_value info;
	assert_ok(om_server_ping(c)); /* so that "methods" has an entry */
	assert_ok(om_server_info(c, &info));
	char *desc = server_info_description();
	assert_keys_described(&info, desc, "top-level");
	assert_keys_described(om_value_map_get(&info, "config"), desc, "\"config\"");
	const om_value *methods = om_value_map_get(&info, "methods");
	ck_assert(methods && methods->kind == OM_MAP && methods->len > 0);
	assert_keys_described(&methods->as.items[1], desc, "\"methods\" entry");
	free(desc);
	om_value_free(&info);
}
END_TEST

/* --- rules every method follows ------------------------------------------ */

START_TEST(test_using_an_object_as_another_type_is_wrong_type)
{
	static const struct {
		const char *type, *read, *write;
	} types[] = {
		{"dict", "dict.len", "dict.clear"},
		{"list", "list.len", "list.clear"},
		{"counter", "counter.get", "counter.add"},
	};
	for (size_t owner = 0; owner < 3; owner++) {
		assert_ok(om_objects_create(c, "x", types[owner].type, om_nil()));
		for (size_t other = 0; other < 3; other++) {
			if (other == owner)
				continue;
			char want[128];
			snprintf(want, sizeof want, "\"x\" is a %s, not a %s", types[owner].type,
				 types[other].type);
			om_value params[] = {om_str("x"), om_int(1)};
			bool write_takes_arg = other == 2;
			assert_fails(om_call(c, types[other].read, params, 1, NULL), OM_WRONG_TYPE,
				     want);
			assert_fails(om_call(c, types[other].write, params,
					     write_takes_arg ? 2 : 1, NULL),
				     OM_WRONG_TYPE, want);
		}
		assert_ok(om_objects_delete(c, "x", NULL));
	}
	/* The typed functions give the same answer. */
	om_list *l = om_list_open(c, "x");
	assert_ok(om_objects_create(c, "x", "dict", om_nil()));
	assert_fails(om_list_append(l, om_int(1), NULL), OM_WRONG_TYPE,
		     "\"x\" is a dict, not a list");
	om_list_close(l);
}
END_TEST

START_TEST(test_reads_of_a_missing_object_create_nothing)
{
	om_dict *d = om_dict_open(c, "d");
	om_list *l = om_list_open(c, "l");
	om_counter *n = om_counter_open(c, "n");
	om_value v;
	size_t len = 99;
	bool b = true;
	assert_fails(om_dict_get(d, om_str("k"), &v), OM_KEY_ERROR, "dict 'd' has no key \"k\"");
	assert_ok(om_dict_get_default(d, om_str("k"), om_int(1), &v));
	assert_value(v, "1");
	assert_ok(om_dict_has(d, om_str("k"), &b));
	ck_assert(!b);
	assert_ok(om_dict_len(d, &len));
	ck_assert_uint_eq(len, 0);
	assert_ok(om_dict_keys(d, &v));
	assert_value(v, "[]");
	assert_ok(om_dict_values(d, &v));
	assert_value(v, "[]");
	assert_ok(om_dict_items(d, &v));
	assert_value(v, "{}");
	assert_fails(om_list_get(l, 0, &v), OM_INDEX_ERROR,
		     "list 'l' index 0 out of range (length 0)");
	assert_fails(om_list_index(l, om_int(1), &len), OM_VALUE_ERROR,
		     "list 'l' does not contain 1");
	assert_ok(om_list_count(l, om_int(1), &len));
	ck_assert_uint_eq(len, 0);
	assert_ok(om_list_len(l, &len));
	ck_assert_uint_eq(len, 0);
	assert_ok(om_list_slice(l, om_nil(), om_nil(), &v));
	assert_value(v, "[]");
	assert_ok(om_list_items(l, &v));
	assert_value(v, "[]");
	assert_ok(om_counter_get(n, &v));
	assert_value(v, "0");
	assert_ok(om_objects_type(c, "d", &v));
	assert_value(v, "null");
	assert_objects("{}");
	om_dict_close(d);
	om_list_close(l);
	om_counter_close(n);
}
END_TEST

START_TEST(test_errcode_and_errmsg_are_reset_by_a_success)
{
	om_dict *d = om_dict_open(c, "d");
	om_value v;
	ck_assert_int_eq(om_dict_get(d, om_str("k"), &v), OM_KEY_ERROR);
	ck_assert_int_eq(om_errcode(c), OM_KEY_ERROR);
	ck_assert_str_eq(om_errmsg(c), "dict 'd' has no key \"k\"");
	ck_assert_int_eq(om_server_ping(c), OM_OK);
	ck_assert_int_eq(om_errcode(c), OM_OK);
	ck_assert_str_eq(om_errmsg(c), "");
	ck_assert(om_connected(c));
	om_dict_close(d);
}
END_TEST

START_TEST(test_unknown_method_is_no_such_method)
{
	om_value name = om_str("d");
	assert_fails(om_call(c, "dict.nope", &name, 1, NULL), OM_NO_SUCH_METHOD,
		     "no such method: dict.nope");
	assert_fails(om_call(c, "nope", NULL, 0, NULL), OM_NO_SUCH_METHOD,
		     "no such method: nope");
	ck_assert(om_connected(c));
}
END_TEST

START_TEST(test_wrong_params_are_bad_params_naming_method_and_parameter)
{
	om_value params[] = {om_str("d"), om_int(1), om_int(2), om_int(3)};
	assert_fails(om_call(c, "dict.get", params, 1, NULL), OM_BAD_PARAMS,
		     "dict.get: parameter 'key' is missing");
	assert_fails(om_call(c, "dict.get", params, 4, NULL), OM_BAD_PARAMS,
		     "dict.get: takes at most 2 parameters after the object name, got 3");
	assert_fails(om_call(c, "dict.len", NULL, 0, NULL), OM_BAD_PARAMS,
		     "dict.len: parameter 'name' is missing");
	om_value not_a_name[] = {om_int(1)};
	assert_fails(om_call(c, "dict.len", not_a_name, 1, NULL), OM_BAD_PARAMS,
		     "dict.len: parameter 'name' must be a non-empty string of at most 1024 bytes without NUL");
	om_list *unnamed = om_list_open(c, "");
	assert_fails(om_list_append(unnamed, om_int(1), NULL), OM_BAD_PARAMS,
		     "list.append: parameter 'name' must be a non-empty string of at most 1024 bytes without NUL");
	om_list_close(unnamed);
	/* The admin ops check each parameter naming an object (ARG_NAME) alike. */
	assert_fails(om_objects_type(c, "", NULL), OM_BAD_PARAMS,
		     "objects.type: parameter 'name' must be a non-empty string of at most 1024 bytes without NUL");
	bool existed;
	assert_fails(om_objects_delete(c, "", &existed), OM_BAD_PARAMS,
		     "objects.delete: parameter 'name' must be a non-empty string of at most 1024 bytes without NUL");
	assert_fails(om_objects_create(c, "", "dict", om_nil()), OM_BAD_PARAMS,
		     "objects.create: parameter 'name' must be a non-empty string of at most 1024 bytes without NUL");
	assert_objects("{}");
}
END_TEST

START_TEST(test_large_values_cross_the_socket_whole)
{
	enum { BIG = 8 << 20, ITEMS = 100000 };
	om_dict *d = om_dict_open(c, "d");
	om_list *l = om_list_open(c, "l");
	char *big = malloc(BIG);
	for (size_t i = 0; i < BIG; i++)
		big[i] = (char)('a' + i % 26);
	om_value v;
	assert_ok(om_dict_set(d, om_str("big"), om_strn(big, BIG)));
	assert_ok(om_dict_get(d, om_str("big"), &v));
	ck_assert_int_eq(v.kind, OM_STR);
	ck_assert_uint_eq(v.len, BIG);
	ck_assert_int_eq(memcmp(v.as.str, big, BIG), 0);
	om_value_free(&v);
	free(big);

	om_value *items = malloc(ITEMS * sizeof *items);
	for (int i = 0; i < ITEMS; i++)
		items[i] = om_int(i);
	size_t n = 0;
	assert_ok(om_list_extend(l, om_array(items, ITEMS), &n));
	ck_assert_uint_eq(n, ITEMS);
	free(items);
	assert_ok(om_list_items(l, &v));
	ck_assert_uint_eq(v.len, ITEMS);
	for (int i = 0; i < ITEMS; i++)
		ck_assert_int_eq(v.as.items[i].as.i, i);
	om_value_free(&v);
	om_dict_close(d);
	om_list_close(l);
}
END_TEST

static void on_alarm(int sig)
{
	(void)sig;
}

START_TEST(test_calls_survive_a_storm_of_signals)
{
	enum { ADDS = 3000 };
	/* No SA_RESTART: every blocked send, recv and poll sees EINTR. */
	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval every = {{0, 100}, {0, 100}};
	setitimer(ITIMER_REAL, &every, NULL);
	om_counter *n = om_counter_open(c, "n");
	int64_t last = 0;
	for (int i = 0; i < ADDS; i++)
		assert_ok(om_counter_add_int(n, 1, &last));
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	ck_assert_int_eq(last, ADDS);
	om_counter_close(n);
}
END_TEST

/* --- the server going away ----------------------------------------------- */

/*
 * The restart tests start their own servers, whose sockets differ. The
 * client's address is a symlink in this directory, re-pointed at each
 * server in turn: to the client, one address whose server went away and
 * came back. The unchecked teardown removes it even after a failure.
 */
static char links[] = "/tmp/objmgr-test-links-XXXXXX";

static void links_create(void)
{
	ck_assert_ptr_nonnull(mkdtemp(links));
}

static void links_remove(void)
{
	char path[sizeof links + 32];
	snprintf(path, sizeof path, "%s/objmgr.sock", links);
	unlink(path);
	rmdir(links);
}

START_TEST(test_reconnect_after_a_server_restart)
{
	harness_server first, second;
	char address[sizeof links + 32], want[1024];
	snprintf(address, sizeof address, "%s/objmgr.sock", links);
	harness_start(&first, NULL);
	ck_assert_int_eq(symlink(first.socket, address), 0);
	c = om_connect(address, NULL);
	om_counter *n = om_counter_open(c, "n");
	assert_ok(om_counter_add_int(n, 5, NULL));

	harness_stop(&first);
	signal(SIGPIPE, SIG_DFL);
	snprintf(want, sizeof want, "lost the connection to %s: send: Broken pipe", address);
	assert_fails(om_counter_add_int(n, 1, NULL), OM_IO, want);
	ck_assert(!om_connected(c));
	snprintf(want, sizeof want, "counter.get: not connected to %s (om_reconnect() connects again)",
		 address);
	assert_fails(om_counter_get(n, NULL), OM_IO, want);
	snprintf(want, sizeof want, "cannot connect to %s: No such file or directory (is objmgrd running?)",
		 address);
	assert_fails(om_reconnect(c), OM_IO, want);

	harness_start(&second, NULL);
	ck_assert_int_eq(unlink(address), 0);
	ck_assert_int_eq(symlink(second.socket, address), 0);
	assert_ok(om_reconnect(c));
	ck_assert(om_connected(c));
	int64_t v = -1;
	/* A new server starts empty. */
	assert_ok(om_counter_add_int(n, 1, &v));
	ck_assert_int_eq(v, 1);
	om_counter_close(n);
	om_close(c);
	harness_stop(&second);
}
END_TEST

START_TEST(test_server_shutdown_stops_the_server_and_removes_its_socket)
{
	harness_server own;
	char want[1024];
	harness_start(&own, NULL);
	c = om_connect(own.socket, NULL);
	assert_ok(om_server_shutdown(c));
	ck_assert_int_eq(harness_wait(&own), 0);
	ck_assert_int_eq(access(own.socket, F_OK), -1);
	signal(SIGPIPE, SIG_DFL);
	snprintf(want, sizeof want, "lost the connection to %s: send: Broken pipe", own.socket);
	assert_fails(om_server_ping(c), OM_IO, want);
	ck_assert(!om_connected(c));
	om_close(c);
	harness_stop(&own);
}
END_TEST

static Suite *types_suite(void)
{
	Suite *s = suite_create("integration-types");
	TCase *tc = tcase_create("methods");
	tcase_add_unchecked_fixture(tc, harness_fixture_start, harness_fixture_stop);
	tcase_add_checked_fixture(tc, client_setup, client_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_dict_set_then_get_returns_the_value);
	tcase_add_test(tc, test_dict_set_of_an_existing_key_keeps_its_position);
	tcase_add_test(tc, test_dict_reinsert_after_del_goes_last);
	tcase_add_test(tc, test_dict_get_of_a_missing_key_is_key_error);
	tcase_add_test(tc, test_container_keys_are_found_in_any_order);
	tcase_add_test(tc, test_dict_get_default_answers_the_default_only_when_absent);
	tcase_add_test(tc, test_dict_has_tells_whether_a_key_is_present);
	tcase_add_test(tc, test_dict_del_removes_a_key_and_fails_on_a_missing_one);
	tcase_add_test(tc, test_dict_pop_returns_the_removed_value);
	tcase_add_test(tc, test_dict_setdefault_stores_only_when_absent);
	tcase_add_test(tc, test_dict_len_keys_values_items_follow_insertion_order);
	tcase_add_test(tc, test_dict_update_stores_every_pair_in_order);
	tcase_add_test(tc, test_dict_clear_empties_it_and_keeps_it);
	tcase_add_test(tc, test_dict_popitem_removes_the_last_inserted_pair);
	tcase_add_test(tc, test_dict_incr_counts_a_missing_key_as_zero);
	tcase_add_test(tc, test_dict_incr_of_a_non_number_is_wrong_type);
	tcase_add_test(tc, test_dict_incr_overflow_is_value_error_and_stores_nothing);
	tcase_add_test(tc, test_dict_keys_of_every_kind_are_distinct);
	tcase_add_test(tc, test_values_of_every_kind_round_trip);
	tcase_add_test(tc, test_a_reference_reaches_the_shared_object);
	tcase_add_test(tc, test_a_large_map_key_is_found_with_its_pairs_in_another_order);
	tcase_add_test(tc, test_a_reference_that_is_no_object_name_is_bad_params);
	tcase_add_test(tc, test_list_append_and_extend_return_the_new_length);
	tcase_add_test(tc, test_list_insert_clamps_its_index_like_python);
	tcase_add_test(tc, test_list_get_counts_negative_indexes_from_the_end);
	tcase_add_test(tc, test_list_set_replaces_an_item);
	tcase_add_test(tc, test_list_pop_removes_the_last_or_the_given_item);
	tcase_add_test(tc, test_list_popleft_removes_the_first_item);
	tcase_add_test(tc, test_list_remove_removes_the_first_equal_item);
	tcase_add_test(tc, test_list_index_and_count_find_equal_items);
	tcase_add_test(tc, test_list_slice_follows_python);
	tcase_add_test(tc, test_list_clear_and_reverse_change_it_in_place);
	tcase_add_test(tc, test_list_sort_orders_values_of_every_type);
	tcase_add_test(tc, test_list_splice_assigns_a_slice_like_python);
	tcase_add_test(tc, test_list_repeat_multiplies_like_python);
	tcase_add_test(tc, test_counter_get_of_a_missing_counter_is_zero);
	tcase_add_test(tc, test_counter_set_and_add_return_exact_values);
	tcase_add_test(tc, test_counter_becomes_a_float_when_a_float_is_added);
	tcase_add_test(tc, test_counter_overflow_is_value_error_and_changes_nothing);
	tcase_add_test(tc, test_counter_cas_swaps_only_an_equal_value);
	tcase_add_test(tc, test_counter_set_of_a_non_number_is_bad_params);
	tcase_add_test(tc, test_objects_list_maps_names_to_types_sorted_by_name);
	tcase_add_test(tc, test_objects_type_is_nil_for_a_missing_name);
	tcase_add_test(tc, test_objects_delete_says_whether_it_existed);
	tcase_add_test(tc, test_objects_create_is_idempotent_for_the_same_type);
	tcase_add_test(tc, test_objects_create_fails_for_another_or_an_unknown_type);
	tcase_add_test(tc, test_objects_create_takes_nil_options_as_none);
	tcase_add_test(tc, test_objects_create_checks_the_options_of_an_existing_object);
	tcase_add_test(tc, test_objects_describe_answers_type_options_and_len);
	tcase_add_test(tc, test_server_ping_answers_pong);
	tcase_add_test(tc, test_server_info_reports_the_server);
	tcase_add_test(tc, test_server_info_keys_are_all_in_objmgr_h);
	tcase_add_test(tc, test_using_an_object_as_another_type_is_wrong_type);
	tcase_add_test(tc, test_reads_of_a_missing_object_create_nothing);
	tcase_add_test(tc, test_errcode_and_errmsg_are_reset_by_a_success);
	tcase_add_test(tc, test_unknown_method_is_no_such_method);
	tcase_add_test(tc, test_wrong_params_are_bad_params_naming_method_and_parameter);
	tcase_add_test(tc, test_large_values_cross_the_socket_whole);
	tcase_add_test(tc, test_calls_survive_a_storm_of_signals);
	suite_add_tcase(s, tc);

	TCase *restart = tcase_create("restart");
	tcase_add_unchecked_fixture(restart, links_create, links_remove);
	tcase_set_timeout(restart, 60);
	tcase_add_test(restart, test_reconnect_after_a_server_restart);
	tcase_add_test(restart, test_server_shutdown_stops_the_server_and_removes_its_socket);
	suite_add_tcase(s, restart);
	return s;
}

int main(void)
{
	return check_main(types_suite());
}
