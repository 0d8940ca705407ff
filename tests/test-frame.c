/* test-frame.c — the msgpack frame scanner: message ends, budgets, nesting, bad bytes. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "check-main.h"
#include "frame.h"
#include "om_value.h"

#define MIB (1024 * 1024)

/* Scans n bytes as one piece; *taken as frame_scan sets it. */
static int scan(frame *f, const char *p, size_t n, size_t *taken)
{
	*taken = (size_t)-1;
	return frame_scan(f, p, n, taken);
}

/* The result of scanning a whole message given alone, with budget max. */
static int scan_alone(const char *p, size_t n, size_t max)
{
	frame f;
	size_t taken;
	frame_init(&f, max);
	int rc = scan(&f, p, n, &taken);
	if (rc == FRAME_END) {
		ck_assert_uint_eq(taken, n);
		ck_assert_uint_eq(f.used, 0);
	}
	return rc;
}

START_TEST(test_each_scalar_is_one_message_of_its_length)
{
	static const struct { const char *bytes; size_t n; } s[] = {
		{"\xc0", 1}, {"\xc2", 1}, {"\xc3", 1}, {"\x00", 1}, {"\x7f", 1}, {"\xe0", 1},
		{"\xff", 1}, {"\xcc\x80", 2}, {"\xcd\x01\x00", 3}, {"\xce\0\0\0\1", 5},
		{"\xcf\0\0\0\0\0\0\0\1", 9}, {"\xd0\x80", 2}, {"\xd1\x80\x00", 3},
		{"\xd2\x80\0\0\0", 5}, {"\xd3\x80\0\0\0\0\0\0\0", 9}, {"\xca\x3f\xc0\0\0", 5},
		{"\xcb\x3f\xf8\0\0\0\0\0\0", 9},
	};
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
		ck_assert_int_eq(scan_alone(s[i].bytes, s[i].n, 64), FRAME_END);
}
END_TEST

START_TEST(test_bodies_and_containers_end_after_their_content)
{
	ck_assert_int_eq(scan_alone("\xa3" "abc", 4, 64), FRAME_END);
	ck_assert_int_eq(scan_alone("\xd9\x02" "ab", 4, 64), FRAME_END);
	ck_assert_int_eq(scan_alone("\xda\x00\x01" "a", 4, 64), FRAME_END);
	ck_assert_int_eq(scan_alone("\xc4\x01\xff", 3, 64), FRAME_END);
	ck_assert_int_eq(scan_alone("\xc7\x02\x05" "ab", 5, 64), FRAME_END);
	ck_assert_int_eq(scan_alone("\xd4\x05\x01", 3, 64), FRAME_END);
	ck_assert_int_eq(scan_alone("\xd8\x05" "0123456789abcdef", 18, 64), FRAME_END);
	ck_assert_int_eq(scan_alone("\x90", 1, 64), FRAME_END);
	ck_assert_int_eq(scan_alone("\x80", 1, 64), FRAME_END);
	ck_assert_int_eq(scan_alone("\xa0", 1, 64), FRAME_END);
	ck_assert_int_eq(scan_alone("\x92\x91\xc0\x81\x01\xa1x", 7, 64), FRAME_END);
	ck_assert_int_eq(scan_alone("\xdc\x00\x02\x01\x02", 5, 64), FRAME_END);
	ck_assert_int_eq(scan_alone("\xde\x00\x01\x01\x02", 5, 64), FRAME_END);
}
END_TEST

START_TEST(test_a_message_stops_at_its_end_and_the_next_starts_fresh)
{
	const char bytes[] = "\x94\x00\x01\xa1m\x90" "\xc0" "\x93\x02\xa1n\x91\x05";
	frame f;
	size_t taken;
	frame_init(&f, 64);
	ck_assert_int_eq(scan(&f, bytes, sizeof bytes - 1, &taken), FRAME_END);
	ck_assert_uint_eq(taken, 6);
	ck_assert_int_eq(scan(&f, bytes + 6, sizeof bytes - 7, &taken), FRAME_END);
	ck_assert_uint_eq(taken, 1);
	ck_assert_int_eq(scan(&f, bytes + 7, sizeof bytes - 8, &taken), FRAME_END);
	ck_assert_uint_eq(taken, 6);
}
END_TEST

START_TEST(test_a_cut_header_is_left_for_the_next_call)
{
	frame f;
	size_t taken;
	frame_init(&f, 64);
	ck_assert_int_eq(scan(&f, "\x91\xdc\x00", 3, &taken), FRAME_MORE);
	ck_assert_uint_eq(taken, 1); /* the array16 header is not whole */
	ck_assert_int_eq(scan(&f, "\xdc\x00\x01\xcb\x3f", 5, &taken), FRAME_MORE);
	ck_assert_uint_eq(taken, 3);
	ck_assert_uint_eq(f.used, 4);
	ck_assert_int_eq(scan(&f, "\xcb\x3f\0\0\0\0\0\0\0", 9, &taken), FRAME_END);
	ck_assert_uint_eq(taken, 9);
}
END_TEST

START_TEST(test_bytes_one_at_a_time_end_where_the_message_does)
{
	const char msg[] = "\x94\x00\xce\0\1\0\0\xa8" "dict.set" "\x93\xa1" "d" "\xd9\x01k\xc4\x02\xff\xfe";
	size_t n = sizeof msg - 1;
	frame f;
	frame_init(&f, 64);
	size_t at = 0, taken;
	int rc = FRAME_MORE;
	for (size_t end = 1; end <= n && rc == FRAME_MORE; end++) {
		rc = scan(&f, msg + at, end - at, &taken);
		at += taken;
		ck_assert_int_eq(rc, end == n ? FRAME_END : FRAME_MORE);
	}
	ck_assert_uint_eq(at, n);
}
END_TEST

/* Headers whose declared length cannot fit in the budget are refused with nothing after them. */
START_TEST(test_declared_lengths_beyond_the_budget_are_refused_at_the_header)
{
	static const struct { const char *bytes; size_t n; } h[] = {
		{"\xdd\x08\x00\x00\x00", 5}, /* array of 2^27 */
		{"\xdd\x80\x00\x00\x00", 5}, /* array of 2^31 */
		{"\xdf\x04\x00\x00\x00", 5}, /* map of 2^26 entries: 2^27 items */
		{"\xdf\x80\x00\x00\x00", 5},
		{"\xdb\x08\x00\x00\x00", 5}, /* str of 2^27 bytes */
		{"\xdb\x80\x00\x00\x00", 5},
		{"\xc6\x08\x00\x00\x00", 5}, /* bin */
		{"\xc6\xff\xff\xff\xff", 5},
		{"\xc9\x08\x00\x00\x00\x01", 6}, /* ext */
		{"\x94\x00\x01\xa1m\xdd\x80\x00\x00\x00", 10}, /* params of 2^31 */
	};
	for (size_t i = 0; i < sizeof h / sizeof h[0]; i++)
		ck_assert_int_eq(scan_alone(h[i].bytes, h[i].n, 64 * MIB), OM_TOO_LARGE);
}
END_TEST

/* Every declared item counts at least one byte, a map entry two; a body counts its length. */
START_TEST(test_the_budget_is_exact)
{
	char buf[16] = "\x9a"; /* 10 nils: 11 bytes */
	memset(buf + 1, 0xc0, 10);
	ck_assert_int_eq(scan_alone(buf, 11, 11), FRAME_END);
	ck_assert_int_eq(scan_alone(buf, 11, 10), OM_TOO_LARGE);
	buf[0] = (char)0x85; /* 5 entries: 11 bytes */
	ck_assert_int_eq(scan_alone(buf, 11, 11), FRAME_END);
	ck_assert_int_eq(scan_alone(buf, 1, 10), OM_TOO_LARGE);
	ck_assert_int_eq(scan_alone("\xa9" "123456789", 10, 10), FRAME_END);
	ck_assert_int_eq(scan_alone("\xaa", 1, 10), OM_TOO_LARGE);
	/* a scalar's own bytes count too */
	ck_assert_int_eq(scan_alone("\x92\xcb\0\0\0\0\0\0\0\0", 10, 10), OM_TOO_LARGE);
	ck_assert_int_eq(scan_alone("\x92\xcb\0\0\0\0\0\0\0\0\xc0", 11, 11), FRAME_END);
}
END_TEST

START_TEST(test_nesting_is_limited_as_msgpack_c_limits_it)
{
	char buf[FRAME_MAX_DEPTH + 2];
	memset(buf, 0x91, sizeof buf);
	buf[FRAME_MAX_DEPTH] = (char)0xc0; /* 32 arrays around a nil */
	ck_assert_int_eq(scan_alone(buf, FRAME_MAX_DEPTH + 1, 64), FRAME_END);
	buf[FRAME_MAX_DEPTH] = (char)0x90; /* even an empty 33rd */
	ck_assert_int_eq(scan_alone(buf, FRAME_MAX_DEPTH + 1, 64), OM_TOO_DEEP);
	buf[FRAME_MAX_DEPTH] = (char)0x80;
	ck_assert_int_eq(scan_alone(buf, FRAME_MAX_DEPTH + 1, 64), OM_TOO_DEEP);

	/* msgpack-c agrees on both sides of the limit */
	msgpack_zone z;
	msgpack_object o;
	msgpack_zone_init(&z, 1024);
	buf[FRAME_MAX_DEPTH] = (char)0xc0;
	ck_assert_int_eq(msgpack_unpack(buf, FRAME_MAX_DEPTH + 1, NULL, &z, &o), MSGPACK_UNPACK_SUCCESS);
	buf[FRAME_MAX_DEPTH] = (char)0x90;
	ck_assert_int_eq(msgpack_unpack(buf, FRAME_MAX_DEPTH + 1, NULL, &z, &o), MSGPACK_UNPACK_NOMEM_ERROR);
	msgpack_zone_destroy(&z);
}
END_TEST

START_TEST(test_the_reserved_byte_is_bad_anywhere)
{
	ck_assert_int_eq(scan_alone("\xc1", 1, 64), OM_BAD_REQUEST);
	ck_assert_int_eq(scan_alone("\x93\x00\x01\xc1", 4, 64), OM_BAD_REQUEST);
}
END_TEST

/* Packs a random value of depth at most d into pk. */
static void pack_random(msgpack_packer *pk, int d)
{
	static const char body[300] = {0};
	switch (rand() % (d > 0 ? 12 : 10)) {
	case 0: msgpack_pack_nil(pk); break;
	case 1: msgpack_pack_true(pk); break;
	case 2: msgpack_pack_int64(pk, -((int64_t)rand() << (rand() % 32))); break;
	case 3: msgpack_pack_uint64(pk, (uint64_t)rand() << (rand() % 33)); break;
	case 4: msgpack_pack_float(pk, 1.5f); break;
	case 5: msgpack_pack_double(pk, 2.5); break;
	case 6: {
		size_t n = (size_t)rand() % 300;
		msgpack_pack_str_with_body(pk, body, n);
		break;
	}
	case 7: {
		size_t n = (size_t)rand() % 300;
		msgpack_pack_bin_with_body(pk, body, n);
		break;
	}
	case 8: {
		size_t n = 1 + (size_t)rand() % 20;
		msgpack_pack_ext_with_body(pk, body, n, 7);
		break;
	}
	case 9: msgpack_pack_int8(pk, -3); break;
	case 10: {
		size_t n = (size_t)rand() % 20;
		msgpack_pack_array(pk, n);
		for (size_t i = 0; i < n; i++)
			pack_random(pk, d - 1);
		break;
	}
	default: {
		size_t n = (size_t)rand() % 20;
		msgpack_pack_map(pk, n);
		for (size_t i = 0; i < 2 * n; i++)
			pack_random(pk, d - 1);
		break;
	}
	}
}

/* Random messages cut at random points end exactly where msgpack-c's do. */
START_TEST(test_random_streams_split_anywhere_end_where_msgpack_c_ends)
{
	srand(7);
	for (int round = 0; round < 200; round++) {
		msgpack_sbuffer sb;
		msgpack_packer pk;
		msgpack_sbuffer_init(&sb);
		msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
		for (int m = 0; m < 5; m++)
			pack_random(&pk, 4);
		size_t ends[5], at = 0;
		msgpack_zone z;
		msgpack_zone_init(&z, 4096);
		for (int m = 0; m < 5; m++) {
			msgpack_object o;
			ck_assert_int_ne(msgpack_unpack(sb.data, sb.size, &at, &z, &o), MSGPACK_UNPACK_PARSE_ERROR);
			ends[m] = at;
		}
		msgpack_zone_destroy(&z);
		ck_assert_uint_eq(at, sb.size);

		frame f;
		frame_init(&f, 64 * MIB);
		size_t pos = 0, avail = 0, start = 0;
		int m = 0;
		while (m < 5) {
			if (avail < sb.size)
				avail += 1 + (size_t)rand() % 64;
			if (avail > sb.size)
				avail = sb.size;
			size_t taken, before = f.used;
			int rc = scan(&f, sb.data + pos, avail - pos, &taken);
			pos += taken;
			ck_assert_int_ge(rc, 0);
			if (rc == FRAME_END) {
				ck_assert_uint_eq(pos, ends[m]);
				ck_assert_uint_eq(before + taken, ends[m] - start);
				start = pos;
				m++;
			} else {
				ck_assert(avail < sb.size);
			}
		}
		msgpack_sbuffer_destroy(&sb);
	}
}
END_TEST

static Suite *frame_suite(void)
{
	Suite *s = suite_create("frame");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_each_scalar_is_one_message_of_its_length);
	tcase_add_test(tc, test_bodies_and_containers_end_after_their_content);
	tcase_add_test(tc, test_a_message_stops_at_its_end_and_the_next_starts_fresh);
	tcase_add_test(tc, test_a_cut_header_is_left_for_the_next_call);
	tcase_add_test(tc, test_bytes_one_at_a_time_end_where_the_message_does);
	tcase_add_test(tc, test_declared_lengths_beyond_the_budget_are_refused_at_the_header);
	tcase_add_test(tc, test_the_budget_is_exact);
	tcase_add_test(tc, test_nesting_is_limited_as_msgpack_c_limits_it);
	tcase_add_test(tc, test_the_reserved_byte_is_bad_anywhere);
	tcase_add_test(tc, test_random_streams_split_anywhere_end_where_msgpack_c_ends);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(frame_suite());
}
