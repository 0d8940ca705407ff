/*
 * memory.c — the memory in use, read from the allocator.
 *
 * glibc's mallinfo2() counts every allocated byte, small chunks in the
 * heap (uordblks) and large mmap'd ones (hblkhd), whoever asked for them:
 * objects, libuv, msgpack-c's buffers. But it walks every free chunk to
 * compute that, so --max-memory does not ask it per request: a reading is
 * reused until the loop's clock (uv_now(), updated once per iteration)
 * has moved on by a millisecond, or by READ_COST_FACTOR times what the
 * last reading cost, whichever is longer; the check then costs at most
 * 1/READ_COST_FACTOR of the server's time. Writes admitted between two
 * readings may take the memory past the limit by what they add.
 */
#include "memory.h"

#include <malloc.h>

/* A reading is reused for at least this many times what it cost. */
#define READ_COST_FACTOR 100

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif

#ifdef HAVE_ASAN
/* From the sanitizer runtime (sanitizer/allocator_interface.h, which gcc does not install). */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

/* Under ASan malloc bypasses glibc's arenas, so ask ASan's allocator instead. */
size_t memory_used(void)
{
#ifdef HAVE_ASAN
	return __sanitizer_get_current_allocated_bytes();
#else
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
#endif
}

static struct {
	size_t used;      /* the last reading */
	uint64_t next_ms; /* uv_now() from which a new one is due */
} reading;

bool memory_over_limit(server *s, size_t *used)
{
	if (!s->limits.max_memory)
		return false;
	uint64_t now = uv_now(s->loop);
	if (now >= reading.next_ms) {
		uint64_t start = uv_hrtime();
		reading.used = memory_used();
		uint64_t cost_ms = (uv_hrtime() - start) * READ_COST_FACTOR / 1000000;
		reading.next_ms = now + (cost_ms > 1 ? cost_ms : 1);
	}
	*used = reading.used;
	return reading.used > s->limits.max_memory;
}
