/* latency.c — percentiles of latency samples. */
#include "latency.h"

#include <stdlib.h>

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

void latency_sort(uint64_t *samples, size_t n)
{
	qsort(samples, n, sizeof *samples, cmp_u64);
}

double latency_percentile_ms(const uint64_t *sorted, size_t n, double p)
{
	size_t i = (size_t)((double)n * p + 0.999999);
	if (i > 0)
		i--;
	if (i >= n)
		i = n - 1;
	return (double)sorted[i] / 1e6;
}
