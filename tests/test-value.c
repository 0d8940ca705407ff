/* test-value.c — the value model: equality, hashing, ordering, copying, formatting. */
#include <check.h>
#include <math.h>

#include <sodium.h>

#include "check-main.h"
#include "types-helper.h"
#include "value.h"

static bool eq(om_value a, om_value b)
{
	return om_value_equal(&a, &b);
}

static int cmp(om_value a, om_value b)
{
	return om_value_compare(&a, &b);
}

static uint64_t hash(om_value v)
{
	return value_hash(&v);
}

START_TEST(test_uint_constructor_normalises_small_values)
{
	ck_assert_int_eq(om_uint(1).kind, OM_INT);
	ck_assert_int_eq(om_uint(UINT64_MAX).kind, OM_UINT);
	ck_assert(eq(om_uint(1), om_int(1)));
	ck_assert_uint_eq(hash(om_uint(1)), hash(om_int(1)));
}
END_TEST

START_TEST(test_int_and_float_are_different_values)
{
	ck_assert(!eq(om_int(1), om_float(1.0)));
	ck_assert_int_ne(cmp(om_int(1), om_float(1.0)), 0);
}
END_TEST

START_TEST(test_float32_equals_float64_of_same_value)
{
	om_value f32 = om_float(0.5);
	f32.kind = OM_FLOAT32;
	ck_assert(eq(f32, om_float(0.5)));
	ck_assert_uint_eq(hash(f32), hash(om_float(0.5)));
}
END_TEST

START_TEST(test_zeros_and_nans_are_equal_and_hash_alike)
{
	ck_assert(eq(om_float(0.0), om_float(-0.0)));
	ck_assert_uint_eq(hash(om_float(0.0)), hash(om_float(-0.0)));
	ck_assert(eq(om_float(NAN), om_float(-NAN)));
	ck_assert_uint_eq(hash(om_float(NAN)), hash(om_float(-NAN)));
}
END_TEST

START_TEST(test_str_bin_and_ref_of_same_bytes_differ)
{
	ck_assert(!eq(om_str("a"), om_bin("a", 1)));
	ck_assert(!eq(om_str("a"), om_ref("a")));
	ck_assert(eq(om_str("a"), om_strn("ab", 1)));
	ck_assert(!eq(om_ext(5, "a", 1), om_ext(6, "a", 1)));
}
END_TEST

START_TEST(test_maps_are_equal_in_any_order)
{
	om_value p1[] = {om_str("a"), om_int(1), om_str("b"), om_int(2)};
	om_value p2[] = {om_str("b"), om_int(2), om_str("a"), om_int(1)};
	om_value p3[] = {om_str("b"), om_int(2), om_str("a"), om_int(3)};
	ck_assert(eq(om_map(p1, 2), om_map(p2, 2)));
	ck_assert_uint_eq(hash(om_map(p1, 2)), hash(om_map(p2, 2)));
	ck_assert(!eq(om_map(p1, 2), om_map(p3, 2)));
}
END_TEST

START_TEST(test_arrays_compare_element_by_element)
{
	om_value a[] = {om_int(1), om_str("x")};
	om_value b[] = {om_int(1), om_str("y")};
	ck_assert(!eq(om_array(a, 2), om_array(b, 2)));
	ck_assert_int_lt(cmp(om_array(a, 2), om_array(b, 2)), 0);
	ck_assert_int_lt(cmp(om_array(a, 1), om_array(a, 2)), 0);
}
END_TEST

START_TEST(test_order_across_kinds)
{
	om_value none[1];
	om_value pair[] = {om_int(1), om_int(1)};
	om_value order[] = {
		om_nil(), om_bool(false), om_bool(true), om_int(-5), om_float(-4.5),
		om_int(0), om_float(0.5), om_uint(UINT64_MAX), om_float(NAN),
		om_str(""), om_str("a"), om_str("ab"), om_bin("", 0),
		om_array(none, 0), om_map(pair, 1), om_ext(3, "x", 1), om_ref("x"),
	};
	size_t n = sizeof order / sizeof order[0];
	for (size_t i = 0; i + 1 < n; i++) {
		ck_assert_msg(cmp(order[i], order[i + 1]) < 0, "item %zu not before %zu", i, i + 1);
		ck_assert_msg(cmp(order[i + 1], order[i]) > 0, "item %zu not after %zu", i + 1, i);
	}
}
END_TEST

START_TEST(test_int_sorts_before_equal_float)
{
	ck_assert_int_lt(cmp(om_int(2), om_float(2.0)), 0);
	ck_assert_int_gt(cmp(om_float(2.0), om_int(2)), 0);
	ck_assert_int_lt(cmp(om_float(1.5), om_int(2)), 0);
	ck_assert_int_gt(cmp(om_int(-1), om_float(-1.5)), 0);
	/* 2^63 - 1 is not a double: it must still sort below 2^63 */
	ck_assert_int_lt(cmp(om_int(INT64_MAX), om_float(9223372036854775808.0)), 0);
}
END_TEST

START_TEST(test_copy_is_deep_and_free_resets_to_nil)
{
	om_value inner[] = {om_str("deep"), om_bin("\0\1", 2)};
	om_value pairs[] = {om_str("k"), om_array(inner, 2)};
	om_value src = om_map(pairs, 1);
	om_value dst;
	om_value_copy(&dst, &src);
	ck_assert(eq(src, dst));
	ck_assert_ptr_ne(dst.as.items, src.as.items);
	ck_assert_str_eq(dst.as.items[1].as.items[0].as.str, "deep");
	ck_assert_int_eq(value_depth(&dst), 2);
	om_value_free(&dst);
	ck_assert_int_eq(dst.kind, OM_NIL);
}
END_TEST

START_TEST(test_format_renders_json_like_text)
{
	char buf[128];
	om_value items[] = {om_int(1), om_float(1.0), om_str("a\"b\n"), om_bin("hi", 2),
			    om_ref("jobs"), om_nil(), om_bool(true)};
	size_t n = om_value_format(&(om_value){0}, buf, sizeof buf);
	ck_assert_str_eq(buf, "null");
	ck_assert_uint_eq(n, 4);
	om_value a = om_array(items, 7);
	om_value_format(&a, buf, sizeof buf);
	ck_assert_str_eq(buf, "[1, 1.0, \"a\\\"b\\n\", b64\"aGk=\", @jobs, null, true]");
	om_value pairs[] = {om_str("x"), om_float(0.1)};
	om_value m = om_map(pairs, 1);
	om_value_format(&m, buf, sizeof buf);
	ck_assert_str_eq(buf, "{\"x\": 0.1}");
}
END_TEST

START_TEST(test_format_cuts_long_values_with_ellipsis)
{
	char buf[8];
	om_value s = om_str("abcdefghijkl");
	size_t n = om_value_format(&s, buf, sizeof buf);
	ck_assert_uint_eq(n, 14);
	ck_assert_str_eq(buf, "\"abc...");
}
END_TEST

START_TEST(test_map_get_finds_string_keys)
{
	om_value pairs[] = {om_str("version"), om_str("0.1.0"), om_int(1), om_int(2)};
	om_value m = om_map(pairs, 2);
	ck_assert_str_eq(om_value_map_get(&m, "version")->as.str, "0.1.0");
	ck_assert_ptr_null(om_value_map_get(&m, "missing"));
}
END_TEST

START_TEST(test_code_names_round_trip)
{
	for (int code = OM_NO_SUCH_METHOD; code >= OM_UNKNOWN_ERROR; code--) {
		const char *name = om_code_name(code);
		ck_assert_int_eq(om_code_from_name(name, strlen(name)), code);
	}
	ck_assert_str_eq(om_code_name(OM_KEY_ERROR), "key_error");
	ck_assert_str_eq(om_code_name(-999), "unknown");
	ck_assert_int_eq(om_code_from_name("nonsense", 8), OM_UNKNOWN_ERROR);
}
END_TEST

/* One value_copy() of src per run of th_each_failure(). */
typedef struct copying {
	const om_value *src;
	om_value out;
} copying;

static bool copy_run(void *ctx)
{
	copying *c = ctx;
	return !value_copy(&c->out, c->src);
}

/* A failed copy is nil, and has freed what it had copied (ASan checks); a good one is equal. */
static void copy_check(void *ctx, bool out_of_memory)
{
	copying *c = ctx;
	if (out_of_memory) {
		ck_assert_int_eq(c->out.kind, OM_NIL);
		return;
	}
	ck_assert(om_value_equal(&c->out, c->src));
	om_value_free(&c->out);
}

START_TEST(test_copy_out_of_memory_is_false_and_leaves_nil)
{
	om_value inner_pairs[] = {om_ref("jobs"), om_ext(3, "xyz", 3)};
	om_value inner[] = {om_str("deep"), om_int(1), om_bin("\0\1", 2), om_map(inner_pairs, 1)};
	om_value pairs[] = {om_str("k"), om_array(inner, 4), om_int(7), om_float(0.5)};
	om_value src = om_map(pairs, 2);
	copying c = {.src = &src};
	static const th_attempt attempt = {NULL, copy_run, copy_check};
	/* the map, "k", the array, "deep", the bin, the inner map, the ref, the ext */
	ck_assert_uint_eq(th_each_failure(&attempt, &c), 8);
}
END_TEST

START_TEST(test_constructors_out_of_memory_are_false_and_nil)
{
	om_value v;
	mem_fail_nth(1);
	ck_assert(!value_str_copy(&v, "abc", 3));
	ck_assert_int_eq(v.kind, OM_NIL);
	mem_fail_nth(1);
	ck_assert(!value_array_alloc(&v, 4));
	ck_assert_int_eq(v.kind, OM_NIL);
	mem_fail_nth(1);
	ck_assert(!value_map_alloc(&v, 4));
	ck_assert_int_eq(v.kind, OM_NIL);
	ck_assert(value_map_alloc(&v, 2));
	ck_assert_int_eq(v.kind, OM_MAP);
	ck_assert_uint_eq(v.len, 2);
	ck_assert_int_eq(v.as.items[3].kind, OM_NIL);
	om_value_free(&v);
}
END_TEST

/* b64 is written in pieces, allocating nothing: they must join up as one encoding would. */
START_TEST(test_format_of_long_bins_is_one_base64)
{
	unsigned char bytes[100];
	for (size_t i = 0; i < sizeof bytes; i++)
		bytes[i] = (unsigned char)(i * 37 + 11);
	const size_t lens[] = {0, 1, 47, 48, 49, 96, 100};
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		char want[200] = "b64\"", got[200];
		sodium_bin2base64(want + 4, sizeof want - 5, bytes, lens[i],
				  sodium_base64_VARIANT_ORIGINAL);
		strcat(want, "\"");
		om_value b = om_bin(bytes, lens[i]);
		mem_fail_nth(1);
		om_value_format(&b, got, sizeof got);
		ck_assert(mem_fail_pending());
		mem_fail_nth(0);
		ck_assert_str_eq(got, want);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("value");
	TCase *tc = tcase_create("value");
	tcase_add_test(tc, test_uint_constructor_normalises_small_values);
	tcase_add_test(tc, test_int_and_float_are_different_values);
	tcase_add_test(tc, test_float32_equals_float64_of_same_value);
	tcase_add_test(tc, test_zeros_and_nans_are_equal_and_hash_alike);
	tcase_add_test(tc, test_str_bin_and_ref_of_same_bytes_differ);
	tcase_add_test(tc, test_maps_are_equal_in_any_order);
	tcase_add_test(tc, test_arrays_compare_element_by_element);
	tcase_add_test(tc, test_order_across_kinds);
	tcase_add_test(tc, test_int_sorts_before_equal_float);
	tcase_add_test(tc, test_copy_is_deep_and_free_resets_to_nil);
	tcase_add_test(tc, test_format_renders_json_like_text);
	tcase_add_test(tc, test_format_cuts_long_values_with_ellipsis);
	tcase_add_test(tc, test_map_get_finds_string_keys);
	tcase_add_test(tc, test_code_names_round_trip);
	tcase_add_test(tc, test_copy_out_of_memory_is_false_and_leaves_nil);
	tcase_add_test(tc, test_constructors_out_of_memory_are_false_and_nil);
	tcase_add_test(tc, test_format_of_long_bins_is_one_base64);
	suite_add_tcase(s, tc);
	return check_main(s);
}
