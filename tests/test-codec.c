/* test-codec.c — msgpack <-> value conversion and the msgpack-RPC envelope. */
#include <check.h>

#include "check-main.h"
#include "codec.h"
#include "name.h"
#include "types-helper.h"
#include "value.h"

/* Packs v with codec_pack and decodes it back with msgpack-c + codec_decode. */
static int round_trip(const om_value *v, om_value *out, int max_depth)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	codec_pack(&pk, v);
	msgpack_unpacked up;
	msgpack_unpacked_init(&up);
	ck_assert_int_eq(msgpack_unpack_next(&up, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
	int rc = codec_decode(&up.data, out, max_depth);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

/* Decodes one msgpack message given as raw bytes. */
static int decode_bytes(const char *bytes, size_t n, om_value *out)
{
	msgpack_unpacked up;
	msgpack_unpacked_init(&up);
	ck_assert_int_eq(msgpack_unpack_next(&up, bytes, n, NULL), MSGPACK_UNPACK_SUCCESS);
	int rc = codec_decode(&up.data, out, 24);
	msgpack_unpacked_destroy(&up);
	return rc;
}

START_TEST(test_every_kind_round_trips)
{
	om_value f32 = om_float(1.5);
	f32.kind = OM_FLOAT32;
	om_value inner[] = {om_int(-1), om_str("x")};
	om_value pairs[] = {om_str("k"), om_array(inner, 2), om_int(7), om_nil()};
	om_value all[] = {
		om_nil(), om_bool(true), om_bool(false), om_int(0), om_int(-32), om_int(127),
		om_int(INT64_MIN), om_int(INT64_MAX), om_uint(UINT64_MAX), om_float(2.25), f32,
		om_str(""), om_str("héllo"), om_bin("\0\xff", 2), om_ext(42, "abc", 3),
		om_ref("users"), om_map(pairs, 2),
	};
	om_value v = om_array(all, sizeof all / sizeof all[0]);
	om_value back;
	ck_assert_int_eq(round_trip(&v, &back, 24), OM_OK);
	ck_assert(om_value_equal(&v, &back));
	ck_assert_int_eq(back.as.items[10].kind, OM_FLOAT32);
	ck_assert_int_eq(back.as.items[14].ext_type, 42);
	ck_assert_int_eq(back.as.items[15].kind, OM_REF);
	ck_assert_str_eq(back.as.items[15].as.str, "users");
	om_value_free(&back);
}
END_TEST

START_TEST(test_uint64_encoded_one_decodes_as_int)
{
	const char bytes[] = {(char)0xcf, 0, 0, 0, 0, 0, 0, 0, 1};
	om_value v;
	ck_assert_int_eq(decode_bytes(bytes, sizeof bytes, &v), OM_OK);
	ck_assert_int_eq(v.kind, OM_INT);
	ck_assert_int_eq(v.as.i, 1);
}
END_TEST

START_TEST(test_ext_type_one_is_a_reference)
{
	const char bytes[] = {(char)0xd4, 1, 'q'};
	om_value v;
	ck_assert_int_eq(decode_bytes(bytes, sizeof bytes, &v), OM_OK);
	ck_assert_int_eq(v.kind, OM_REF);
	ck_assert_uint_eq(v.len, 1);
	ck_assert_str_eq(v.as.str, "q");
	om_value_free(&v);
}
END_TEST

/* The bytes of [1, ["x", ext 1 of n bytes of c]]: a reference deep in a value. */
static size_t nested_ref(char *out, size_t n, char c)
{
	size_t k = 0;
	out[k++] = (char)0x92;
	out[k++] = 1;
	out[k++] = (char)0x92;
	out[k++] = (char)0xa1;
	out[k++] = 'x';
	out[k++] = (char)0xc8; /* ext 16 */
	out[k++] = (char)(n >> 8);
	out[k++] = (char)n;
	out[k++] = 1;
	memset(out + k, c, n);
	return k + n;
}

START_TEST(test_a_reference_must_carry_an_object_name)
{
	char bytes[1100];
	om_value v;
	size_t n = nested_ref(bytes, OBJECT_NAME_MAX, 'q');
	ck_assert_int_eq(decode_bytes(bytes, n, &v), OM_OK);
	ck_assert_int_eq(v.as.items[1].as.items[1].kind, OM_REF);
	ck_assert_uint_eq(v.as.items[1].as.items[1].len, OBJECT_NAME_MAX);
	om_value_free(&v);
	/* empty, too long, or holding a NUL: refused, nothing left allocated */
	size_t bad[][2] = {{0, 'q'}, {OBJECT_NAME_MAX + 1, 'q'}, {3, '\0'}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		n = nested_ref(bytes, bad[i][0], (char)bad[i][1]);
		v = om_int(7);
		ck_assert_int_eq(decode_bytes(bytes, n, &v), OM_BAD_PARAMS);
		ck_assert_int_eq(v.kind, OM_NIL);
	}
}
END_TEST

START_TEST(test_duplicate_map_keys_are_kept_as_sent)
{
	/* {"a": 1, "a": 2} */
	const char bytes[] = {(char)0x82, (char)0xa1, 'a', 1, (char)0xa1, 'a', 2};
	om_value v;
	ck_assert_int_eq(decode_bytes(bytes, sizeof bytes, &v), OM_OK);
	ck_assert_int_eq(v.kind, OM_MAP);
	ck_assert_uint_eq(v.len, 2);
	ck_assert_int_eq(v.as.items[1].as.i, 1);
	ck_assert_int_eq(v.as.items[3].as.i, 2);
	/* equal to the same pairs in another order, not to either pair alone */
	om_value swapped[] = {om_str("a"), om_int(2), om_str("a"), om_int(1)};
	om_value once[] = {om_str("a"), om_int(2)};
	om_value m = om_map(swapped, 2), one = om_map(once, 1);
	ck_assert(om_value_equal(&v, &m));
	ck_assert_uint_eq(value_hash(&v), value_hash(&m));
	ck_assert(!om_value_equal(&v, &one));
	om_value_free(&v);
}
END_TEST

START_TEST(test_nesting_beyond_limit_is_too_deep)
{
	om_value levels[4];
	levels[0] = om_int(1);
	for (int i = 1; i < 4; i++)
		levels[i] = om_array(&levels[i - 1], 1);
	om_value back;
	ck_assert_int_eq(round_trip(&levels[3], &back, 3), OM_OK);
	om_value_free(&back);
	ck_assert_int_eq(round_trip(&levels[3], &back, 2), OM_TOO_DEEP);
	ck_assert_int_eq(back.kind, OM_NIL);
}
END_TEST

/* Parses bytes as an RPC message; returns rpc_parse's code. */
static int parse(const char *bytes, size_t n, rpc_msg *m, char *err)
{
	static msgpack_unpacked up;
	msgpack_unpacked_destroy(&up);
	msgpack_unpacked_init(&up);
	ck_assert_int_eq(msgpack_unpack_next(&up, bytes, n, NULL), MSGPACK_UNPACK_SUCCESS);
	return rpc_parse(&up.data, m, err, 128);
}

START_TEST(test_request_envelope_is_read)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	om_value params[] = {om_str("users"), om_str("bob")};
	rpc_pack_request(&pk, 77, "dict.get", params, 2);
	rpc_msg m;
	char err[128];
	ck_assert_int_eq(parse(sb.data, sb.size, &m, err), OM_OK);
	ck_assert_int_eq(m.type, RPC_REQUEST);
	ck_assert_uint_eq(m.msgid, 77);
	ck_assert_uint_eq(m.method_len, 8);
	ck_assert(memcmp(m.method, "dict.get", 8) == 0);
	ck_assert_uint_eq(m.params->via.array.size, 2);
	msgpack_sbuffer_destroy(&sb);
}
END_TEST

START_TEST(test_malformed_envelopes_are_bad_requests)
{
	rpc_msg m;
	char err[128];
	/* [0, 5, 9, []]: method not a string, msgid still readable */
	ck_assert_int_eq(parse("\x94\x00\x05\x09\x90", 5, &m, err), OM_BAD_REQUEST);
	ck_assert(m.has_msgid);
	ck_assert_uint_eq(m.msgid, 5);
	ck_assert_str_eq(err, "method must be a string");
	/* [0, 6, "x"]: too short */
	ck_assert_int_eq(parse("\x93\x00\x06\xa1x", 5, &m, err), OM_BAD_REQUEST);
	ck_assert(m.has_msgid);
	ck_assert_str_eq(err, "a request must be [0, msgid, method, params]");
	/* [0, 7, "x", 1]: params not an array */
	ck_assert_int_eq(parse("\x94\x00\x07\xa1x\x01", 6, &m, err), OM_BAD_REQUEST);
	ck_assert_str_eq(err, "params must be an array");
	/* 5: not an array at all */
	ck_assert_int_eq(parse("\x05", 1, &m, err), OM_BAD_REQUEST);
	ck_assert(!m.has_msgid);
	/* [3, 1, "x", []]: unknown message type */
	ck_assert_int_eq(parse("\x94\x03\x01\xa1x\x90", 6, &m, err), OM_BAD_REQUEST);
	/* [0, -1, "x", []]: negative msgid */
	ck_assert_int_eq(parse("\x94\x00\xff\xa1x\x90", 6, &m, err), OM_BAD_REQUEST);
	ck_assert(!m.has_msgid);
}
END_TEST

START_TEST(test_notification_and_response_envelopes)
{
	rpc_msg m;
	char err[128];
	ck_assert_int_eq(parse("\x93\x02\xa1n\x90", 5, &m, err), OM_OK);
	ck_assert_int_eq(m.type, RPC_NOTIFICATION);
	ck_assert_uint_eq(m.method_len, 1);
	ck_assert_int_eq(parse("\x94\x01\x09\xc0\x2a", 5, &m, err), OM_OK);
	ck_assert_int_eq(m.type, RPC_RESPONSE);
	ck_assert_uint_eq(m.msgid, 9);
	ck_assert_int_eq(m.error->type, MSGPACK_OBJECT_NIL);
	ck_assert_uint_eq(m.result->via.u64, 42);
}
END_TEST

START_TEST(test_error_response_carries_code_name)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	rpc_pack_error(&pk, 3, OM_KEY_ERROR, "dict 'd' has no key \"k\"");
	rpc_msg m;
	char err[128];
	ck_assert_int_eq(parse(sb.data, sb.size, &m, err), OM_OK);
	ck_assert_int_eq(m.error->type, MSGPACK_OBJECT_ARRAY);
	const msgpack_object *code = &m.error->via.array.ptr[0];
	ck_assert_uint_eq(code->via.str.size, 9);
	ck_assert(memcmp(code->via.str.ptr, "key_error", 9) == 0);
	ck_assert_int_eq(m.result->type, MSGPACK_OBJECT_NIL);
	msgpack_sbuffer_destroy(&sb);
}
END_TEST

/* One codec_decode() of o per run of th_each_failure(). */
typedef struct decoding {
	const msgpack_object *o;
	const om_value *want;
	om_value out;
} decoding;

static bool decode_run(void *ctx)
{
	decoding *d = ctx;
	int rc = codec_decode(d->o, &d->out, 24);
	ck_assert(rc == OM_OK || rc == OM_LIMIT);
	return rc == OM_LIMIT;
}

/* A failed decode is nil, and has freed what it had decoded (ASan checks); a good one is equal. */
static void decode_check(void *ctx, bool out_of_memory)
{
	decoding *d = ctx;
	if (out_of_memory) {
		ck_assert_int_eq(d->out.kind, OM_NIL);
		return;
	}
	ck_assert(om_value_equal(&d->out, d->want));
	om_value_free(&d->out);
}

START_TEST(test_decode_out_of_memory_is_limit_and_leaves_nil)
{
	om_value inner[] = {om_str("deep"), om_int(1), om_bin("\0\1", 2), om_ref("jobs")};
	om_value pairs[] = {om_str("k"), om_array(inner, 4), om_int(7), om_array(NULL, 0)};
	om_value v = om_map(pairs, 2);
	msgpack_sbuffer sb;
	msgpack_packer pk;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	codec_pack(&pk, &v);
	msgpack_unpacked up;
	msgpack_unpacked_init(&up);
	ck_assert_int_eq(msgpack_unpack_next(&up, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
	decoding d = {.o = &up.data, .want = &v};
	static const th_attempt attempt = {NULL, decode_run, decode_check};
	/* the map, "k", the array, "deep", the bin, the ref, the empty array */
	ck_assert_uint_eq(th_each_failure(&attempt, &d), 7);
	msgpack_unpacked_destroy(&up);
	msgpack_sbuffer_destroy(&sb);
}
END_TEST

/*
 * A write that cannot get memory fails, and every write after it, until
 * the caller rolls the buffer back: what was written before stays.
 */
START_TEST(test_out_write_failure_sticks_until_rolled_back)
{
	static char big[20000];
	msgpack_sbuffer sb;
	msgpack_sbuffer_init(&sb);
	codec_out out = {&sb, false};
	msgpack_packer pk;
	msgpack_packer_init(&pk, &out, codec_out_write);
	ck_assert_int_eq(msgpack_pack_str_with_body(&pk, "abc", 3), 0);
	ck_assert_uint_eq(sb.size, 4);
	size_t mark = sb.size;
	mem_fail_nth(1);
	ck_assert_int_eq(msgpack_pack_bin_with_body(&pk, big, sizeof big), -1);
	mem_fail_nth(0);
	ck_assert(out.failed);
	ck_assert_int_eq(msgpack_pack_nil(&pk), -1);
	ck_assert_uint_eq(sb.size, mark + 3); /* the bin's header, which fitted */
	sb.size = mark;
	out.failed = false;
	ck_assert_int_eq(msgpack_pack_bin_with_body(&pk, big, sizeof big), 0);
	ck_assert_uint_eq(sb.size, mark + 3 + sizeof big);
	ck_assert_int_eq(memcmp(sb.data, "\xa3" "abc", 4), 0);
	msgpack_sbuffer_destroy(&sb);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("codec");
	TCase *tc = tcase_create("codec");
	tcase_add_test(tc, test_every_kind_round_trips);
	tcase_add_test(tc, test_uint64_encoded_one_decodes_as_int);
	tcase_add_test(tc, test_ext_type_one_is_a_reference);
	tcase_add_test(tc, test_a_reference_must_carry_an_object_name);
	tcase_add_test(tc, test_duplicate_map_keys_are_kept_as_sent);
	tcase_add_test(tc, test_nesting_beyond_limit_is_too_deep);
	tcase_add_test(tc, test_request_envelope_is_read);
	tcase_add_test(tc, test_malformed_envelopes_are_bad_requests);
	tcase_add_test(tc, test_notification_and_response_envelopes);
	tcase_add_test(tc, test_error_response_carries_code_name);
	tcase_add_test(tc, test_decode_out_of_memory_is_limit_and_leaves_nil);
	tcase_add_test(tc, test_out_write_failure_sticks_until_rolled_back);
	suite_add_tcase(s, tc);
	return check_main(s);
}
