/*
 * shmring.h — the layout of the shared-memory transport's region
 * (docs/protocol.md, "Shared memory") and its two single-producer,
 * single-consumer byte rings, shared by objmgrd and libobjmgr.
 *
 * A ring carries the same bytes as the socket would: msgpack-RPC messages
 * one after the other, split anywhere. Indices are free-running uint32
 * byte counts (head: bytes ever written, tail: bytes ever read); the bytes
 * are at index % size. Each side keeps its own copy of the index it
 * advances and only reads the other's from the region: the other side may
 * write anything there at any time, so every index read is checked
 * (0 <= head - tail <= size) and bytes are copied out before they are
 * looked at. Pure: no I/O, no allocation.
 */
#ifndef OBJMGR_SHMRING_H
#define OBJMGR_SHMRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHM_MAGIC UINT64_C(0x31474e495248534f) /* "OSHRING1", little-endian */
#define SHM_VERSION 2
#define SHM_LINE 64                  /* each index on a cache line of its own */
#define SHM_HEADER_SIZE (8 * SHM_LINE)
#define SHM_RING_MIN (4u * 1024)
#define SHM_RING_MAX (16u * 1024 * 1024)
#define SHM_RING_DEFAULT (256u * 1024)

/* The region's first SHM_HEADER_SIZE bytes; the request ring follows, then the reply ring. */
typedef struct shm_header {
	uint64_t magic;
	uint32_t version;
	uint32_t header_size;   /* SHM_HEADER_SIZE: where the request ring starts */
	uint32_t request_size;  /* bytes, a power of two */
	uint32_t reply_size;    /* bytes, a power of two; starts at header_size + request_size */
	char pad0[SHM_LINE - 24];
	uint32_t request_head;  /* written by the client */
	char pad1[SHM_LINE - 4];
	uint32_t request_tail;  /* written by the server */
	char pad2[SHM_LINE - 4];
	uint32_t reply_head;    /* written by the server */
	char pad3[SHM_LINE - 4];
	uint32_t reply_tail;    /* written by the client */
	char pad4[SHM_LINE - 4];
	uint32_t server_sleeping; /* 1: the server waits on its eventfd; the client writes it after moving request_head */
	uint32_t reply_blocked;   /* 1: replies wait for room; then moving reply_tail writes the eventfd too */
	char pad5[SHM_LINE - 8];
	uint32_t client_sleeping; /* the client waits on the futex client_wake: SHM_WAITS_* bits */
	uint32_t client_wake;     /* bumped by the server after moving an index while the client sleeps */
	char pad6[SHM_LINE - 8];
	uint32_t closed;          /* 1: the server has closed the connection */
	char pad7[SHM_LINE - 4];
} shm_header;

/* client_sleeping's bits: what the sleeping client waits for. */
#define SHM_WAITS_REPLIES 1u /* reply_head to move */
#define SHM_WAITS_ROOM 2u    /* request_tail to move */

_Static_assert(sizeof(shm_header) == SHM_HEADER_SIZE, "shm header layout");

/*
 * One side's view of one ring: data is the ring's bytes, mine the index
 * this side advances (its private copy is `own`), theirs the other side's.
 */
typedef struct shm_ring {
	unsigned char *data;
	uint32_t size;
	uint32_t own;        /* our index: head for a producer, tail for a consumer */
	uint32_t *mine;      /* where we publish own */
	const uint32_t *theirs; /* the other side's index: a claim */
} shm_ring;

/* The region's size for rings of req and rep bytes. */
size_t shm_region_size(uint32_t req, uint32_t rep);

/* True when n is a ring size this version allows: a power of two within [SHM_RING_MIN, SHM_RING_MAX]. */
bool shm_ring_size_ok(uint64_t n);

/* Writes a fresh header for rings of req and rep bytes at h (the region, zeroed). */
void shm_header_init(shm_header *h, uint32_t req, uint32_t rep);

/*
 * Checks a header read from a region of size bytes and returns its ring
 * sizes: 0, or -1 when it is not a header of this version (SHM_VERSION) matching size.
 */
int shm_header_check(const shm_header *h, size_t size, uint32_t *req, uint32_t *rep);

/* The views of the region at h: the server produces replies and consumes requests, the client the reverse. */
void shm_server_rings(shm_header *h, shm_ring *requests, shm_ring *replies);
void shm_client_rings(shm_header *h, shm_ring *requests, shm_ring *replies);

/*
 * Bytes a consumer may read now: 0..size, or -1 when the producer's index
 * claims more than the ring holds (the ring cannot be followed any more).
 */
int64_t shm_ring_readable(const shm_ring *r);

/* Bytes a producer may write now: 0..size, or -1 when the consumer's index is impossible. */
int64_t shm_ring_writable(const shm_ring *r);

/*
 * Copies up to n bytes out of the ring into dst (private memory) and frees
 * them: the bytes copied, or -1 as shm_ring_readable().
 */
int64_t shm_ring_read(shm_ring *r, void *dst, size_t n);

/* Copies up to n bytes of src into the ring and publishes them: the bytes copied, or -1 as shm_ring_writable(). */
int64_t shm_ring_write(shm_ring *r, const void *src, size_t n);

#endif
