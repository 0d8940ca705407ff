/*
 * registry.c — a chained hash table of named objects.
 *
 * Clients choose the names, so they are hashed like dict keys, with
 * value_hash's keyed SipHash: nobody can precompute names that all land in
 * one bucket and turn lookups linear.
 */
#include "registry.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "value.h"

#define INITIAL_BUCKETS 64

static uint64_t name_hash(const char *name, size_t len)
{
	om_value v = om_strn(name, len);
	return value_hash(&v);
}

void registry_init(registry *r)
{
	r->nbuckets = INITIAL_BUCKETS;
	r->buckets = xcalloc(r->nbuckets, sizeof *r->buckets);
	r->count = 0;
	r->holdable = NULL;
	r->last = NULL;
}

void registry_free(registry *r)
{
	for (size_t i = 0; i < r->nbuckets; i++) {
		registry_entry *e = r->buckets[i];
		while (e) {
			registry_entry *next = e->next;
			e->type->destroy(e->obj);
			free(e);
			e = next;
		}
	}
	free(r->buckets);
	r->buckets = NULL;
	r->nbuckets = r->count = 0;
	r->holdable = NULL;
	r->last = NULL;
}

/* The link pointing at the entry named name[0..len), or at the NULL that ends its bucket. */
static registry_entry **link_of(const registry *r, const char *name, size_t len)
{
	uint64_t h = name_hash(name, len);
	registry_entry **p = &r->buckets[h & (r->nbuckets - 1)];
	while (*p && !((*p)->hash == h && (*p)->len == len && memcmp((*p)->name, name, len) == 0))
		p = &(*p)->next;
	return p;
}

/* Checks the last entry found first: it spares hashing the name, most of the time. */
registry_entry *registry_find(registry *r, const char *name, size_t len)
{
	registry_entry *e = r->last;
	if (e && e->len == len && memcmp(e->name, name, len) == 0)
		return e;
	e = *link_of(r, name, len);
	if (e)
		r->last = e;
	return e;
}

/*
 * Doubles the bucket array, keeping the load factor at most 1. Without the
 * memory for that the chains only grow longer, until a later add grows it.
 */
static void grow(registry *r)
{
	size_t n = r->nbuckets * 2;
	registry_entry **b = mem_calloc(n, sizeof *b);
	if (!b)
		return;
	for (size_t i = 0; i < r->nbuckets; i++) {
		registry_entry *e = r->buckets[i];
		while (e) {
			registry_entry *next = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
			e = next;
		}
	}
	free(r->buckets);
	r->buckets = b;
	r->nbuckets = n;
}

registry_entry *registry_entry_new(const char *name, size_t len)
{
	registry_entry *e = mem_calloc(1, sizeof *e + len + 1);
	if (!e)
		return NULL;
	e->hash = name_hash(name, len);
	e->len = len;
	memcpy(e->name, name, len);
	e->name[len] = '\0';
	return e;
}

registry_entry *registry_add(registry *r, const char *name, size_t len,
			     const type_def *type, void *obj)
{
	registry_entry *e = registry_entry_new(name, len);
	if (e)
		registry_insert(r, e, type, obj);
	return e;
}

void registry_insert(registry *r, registry_entry *e, const type_def *type, void *obj)
{
	if (r->count >= r->nbuckets)
		grow(r);
	e->type = type;
	e->obj = obj;
	registry_entry **head = &r->buckets[e->hash & (r->nbuckets - 1)];
	e->next = *head;
	*head = e;
	r->count++;
	if (type->release) {
		e->hold_next = r->holdable;
		if (r->holdable)
			r->holdable->hold_prev = e;
		r->holdable = e;
	}
}

void registry_own(registry_owned *list, registry_entry *e)
{
	e->owned_by = list;
	e->owned_prev = NULL;
	e->owned_next = list->first;
	if (list->first)
		list->first->owned_prev = e;
	list->first = e;
}

static void disown(registry_entry *e)
{
	if (!e->owned_by)
		return;
	*(e->owned_prev ? &e->owned_prev->owned_next : &e->owned_by->first) = e->owned_next;
	if (e->owned_next)
		e->owned_next->owned_prev = e->owned_prev;
	e->owned_by = NULL;
}

bool registry_delete(registry *r, const char *name, size_t len)
{
	registry_entry **p = link_of(r, name, len);
	registry_entry *e = *p;
	if (!e)
		return false;
	*p = e->next;
	if (e->hold_prev)
		e->hold_prev->hold_next = e->hold_next;
	else if (r->holdable == e)
		r->holdable = e->hold_next;
	if (e->hold_next)
		e->hold_next->hold_prev = e->hold_prev;
	if (r->last == e)
		r->last = NULL;
	disown(e);
	e->type->destroy(e->obj);
	free(e);
	r->count--;
	return true;
}

void registry_each(const registry *r, void (*fn)(const registry_entry *e, void *ctx), void *ctx)
{
	for (size_t i = 0; i < r->nbuckets; i++)
		for (const registry_entry *e = r->buckets[i]; e; e = e->next)
			fn(e, ctx);
}

/* v with its 64 bits in reverse order. */
static uint64_t reverse_bits(uint64_t v)
{
	v = ((v >> 1) & 0x5555555555555555u) | ((v & 0x5555555555555555u) << 1);
	v = ((v >> 2) & 0x3333333333333333u) | ((v & 0x3333333333333333u) << 2);
	v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fu) | ((v & 0x0f0f0f0f0f0f0f0fu) << 4);
	return __builtin_bswap64(v);
}

/*
 * The cursor counts up in its reversed bits (the high bits of the bucket
 * number first): the buckets an entry can move to when the table doubles,
 * b and b + nbuckets, come next to each other in this order.
 */
uint64_t registry_scan(const registry *r, uint64_t cursor, size_t max_entries, size_t max_buckets,
		       void (*fn)(const registry_entry *e, void *ctx), void *ctx)
{
	uint64_t mask = r->nbuckets - 1, v = cursor;
	size_t entries = 0, buckets = 0;
	do {
		for (const registry_entry *e = r->buckets[v & mask]; e; e = e->next, entries++)
			fn(e, ctx);
		buckets++;
		v |= ~mask;
		v = reverse_bits(reverse_bits(v) + 1);
	} while (v && entries < max_entries && buckets < max_buckets);
	return v;
}
