/*
 * test-shmring.c — the shared-memory region and its rings: sizes allowed,
 * header checks, bytes through a ring across its wrap, full and empty
 * rings, and indices the other side made impossible.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "shmring.h"

#define RING SHM_RING_MIN

/* A fresh region with two RING-byte rings, zeroed; free() it. */
static shm_header *region(void)
{
	shm_header *h = aligned_alloc(SHM_LINE, shm_region_size(RING, RING));
	ck_assert_ptr_nonnull(h);
	memset(h, 0, shm_region_size(RING, RING));
	shm_header_init(h, RING, RING);
	return h;
}

START_TEST(test_ring_sizes_are_powers_of_two_within_bounds)
{
	ck_assert(shm_ring_size_ok(4096));
	ck_assert(shm_ring_size_ok(16u << 20));
	ck_assert(!shm_ring_size_ok(2048));
	ck_assert(!shm_ring_size_ok(32u << 20));
	ck_assert(!shm_ring_size_ok(5000));
	ck_assert(!shm_ring_size_ok(0));
	ck_assert_uint_eq(shm_region_size(4096, 8192), 512 + 4096 + 8192);
}
END_TEST

START_TEST(test_a_header_is_checked_against_its_region)
{
	shm_header *h = region();
	uint32_t req, rep;
	size_t size = shm_region_size(RING, RING);
	ck_assert_int_eq(shm_header_check(h, size, &req, &rep), 0);
	ck_assert_uint_eq(req, RING);
	ck_assert_uint_eq(rep, RING);
	ck_assert_int_eq(shm_header_check(h, size - 1, &req, &rep), -1);
	h->version = 1; /* the layout before reply_blocked and SHM_WAITS_* */
	ck_assert_int_eq(shm_header_check(h, size, &req, &rep), -1);
	h->version = SHM_VERSION;
	h->reply_size = 3000;
	ck_assert_int_eq(shm_header_check(h, size, &req, &rep), -1);
	h->reply_size = RING;
	h->magic = 0;
	ck_assert_int_eq(shm_header_check(h, size, &req, &rep), -1);
	free(h);
}
END_TEST

/* 5000 writes of varying sizes from the client's side to the server's, across many wraps. */
START_TEST(test_bytes_cross_the_wrap_in_order)
{
	shm_header *h = region();
	shm_ring creq, crep, sreq, srep;
	shm_client_rings(h, &creq, &crep);
	shm_server_rings(h, &sreq, &srep);
	unsigned char out[777], in[RING], want[RING];
	uint32_t next_out = 0, next_in = 0;
	for (int round = 0; round < 5000; round++) {
		size_t n = (size_t)(round * 7919) % sizeof out + 1;
		for (size_t i = 0; i < n; i++)
			out[i] = (unsigned char)(next_out + i);
		int64_t put = shm_ring_write(&creq, out, n);
		ck_assert_int_ge(put, 0);
		next_out += (uint32_t)put;
		int64_t got = shm_ring_read(&sreq, in, round % 3 ? sizeof in : 100);
		ck_assert_int_ge(got, 0);
		for (int64_t i = 0; i < got; i++)
			want[i] = (unsigned char)(next_in + i);
		ck_assert(memcmp(in, want, (size_t)got) == 0);
		next_in += (uint32_t)got;
	}
	ck_assert_uint_eq(h->request_head, next_out);
	ck_assert_uint_eq(h->request_tail, next_in);
	free(h);
}
END_TEST

START_TEST(test_a_full_ring_takes_nothing_and_an_empty_one_gives_nothing)
{
	shm_header *h = region();
	shm_ring srep, crep, ignore;
	shm_server_rings(h, &ignore, &srep);
	shm_client_rings(h, &ignore, &crep);
	static unsigned char big[RING + 100], back[RING + 100];
	memset(big, 'b', sizeof big);
	ck_assert_int_eq(shm_ring_read(&crep, back, sizeof back), 0);
	ck_assert_int_eq(shm_ring_write(&srep, big, sizeof big), RING);
	ck_assert_int_eq(shm_ring_writable(&srep), 0);
	ck_assert_int_eq(shm_ring_write(&srep, big, 1), 0);
	ck_assert_int_eq(shm_ring_readable(&crep), RING);
	ck_assert_int_eq(shm_ring_read(&crep, back, 10), 10);
	ck_assert_int_eq(shm_ring_writable(&srep), 10);
	ck_assert_int_eq(shm_ring_read(&crep, back, sizeof back), RING - 10);
	ck_assert_int_eq(shm_ring_readable(&crep), 0);
	free(h);
}
END_TEST

/* The server keeps its own index: whatever the client writes in the other one, it is checked. */
START_TEST(test_impossible_indices_are_refused)
{
	shm_header *h = region();
	shm_ring sreq, srep;
	shm_server_rings(h, &sreq, &srep);
	unsigned char buf[16];
	h->request_head = RING + 1; /* more than the ring holds */
	ck_assert_int_eq(shm_ring_readable(&sreq), -1);
	ck_assert_int_eq(shm_ring_read(&sreq, buf, sizeof buf), -1);
	h->request_head = UINT32_MAX; /* behind the tail */
	ck_assert_int_eq(shm_ring_read(&sreq, buf, sizeof buf), -1);
	h->request_head = RING; /* exactly full: fine */
	ck_assert_int_eq(shm_ring_readable(&sreq), RING);
	h->reply_tail = 5; /* ahead of the server's head, 0 */
	ck_assert_int_eq(shm_ring_writable(&srep), -1);
	ck_assert_int_eq(shm_ring_write(&srep, buf, sizeof buf), -1);
	h->reply_tail = 0;
	/* The region's own copy of the server's index is not read back. */
	h->reply_head = 999;
	ck_assert_int_eq(shm_ring_write(&srep, buf, sizeof buf), 16);
	ck_assert_uint_eq(h->reply_head, 16);
	free(h);
}
END_TEST

static Suite *shmring_suite(void)
{
	Suite *s = suite_create("shmring");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_ring_sizes_are_powers_of_two_within_bounds);
	tcase_add_test(tc, test_a_header_is_checked_against_its_region);
	tcase_add_test(tc, test_bytes_cross_the_wrap_in_order);
	tcase_add_test(tc, test_a_full_ring_takes_nothing_and_an_empty_one_gives_nothing);
	tcase_add_test(tc, test_impossible_indices_are_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main(shmring_suite());
}
