/* test-value.c — the value model: equality, hashing, ordering, copying, formatting. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include <sodium.h>

#include "check-main.h"
#include "mem.h"
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

/* Checks that compare, equality and hashing agree on a and b, both ways. */
static void assert_agree(om_value a, om_value b)
{
	int ab = cmp(a, b), ba = cmp(b, a);
	ck_assert_int_eq(ab, -ba);
	ck_assert_int_eq(eq(a, b), ab == 0);
	ck_assert_int_eq(eq(b, a), ab == 0);
	if (ab == 0)
		ck_assert_uint_eq(hash(a), hash(b));
}

START_TEST(test_permuted_maps_compare_equal_and_hash_alike)
{
	om_value p1[] = {om_str("a"), om_int(1), om_str("b"), om_int(2)};
	om_value p2[] = {om_str("b"), om_int(2), om_str("a"), om_int(1)};
	ck_assert_int_eq(cmp(om_map(p1, 2), om_map(p2, 2)), 0);
	ck_assert_int_eq(cmp(om_map(p2, 2), om_map(p1, 2)), 0);
	assert_agree(om_map(p1, 2), om_map(p2, 2));
}
END_TEST

START_TEST(test_maps_order_by_size_then_pairs_in_key_order)
{
	om_value small[] = {om_str("z"), om_int(9)};
	om_value a2b0[] = {om_str("b"), om_int(0), om_str("a"), om_int(2)};
	om_value a1b1[] = {om_str("b"), om_int(1), om_str("a"), om_int(1)};
	om_value a1b2[] = {om_str("a"), om_int(1), om_str("b"), om_int(2)};
	ck_assert_int_lt(cmp(om_map(small, 1), om_map(a1b1, 2)), 0);
	/* a:1 < a:2 decides, whatever the stored order */
	ck_assert_int_lt(cmp(om_map(a1b1, 2), om_map(a2b0, 2)), 0);
	ck_assert_int_gt(cmp(om_map(a2b0, 2), om_map(a1b1, 2)), 0);
	/* equal first pairs: the second decides */
	ck_assert_int_lt(cmp(om_map(a1b1, 2), om_map(a1b2, 2)), 0);
	assert_agree(om_map(a1b1, 2), om_map(a2b0, 2));
	assert_agree(om_map(a1b1, 2), om_map(a1b2, 2));
}
END_TEST

START_TEST(test_nested_maps_compare_in_canonical_order_at_every_level)
{
	om_value in1[] = {om_int(1), om_str("x"), om_int(2), om_str("y")};
	om_value in2[] = {om_int(2), om_str("y"), om_int(1), om_str("x")};
	om_value in3[] = {om_int(2), om_str("y"), om_int(1), om_str("z")};
	/* maps as keys and as values, and an array of maps */
	om_value arr1[] = {om_map(in1, 2), om_map(in2, 2)};
	om_value arr2[] = {om_map(in2, 2), om_map(in1, 2)};
	om_value arr3[] = {om_map(in2, 2), om_map(in3, 2)};
	om_value o1[] = {om_map(in1, 2), om_int(1), om_str("k"), om_map(in2, 2),
			 om_str("l"), om_array(arr1, 2)};
	om_value o2[] = {om_str("l"), om_array(arr2, 2), om_str("k"), om_map(in1, 2),
			 om_map(in2, 2), om_int(1)};
	om_value o3[] = {om_str("l"), om_array(arr3, 2), om_str("k"), om_map(in1, 2),
			 om_map(in2, 2), om_int(1)};
	ck_assert(eq(om_map(o1, 3), om_map(o2, 3)));
	ck_assert_int_eq(cmp(om_map(o1, 3), om_map(o2, 3)), 0);
	ck_assert_uint_eq(hash(om_map(o1, 3)), hash(om_map(o2, 3)));
	ck_assert(!eq(om_map(o1, 3), om_map(o3, 3)));
	/* "x" < "z" inside the array of "l" */
	ck_assert_int_lt(cmp(om_map(o1, 3), om_map(o3, 3)), 0);
	assert_agree(om_map(o2, 3), om_map(o3, 3));
}
END_TEST

START_TEST(test_duplicate_keys_are_more_pairs)
{
	om_value a12[] = {om_str("a"), om_int(1), om_str("a"), om_int(2)};
	om_value a21[] = {om_str("a"), om_int(2), om_str("a"), om_int(1)};
	om_value a11[] = {om_str("a"), om_int(1), om_str("a"), om_int(1)};
	om_value a1b1[] = {om_str("a"), om_int(1), om_str("b"), om_int(1)};
	ck_assert(eq(om_map(a12, 2), om_map(a21, 2)));
	ck_assert(!eq(om_map(a11, 2), om_map(a12, 2)));
	ck_assert(!eq(om_map(a12, 2), om_map(a11, 2)));
	ck_assert_int_lt(cmp(om_map(a11, 2), om_map(a12, 2)), 0);
	/* two copies of a:1 against one: the other's next pair, b:1, is larger */
	ck_assert_int_lt(cmp(om_map(a11, 2), om_map(a1b1, 2)), 0);
	assert_agree(om_map(a12, 2), om_map(a21, 2));
	assert_agree(om_map(a11, 2), om_map(a12, 2));
	assert_agree(om_map(a11, 2), om_map(a1b1, 2));
}
END_TEST

START_TEST(test_int_and_float_keys_are_different_keys)
{
	om_value i1[] = {om_int(1), om_str("v")};
	om_value f1[] = {om_float(1.0), om_str("v")};
	om_value both[] = {om_int(1), om_str("i"), om_float(1.0), om_str("f")};
	om_value both_swapped[] = {om_float(1.0), om_str("f"), om_int(1), om_str("i")};
	om_value crossed[] = {om_int(1), om_str("f"), om_float(1.0), om_str("i")};
	ck_assert(!eq(om_map(i1, 1), om_map(f1, 1)));
	ck_assert_int_lt(cmp(om_map(i1, 1), om_map(f1, 1)), 0);
	ck_assert(eq(om_map(both, 2), om_map(both_swapped, 2)));
	ck_assert(!eq(om_map(both, 2), om_map(crossed, 2)));
	assert_agree(om_map(i1, 1), om_map(f1, 1));
	assert_agree(om_map(both, 2), om_map(both_swapped, 2));
	assert_agree(om_map(both, 2), om_map(crossed, 2));
}
END_TEST

START_TEST(test_compare_is_zero_exactly_when_equal_across_kinds)
{
	om_value ab[] = {om_str("a"), om_int(1), om_str("b"), om_float(NAN)};
	om_value ba[] = {om_str("b"), om_float(-NAN), om_str("a"), om_int(1)};
	om_value zero[] = {om_float(-0.0), om_nil(), om_float(0.0), om_nil()};
	om_value zero_f32[] = {om_float(0.0), om_nil(), om_float(-0.0), om_nil()};
	zero_f32[0].kind = OM_FLOAT32;
	om_value arr_ab[] = {om_map(ab, 2), om_int(1)};
	om_value arr_ba[] = {om_map(ba, 2), om_int(1)};
	om_value vals[] = {
		om_nil(), om_int(1), om_float(1.0), om_uint(UINT64_MAX), om_str("a"), om_ref("a"),
		om_map(ab, 2), om_map(ba, 2), om_map(ab, 1), om_map(zero, 2), om_map(zero_f32, 2),
		om_array(arr_ab, 2), om_array(arr_ba, 2), om_array(arr_ab, 1),
	};
	size_t n = sizeof vals / sizeof vals[0];
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			assert_agree(vals[i], vals[j]);
	ck_assert(eq(om_map(zero, 2), om_map(zero_f32, 2)));
	ck_assert(eq(om_array(arr_ab, 2), om_array(arr_ba, 2)));
}
END_TEST

/* A map of n int pairs {k: k}, stored in descending key order; free its items. */
static om_value reversed_int_map(uint32_t n, int64_t last_value)
{
	om_value *items = calloc(2 * (size_t)n, sizeof *items);
	ck_assert_ptr_nonnull(items);
	for (uint32_t i = 0; i < n; i++) {
		items[2 * i] = om_int(n - 1 - i);
		items[2 * i + 1] = om_int(n - 1 - i);
	}
	items[1] = om_int(last_value);
	return om_map(items, n);
}

START_TEST(test_a_100000_key_map_compares_in_n_log_n_pair_comparisons)
{
	uint32_t n = 100000;
	om_value a = reversed_int_map(n, n - 1), b = reversed_int_map(n, n - 1);
	om_value *fwd = calloc(2 * (size_t)n, sizeof *fwd);
	ck_assert_ptr_nonnull(fwd);
	for (uint32_t i = 0; i < n; i++)
		fwd[2 * i] = fwd[2 * i + 1] = om_int(i);
	om_value c = om_map(fwd, n);
	/* n log2 n for each of the two sorts, and n for the walk */
	unsigned long bound = 2 * 17 * (unsigned long)n + n;

	value_pair_compares = 0;
	ck_assert(eq(a, c));
	ck_assert_uint_le(value_pair_compares, bound);
	value_pair_compares = 0;
	ck_assert_int_eq(cmp(c, a), 0);
	ck_assert_uint_le(value_pair_compares, bound);
	ck_assert_uint_eq(hash(a), hash(c));
	/* two maps already in key order cost n - 1 comparisons each to sort */
	value_pair_compares = 0;
	ck_assert(eq(c, c));
	ck_assert_uint_le(value_pair_compares, 3 * (unsigned long)n);
	/* the largest key's value differs: the walk reaches the end */
	b.as.items[1] = om_int(-1);
	value_pair_compares = 0;
	ck_assert_int_lt(cmp(b, a), 0);
	ck_assert_uint_le(value_pair_compares, bound);
	free(a.as.items);
	free(b.as.items);
	free(fwd);
}
END_TEST

/*
 * 1,000 maps of 100 pairs as the keys of one map: each inner map is sorted
 * once, not again at each comparison of the outer sort: that would take
 * about 1,000 * 10 comparisons * (2 * 350 to sort + 100 to walk) = 8,000,000
 * pair comparisons per map, where sorting once takes under 1,000,000.
 */
START_TEST(test_nested_maps_are_sorted_once_per_comparison)
{
	uint32_t outer = 1000, inner = 100;
	om_value *ka = calloc(2 * (size_t)outer, sizeof *ka);
	om_value *kb = calloc(2 * (size_t)outer, sizeof *kb);
	ck_assert_ptr_nonnull(ka);
	ck_assert_ptr_nonnull(kb);
	for (uint32_t i = 0; i < outer; i++) {
		/* only the largest key's value tells the inner maps apart */
		ka[2 * i] = reversed_int_map(inner, i);
		ka[2 * i + 1] = om_int(i);
		uint32_t j = outer - 1 - i;
		kb[2 * j] = reversed_int_map(inner, i);
		kb[2 * j + 1] = om_int(i);
	}
	om_value a = om_map(ka, outer), b = om_map(kb, outer);
	unsigned long total = (unsigned long)outer * inner;
	value_pair_compares = 0;
	ck_assert(eq(a, b));
	ck_assert_uint_le(value_pair_compares, 2 * 17 * total);
	ck_assert_uint_eq(hash(a), hash(b));
	for (uint32_t i = 0; i < outer; i++) {
		free(ka[2 * i].as.items);
		free(kb[2 * i].as.items);
	}
	free(ka);
	free(kb);
}
END_TEST

/*
 * Integers hash without the key, distinct ones never collide; but the hash
 * of an array or map of them must be secret, or colliding ones could be
 * computed offline and a dict of them made quadratic.
 */
START_TEST(test_container_hashes_depend_on_the_secret_key)
{
	om_value pair[] = {om_int(1), om_int(2)};
	uint64_t array = hash(om_array(pair, 2)), map = hash(om_map(pair, 1));
	uint64_t one = hash(om_int(1));
	value_hash_randomize();
	ck_assert_uint_ne(hash(om_array(pair, 2)), array);
	ck_assert_uint_ne(hash(om_map(pair, 1)), map);
	ck_assert_uint_eq(hash(om_int(1)), one);
}
END_TEST

START_TEST(test_maps_compare_alike_when_memory_runs_out)
{
	uint32_t n = 300;
	om_value a = reversed_int_map(n, n - 1), b = reversed_int_map(n, n - 1);
	om_value c = reversed_int_map(n, -1);
	/* b in another order: swap its pairs pairwise */
	for (uint32_t i = 0; i + 1 < n; i += 2) {
		om_value k = b.as.items[2 * i], v = b.as.items[2 * i + 1];
		b.as.items[2 * i] = b.as.items[2 * i + 2];
		b.as.items[2 * i + 1] = b.as.items[2 * i + 3];
		b.as.items[2 * i + 2] = k;
		b.as.items[2 * i + 3] = v;
	}
	mem_fail_nth(1);
	value_pair_compares = 0;
	ck_assert(eq(a, b));
	/* the selection without memory ran: quadratic, where sorting takes n log n */
	ck_assert_uint_ge(value_pair_compares, (unsigned long)n * n);
	mem_fail_nth(1);
	ck_assert_int_eq(cmp(b, a), 0);
	mem_fail_nth(1);
	ck_assert_int_lt(cmp(c, a), 0);
	mem_fail_nth(1);
	ck_assert_int_gt(cmp(a, c), 0);
	mem_fail_nth(0);
	free(a.as.items);
	free(b.as.items);
	free(c.as.items);
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
	tcase_add_test(tc, test_permuted_maps_compare_equal_and_hash_alike);
	tcase_add_test(tc, test_maps_order_by_size_then_pairs_in_key_order);
	tcase_add_test(tc, test_nested_maps_compare_in_canonical_order_at_every_level);
	tcase_add_test(tc, test_duplicate_keys_are_more_pairs);
	tcase_add_test(tc, test_int_and_float_keys_are_different_keys);
	tcase_add_test(tc, test_compare_is_zero_exactly_when_equal_across_kinds);
	tcase_add_test(tc, test_a_100000_key_map_compares_in_n_log_n_pair_comparisons);
	tcase_add_test(tc, test_nested_maps_are_sorted_once_per_comparison);
	tcase_add_test(tc, test_container_hashes_depend_on_the_secret_key);
	tcase_add_test(tc, test_maps_compare_alike_when_memory_runs_out);
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
