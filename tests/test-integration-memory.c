/*
 * test-integration-memory.c — objmgrd running out of memory while serving
 * requests: the request that cannot get memory is answered limit "out of
 * memory", and the server, every object and every other client carry on.
 *
 * The server runs with its address space limited (RLIMIT_AS, set by the
 * harness). AddressSanitizer reserves terabytes of shadow memory at start-up,
 * which no such limit allows: the sanitizer build skips this suite (exit 77).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "harness.h"
#include "objmgr.h"

/* The server's address space: a few MiB of its own, the rest for the list to fill. */
#define ADDRESS_SPACE (64u << 20)
/* Each value appended: the list fills ADDRESS_SPACE in about a thousand of them. */
#define VALUE_SIZE (64u << 10)
/*
 * The list's first value. Once an append has failed, the memory left free
 * is what that failed request had taken, less than a value: reading this
 * one back needs eight times that, so it cannot succeed by luck.
 */
#define FIRST_SIZE (512u << 10)
/* More appends than ADDRESS_SPACE can hold: reaching it means nothing failed. */
#define MAX_APPENDS (2 * ADDRESS_SPACE / VALUE_SIZE)
/*
 * Held in another object while the list fills, deleted to give reads room
 * again. Sent in messages under 1 MiB, so that the connection keeps the
 * read buffer they grew (conn.c frees larger ones between messages) and can
 * read more requests without allocating once memory has run out.
 */
#define BALLAST_VALUES 16
#define BALLAST_SIZE (256u << 10)

static harness_server srv;

static om_client *connect_client(void)
{
	om_options opts = {.timeout_s = 30};
	om_client *c = om_connect(srv.socket, &opts);
	ck_assert_msg(om_errcode(c) == OM_OK, "%s", om_errmsg(c));
	return c;
}

/* Value number i of size bytes: its own fill byte, and i in its first bytes. */
static om_value numbered_sized(char *buf, size_t size, uint32_t i)
{
	memset(buf, (int)(i * 7 + 1), size);
	memcpy(buf, &i, sizeof i);
	return om_bin(buf, size);
}

/* Item i of the list "big": the first is FIRST_SIZE bytes, the rest VALUE_SIZE. */
static om_value numbered(char *buf, uint32_t i)
{
	return numbered_sized(buf, i == 0 ? FIRST_SIZE : VALUE_SIZE, i);
}

/*
 * Fills a list with 64 KiB values until an append answers limit "out of
 * memory"; then the list holds exactly what was appended before, the server
 * and its other connection still answer, and once the list is deleted the
 * same appends succeed again.
 */
START_TEST(test_out_of_memory_answers_limit_and_keeps_every_object)
{
	harness_start_with(&srv, &(harness_options){.address_space = ADDRESS_SPACE}, NULL);
	om_client *filler = connect_client(), *other = connect_client();
	char *buf = malloc(FIRST_SIZE), *got_buf = malloc(FIRST_SIZE);
	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(got_buf);
	om_list *ballast = om_list_open(other, "ballast");
	for (uint32_t i = 0; i < BALLAST_VALUES; i++)
		ck_assert_int_eq(om_list_append(ballast, numbered_sized(buf, BALLAST_SIZE, i), NULL), OM_OK);

	om_list *l = om_list_open(filler, "big");
	uint32_t n = 0;
	int rc;
	while ((rc = om_list_append(l, numbered(buf, n), NULL)) == OM_OK) {
		n++;
		ck_assert_msg(n < MAX_APPENDS, "%u appends of %u bytes all succeeded", n, VALUE_SIZE);
	}
	if (rc == OM_IO) /* before this was fixed: the server aborted, status 134 */
		ck_abort_msg("append %u: %s; objmgrd exited with status %d", n, om_errmsg(filler),
			     harness_wait(&srv));
	ck_assert_msg(rc == OM_LIMIT, "append %u: %s: %s", n, om_code_name(rc), om_errmsg(filler));
	ck_assert_str_eq(om_errmsg(filler), "out of memory");
	ck_assert_uint_gt(n, 100);

	size_t len;
	ck_assert_int_eq(om_list_len(l, &len), OM_OK);
	ck_assert_uint_eq(len, n);
	ck_assert_int_eq(om_server_ping(filler), OM_OK);
	ck_assert_int_eq(om_server_ping(other), OM_OK);
	om_list *seen = om_list_open(other, "big");
	ck_assert_int_eq(om_list_len(seen, &len), OM_OK);
	ck_assert_uint_eq(len, n);
	om_list_close(seen);

	/*
	 * Reads need memory for their answers: copying the items, or packing
	 * one of them into a reply buffer that must grow. Without it they
	 * answer limit too, and the connection goes on.
	 */
	om_value got;
	ck_assert_int_eq(om_list_items(l, &got), OM_LIMIT);
	ck_assert_str_eq(om_errmsg(filler), "out of memory");
	ck_assert_int_eq(om_list_get(l, 0, &got), OM_LIMIT);
	ck_assert_str_eq(om_errmsg(filler), "out of memory");
	ck_assert_int_eq(om_list_len(l, &len), OM_OK);
	ck_assert_uint_eq(len, n);

	/* The ballast gives the reads room again. */
	ck_assert_int_eq(om_objects_delete(other, "ballast", NULL), OM_OK);
	om_list_close(ballast);
	for (uint32_t i = 0; i < n; i++) {
		om_value got, want = numbered(got_buf, i);
		ck_assert_int_eq(om_list_get(l, i, &got), OM_OK);
		ck_assert_msg(om_value_equal(&got, &want), "item %u differs", i);
		om_value_free(&got);
	}

	ck_assert_int_eq(om_objects_delete(other, "big", NULL), OM_OK);
	for (uint32_t i = 0; i < n; i++)
		ck_assert_int_eq(om_list_append(l, numbered(buf, i), NULL), OM_OK);
	om_client *late = connect_client();
	ck_assert_int_eq(om_server_ping(late), OM_OK);

	om_close(late);
	om_list_close(l);
	om_close(filler);
	om_close(other);
	free(buf);
	free(got_buf);
	harness_stop(&srv);
}
END_TEST

/*
 * A list.repeat under its own 64 MiB limit but past what the address space
 * holds runs out of memory while it copies: it answers limit "out of
 * memory", every copy it had made is freed, the list is as it was, and a
 * repeat that fits then succeeds.
 */
START_TEST(test_repeat_out_of_memory_leaves_the_list_as_it_was)
{
	harness_start_with(&srv, &(harness_options){.address_space = ADDRESS_SPACE}, NULL);
	om_client *c = connect_client();
	char *buf = malloc(FIRST_SIZE), *got_buf = malloc(FIRST_SIZE);
	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(got_buf);
	om_list *l = om_list_open(c, "l");
	ck_assert_int_eq(om_list_append(l, numbered(buf, 0), NULL), OM_OK);
	/* 120 copies of 512 KiB: 60 MiB, in an address space of 64 MiB. */
	size_t len = 99;
	ck_assert_int_eq(om_list_repeat(l, 120, &len), OM_LIMIT);
	ck_assert_str_eq(om_errmsg(c), "out of memory");
	ck_assert_uint_eq(len, 99);
	for (int round = 0; round < 2; round++) {
		om_value got, want = numbered(got_buf, 0);
		ck_assert_int_eq(om_list_len(l, &len), OM_OK);
		ck_assert_uint_eq(len, 1 + 2 * round);
		for (size_t i = 0; i < len; i++) {
			ck_assert_int_eq(om_list_get(l, (int64_t)i, &got), OM_OK);
			ck_assert_msg(om_value_equal(&got, &want), "item %zu differs", i);
			om_value_free(&got);
		}
		if (round == 0) {
			ck_assert_int_eq(om_list_repeat(l, 3, &len), OM_OK);
			ck_assert_uint_eq(len, 3);
		}
	}
	ck_assert_int_eq(om_server_ping(c), OM_OK);
	om_list_close(l);
	om_close(c);
	free(buf);
	free(got_buf);
	harness_stop(&srv);
}
END_TEST

int main(void)
{
#if HARNESS_UNDER_ASAN
	return 77; /* meson's "skipped" */
#endif
	Suite *s = suite_create("integration-memory");
	TCase *tc = tcase_create("out of memory");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_out_of_memory_answers_limit_and_keeps_every_object);
	tcase_add_test(tc, test_repeat_out_of_memory_leaves_the_list_as_it_was);
	suite_add_tcase(s, tc);
	return check_main(s);
}
