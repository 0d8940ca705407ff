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

static bool pair(const char *key, uint64_t n, om_value *slot)
{
	slot[1] = om_uint(n);
	return value_str_copy(&slot[0], key, strlen(key));
}

/* Fills p[0] and p[1] with t.op's name and counts; false when out of memory. */
static bool method_info(const type_def *t, const op_def *op, const method_stats *st, om_value *p)
{
	char name[64];
	int len = snprintf(name, sizeof name, "%s.%s", t->name, op->name);
	return value_str_copy(&p[0], name, (size_t)len) && value_map_alloc(&p[1], 2) &&
	       pair("calls", st->calls, p[1].as.items) &&
	       pair("usec", st->ns / 1000, p[1].as.items + 2);
}

bool stats_info(const method_stats *st, om_value *out)
{
	size_t used = 0, n = slots();
	for (size_t i = 0; i < n; i++)
		used += st[i].calls > 0;
	if (!value_map_alloc(out, used))
		return false;
	om_value *p = out->as.items;
	for (const type_def *const *t = type_table; *t; t++) {
		for (size_t i = 0; i < (*t)->nops; i++, st++) {
			if (!st->calls)
				continue;
			if (!method_info(*t, &(*t)->ops[i], st, p)) {
				om_value_free(out);
				return false;
			}
			p += 2;
		}
	}
	return true;
}
