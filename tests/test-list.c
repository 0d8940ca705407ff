/* test-list.c — the list type through its op table: every op and error, Python's index rules. */
#include <check.h>
#include <math.h>

#include "check-main.h"
#include "types-helper.h"

static void *jobs;

#define L(...) th_do(&list_type, jobs, "jobs", __VA_ARGS__, TH_END)

static void setup(void)
{
	op_call c = {0};
	jobs = list_type.create(NULL, &c);
	ck_assert_ptr_nonnull(jobs);
}

static void teardown(void)
{
	th_reset();
	list_type.destroy(jobs);
}

/* Appends the integers from..to-1. */
static void fill(int64_t from, int64_t to)
{
	for (int64_t i = from; i < to; i++)
		th_assert(L("append", om_int(i)) == OM_OK, "append %lld", (long long)i);
}

/* A NaN carrying tag in its payload: all NaNs compare equal, so the tag shows sort stability. */
static om_value tagged_nan(uint32_t tag)
{
	uint64_t bits = 0x7ff8000000000000ULL | tag;
	double f;
	memcpy(&f, &bits, sizeof f);
	return om_float(f);
}

static uint32_t nan_tag(const om_value *v)
{
	uint64_t bits;
	memcpy(&bits, &v->as.f, sizeof bits);
	return (uint32_t)bits;
}

START_TEST(test_list_append_answers_new_length)
{
	ck_assert_int_eq(L("append", om_str("a")), OM_OK);
	th_expect(om_int(1));
	L("append", om_nil());
	th_expect(om_int(2));
	L("items");
	th_expect_array(om_str("a"), om_nil());
	ck_assert_uint_eq(list_type.len(jobs), 2);
}
END_TEST

START_TEST(test_list_extend_answers_new_length)
{
	om_value inner[] = {om_int(9)};
	om_value more[] = {om_int(1), om_array(inner, 1), om_str("x")};
	L("append", om_int(0));
	ck_assert_int_eq(L("extend", om_array(more, 3)), OM_OK);
	th_expect(om_int(4));
	L("extend", om_array(NULL, 0));
	th_expect(om_int(4));
	L("items");
	th_expect_array(om_int(0), om_int(1), om_array(inner, 1), om_str("x"));
}
END_TEST

START_TEST(test_list_insert_clamps_like_python)
{
	fill(0, 3);
	ck_assert_int_eq(L("insert", om_int(100), om_str("past-end")), OM_OK);
	th_expect(om_int(4));
	L("insert", om_int(-1), om_str("before-last"));
	L("insert", om_int(-100), om_str("far-negative"));
	L("insert", om_int(2), om_str("at-2"));
	L("insert", om_uint(UINT64_MAX), om_str("huge"));
	L("insert", om_int(INT64_MIN), om_str("min"));
	th_expect(om_int(9));
	L("items");
	th_expect_array(om_str("min"), om_str("far-negative"), om_int(0), om_str("at-2"), om_int(1),
			om_int(2), om_str("before-last"), om_str("past-end"), om_str("huge"));
}
END_TEST

START_TEST(test_list_insert_into_empty_list)
{
	L("insert", om_int(-5), om_str("a"));
	L("insert", om_int(5), om_str("b"));
	L("insert", om_int(0), om_str("c"));
	L("items");
	th_expect_array(om_str("c"), om_str("a"), om_str("b"));
}
END_TEST

START_TEST(test_list_get_counts_negative_from_end)
{
	fill(10, 13);
	ck_assert_int_eq(L("get", om_int(0)), OM_OK);
	ck_assert_ptr_nonnull(th_call.borrowed);
	th_expect(om_int(10));
	L("get", om_int(2));
	th_expect(om_int(12));
	L("get", om_int(-1));
	th_expect(om_int(12));
	L("get", om_int(-3));
	th_expect(om_int(10));
}
END_TEST

START_TEST(test_list_get_out_of_range_is_index_error)
{
	fill(0, 3);
	ck_assert_int_eq(L("get", om_int(7)), OM_INDEX_ERROR);
	ck_assert_str_eq(th_message(), "list 'jobs' index 7 out of range (length 3)");
	ck_assert_int_eq(L("get", om_int(3)), OM_INDEX_ERROR);
	ck_assert_int_eq(L("get", om_int(-4)), OM_INDEX_ERROR);
	ck_assert_str_eq(th_message(), "list 'jobs' index -4 out of range (length 3)");
	ck_assert_int_eq(L("get", om_uint(UINT64_MAX)), OM_INDEX_ERROR);
	ck_assert_str_eq(th_message(),
			 "list 'jobs' index 18446744073709551615 out of range (length 3)");
	ck_assert_int_eq(L("get", om_int(INT64_MIN)), OM_INDEX_ERROR);
	L("clear");
	ck_assert_int_eq(L("get", om_int(0)), OM_INDEX_ERROR);
	ck_assert_str_eq(th_message(), "list 'jobs' index 0 out of range (length 0)");
}
END_TEST

START_TEST(test_list_set_replaces_item)
{
	fill(0, 3);
	ck_assert_int_eq(L("set", om_int(1), om_str("one")), OM_OK);
	th_expect(om_nil());
	L("set", om_int(-1), om_str("last"));
	L("items");
	th_expect_array(om_int(0), om_str("one"), om_str("last"));
}
END_TEST

START_TEST(test_list_set_out_of_range_is_index_error)
{
	fill(0, 3);
	ck_assert_int_eq(L("set", om_int(3), om_int(0)), OM_INDEX_ERROR);
	ck_assert_str_eq(th_message(), "list 'jobs' index 3 out of range (length 3)");
	ck_assert_int_eq(L("set", om_int(-4), om_int(0)), OM_INDEX_ERROR);
	L("items");
	th_expect_array(om_int(0), om_int(1), om_int(2));
}
END_TEST

START_TEST(test_list_pop_answers_last_or_indexed_item)
{
	fill(0, 6);
	ck_assert_int_eq(L("pop"), OM_OK);
	ck_assert_ptr_null(th_call.borrowed);
	th_expect(om_int(5));
	L("pop", om_int(0));
	th_expect(om_int(0));
	L("pop", om_int(-2));
	th_expect(om_int(3));
	L("pop", om_int(1));
	th_expect(om_int(2));
	L("items");
	th_expect_array(om_int(1), om_int(4));
}
END_TEST

START_TEST(test_list_pop_errors)
{
	ck_assert_int_eq(L("pop"), OM_INDEX_ERROR);
	ck_assert_str_eq(th_message(), "list 'jobs' is empty");
	ck_assert_int_eq(L("pop", om_int(0)), OM_INDEX_ERROR);
	ck_assert_str_eq(th_message(), "list 'jobs' is empty");
	fill(0, 3);
	ck_assert_int_eq(L("pop", om_int(3)), OM_INDEX_ERROR);
	ck_assert_str_eq(th_message(), "list 'jobs' index 3 out of range (length 3)");
	ck_assert_int_eq(L("pop", om_int(-4)), OM_INDEX_ERROR);
	L("len");
	th_expect(om_int(3));
}
END_TEST

START_TEST(test_list_popleft)
{
	fill(0, 3);
	ck_assert_int_eq(L("popleft"), OM_OK);
	th_expect(om_int(0));
	L("popleft");
	th_expect(om_int(1));
	L("popleft");
	th_expect(om_int(2));
	ck_assert_int_eq(L("popleft"), OM_INDEX_ERROR);
	ck_assert_str_eq(th_message(), "list 'jobs' is empty");
}
END_TEST

START_TEST(test_list_remove_first_equal_item)
{
	L("append", om_str("a"));
	L("append", om_str("b"));
	L("append", om_str("a"));
	ck_assert_int_eq(L("remove", om_str("a")), OM_OK);
	th_expect(om_nil());
	L("items");
	th_expect_array(om_str("b"), om_str("a"));
}
END_TEST

START_TEST(test_list_remove_absent_is_value_error)
{
	L("append", om_int(1));
	ck_assert_int_eq(L("remove", om_str("x")), OM_VALUE_ERROR);
	ck_assert_str_eq(th_message(), "list 'jobs' does not contain \"x\"");
	ck_assert_int_eq(L("remove", om_float(1.0)), OM_VALUE_ERROR);
	ck_assert_str_eq(th_message(), "list 'jobs' does not contain 1.0");
	L("len");
	th_expect(om_int(1));
}
END_TEST

START_TEST(test_list_index_of_first_equal_item)
{
	L("append", om_str("a"));
	L("append", om_float(1.0));
	L("append", om_int(1));
	L("append", om_int(1));
	ck_assert_int_eq(L("index", om_uint(1)), OM_OK);
	th_expect(om_int(2));
	L("index", om_float(1.0));
	th_expect(om_int(1));
	ck_assert_int_eq(L("index", om_str("b")), OM_VALUE_ERROR);
	ck_assert_str_eq(th_message(), "list 'jobs' does not contain \"b\"");
}
END_TEST

START_TEST(test_list_count_uses_value_equality)
{
	om_value f32 = om_float(1.0);
	f32.kind = OM_FLOAT32;
	L("append", om_int(1));
	L("append", om_float(1.0));
	L("append", om_uint(1));
	L("append", f32);
	ck_assert_int_eq(L("count", om_int(1)), OM_OK);
	th_expect(om_int(2));
	L("count", om_float(1.0));
	th_expect(om_int(2));
	L("count", om_str("1"));
	th_expect(om_int(0));
}
END_TEST

START_TEST(test_list_len)
{
	L("len");
	th_expect(om_int(0));
	fill(0, 5);
	L("len");
	th_expect(om_int(5));
}
END_TEST

/* Checks slice(start, stop) of [0, 1, 2, 3, 4] against the expected items from..to-1. */
static void expect_slice(om_value start, om_value stop, int64_t from, int64_t to, int line)
{
	ck_assert_int_eq(L("slice", start, stop), OM_OK);
	const om_value *got = th_answer();
	int64_t n = to > from ? to - from : 0;
	ck_assert_msg(got->kind == OM_ARRAY && got->len == n, "line %d: length %u, want %lld", line,
		      got->len, (long long)n);
	for (int64_t i = 0; i < n; i++)
		ck_assert_msg(got->as.items[i].as.i == from + i, "line %d: item %lld", line,
			      (long long)i);
}

START_TEST(test_list_slice_like_python)
{
	fill(0, 5);
	expect_slice(om_nil(), om_nil(), 0, 5, __LINE__);
	expect_slice(om_int(1), om_nil(), 1, 5, __LINE__);
	expect_slice(om_nil(), om_int(2), 0, 2, __LINE__);
	expect_slice(om_int(-2), om_nil(), 3, 5, __LINE__);
	expect_slice(om_nil(), om_int(-1), 0, 4, __LINE__);
	expect_slice(om_int(-100), om_int(100), 0, 5, __LINE__);
	expect_slice(om_int(1), om_int(-1), 1, 4, __LINE__);
	expect_slice(om_int(3), om_int(1), 0, 0, __LINE__);
	expect_slice(om_int(2), om_int(2), 0, 0, __LINE__);
	expect_slice(om_int(5), om_nil(), 0, 0, __LINE__);
	expect_slice(om_int(7), om_int(9), 0, 0, __LINE__);
	expect_slice(om_uint(UINT64_MAX), om_nil(), 0, 0, __LINE__);
	expect_slice(om_nil(), om_uint(UINT64_MAX), 0, 5, __LINE__);
	expect_slice(om_int(INT64_MIN), om_int(-3), 0, 2, __LINE__);
	expect_slice(om_int(-3), om_int(INT64_MIN), 0, 0, __LINE__);
	L("clear");
	expect_slice(om_nil(), om_nil(), 0, 0, __LINE__);
	expect_slice(om_int(-1), om_int(1), 0, 0, __LINE__);
}
END_TEST

START_TEST(test_list_slice_copies_items)
{
	om_value inner[] = {om_str("deep")};
	L("append", om_array(inner, 1));
	L("slice", om_nil(), om_nil());
	ck_assert_ptr_null(th_call.borrowed);
	th_expect_array(om_array(inner, 1));
	L("items");
	th_expect_array(om_array(inner, 1));
}
END_TEST

/* Moves the first item to the end k times: the same items, the ring's head k slots further on. */
static void rotate(int k)
{
	for (int i = 0; i < k; i++) {
		th_assert(L("popleft") == OM_OK, "popleft %d", i);
		om_value v;
		om_value_copy(&v, th_answer());
		th_assert(L("append", v) == OM_OK, "append %d", i);
		om_value_free(&v);
	}
}

/* Asserts that the list formats as want (om_value_format()). */
static void expect_formatted(const char *want, int line)
{
	char got[512];
	th_assert(L("items") == OM_OK, "line %d: items", line);
	om_value_format(th_answer(), got, sizeof got);
	th_assert(strcmp(got, want) == 0, "line %d: got %s, want %s", line, got, want);
}

/* list.splice on [0, ..., 9], each with what Python's l[start:stop] = array gives (python3). */
START_TEST(test_list_splice_like_python)
{
	om_value abc[] = {om_str("a"), om_str("b"), om_str("c")};
	om_value a8[8];
	for (int i = 0; i < 8; i++)
		a8[i] = om_strn(&"abcdefgh"[i], 1);
	const struct {
		om_value start, stop, array;
		const char *want;
	} cases[] = {
		{om_int(2), om_int(5), om_array(abc, 1), "[0, 1, \"a\", 5, 6, 7, 8, 9]"},
		{om_int(-3), om_nil(), om_array(NULL, 0), "[0, 1, 2, 3, 4, 5, 6]"},
		{om_nil(), om_int(2), om_array(a8 + 5, 3),
		 "[\"f\", \"g\", \"h\", 2, 3, 4, 5, 6, 7, 8, 9]"},
		/* A stop before the start inserts at the start. */
		{om_int(7), om_int(3), om_array(abc, 1), "[0, 1, 2, 3, 4, 5, 6, \"a\", 7, 8, 9]"},
		{om_int(-1), om_int(-5), om_array(abc + 1, 1), "[0, 1, 2, 3, 4, 5, 6, 7, 8, \"b\", 9]"},
		{om_nil(), om_nil(), om_array(NULL, 0), "[]"},
		{om_nil(), om_nil(), om_array(abc, 1), "[\"a\"]"},
		{om_int(0), om_int(10), om_array(abc + 2, 1), "[\"c\"]"},
		{om_int(100), om_int(200), om_array(abc, 1), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, \"a\"]"},
		{om_int(-100), om_int(-99), om_array(abc, 1), "[\"a\", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"},
		{om_int(-2), om_int(-1), om_array(abc, 3),
		 "[0, 1, 2, 3, 4, 5, 6, 7, \"a\", \"b\", \"c\", 9]"},
		{om_int(1), om_int(9), om_array(abc, 1), "[0, \"a\", 9]"},
		{om_uint(UINT64_MAX), om_nil(), om_array(abc, 1), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, \"a\"]"},
		{om_int(INT64_MIN), om_int(3), om_array(NULL, 0), "[3, 4, 5, 6, 7, 8, 9]"},
		{om_int(5), om_int(5), om_array(NULL, 0), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"},
		{om_int(3), om_int(-3), om_array(a8, 8),
		 "[0, 1, 2, \"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\", 7, 8, 9]"},
		{om_int(8), om_nil(), om_array(a8, 8),
		 "[0, 1, 2, 3, 4, 5, 6, 7, \"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\"]"},
		{om_int(1), om_int(2), om_array(a8, 8),
		 "[0, \"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\", 2, 3, 4, 5, 6, 7, 8, 9]"},
	};
	/* Each case with the ring's head at slot 0, then wrapped around its end both ways. */
	static const int rotations[] = {0, 10, 20, 30};
	for (size_t r = 0; r < sizeof rotations / sizeof rotations[0]; r++) {
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			L("clear");
			fill(0, 10); /* in 16 slots */
			rotate(rotations[r]);
			int line = (int)(1000 * r + i);
			th_assert(L("splice", cases[i].start, cases[i].stop, cases[i].array) == OM_OK,
				  "case %d: %s", line, th_message());
			/* The new length: the items of want, counted by its commas. */
			size_t n = strcmp(cases[i].want, "[]") != 0;
			for (const char *p = cases[i].want; *p; p++)
				n += *p == ',';
			th_assert(th_answer()->kind == OM_INT && th_answer()->as.i == (int64_t)n,
				  "case %d: answered length %lld, want %zu", line,
				  (long long)th_answer()->as.i, n);
			expect_formatted(cases[i].want, line);
			ck_assert_uint_eq(list_type.len(jobs), n);
		}
	}
}
END_TEST

/* The items spliced in are moved into the list: long strings, nested values and references alike. */
START_TEST(test_list_splice_keeps_every_kind_of_item)
{
	om_value inner[] = {om_int(9), om_str("nested")};
	om_value items[] = {om_str("a string too long to be inline"), om_array(inner, 2), om_ref("other"),
			    om_str("short"), om_nil()};
	ck_assert_int_eq(L("splice", om_nil(), om_nil(), om_array(items, 5)), OM_OK);
	th_expect(om_int(5));
	L("items");
	th_expect(om_array(items, 5));
	ck_assert_int_eq(L("splice", om_int(1), om_int(4), om_array(items, 1)), OM_OK);
	th_expect(om_int(3));
	L("items");
	th_expect_array(om_str("a string too long to be inline"), om_str("a string too long to be inline"),
			om_nil());
	ck_assert_int_eq(L("splice", om_int(0), om_nil(), om_array(NULL, 0)), OM_OK);
	th_expect(om_int(0));
	L("items");
	th_expect(om_array(NULL, 0));
}
END_TEST

/* Deleting most of a large list gives the buffer back: it ends a quarter full or more. */
START_TEST(test_list_splice_deleting_a_slice_shrinks_the_buffer)
{
	fill(0, 1000);
	ck_assert_int_eq(L("splice", om_int(2), om_int(-2), om_array(NULL, 0)), OM_OK);
	th_expect(om_int(4));
	L("items");
	th_expect_array(om_int(0), om_int(1), om_int(998), om_int(999));
	/* The buffer is down to its 8 slots: four more items fill it with no allocation. */
	mem_fail_nth(1);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(L("insert", om_int(2), om_int(i)), OM_OK);
	ck_assert(mem_fail_pending());
	mem_fail_nth(0);
	L("items");
	th_expect_array(om_int(0), om_int(1), om_int(3), om_int(2), om_int(1), om_int(0), om_int(998),
			om_int(999));
}
END_TEST

/* list.repeat as Python's l *= n, items copied (each copy freed on its own: ASan checks). */
START_TEST(test_list_repeat_like_python)
{
	om_value inner[] = {om_int(2)};
	om_value items[] = {om_int(1), om_str("a"), om_str("a string too long to be inline"),
			    om_array(inner, 1)};
	om_value want[12];
	for (int i = 0; i < 12; i++)
		want[i] = items[i % 4];
	L("extend", om_array(items, 4));
	ck_assert_int_eq(L("repeat", om_int(3)), OM_OK);
	th_expect(om_int(12));
	L("items");
	th_expect(om_array(want, 12));
	ck_assert_int_eq(L("repeat", om_int(1)), OM_OK);
	th_expect(om_int(12));
	L("items");
	th_expect(om_array(want, 12));
	L("set", om_int(2), om_str("changed"));
	L("get", om_int(6));
	th_expect(om_str("a string too long to be inline"));
	ck_assert_int_eq(L("repeat", om_int(0)), OM_OK);
	th_expect(om_int(0));
	L("items");
	th_expect(om_array(NULL, 0));
	L("extend", om_array(items, 4));
	ck_assert_int_eq(L("repeat", om_int(-1)), OM_OK);
	th_expect(om_int(0));
	L("extend", om_array(items, 1));
	ck_assert_int_eq(L("repeat", om_int(INT64_MIN)), OM_OK);
	th_expect(om_int(0));
	ck_assert_uint_eq(list_type.len(jobs), 0);
}
END_TEST

/* An empty list stays empty whatever n is, even one that would overflow any product. */
START_TEST(test_list_repeat_of_an_empty_list_is_empty)
{
	static const int64_t ns[] = {2, 1000000000, (int64_t)1 << 62, INT64_MAX};
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
		ck_assert_int_eq(L("repeat", om_int(ns[i])), OM_OK);
		th_expect(om_int(0));
	}
	ck_assert_int_eq(L("repeat", om_uint(UINT64_MAX)), OM_OK);
	th_expect(om_int(0));
	L("items");
	th_expect(om_array(NULL, 0));
}
END_TEST

/* The ring wraps around the end of its buffer: the copies follow the items in list order. */
START_TEST(test_list_repeat_wrapped_buffer)
{
	fill(0, 10);
	rotate(13);
	ck_assert_int_eq(L("repeat", om_int(2)), OM_OK);
	th_expect(om_int(20));
	expect_formatted("[3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2]", __LINE__);
}
END_TEST

/*
 * A repeat whose result would hold more than 64 MiB (16 bytes a slot, and a
 * copy of each string: its bytes, its NUL and 16 for the allocator) is
 * answered limit at once, however large n is, and changes nothing.
 */
START_TEST(test_list_repeat_refuses_more_than_64_mib)
{
	static const char *const msg = "list.repeat: list 'jobs' times %s would hold more than 64 MiB, "
				       "the most list.repeat makes";
	const struct {
		om_value n;
		const char *shown;
	} huge[] = {
		{om_int((int64_t)1 << 62), "4611686018427387904"},
		{om_int(INT64_MAX), "9223372036854775807"},
		{om_uint(UINT64_MAX), "18446744073709551615"},
		{om_int(((int64_t)64 << 20) / 48 + 1), "1398102"},
	};
	char want[160];
	fill(0, 3);
	for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
		mem_fail_nth(1); /* refused before anything is allocated */
		ck_assert_int_eq(L("repeat", huge[i].n), OM_LIMIT);
		ck_assert(mem_fail_pending());
		mem_fail_nth(0);
		snprintf(want, sizeof want, msg, huge[i].shown);
		ck_assert_str_eq(th_message(), want);
	}
	L("items");
	th_expect_array(om_int(0), om_int(1), om_int(2));
	/* 3 ints take 48 bytes: 1398101 times that is 67108848, just under 64 MiB. */
	ck_assert_int_eq(L("repeat", om_int(((int64_t)64 << 20) / 48)), OM_OK);
	th_expect(om_int(3 * 1398101));
	L("get", om_int(-1));
	th_expect(om_int(2));
	L("get", om_int(3 * 700000 + 1));
	th_expect(om_int(1));
	L("clear");
	/* A string is counted with its copies: 65536 + 1 + 16 bytes, and 16 for its slot. */
	static char big[65536];
	L("append", om_bin(big, sizeof big));
	ck_assert_int_eq(L("repeat", om_int(((int64_t)64 << 20) / 65569 + 1)), OM_LIMIT);
	ck_assert_str_eq(th_message(), "list.repeat: list 'jobs' times 1024 would hold more than 64 MiB, "
				       "the most list.repeat makes");
	ck_assert_int_eq(L("repeat", om_int(((int64_t)64 << 20) / 65569)), OM_OK);
	th_expect(om_int(1023));
	L("get", om_int(1022));
	th_expect(om_bin(big, sizeof big));
}
END_TEST

/*
 * Random splices (any bounds, arrays of 0 to 6 items), repeats and
 * popleft + append rotations checked against a plain array as the ring
 * wraps, grows and shrinks.
 */
START_TEST(test_list_splice_and_repeat_match_array_model)
{
	enum { MAX = 400 };
	int64_t model[MAX], tmp[MAX];
	size_t len = 0;
	uint64_t seed = 99;
	int64_t next = 0;
	for (int step = 0; step < 20000; step++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		uint32_t r = (uint32_t)(seed >> 33);
		int64_t bounds[2];
		size_t pos[2];
		for (int b = 0; b < 2; b++) {
			bounds[b] = (int64_t)((r >> (4 + 8 * b)) % (2 * len + 5)) - (int64_t)len - 2;
			int64_t i = bounds[b] < 0 ? bounds[b] + (int64_t)len : bounds[b];
			pos[b] = i < 0 ? 0 : (size_t)i > len ? len : (size_t)i;
		}
		switch (r % 8) {
		case 0: {
			if (len < 2 || len > MAX / 4)
				break;
			int64_t n = (int64_t)((r >> 4) % 5) - 1; /* -1 to 3 */
			th_assert(L("repeat", om_int(n)) == OM_OK, "step %d", step);
			size_t total = n <= 0 ? 0 : len * (size_t)n;
			for (size_t i = len; i < total; i++)
				model[i] = model[i % len];
			len = total;
			break;
		}
		case 1: { /* the first item moved to the end: the ring's head moves on */
			if (len == 0)
				break;
			int64_t first = model[0];
			th_assert(L("popleft") == OM_OK, "step %d", step);
			th_assert(L("append", om_int(first)) == OM_OK, "step %d", step);
			memmove(&model[0], &model[1], (len - 1) * sizeof *model);
			model[len - 1] = first;
			break;
		}
		default: {
			bool open_start = (r >> 24) % 7 == 0, open_stop = (r >> 27) % 7 == 0;
			size_t start = open_start ? 0 : pos[0], stop = open_stop ? len : pos[1];
			if (stop < start)
				stop = start;
			size_t add = (r >> 20) % 7;
			if (len - (stop - start) + add > MAX)
				add = 0;
			om_value items[6];
			for (size_t i = 0; i < add; i++)
				items[i] = om_int(next + (int64_t)i);
			th_assert(L("splice", open_start ? om_nil() : om_int(bounds[0]),
				    open_stop ? om_nil() : om_int(bounds[1]), om_array(items, add)) == OM_OK,
				  "step %d: %s", step, th_message());
			size_t n = 0;
			for (size_t i = 0; i < start; i++)
				tmp[n++] = model[i];
			for (size_t i = 0; i < add; i++)
				tmp[n++] = next++;
			for (size_t i = stop; i < len; i++)
				tmp[n++] = model[i];
			memcpy(model, tmp, n * sizeof *model);
			len = n;
			th_assert(th_answer()->as.i == (int64_t)len, "step %d: length %lld, want %zu", step,
				  (long long)th_answer()->as.i, len);
			break;
		}
		}
		if (step % 37 == 0 || step == 19999) {
			L("items");
			const om_value *got = th_answer();
			th_assert(got->len == len, "step %d: length %u, want %zu", step, got->len, len);
			for (size_t i = 0; i < len; i++)
				th_assert(got->as.items[i].as.i == model[i], "step %d: item %zu is %lld, want %lld",
					  step, i, (long long)got->as.items[i].as.i, (long long)model[i]);
		}
	}
}
END_TEST

START_TEST(test_list_clear)
{
	fill(0, 100);
	ck_assert_int_eq(L("clear"), OM_OK);
	th_expect(om_nil());
	ck_assert_uint_eq(list_type.len(jobs), 0);
	L("items");
	th_expect(om_array(NULL, 0));
	fill(0, 2);
	L("items");
	th_expect_array(om_int(0), om_int(1));
}
END_TEST

START_TEST(test_list_reverse)
{
	ck_assert_int_eq(L("reverse"), OM_OK);
	th_expect(om_nil());
	fill(0, 4);
	L("reverse");
	L("items");
	th_expect_array(om_int(3), om_int(2), om_int(1), om_int(0));
	L("append", om_int(9));
	L("reverse");
	L("items");
	th_expect_array(om_int(9), om_int(0), om_int(1), om_int(2), om_int(3));
}
END_TEST

START_TEST(test_list_sort_orders_across_types)
{
	om_value none[1];
	om_value pair[] = {om_int(1), om_int(1)};
	om_value sorted[] = {
		om_nil(), om_bool(false), om_bool(true), om_int(-5), om_float(-4.5), om_int(0),
		om_float(0.5), om_int(1), om_float(1.0), om_uint(UINT64_MAX), om_float(NAN),
		om_str(""), om_str("a"), om_str("ab"), om_bin("", 0), om_array(none, 0),
		om_map(pair, 1), om_ext(3, "x", 1), om_ref("x"),
	};
	size_t n = sizeof sorted / sizeof sorted[0];
	/* Appended in a scrambled order: 7 is coprime with n. */
	for (size_t i = 0; i < n; i++)
		L("append", sorted[(i * 7) % n]);
	ck_assert_int_eq(L("sort"), OM_OK);
	th_expect(om_nil());
	L("items");
	th_expect(om_array(sorted, n));
	L("sort", om_bool(true));
	L("get", om_int(0));
	th_expect(om_ref("x"));
	L("get", om_int(-1));
	th_expect(om_nil());
}
END_TEST

START_TEST(test_list_sort_is_stable)
{
	om_value f32 = om_float(0.5);
	f32.kind = OM_FLOAT32;
	L("append", om_float(0.5));
	L("append", om_int(2));
	L("append", f32);
	L("append", om_float(-0.0));
	L("append", om_float(0.0));
	L("sort");
	L("items");
	th_expect_array(om_float(-0.0), om_float(0.0), om_float(0.5), f32, om_int(2));
	L("get", om_int(0));
	ck_assert(signbit(th_answer()->as.f));
	L("get", om_int(1));
	ck_assert(!signbit(th_answer()->as.f));
	/* Reversed, equal items still keep their order, as with Python's reverse=True. */
	L("sort", om_bool(true));
	L("items");
	th_expect_array(om_int(2), om_float(0.5), f32, om_float(-0.0), om_float(0.0));
	L("get", om_int(3));
	ck_assert(signbit(th_answer()->as.f));
}
END_TEST

/* Thousands of items, a third of them NaNs that sort equal: their tags must stay in order. */
START_TEST(test_list_sort_large_is_sorted_and_stable)
{
	const uint32_t n = 5000;
	for (int pass = 0; pass < 2; pass++) {
		bool reverse = pass == 1;
		L("clear");
		for (uint32_t i = 0; i < n; i++)
			L("append", i % 3 == 0 ? tagged_nan(i) : om_int((i * 7919) % 1000));
		L("sort", om_bool(reverse));
		L("items");
		const om_value *items = th_answer();
		ck_assert_uint_eq(items->len, n);
		int64_t last_tag = -1;
		for (uint32_t i = 0; i < n; i++) {
			const om_value *v = &items->as.items[i];
			if (i + 1 < n) {
				int c = value_cmp(v, &items->as.items[i + 1]);
				th_assert(reverse ? c >= 0 : c <= 0, "items %u and %u out of order", i, i + 1);
			}
			if (v->kind != OM_FLOAT64)
				continue;
			th_assert(nan_tag(v) > last_tag, "NaN %u after NaN %lld", nan_tag(v), (long long)last_tag);
			last_tag = nan_tag(v);
		}
		ck_assert_int_eq(last_tag, n - 2);
	}
}
END_TEST

/* The ring buffer wraps around its end; sorting must see the items in list order. */
START_TEST(test_list_sort_wrapped_buffer)
{
	fill(0, 6);
	for (int i = 0; i < 4; i++)
		L("popleft");
	for (int64_t v = 9; v >= 5; v--)
		L("append", om_int(v));
	L("items");
	th_expect_array(om_int(4), om_int(5), om_int(9), om_int(8), om_int(7), om_int(6), om_int(5));
	L("sort");
	L("items");
	th_expect_array(om_int(4), om_int(5), om_int(5), om_int(6), om_int(7), om_int(8), om_int(9));
}
END_TEST

START_TEST(test_list_sort_empty_and_single)
{
	ck_assert_int_eq(L("sort"), OM_OK);
	L("append", om_str("x"));
	ck_assert_int_eq(L("sort", om_bool(true)), OM_OK);
	L("items");
	th_expect_array(om_str("x"));
}
END_TEST

/* A deque workload: 100,000 items through both ends, growing and shrinking the ring. */
START_TEST(test_list_both_ends_at_scale)
{
	const int64_t n = 100000;
	fill(0, n);
	for (int64_t i = 0; i < n / 2; i++) {
		th_assert(L("popleft") == OM_OK, "popleft %lld", (long long)i);
		th_assert(th_answer()->as.i == i, "popleft %lld", (long long)i);
	}
	L("get", om_int(0));
	th_expect(om_int(n / 2));
	L("get", om_int(-1));
	th_expect(om_int(n - 1));
	for (int64_t i = 1; i <= 1000; i++)
		L("insert", om_int(0), om_int(-i));
	L("get", om_int(0));
	th_expect(om_int(-1000));
	L("len");
	th_expect(om_int(n / 2 + 1000));
	for (int64_t i = 0; i < n / 2 + 1000; i++)
		th_assert((i % 2 ? L("pop") : L("popleft")) == OM_OK, "pop %lld", (long long)i);
	ck_assert_int_eq(L("pop"), OM_INDEX_ERROR);
	fill(0, 3);
	L("items");
	th_expect_array(om_int(0), om_int(1), om_int(2));
}
END_TEST

/* Random inserts, pops and sets checked against a plain array, across ring wrap-arounds. */
START_TEST(test_list_matches_array_model)
{
	enum { MAX = 600 };
	int64_t model[MAX];
	size_t len = 0;
	uint64_t seed = 42;
	for (int step = 0; step < 20000; step++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		uint32_t r = (uint32_t)(seed >> 33);
		int64_t idx = (int64_t)(r % (2 * len + 3)) - (int64_t)len - 1;
		int64_t v = step;
		size_t pos = idx < 0 ? (idx + (int64_t)len < 0 ? 0 : (size_t)(idx + (int64_t)len))
				     : ((size_t)idx > len ? len : (size_t)idx);
		switch (r % 5) {
		case 0:
		case 1:
			if (len == MAX)
				break;
			L("insert", om_int(idx), om_int(v));
			memmove(&model[pos + 1], &model[pos], (len - pos) * sizeof *model);
			model[pos] = v;
			len++;
			break;
		case 2:
			if (idx < -(int64_t)len || idx >= (int64_t)len) {
				th_assert(L("pop", om_int(idx)) == OM_INDEX_ERROR, "step %d", step);
				break;
			}
			th_assert(L("pop", om_int(idx)) == OM_OK, "step %d", step);
			th_assert(th_answer()->as.i == model[pos], "step %d", step);
			memmove(&model[pos], &model[pos + 1], (len - pos - 1) * sizeof *model);
			len--;
			break;
		case 3:
			if (len == 0 || idx < -(int64_t)len || idx >= (int64_t)len)
				break;
			L("set", om_int(idx), om_int(v));
			model[pos] = v;
			break;
		default:
			if (len == MAX)
				break;
			L("append", om_int(v));
			model[len++] = v;
			break;
		}
		if (step % 97 == 0 || step == 19999) {
			L("items");
			const om_value *items = th_answer();
			th_assert(items->len == len, "step %d: length %u, want %zu", step, items->len, len);
			for (size_t i = 0; i < len; i++)
				th_assert(items->as.items[i].as.i == model[i], "step %d: item %zu", step, i);
		}
	}
}
END_TEST

/*
 * Strings and bins on both sides of the 14 bytes a list slot keeps inline
 * (types/cval.h). Value k of NSIZED: the first sized_len[k / 2] bytes of
 * sized_bytes, a str for even k and a bin of the same bytes for odd k.
 */
static const size_t sized_len[] = {0, 1, 13, 14, 15, 36};
#define NSIZED 12
static const char sized_bytes[] = "a\0cdefghijklmnopqrstuvwxyz0123456789ABCD";

static om_value sized(int k)
{
	size_t n = sized_len[k / 2];
	return k % 2 ? om_bin(sized_bytes, n) : om_strn(sized_bytes, n);
}

/* Asserts that the list is exactly want[0..n), through items, get (both signs) and len. */
static void expect_items(const om_value *want, size_t n, int line)
{
	ck_assert_int_eq(L("items"), OM_OK);
	th_expect_at(th_answer(), om_array(want, n), __FILE__, line);
	for (size_t i = 0; i < n; i++) {
		th_assert(L("get", om_int((int64_t)i)) == OM_OK, "line %d: get %zu", line, i);
		th_expect_at(th_answer(), want[i], __FILE__, line);
		th_assert(L("get", om_int((int64_t)i - (int64_t)n)) == OM_OK, "line %d", line);
		th_expect_at(th_answer(), want[i], __FILE__, line);
	}
	L("len");
	th_expect_at(th_answer(), om_int((int64_t)n), __FILE__, line);
}

START_TEST(test_list_strings_around_inline_size_round_trip)
{
	om_value want[NSIZED];
	/* Even values appended, odd ones inserted at the front (an appendleft). */
	for (int k = 0; k < NSIZED; k++) {
		if (k % 2 == 0)
			ck_assert_int_eq(L("append", sized(k)), OM_OK);
		else
			ck_assert_int_eq(L("insert", om_int(0), sized(k)), OM_OK);
		th_expect(om_int(k + 1));
	}
	for (int k = 0; k < NSIZED / 2; k++) {
		want[k] = sized(NSIZED - 1 - 2 * k);
		want[NSIZED / 2 + k] = sized(2 * k);
	}
	expect_items(want, NSIZED, __LINE__);
	L("slice", om_int(4), om_int(-3));
	th_expect(om_array(want + 4, NSIZED - 7));
	L("slice", om_int(-1), om_nil());
	th_expect_array(sized(10));
}
END_TEST

/* A short string's get answers a view of its slot; a popped one stays in the call, uncopied. */
START_TEST(test_list_short_strings_are_answered_without_copies)
{
	L("append", sized(4));
	L("append", sized(6));
	L("get", om_int(0));
	ck_assert_ptr_eq(th_call.borrowed, &th_call.view);
	th_expect(sized(4));
	ck_assert_int_eq(L("pop"), OM_OK);
	ck_assert_ptr_eq(th_call.borrowed, &th_call.view);
	ck_assert_ptr_eq(th_call.view.as.str, th_call.held[0].s.bytes);
	th_expect(sized(6));
	L("append", sized(8));
	ck_assert_int_eq(L("popleft"), OM_OK);
	ck_assert_ptr_eq(th_call.view.as.str, th_call.held[0].s.bytes);
	th_expect(sized(4));
	/* Longer than 14 bytes: moved out as the owned result, as before. */
	ck_assert_int_eq(L("popleft"), OM_OK);
	ck_assert_ptr_null(th_call.borrowed);
	th_expect(sized(8));
}
END_TEST

START_TEST(test_list_str_and_bin_of_the_same_bytes_differ)
{
	for (int pass = 0; pass < 2; pass++)
		for (int k = 0; k < NSIZED; k++)
			L("append", sized(k));
	for (int k = 0; k < NSIZED; k++) {
		ck_assert_int_eq(L("index", sized(k)), OM_OK);
		th_expect(om_int(k));
		L("count", sized(k));
		th_expect(om_int(2));
	}
	/* Same length, one byte different; and a prefix of a stored item. */
	L("count", om_strn("a\0cdefghijklmnopqrstuvwxyz012345678X", 36));
	th_expect(om_int(0));
	L("count", om_bin(sized_bytes, 35));
	th_expect(om_int(0));
	ck_assert_int_eq(L("index", om_strn(sized_bytes, 2)), OM_VALUE_ERROR);
	ck_assert_str_eq(th_message(), "list 'jobs' does not contain \"a\\u0000\"");
	/* Removing each bin once leaves the strs and the second round of bins. */
	for (int k = 1; k < NSIZED; k += 2)
		ck_assert_int_eq(L("remove", sized(k)), OM_OK);
	om_value want[NSIZED + NSIZED / 2];
	for (int k = 0; k < NSIZED / 2; k++)
		want[k] = sized(2 * k);
	for (int k = 0; k < NSIZED; k++)
		want[NSIZED / 2 + k] = sized(k);
	expect_items(want, NSIZED + NSIZED / 2, __LINE__);
	L("index", sized(1));
	th_expect(om_int(7));
}
END_TEST

START_TEST(test_list_set_swaps_short_and_long_items)
{
	om_value want[NSIZED];
	for (int k = 0; k < NSIZED; k++)
		L("append", sized(k));
	for (int k = 0; k < NSIZED; k++) {
		ck_assert_int_eq(L("set", om_int(k), sized(NSIZED - 1 - k)), OM_OK);
		th_expect(om_nil());
		want[k] = sized(NSIZED - 1 - k);
	}
	expect_items(want, NSIZED, __LINE__);
	/* The same slot through inline, heap and inline again; and a non-string. */
	L("set", om_int(-1), sized(11));
	L("set", om_int(-1), sized(3));
	L("set", om_int(-1), om_int(7));
	L("set", om_int(-1), sized(2));
	want[NSIZED - 1] = sized(2);
	expect_items(want, NSIZED, __LINE__);
}
END_TEST

START_TEST(test_list_pop_and_popleft_answer_strings_exactly)
{
	/* 96 items: the ring grows to 128, then halves on the way down. */
	int ks[8 * NSIZED];
	size_t first = 0, last = 8 * NSIZED;
	for (size_t i = 0; i < last; i++) {
		ks[i] = (int)(i % NSIZED);
		L("append", sized(ks[i]));
	}
	ck_assert_int_eq(L("pop", om_int(13)), OM_OK);
	th_expect(sized(1));
	memmove(&ks[13], &ks[14], (--last - 13) * sizeof *ks);
	ck_assert_int_eq(L("pop", om_int(-2)), OM_OK);
	th_expect(sized(10));
	ks[last - 2] = ks[last - 1];
	last--;
	while (first < last) {
		ck_assert_int_eq(L("popleft"), OM_OK);
		th_expect_at(th_answer(), sized(ks[first++]), __FILE__, __LINE__);
		ck_assert_int_eq(L("pop"), OM_OK);
		th_expect_at(th_answer(), sized(ks[--last]), __FILE__, __LINE__);
	}
	L("len");
	th_expect(om_int(0));
	ck_assert_int_eq(L("popleft"), OM_INDEX_ERROR);
}
END_TEST

START_TEST(test_list_sort_and_reverse_strings_around_inline_size)
{
	om_value scrambled[NSIZED], want[NSIZED];
	/* 5 is coprime with 12: every value once, out of order. */
	for (int k = 0; k < NSIZED; k++)
		scrambled[k] = sized((k * 5) % NSIZED);
	ck_assert_int_eq(L("extend", om_array(scrambled, NSIZED)), OM_OK);
	th_expect(om_int(NSIZED));
	expect_items(scrambled, NSIZED, __LINE__);
	/* Each str is a prefix of the next longer one; every str sorts before every bin. */
	for (int k = 0; k < NSIZED / 2; k++) {
		want[k] = sized(2 * k);
		want[NSIZED / 2 + k] = sized(2 * k + 1);
	}
	ck_assert_int_eq(L("sort"), OM_OK);
	expect_items(want, NSIZED, __LINE__);
	L("reverse");
	for (int k = 0; k < NSIZED; k++)
		scrambled[k] = want[NSIZED - 1 - k];
	expect_items(scrambled, NSIZED, __LINE__);
	L("sort");
	L("sort", om_bool(true));
	expect_items(scrambled, NSIZED, __LINE__);
}
END_TEST

/* A model item: the value sized(k) with its first byte replaced by tag, so items differ. */
typedef struct model_item {
	int k;
	char bytes[sizeof sized_bytes];
} model_item;

static model_item model_make(int k, int tag)
{
	model_item m = {.k = k};
	memcpy(m.bytes, sized_bytes, sizeof sized_bytes);
	m.bytes[0] = (char)('A' + tag % 26);
	return m;
}

static om_value model_value(const model_item *m)
{
	size_t n = sized_len[m->k / 2];
	return m->k % 2 ? om_bin(m->bytes, n) : om_strn(m->bytes, n);
}

static int model_cmp(const void *a, const void *b)
{
	om_value va = model_value(a), vb = model_value(b);
	return value_cmp(&va, &vb);
}

static void model_check(const model_item *model, size_t len, int step)
{
	L("items");
	const om_value *items = th_answer();
	th_assert(items->len == len, "step %d: length %u, want %zu", step, items->len, len);
	for (size_t i = 0; i < len; i++) {
		om_value want = model_value(&model[i]);
		th_assert(th_same(&items->as.items[i], &want), "step %d: item %zu", step, i);
	}
}

/*
 * Random inserts (at the front too), pops, popleft, sets, removes and
 * index lookups of strings and bins of every size, checked against a
 * plain array as the ring wraps, grows and shrinks; sorted now and then.
 */
START_TEST(test_list_strings_match_array_model)
{
	enum { MAX = 300 };
	static model_item model[MAX];
	size_t len = 0;
	uint64_t seed = 7;
	for (int step = 0; step < 30000; step++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		uint32_t r = (uint32_t)(seed >> 33);
		int64_t idx = (int64_t)(r % (2 * len + 3)) - (int64_t)len - 1;
		size_t pos = idx < 0 ? (idx + (int64_t)len < 0 ? 0 : (size_t)(idx + (int64_t)len))
				     : ((size_t)idx > len ? len : (size_t)idx);
		bool inside = idx >= -(int64_t)len && idx < (int64_t)len;
		model_item m = model_make((int)((r >> 8) % NSIZED), step);
		om_value v = model_value(&m);
		/* Grow for a while, then shrink for a while: the ring doubles and halves. */
		bool growing = (step / 3000) % 2 == 0;
		switch (r % 8) {
		case 0:
		case 1:
			if (len == MAX || !growing)
				break;
			th_assert(L("insert", om_int(idx), v) == OM_OK, "step %d", step);
			memmove(&model[pos + 1], &model[pos], (len - pos) * sizeof *model);
			model[pos] = m;
			len++;
			break;
		case 2:
			if (!inside) {
				th_assert(L("pop", om_int(idx)) == OM_INDEX_ERROR, "step %d", step);
				break;
			}
			th_assert(L("pop", om_int(idx)) == OM_OK, "step %d", step);
			v = model_value(&model[pos]);
			th_assert(th_same(th_answer(), &v), "step %d: pop", step);
			memmove(&model[pos], &model[pos + 1], (len - pos - 1) * sizeof *model);
			len--;
			break;
		case 3:
			if (len == 0) {
				th_assert(L("popleft") == OM_INDEX_ERROR, "step %d", step);
				break;
			}
			th_assert(L("popleft") == OM_OK, "step %d", step);
			v = model_value(&model[0]);
			th_assert(th_same(th_answer(), &v), "step %d: popleft", step);
			memmove(&model[0], &model[1], (len - 1) * sizeof *model);
			len--;
			break;
		case 4:
			if (!inside)
				break;
			th_assert(L("set", om_int(idx), v) == OM_OK, "step %d", step);
			model[pos] = m;
			break;
		case 5: {
			/* An item equal to a model item (or absent): index, count, remove. */
			model_item probe = len && inside ? model[pos] : m;
			v = model_value(&probe);
			size_t first = 0, n = 0;
			for (size_t i = len; i-- > 0;) {
				om_value mv = model_value(&model[i]);
				if (value_eq(&mv, &v)) {
					first = i;
					n++;
				}
			}
			L("count", v);
			th_assert(th_answer()->as.i == (int64_t)n, "step %d: count", step);
			if (n == 0) {
				th_assert(L("index", v) == OM_VALUE_ERROR, "step %d", step);
				th_assert(L("remove", v) == OM_VALUE_ERROR, "step %d", step);
				break;
			}
			L("index", v);
			th_assert(th_answer()->as.i == (int64_t)first, "step %d: index", step);
			if (growing)
				break;
			th_assert(L("remove", v) == OM_OK, "step %d", step);
			memmove(&model[first], &model[first + 1], (len - first - 1) * sizeof *model);
			len--;
			break;
		}
		case 6:
			if (r % 97 == 0) {
				L("sort");
				qsort(model, len, sizeof *model, model_cmp);
				model_check(model, len, step);
			}
			break;
		default:
			if (len == MAX || !growing)
				break;
			th_assert(L("append", v) == OM_OK, "step %d", step);
			model[len++] = m;
			break;
		}
		if (step % 101 == 0 || step == 29999)
			model_check(model, len, step);
	}
}
END_TEST

START_TEST(test_list_create_options)
{
	op_call c = {0};
	om_value empty = om_map(NULL, 0);
	void *l = list_type.create(&empty, &c);
	ck_assert_ptr_nonnull(l);
	list_type.destroy(l);
	om_value pairs[] = {om_str("maxlen"), om_int(1)};
	om_value opts = om_map(pairs, 1);
	ck_assert_ptr_null(list_type.create(&opts, &c));
	ck_assert_int_eq(c.code, OM_BAD_PARAMS);
	ck_assert_str_eq(c.message, "list: unknown option 'maxlen'");
}
END_TEST

START_TEST(test_list_params_are_checked)
{
	ck_assert_int_eq(L("get", om_str("0")), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(), "list.get: parameter 'index' must be an integer, got str");
	ck_assert_int_eq(L("get", om_float(0.0)), OM_BAD_PARAMS);
	ck_assert_int_eq(L("slice", om_float(1.0), om_nil()), OM_BAD_PARAMS);
	ck_assert_int_eq(L("slice", om_nil()), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(), "list.slice: parameter 'stop' is missing");
	ck_assert_int_eq(L("sort", om_int(1)), OM_BAD_PARAMS);
	ck_assert_int_eq(L("extend", om_str("abc")), OM_BAD_PARAMS);
	ck_assert_int_eq(L("insert", om_nil(), om_int(1)), OM_BAD_PARAMS);
	ck_assert_int_eq(L("popleft", om_int(0)), OM_BAD_PARAMS);
	om_value one[] = {om_int(1)};
	ck_assert_int_eq(L("splice", om_str("0"), om_nil(), om_array(one, 1)), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(), "list.splice: parameter 'start' must be an integer or nil, got str");
	ck_assert_int_eq(L("splice", om_int(0), om_float(1.0), om_array(one, 1)), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(), "list.splice: parameter 'stop' must be an integer or nil, got float");
	ck_assert_int_eq(L("splice", om_int(0), om_nil(), om_int(1)), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(), "list.splice: parameter 'array' must be an array, got int");
	ck_assert_int_eq(L("splice", om_int(0), om_nil(), om_nil()), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(), "list.splice: parameter 'array' must be an array, got nil");
	ck_assert_int_eq(L("splice", om_int(0), om_nil()), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(), "list.splice: parameter 'array' is missing");
	ck_assert_int_eq(L("repeat", om_nil()), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(), "list.repeat: parameter 'n' must be an integer, got nil");
	ck_assert_int_eq(L("repeat", om_float(2.0)), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(), "list.repeat: parameter 'n' must be an integer, got float");
	ck_assert_int_eq(L("repeat"), OM_BAD_PARAMS);
	ck_assert_str_eq(th_message(), "list.repeat: parameter 'n' is missing");
	ck_assert_uint_eq(list_type.len(jobs), 0);
}
END_TEST

START_TEST(test_list_op_table)
{
	static const char *const writes[] = {"append", "extend", "insert", "set", "pop", "popleft",
					     "remove", "clear", "reverse", "sort", "splice", "repeat",
					     NULL};
	static const char *const all[] = {"append", "extend", "insert", "get", "set", "pop",
					  "popleft", "remove", "index", "count", "len", "slice",
					  "items", "clear", "reverse", "sort", "splice", "repeat"};
	ck_assert_uint_eq(list_type.nops, sizeof all / sizeof all[0]);
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		ck_assert_ptr_nonnull(type_find_op(&list_type, all[i], strlen(all[i])));
	th_check_table(&list_type, writes);
	th_check_grows(&list_type, (const char *const[]){"append", "extend", "insert", "set", "splice",
							  "repeat", NULL});
	ck_assert_ptr_null(list_type.options); /* it takes none */
}
END_TEST

/* --- out of memory (types-helper.h's th_do_oom: each allocation fails in turn) --- */

#define OOM(...) th_do_oom(&list_type, jobs, "jobs", "items", __VA_ARGS__, TH_END)

START_TEST(test_list_append_and_insert_out_of_memory_change_nothing)
{
	ck_assert_int_eq(OOM("append", om_str("a string too long to be inline")), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 1); /* the first buffer */
	th_expect(om_int(1));
	fill(1, 8);
	ck_assert_int_eq(OOM("insert", om_int(3), om_int(100)), OM_OK); /* full: it doubles */
	ck_assert_uint_eq(th_oom_failures, 1);
	th_expect(om_int(9));
	ck_assert_int_eq(OOM("append", om_int(9)), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 0);
	L("items");
	th_expect_array(om_str("a string too long to be inline"), om_int(1), om_int(2), om_int(100),
			om_int(3), om_int(4), om_int(5), om_int(6), om_int(7), om_int(9));
}
END_TEST

START_TEST(test_list_extend_out_of_memory_adds_nothing)
{
	fill(0, 3);
	om_value more[] = {om_int(3), om_int(4), om_int(5), om_int(6), om_int(7), om_int(8)};
	ck_assert_int_eq(OOM("extend", om_array(more, 6)), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 1);
	th_expect(om_int(9));
	L("items");
	th_expect_array(om_int(0), om_int(1), om_int(2), om_int(3), om_int(4), om_int(5), om_int(6),
			om_int(7), om_int(8));
}
END_TEST

/* Growing a slice needs a larger buffer first; replacing or deleting one needs no memory. */
START_TEST(test_list_splice_out_of_memory_changes_nothing)
{
	fill(0, 8);
	om_value more[] = {om_str("a string too long to be inline"), om_int(20), om_str("x")};
	ck_assert_int_eq(OOM("splice", om_int(2), om_int(4), om_array(more, 3)), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 1); /* 9 items in 8 slots: it doubles */
	th_expect(om_int(9));
	L("items");
	th_expect_array(om_int(0), om_int(1), om_str("a string too long to be inline"), om_int(20),
			om_str("x"), om_int(4), om_int(5), om_int(6), om_int(7));
	ck_assert_int_eq(OOM("splice", om_int(-3), om_nil(), om_array(more + 1, 2)), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 0);
	th_expect(om_int(8));
	/* 2 items left in 16 slots: the buffer shrinks, or stays as it is without memory. */
	mem_fail_nth(2); /* the 1st: copying the params, the empty array */
	ck_assert_int_eq(L("splice", om_int(1), om_int(-1), om_array(NULL, 0)), OM_OK);
	ck_assert(!mem_fail_pending());
	mem_fail_nth(0);
	th_expect(om_int(2));
	L("items");
	th_expect_array(om_int(0), om_str("x"));
}
END_TEST

/* A repeat makes room, then copies each string that is not inline: any of those failing undoes it all. */
START_TEST(test_list_repeat_out_of_memory_changes_nothing)
{
	om_value inner[] = {om_str("nested, and too long to be inline")};
	om_value items[] = {om_str("a string too long to be inline"), om_int(1), om_str("short"),
			    om_array(inner, 1)};
	L("extend", om_array(items, 4));
	ck_assert_int_eq(OOM("repeat", om_int(3)), OM_OK);
	/* The buffer, then per copy: the long string, the array and its string. */
	ck_assert_uint_eq(th_oom_failures, 1 + 2 * 3);
	th_expect(om_int(12));
	om_value want[12];
	for (int i = 0; i < 12; i++)
		want[i] = items[i % 4];
	L("items");
	th_expect(om_array(want, 12));
	ck_assert_int_eq(OOM("repeat", om_int(0)), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 0);
	th_expect(om_int(0));
}
END_TEST

/* The ring wraps around the end of its buffer: sorting needs scratch, then the items in one piece. */
START_TEST(test_list_sort_out_of_memory_changes_nothing)
{
	fill(0, 6);
	for (int i = 0; i < 4; i++)
		L("popleft");
	fill(0, 4);
	ck_assert_int_eq(OOM("sort"), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 2);
	L("items");
	th_expect_array(om_int(0), om_int(1), om_int(2), om_int(3), om_int(4), om_int(5));
}
END_TEST

START_TEST(test_list_reads_out_of_memory_answer_limit)
{
	L("append", om_str("short"));
	L("append", om_int(1));
	L("append", om_str("a string too long to be inline"));
	ck_assert_int_eq(OOM("slice", om_int(0), om_int(2)), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 2); /* the array, then each string */
	th_expect_array(om_str("short"), om_int(1));
	ck_assert_int_eq(OOM("items"), OM_OK);
	ck_assert_uint_eq(th_oom_failures, 3);
	th_expect_array(om_str("short"), om_int(1), om_str("a string too long to be inline"));
}
END_TEST

/* A removal allocates only to shrink the buffer: without memory it removes all the same. */
START_TEST(test_list_removals_need_no_memory)
{
	fill(0, 64);
	unsigned long shrinks_failed = 0;
	for (int i = 0; i < 60; i++) {
		mem_fail_nth(1); /* an int param is copied without allocating */
		int rc = i % 3 == 0 ? L("pop") : i % 3 == 1 ? L("popleft") : L("remove", om_int(20 + i / 3));
		th_assert(rc == OM_OK, "removal %d answered %d", i, rc);
		shrinks_failed += !mem_fail_pending();
		mem_fail_nth(0);
	}
	ck_assert_uint_gt(shrinks_failed, 0);
	L("items");
	th_expect_array(om_int(40), om_int(41), om_int(42), om_int(43));
}
END_TEST

START_TEST(test_list_create_out_of_memory_answers_limit)
{
	th_create_oom(&list_type, NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("list");
	TCase *tc = tcase_create("list");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_list_append_answers_new_length);
	tcase_add_test(tc, test_list_extend_answers_new_length);
	tcase_add_test(tc, test_list_insert_clamps_like_python);
	tcase_add_test(tc, test_list_insert_into_empty_list);
	tcase_add_test(tc, test_list_get_counts_negative_from_end);
	tcase_add_test(tc, test_list_get_out_of_range_is_index_error);
	tcase_add_test(tc, test_list_set_replaces_item);
	tcase_add_test(tc, test_list_set_out_of_range_is_index_error);
	tcase_add_test(tc, test_list_pop_answers_last_or_indexed_item);
	tcase_add_test(tc, test_list_pop_errors);
	tcase_add_test(tc, test_list_popleft);
	tcase_add_test(tc, test_list_remove_first_equal_item);
	tcase_add_test(tc, test_list_remove_absent_is_value_error);
	tcase_add_test(tc, test_list_index_of_first_equal_item);
	tcase_add_test(tc, test_list_count_uses_value_equality);
	tcase_add_test(tc, test_list_len);
	tcase_add_test(tc, test_list_slice_like_python);
	tcase_add_test(tc, test_list_slice_copies_items);
	tcase_add_test(tc, test_list_splice_like_python);
	tcase_add_test(tc, test_list_splice_keeps_every_kind_of_item);
	tcase_add_test(tc, test_list_splice_deleting_a_slice_shrinks_the_buffer);
	tcase_add_test(tc, test_list_repeat_like_python);
	tcase_add_test(tc, test_list_repeat_of_an_empty_list_is_empty);
	tcase_add_test(tc, test_list_repeat_wrapped_buffer);
	tcase_add_test(tc, test_list_repeat_refuses_more_than_64_mib);
	tcase_add_test(tc, test_list_splice_and_repeat_match_array_model);
	tcase_add_test(tc, test_list_clear);
	tcase_add_test(tc, test_list_reverse);
	tcase_add_test(tc, test_list_sort_orders_across_types);
	tcase_add_test(tc, test_list_sort_is_stable);
	tcase_add_test(tc, test_list_sort_large_is_sorted_and_stable);
	tcase_add_test(tc, test_list_sort_wrapped_buffer);
	tcase_add_test(tc, test_list_sort_empty_and_single);
	tcase_add_test(tc, test_list_both_ends_at_scale);
	tcase_add_test(tc, test_list_matches_array_model);
	tcase_add_test(tc, test_list_strings_around_inline_size_round_trip);
	tcase_add_test(tc, test_list_short_strings_are_answered_without_copies);
	tcase_add_test(tc, test_list_str_and_bin_of_the_same_bytes_differ);
	tcase_add_test(tc, test_list_set_swaps_short_and_long_items);
	tcase_add_test(tc, test_list_pop_and_popleft_answer_strings_exactly);
	tcase_add_test(tc, test_list_sort_and_reverse_strings_around_inline_size);
	tcase_add_test(tc, test_list_strings_match_array_model);
	tcase_add_test(tc, test_list_create_options);
	tcase_add_test(tc, test_list_params_are_checked);
	tcase_add_test(tc, test_list_op_table);
	tcase_add_test(tc, test_list_append_and_insert_out_of_memory_change_nothing);
	tcase_add_test(tc, test_list_extend_out_of_memory_adds_nothing);
	tcase_add_test(tc, test_list_splice_out_of_memory_changes_nothing);
	tcase_add_test(tc, test_list_repeat_out_of_memory_changes_nothing);
	tcase_add_test(tc, test_list_sort_out_of_memory_changes_nothing);
	tcase_add_test(tc, test_list_reads_out_of_memory_answer_limit);
	tcase_add_test(tc, test_list_removals_need_no_memory);
	tcase_add_test(tc, test_list_create_out_of_memory_answers_limit);
	suite_add_tcase(s, tc);
	return check_main(s);
}
