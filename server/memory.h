/*
 * memory.h — how much memory the server holds: server.info's used_memory,
 * and the --max-memory check before writes that can grow it.
 */
#ifndef OBJMGRD_MEMORY_H
#define OBJMGRD_MEMORY_H

#include <stdbool.h>
#include <stddef.h>

#include "server.h"

/*
 * Heap bytes in use now: every live allocation, the connections' read and
 * reply buffers included. Costs a walk of malloc's free lists (mallinfo2()):
 * from ~1 µs to tens of ms on a fragmented heap, so not for every request.
 */
size_t memory_used(void);

/*
 * Whether --max-memory is set and the memory in use is over it; *used gets
 * the figure compared. The figure is re-read at most once per loop
 * millisecond, and less often when reading it is slow (memory.c).
 */
bool memory_over_limit(server *s, size_t *used);

/*
 * At start-up: freed memory stays with the process while the server is
 * busy, so a burst of large requests does not page-fault it in again each
 * time (memory.c). Only memory_trim_when_idle() gives it back.
 */
void memory_keep_freed(void);

/* Called periodically: gives freed memory back once no call has run for a second. */
void memory_trim_when_idle(server *s);

#endif
