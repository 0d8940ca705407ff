/*
 * shmring.c — the shared-memory rings (shmring.h).
 *
 * Publication: a producer copies its bytes, then stores its head with
 * release order; a consumer loads the head with acquire order before
 * copying. Whoever then decides whether to wake the other side issues a
 * sequentially consistent fence first (shm/shmclient code), so that a
 * "sleeping" flag and an index are never both missed.
 */
#include "shmring.h"

#include <string.h>

size_t shm_region_size(uint32_t req, uint32_t rep)
{
	return (size_t)SHM_HEADER_SIZE + req + rep;
}

bool shm_ring_size_ok(uint64_t n)
{
	return n >= SHM_RING_MIN && n <= SHM_RING_MAX && (n & (n - 1)) == 0;
}

void shm_header_init(shm_header *h, uint32_t req, uint32_t rep)
{
	memset(h, 0, sizeof *h);
	h->magic = SHM_MAGIC;
	h->version = SHM_VERSION;
	h->header_size = SHM_HEADER_SIZE;
	h->request_size = req;
	h->reply_size = rep;
}

int shm_header_check(const shm_header *h, size_t size, uint32_t *req, uint32_t *rep)
{
	if (size < SHM_HEADER_SIZE || h->magic != SHM_MAGIC || h->version != SHM_VERSION ||
	    h->header_size != SHM_HEADER_SIZE || !shm_ring_size_ok(h->request_size) ||
	    !shm_ring_size_ok(h->reply_size) ||
	    shm_region_size(h->request_size, h->reply_size) != size)
		return -1;
	*req = h->request_size;
	*rep = h->reply_size;
	return 0;
}

static unsigned char *ring_base(shm_header *h, bool reply)
{
	return (unsigned char *)h + SHM_HEADER_SIZE + (reply ? h->request_size : 0);
}

/* Reads ring sizes from the header once: callers keep them, never reading them again. */
void shm_server_rings(shm_header *h, shm_ring *requests, shm_ring *replies)
{
	*requests = (shm_ring){ring_base(h, false), h->request_size, 0, &h->request_tail,
			       &h->request_head};
	*replies = (shm_ring){ring_base(h, true), h->reply_size, 0, &h->reply_head,
			      &h->reply_tail};
}

void shm_client_rings(shm_header *h, shm_ring *requests, shm_ring *replies)
{
	*requests = (shm_ring){ring_base(h, false), h->request_size, 0, &h->request_head,
			       &h->request_tail};
	*replies = (shm_ring){ring_base(h, true), h->reply_size, 0, &h->reply_tail,
			      &h->reply_head};
}

int64_t shm_ring_readable(const shm_ring *r)
{
	uint32_t head = __atomic_load_n(r->theirs, __ATOMIC_ACQUIRE);
	uint32_t used = head - r->own;
	return used > r->size ? -1 : (int64_t)used;
}

int64_t shm_ring_writable(const shm_ring *r)
{
	uint32_t tail = __atomic_load_n(r->theirs, __ATOMIC_ACQUIRE);
	uint32_t used = r->own - tail;
	return used > r->size ? -1 : (int64_t)(r->size - used);
}

int64_t shm_ring_read(shm_ring *r, void *dst, size_t n)
{
	int64_t avail = shm_ring_readable(r);
	if (avail <= 0)
		return avail;
	size_t k = (size_t)avail < n ? (size_t)avail : n;
	size_t at = r->own & (r->size - 1), first = r->size - at < k ? r->size - at : k;
	memcpy(dst, r->data + at, first);
	memcpy((unsigned char *)dst + first, r->data, k - first);
	r->own += (uint32_t)k;
	__atomic_store_n(r->mine, r->own, __ATOMIC_RELEASE);
	return (int64_t)k;
}

int64_t shm_ring_write(shm_ring *r, const void *src, size_t n)
{
	int64_t room = shm_ring_writable(r);
	if (room <= 0)
		return room;
	size_t k = (size_t)room < n ? (size_t)room : n;
	size_t at = r->own & (r->size - 1), first = r->size - at < k ? r->size - at : k;
	memcpy(r->data + at, src, first);
	memcpy(r->data, (const unsigned char *)src + first, k - first);
	r->own += (uint32_t)k;
	__atomic_store_n(r->mine, r->own, __ATOMIC_RELEASE);
	return (int64_t)k;
}
