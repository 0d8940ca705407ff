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
 *
 * It also decides when freed memory goes back to the system. By default
 * glibc hands a large block (from 128 KiB) back on free, and trims the
 * heap's top past 128 KiB free, so each large request page-faults its whole
 * working set in again: a 600 KB dict.get whose key is a 100,000-key map
 * spent two thirds of its 60 ms in page faults. The server keeps freed
 * memory while it is busy instead, and gives it back once it has run no
 * call for IDLE_TRIM_MS, as jemalloc's background purge does for Redis.
 */
#include "memory.h"

#include <malloc.h>

/* A reading is reused for at least this many times what it cost. */
#define READ_COST_FACTOR 100
/* Blocks from this size are mmap'd and unmapped on free (glibc's own ceiling for it). */
#define MMAP_FROM (32u << 20)
/* Free memory at the heap's top kept while busy. */
#define TRIM_PAST (64u << 20)
/* Freed memory goes back to the system after this long without a call. */
#define IDLE_TRIM_MS 1000

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

void memory_keep_freed(void)
{
	mallopt(M_MMAP_THRESHOLD, MMAP_FROM);
	mallopt(M_TRIM_THRESHOLD, TRIM_PAST);
}

static struct {
	uint64_t ops;      /* s->ops_total when last seen */
	uint64_t since_ms; /* uv_now() when it last changed */
	bool trimmed;      /* given back since */
} idle;

void memory_trim_when_idle(server *s)
{
	uint64_t now = uv_now(s->loop);
	if (s->ops_total != idle.ops) {
		idle.ops = s->ops_total;
		idle.since_ms = now;
		idle.trimmed = false;
	} else if (!idle.trimmed && now - idle.since_ms >= IDLE_TRIM_MS) {
		malloc_trim(0);
		idle.trimmed = true;
	}
}
