/*
 * shm.h — the shared-memory carrier of a connection (server.shm,
 * docs/protocol.md "Shared memory"): a memfd holding a request ring and a
 * reply ring (types/shmring.h), and an eventfd the client writes to wake
 * the server.
 *
 * The server never blocks on a ring. It polls the rings on each turn of
 * its loop while a polling window is open (poll.h: after a batch, while
 * windows pay off), with server_sleeping 0 in each header. When the loop
 * may sleep next it stores 1, looks at each ring once more, and waits for
 * a client's eventfd (uv_poll), which a client writes only after moving
 * request_head (or reply_tail, when reply_blocked says the server waits
 * for room) while the server sleeps. With --busy-poll 0 the server never
 * polls them: every request rings.
 *
 * A carrier belongs to its connection (conn.c): made by server.shm, closed
 * with it. Ring contents are the client's claims: shmring.c checks every
 * index, and conn.c copies bytes out before framing them.
 */
#ifndef OBJMGRD_SHM_H
#define OBJMGRD_SHM_H

#include <stddef.h>
#include <stdint.h>

#include "server.h"

/*
 * What the server writes to a carrier's eventfd to have it served on the
 * next turn without a client's ring (shm_carrier_kick()); a client writes
 * 1, so the low 32 bits of a read count the clients' doorbells.
 */
#define SHM_KICK (UINT64_C(1) << 32)
#define SHM_DOORBELL_MASK UINT64_C(0xffffffff)

typedef struct shm_carrier shm_carrier;

/*
 * A region with rings of req and rep bytes (sizes checked by the caller)
 * and an eventfd, for connection c: NULL, with why filled, when the system
 * refuses one. Not polled until shm_carrier_start().
 */
shm_carrier *shm_carrier_new(server *s, conn *c, uint32_t req, uint32_t rep, char *why,
			     size_t size);

/*
 * Sends buf[0..len) on the connected socket sock with the region's memfd
 * and the eventfd attached (SCM_RIGHTS, in that order) to its first byte:
 * the bytes sent, or a negative errno. The memfd is closed after a send.
 */
long shm_carrier_send(shm_carrier *k, int sock, const char *buf, size_t len);

/* Starts polling k's rings: requests may arrive on them from now on. */
void shm_carrier_start(shm_carrier *k);

/*
 * The connection is closing: marks the region closed, wakes the client,
 * and frees k once libuv is done with its handle. k is not used after.
 */
void shm_carrier_close(shm_carrier *k);

/* Copies up to n request bytes into dst: the bytes copied, 0: none, -1: indices impossible. */
long shm_carrier_read(shm_carrier *k, void *dst, size_t n);

/* Request bytes waiting: 0.., or -1 when the indices are impossible. */
long shm_carrier_readable(shm_carrier *k);

/* Copies up to n reply bytes into the reply ring: the bytes copied, or -1 when the indices are impossible. */
long shm_carrier_write(shm_carrier *k, const void *src, size_t n);

/* Reply bytes the ring takes now: 0.., or -1 when the indices are impossible. */
long shm_carrier_writable(shm_carrier *k);

/* The memory of k's region, for clients_buffers. */
size_t shm_carrier_size(const shm_carrier *k);

/* Has k's rings looked at on the next turn of the loop: its connection may read again. */
void shm_carrier_kick(shm_carrier *k);

#endif
