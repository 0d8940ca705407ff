/* latency.h — percentiles of latency samples (nanoseconds): the benchmarks' reports and objmgr --latency. */
#ifndef OBJMGR_LATENCY_H
#define OBJMGR_LATENCY_H

#include <stddef.h>
#include <stdint.h>

/* Sorts the n samples in ascending order, as latency_percentile_ms() needs them. */
void latency_sort(uint64_t *samples, size_t n);

/* The latency (ms) that a fraction p of the n sorted samples do not exceed. */
double latency_percentile_ms(const uint64_t *sorted, size_t n, double p);

#endif
