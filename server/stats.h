/*
 * stats.h — per-method call counts and cumulative time, for server.info's
 * "methods": what a client needs to see where the server spends its time.
 */
#ifndef OBJMGRD_STATS_H
#define OBJMGRD_STATS_H

#include <stdint.h>

#include "ops.h"

typedef struct method_stats {
	uint64_t calls; /* requests and notifications that named the method */
	uint64_t ns;    /* time spent running them, parked waits excluded */
} method_stats;

/* One slot per op of every type in type_table, all zero. Free with stats_free(). */
method_stats *stats_new(void);
void stats_free(method_stats *st);
/* The slot of t.op. */
method_stats *stats_of(method_stats *st, const type_def *t, const op_def *op);
/*
 * Into *out an owned map "type.op" -> {"calls": int, "usec": int}, for
 * every method called at least once, in the order of the operation tables.
 * False, with *out nil, when out of memory.
 */
bool stats_info(const method_stats *st, om_value *out);

#endif
