/* stats.c — per-method call counts and time, laid out in type_table order. */
#include "stats.h"

#include <stdio.h>

#include "mem.h"
#include "value.h"

static size_t slots(void)
{
	size_t n = 0;
	for (const type_def *const *t = type_table; *t; t++)
		n += (*t)->nops;
	return n;
}

method_stats *stats_new(void)
{
	return xcalloc(slots(), sizeof(method_stats));
}

void stats_free(method_stats *st)
{
	free(st);
}

method_stats *stats_of(method_stats *st, const type_def *t, const op_def *op)
{
	for (const type_def *const *u = type_table; *u != t; u++)
		st += (*u)->nops;
	return st + (op - t->ops);
}

static void pair(const char *key, uint64_t n, om_value *slot)
{
	slot[0] = value_str_dup(key, strlen(key));
	slot[1] = om_uint(n);
}

om_value stats_info(const method_stats *st)
{
	size_t used = 0, n = slots();
	for (size_t i = 0; i < n; i++)
		used += st[i].calls > 0;
	om_value map = value_map_new(used);
	om_value *p = map.as.items;
	for (const type_def *const *t = type_table; *t; t++) {
		for (size_t i = 0; i < (*t)->nops; i++, st++) {
			if (!st->calls)
				continue;
			char name[64];
			int len = snprintf(name, sizeof name, "%s.%s", (*t)->name, (*t)->ops[i].name);
			p[0] = value_str_dup(name, (size_t)len);
			p[1] = value_map_new(2);
			pair("calls", st->calls, p[1].as.items);
			pair("usec", st->ns / 1000, p[1].as.items + 2);
			p += 2;
		}
	}
	return map;
}
