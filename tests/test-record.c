/*
 * test-record.c — CRC-32C and the record framing of journal and snapshot
 * files: what reading tells a crash's cut-short end from damage.
 */
#include <check.h>
#include <string.h>

#include "check-main.h"
#include "crc32c.h"
#include "record.h"

START_TEST(test_crc32c_matches_the_standard_check_value)
{
	ck_assert_uint_eq(crc32c(0, "123456789", 9), 0xe3069283);
	ck_assert_uint_eq(crc32c(0, "", 0), 0);
	/* Extending a checksum equals checksumming the whole. */
	ck_assert_uint_eq(crc32c(crc32c(0, "12345", 5), "6789", 4), 0xe3069283);
	/* 32 zero bytes, iSCSI's test vector (RFC 3720, B.4). */
	static const unsigned char zeros[32];
	ck_assert_uint_eq(crc32c(0, zeros, sizeof zeros), 0x8a9136aa);
}
END_TEST

/* Appends a record whose payload is the msgpack string s. */
static void add(msgpack_sbuffer *b, const char *s)
{
	size_t mark;
	ck_assert(record_begin(b, &mark));
	msgpack_packer pk;
	msgpack_packer_init(&pk, b, msgpack_sbuffer_write);
	msgpack_pack_str_with_body(&pk, s, strlen(s));
	ck_assert(record_end(b, mark));
}

/* Reads every record of buf[0..len): how many were whole, and the status after them. */
static int read_all(const char *buf, size_t len, int *whole)
{
	size_t at = 0;
	*whole = 0;
	for (;;) {
		const unsigned char *p;
		size_t plen, used;
		int rc = record_read((const unsigned char *)buf + at, len - at, &p, &plen, &used);
		if (rc != RECORD_OK)
			return rc;
		(*whole)++;
		at += used;
	}
}

START_TEST(test_records_read_back_as_written)
{
	msgpack_sbuffer b;
	msgpack_sbuffer_init(&b);
	add(&b, "one");
	add(&b, "two");
	const unsigned char *p;
	size_t plen, used;
	ck_assert_int_eq(record_read((unsigned char *)b.data, b.size, &p, &plen, &used), RECORD_OK);
	ck_assert_uint_eq(plen, 4); /* 0xa3 "one" */
	ck_assert_uint_eq(used, RECORD_HEADER + 4);
	ck_assert_int_eq(memcmp(p, "\xa3one", 4), 0);
	int whole;
	ck_assert_int_eq(read_all(b.data, b.size, &whole), RECORD_END);
	ck_assert_int_eq(whole, 2);
	msgpack_sbuffer_destroy(&b);
}
END_TEST

START_TEST(test_a_write_cut_short_anywhere_is_torn)
{
	msgpack_sbuffer b;
	msgpack_sbuffer_init(&b);
	add(&b, "first");
	size_t first = b.size;
	add(&b, "second record");
	for (size_t cut = first + 1; cut < b.size; cut++) {
		int whole;
		ck_assert_int_eq(read_all(b.data, cut, &whole), RECORD_TORN);
		ck_assert_int_eq(whole, 1);
	}
	msgpack_sbuffer_destroy(&b);
}
END_TEST

START_TEST(test_a_damaged_last_record_is_torn_and_an_earlier_one_bad)
{
	msgpack_sbuffer b;
	msgpack_sbuffer_init(&b);
	add(&b, "first");
	size_t first = b.size;
	add(&b, "second");
	int whole;
	/* Every byte of the last record, flipped: a cut-short write's garbage. */
	for (size_t i = first; i < b.size; i++) {
		b.data[i] ^= 0x40;
		int rc = read_all(b.data, b.size, &whole);
		ck_assert_msg(rc == RECORD_TORN || rc == RECORD_BAD, "byte %zu", i);
		if (i >= first + 4) /* its length intact: the checksum fails at the end */
			ck_assert_int_eq(rc, RECORD_TORN);
		b.data[i] ^= 0x40;
	}
	/* Every byte of the first, flipped, with a record after it: damage. */
	for (size_t i = 4; i < first; i++) {
		b.data[i] ^= 0x01;
		ck_assert_int_eq(read_all(b.data, b.size, &whole), RECORD_BAD);
		ck_assert_int_eq(whole, 0);
		b.data[i] ^= 0x01;
	}
	msgpack_sbuffer_destroy(&b);
}
END_TEST

START_TEST(test_zeros_at_the_end_are_torn_and_before_a_record_bad)
{
	msgpack_sbuffer b;
	msgpack_sbuffer_init(&b);
	add(&b, "first");
	size_t first = b.size;
	static const char zeros[64];
	msgpack_sbuffer_write(&b, zeros, sizeof zeros);
	int whole;
	ck_assert_int_eq(read_all(b.data, b.size, &whole), RECORD_TORN);
	ck_assert_int_eq(whole, 1);
	b.size = first + 8;
	add(&b, "after");
	ck_assert_int_eq(read_all(b.data, b.size, &whole), RECORD_BAD);
	ck_assert_int_eq(whole, 1);
	msgpack_sbuffer_destroy(&b);
}
END_TEST

START_TEST(test_a_header_record_names_kind_and_generation)
{
	msgpack_sbuffer b;
	msgpack_sbuffer_init(&b);
	ck_assert(record_pack_header(&b, "journal", 7));
	const unsigned char *p;
	size_t plen, used;
	ck_assert_int_eq(record_read((unsigned char *)b.data, b.size, &p, &plen, &used), RECORD_OK);
	static const char want[] = "\x83\xa6objmgr\xa7journal\xa7version\x01\xaageneration\x07";
	ck_assert_uint_eq(plen, sizeof want - 1);
	ck_assert_int_eq(memcmp(p, want, plen), 0);
	msgpack_sbuffer_destroy(&b);
}
END_TEST

static Suite *record_suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("record");
	tcase_add_test(tc, test_crc32c_matches_the_standard_check_value);
	tcase_add_test(tc, test_records_read_back_as_written);
	tcase_add_test(tc, test_a_write_cut_short_anywhere_is_torn);
	tcase_add_test(tc, test_a_damaged_last_record_is_torn_and_an_earlier_one_bad);
	tcase_add_test(tc, test_zeros_at_the_end_are_torn_and_before_a_record_bad);
	tcase_add_test(tc, test_a_header_record_names_kind_and_generation);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(record_suite());
}
