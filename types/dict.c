/*
 * dict.c — the dict type: a hash table that keeps insertion order, laid out
 * like CPython's compact dict.
 *
 * entries[] holds {hash, key, value} in insertion order. index[] is a sparse
 * open-addressing table (1 << log2_size slots, each 1 to 8 bytes wide as the
 * size needs) whose slots are EMPTY, DUMMY (deleted) or a position in
 * entries[]. Deleting leaves a hole in entries[] and a DUMMY in index[];
 * both disappear at the next resize, which rebuilds the two arrays from the
 * live entries, in order.
 *
 * Invariants:
 *  - nentries + usable <= capacity (2/3 of the index size), and every slot
 *    that is not EMPTY cost one unit of usable: the index always has an
 *    EMPTY slot, so every probe ends;
 *  - entries[nentries - 1] is live whenever nentries > 0 (trailing holes are
 *    trimmed at once), so the last inserted pair is always at the end;
 *  - nentries <= allocated <= capacity: entries[] grows by half as pairs
 *    arrive rather than to the index's whole capacity at once, so memory
 *    follows the size (a third less at the worst point of a growing dict).
 *
 * A write makes room for what it adds (dict_reserve()) before it changes
 * anything, so running out of memory leaves the dict as it was.
 *
 * dict.scan walks entries[] by position. A resize moves a pair down by the
 * holes before it, never up, so a cursor carries the position to go on from
 * and the count of holes resizes had removed by then (compacted): whatever
 * moved since moved down by at most the difference, and going back that far
 * finds every pair that was still ahead (see dict_op_scan()).
 */
#include <assert.h>
#include <string.h>

#include "cval.h"
#include "mem.h"
#include "ops.h"
#include "typeutil.h"
#include "value.h"

#define DICT_MIN_LOG2 3  /* 8 slots, 5 entries */
#define IX_EMPTY (-1)
#define IX_DUMMY (-2)
#define PERTURB_SHIFT 5

/* 40 bytes: short string keys and values live inside it (cval.h). */
typedef struct dict_entry {
	uint64_t hash;
	cval key;
	cval value;
} dict_entry;

typedef struct dict {
	void *index;         /* NULL until the first insert */
	dict_entry *entries; /* allocated of them */
	size_t allocated;    /* grows by half up to capacity(log2_size) as entries arrive */
	size_t nentries;     /* entries[0..nentries) in use, holes included */
	size_t used;         /* live entries */
	size_t usable;       /* entries that can still be added before a resize */
	uint64_t compacted;  /* holes every resize so far removed; never goes back, even at a clear */
	uint8_t log2_size;
} dict;

static size_t capacity(uint8_t log2)
{
	return ((size_t)2 << log2) / 3;
}

/* Bytes per index slot: the smallest signed width that holds every entry position. */
static unsigned index_width(uint8_t log2)
{
	return log2 < 8 ? 1 : log2 < 16 ? 2 : log2 < 32 ? 4 : 8;
}

static int64_t index_get(const dict *d, size_t slot)
{
	switch (index_width(d->log2_size)) {
	case 1:
		return ((const int8_t *)d->index)[slot];
	case 2:
		return ((const int16_t *)d->index)[slot];
	case 4:
		return ((const int32_t *)d->index)[slot];
	default:
		return ((const int64_t *)d->index)[slot];
	}
}

static void index_set(dict *d, size_t slot, int64_t ix)
{
	switch (index_width(d->log2_size)) {
	case 1:
		((int8_t *)d->index)[slot] = (int8_t)ix;
		break;
	case 2:
		((int16_t *)d->index)[slot] = (int16_t)ix;
		break;
	case 4:
		((int32_t *)d->index)[slot] = (int32_t)ix;
		break;
	default:
		((int64_t *)d->index)[slot] = ix;
		break;
	}
}

/*
 * CPython's probe sequence: i = 5i + 1 + perturb, with perturb feeding in
 * the high bits of the hash first, then cycling through every slot.
 */
typedef struct probe {
	size_t mask;
	size_t slot;
	uint64_t perturb;
} probe;

static probe probe_start(const dict *d, uint64_t hash)
{
	size_t mask = ((size_t)1 << d->log2_size) - 1;
	return (probe){mask, (size_t)hash & mask, hash};
}

static void probe_next(probe *p)
{
	p->perturb >>= PERTURB_SHIFT;
	p->slot = (p->slot * 5 + (size_t)p->perturb + 1) & p->mask;
}

/* The position of key in entries[], or -1; *slot receives its index slot. */
static int64_t dict_lookup(const dict *d, const om_value *key, uint64_t hash, size_t *slot)
{
	if (!d->index)
		return -1;
	for (probe p = probe_start(d, hash);; probe_next(&p)) {
		int64_t ix = index_get(d, p.slot);
		if (ix == IX_EMPTY)
			return -1;
		if (ix >= 0) {
			const dict_entry *e = &d->entries[ix];
			if (e->hash == hash && cval_eq(&e->key, key)) {
				*slot = p.slot;
				return ix;
			}
		}
	}
}

/* Stage 0: the index slot hash starts at; stage 1: the entry that slot names (see type_def). */
static void dict_prefetch(const void *obj, uint64_t hash, int stage)
{
	const dict *d = obj;
	if (!d->index)
		return;
	probe p = probe_start(d, hash);
	if (stage == 0) {
		__builtin_prefetch((const char *)d->index + p.slot * index_width(d->log2_size));
		return;
	}
	int64_t ix = index_get(d, p.slot);
	if (ix < 0)
		return;
	__builtin_prefetch(&d->entries[ix]);
	__builtin_prefetch((const char *)&d->entries[ix + 1] - 1); /* an entry may span two lines */
}

static dict_entry *dict_find(const dict *d, const om_value *key, uint64_t hash)
{
	size_t slot;
	int64_t ix = dict_lookup(d, key, hash, &slot);
	return ix >= 0 ? &d->entries[ix] : NULL;
}

/* The first EMPTY or DUMMY slot on hash's probe sequence. */
static size_t dict_free_slot(const dict *d, uint64_t hash)
{
	probe p = probe_start(d, hash);
	while (index_get(d, p.slot) >= 0)
		probe_next(&p);
	return p.slot;
}

/* The slot that points at entries[ix]. */
static size_t dict_slot_of(const dict *d, uint64_t hash, size_t ix)
{
	probe p = probe_start(d, hash);
	while (index_get(d, p.slot) != (int64_t)ix)
		probe_next(&p);
	return p.slot;
}

/* The smallest index size with at least minsize slots. */
static uint8_t log2_for(size_t minsize)
{
	uint8_t log2 = DICT_MIN_LOG2;
	while (((size_t)1 << log2) < minsize)
		log2++;
	return log2;
}

/*
 * Rebuilds both arrays at the new size, compacting the holes away, with
 * entries[] room for at least extra more pairs. False, with d as it was,
 * when memory runs out.
 */
static bool dict_resize(dict *d, uint8_t log2, size_t extra)
{
	size_t size = (size_t)1 << log2, cap = capacity(log2);
	assert(cap >= d->used + extra && cap > d->used);
	size_t allocated = d->used + d->used / 2 + DICT_MIN_LOG2;
	if (allocated < d->used + extra)
		allocated = d->used + extra;
	if (allocated > cap)
		allocated = cap;
	void *index = mem_alloc(size * index_width(log2));
	dict_entry *entries = index ? mem_alloc(allocated * sizeof *entries) : NULL;
	if (!entries) {
		free(index);
		return false;
	}
	memset(index, 0xff, size * index_width(log2)); /* -1, IX_EMPTY, at any width */
	size_t n = 0;
	for (size_t i = 0; i < d->nentries; i++)
		if (d->entries[i].key.v.kind != CVAL_HOLE)
			entries[n++] = d->entries[i];
	free(d->index);
	free(d->entries);
	d->compacted += d->nentries - n;
	d->index = index;
	d->entries = entries;
	d->allocated = allocated;
	d->log2_size = log2;
	d->nentries = n;
	d->usable = cap - n;
	for (size_t i = 0; i < n; i++)
		index_set(d, dict_free_slot(d, entries[i].hash), (int64_t)i);
	return true;
}

/*
 * Makes room for n more pairs, so that inserting them allocates nothing.
 * False, with d as it was, when memory runs out.
 */
static bool dict_reserve(dict *d, size_t n)
{
	if (d->usable < n) {
		uint8_t log2 = log2_for(d->used * 3);
		while (capacity(log2) - d->used < n)
			log2++;
		return dict_resize(d, log2, n);
	}
	if (d->allocated - d->nentries >= n)
		return true;
	size_t cap = capacity(d->log2_size), more = d->allocated + d->allocated / 2 + 1;
	if (more < d->nentries + n)
		more = d->nentries + n;
	if (more > cap)
		more = cap;
	dict_entry *entries = mem_realloc(d->entries, more * sizeof *entries);
	if (!entries)
		return false;
	d->entries = entries;
	d->allocated = more;
	return true;
}

/*
 * Appends a pair whose key is known to be absent, into room made by
 * dict_reserve(); key and value move in.
 */
static dict_entry *dict_insert(dict *d, uint64_t hash, om_value *key, om_value *value)
{
	assert(d->usable > 0 && d->nentries < d->allocated);
	size_t ix = d->nentries++;
	index_set(d, dict_free_slot(d, hash), (int64_t)ix);
	d->entries[ix] = (dict_entry){hash, cval_take(key), cval_take(value)};
	d->used++;
	d->usable--;
	return &d->entries[ix];
}

/*
 * Stores key -> value, moving both out of their places, into room made by
 * dict_reserve() when key is absent. An existing key keeps its position
 * and its original key value, as in Python. False when key is absent and
 * there is no room.
 */
static bool dict_put(dict *d, om_value *key, uint64_t hash, om_value *value)
{
	size_t slot;
	int64_t ix = dict_lookup(d, key, hash, &slot);
	if (ix < 0) {
		if (!dict_reserve(d, 1))
			return false;
		dict_insert(d, hash, key, value);
		return true;
	}
	cval_free(&d->entries[ix].value);
	d->entries[ix].value = cval_take(value);
	om_value_free(key);
	return true;
}

/*
 * Moves entries[ix] (found at slot) out into *key and *value, as they are
 * stored (no copy of inline strings), and leaves a hole. Trailing holes are
 * trimmed; a table less than 1/8 full shrinks, so a dict that was big once
 * does not hold its memory forever (unless there is no memory to shrink
 * it into: it stays as it is then, and shrinks at a later removal).
 */
static void dict_take(dict *d, size_t slot, size_t ix, cval *key, cval *value)
{
	dict_entry *e = &d->entries[ix];
	*key = e->key;
	*value = e->value;
	e->key.v.kind = CVAL_HOLE;
	index_set(d, slot, IX_DUMMY);
	d->used--;
	while (d->nentries > 0 && d->entries[d->nentries - 1].key.v.kind == CVAL_HOLE)
		d->nentries--;
	if (d->log2_size > DICT_MIN_LOG2 && d->used * 8 < capacity(d->log2_size))
		dict_resize(d, log2_for(d->used * 3), 0);
}

/* Removes key, moving its stored key and value out; false when absent. */
static bool dict_remove(dict *d, const om_value *key, uint64_t hash, cval *old_key,
			cval *old_value)
{
	size_t slot;
	int64_t ix = dict_lookup(d, key, hash, &slot);
	if (ix < 0)
		return false;
	dict_take(d, slot, (size_t)ix, old_key, old_value);
	return true;
}

/* Frees every pair and both arrays: the dict is empty and fresh again. */
static void dict_release(dict *d)
{
	for (size_t i = 0; i < d->nentries; i++) {
		if (d->entries[i].key.v.kind == CVAL_HOLE)
			continue;
		cval_free(&d->entries[i].key);
		cval_free(&d->entries[i].value);
	}
	free(d->index);
	free(d->entries);
	uint64_t compacted = d->compacted;
	memset(d, 0, sizeof *d);
	d->compacted = compacted;
}

/* Answers an owned array of copies of the keys (or the values), in insertion order. */
static int dict_column(const dict *d, bool keys, op_call *c)
{
	om_value out;
	if (!value_array_alloc(&out, d->used))
		return op_no_memory(c);
	size_t n = 0;
	for (size_t i = 0; i < d->nentries; i++) {
		const dict_entry *e = &d->entries[i];
		if (e->key.v.kind == CVAL_HOLE)
			continue;
		om_value view = cval_view(keys ? &e->key : &e->value);
		if (!value_copy(&out.as.items[n++], &view)) {
			om_value_free(&out);
			return op_no_memory(c);
		}
	}
	return op_ok(c, out);
}

static int dict_no_key(op_call *c, const om_value *key)
{
	char buf[80];
	om_value_format(key, buf, sizeof buf);
	return op_fail(c, OM_KEY_ERROR, "dict '%s' has no key %s", c->name, buf);
}

static int dict_op_set(void *obj, op_call *c)
{
	if (!dict_put(obj, &c->args[0], op_key_hash(c), &c->args[1]))
		return op_no_memory(c);
	return op_ok(c, om_nil());
}

static int dict_op_get(void *obj, op_call *c)
{
	dict_entry *e = dict_find(obj, &c->args[0], op_key_hash(c));
	if (e)
		return op_borrow_cval(c, &e->value);
	if (c->nargs > 1)
		return op_ok(c, typeutil_take(&c->args[1]));
	return dict_no_key(c, &c->args[0]);
}

static int dict_op_has(void *obj, op_call *c)
{
	return op_ok(c, om_bool(dict_find(obj, &c->args[0], op_key_hash(c)) != NULL));
}

static int dict_op_del(void *obj, op_call *c)
{
	cval key, value;
	if (!dict_remove(obj, &c->args[0], op_key_hash(c), &key, &value))
		return dict_no_key(c, &c->args[0]);
	cval_free(&key);
	cval_free(&value);
	return op_ok(c, om_nil());
}

static int dict_op_pop(void *obj, op_call *c)
{
	cval key, value;
	if (dict_remove(obj, &c->args[0], op_key_hash(c), &key, &value)) {
		cval_free(&key);
		return op_ok_cval(c, value);
	}
	if (c->nargs > 1)
		return op_ok(c, typeutil_take(&c->args[1]));
	return dict_no_key(c, &c->args[0]);
}

static int dict_op_setdefault(void *obj, op_call *c)
{
	dict *d = obj;
	uint64_t hash = op_key_hash(c);
	size_t slot;
	int64_t ix = dict_lookup(d, &c->args[0], hash, &slot);
	if (ix >= 0)
		return op_borrow_cval(c, &d->entries[ix].value);
	if (!dict_reserve(d, 1))
		return op_no_memory(c);
	dict_entry *e = dict_insert(d, hash, &c->args[0], &c->args[1]);
	return op_borrow_cval(c, &e->value);
}

static int dict_op_len(void *obj, op_call *c)
{
	return op_ok(c, om_int((int64_t)((dict *)obj)->used));
}

static int dict_op_keys(void *obj, op_call *c)
{
	return dict_column(obj, true, c);
}

static int dict_op_values(void *obj, op_call *c)
{
	return dict_column(obj, false, c);
}

static int dict_op_items(void *obj, op_call *c)
{
	const dict *d = obj;
	om_value out;
	if (!value_map_alloc(&out, d->used))
		return op_no_memory(c);
	size_t n = 0;
	for (size_t i = 0; i < d->nentries; i++) {
		const dict_entry *e = &d->entries[i];
		if (e->key.v.kind == CVAL_HOLE)
			continue;
		om_value key = cval_view(&e->key), value = cval_view(&e->value);
		if (!value_copy(&out.as.items[2 * n], &key) ||
		    !value_copy(&out.as.items[2 * n + 1], &value)) {
			om_value_free(&out);
			return op_no_memory(c);
		}
		n++;
	}
	return op_ok(c, out);
}

/*
 * A dict.scan cursor: the position in entries[] to go on from (low
 * SCAN_POS_BITS bits) and compacted as it was then, modulo 2^31 (the bits
 * above), so that a cursor is a non-negative int64. 0 starts a walk; a
 * walk never answers 0 but at its end, as its position is past a pair.
 */
#define SCAN_POS_BITS 32
#define SCAN_POS_MAX (((uint64_t)1 << SCAN_POS_BITS) - 1)
#define SCAN_EPOCH_MASK (((uint64_t)1 << 31) - 1)

static uint64_t scan_cursor(const dict *d, size_t pos)
{
	return (d->compacted & SCAN_EPOCH_MASK) << SCAN_POS_BITS | pos;
}

/*
 * Where a cursor goes on from now. A pair ahead of its position then is at
 * most delta (the holes removed since) lower now, as resizes only move
 * pairs down by the holes they remove: starting delta lower finds every
 * pair still there, and answers again at most delta already answered.
 * compacted modulo 2^31 going back (the object was deleted and made again,
 * the server restarted) looks like a huge delta: the walk starts over.
 */
static size_t scan_start(const dict *d, uint64_t cursor)
{
	uint64_t pos = cursor & SCAN_POS_MAX, then = cursor >> SCAN_POS_BITS;
	uint64_t delta = (d->compacted - then) & SCAN_EPOCH_MASK;
	return delta >= pos ? 0 : (size_t)(pos - delta);
}

/*
 * [next cursor, {key: value, ...}]: up to count pairs from the cursor on,
 * in insertion order, as typeutil_scan_args() bounds a page; next cursor 0
 * when the walk has reached the end.
 */
static int dict_op_scan(void *obj, op_call *c)
{
	const dict *d = obj;
	uint64_t cursor;
	size_t count;
	if (!typeutil_scan_args(c, 0, 1, &cursor, &count))
		return c->code;
	if (d->nentries > SCAN_POS_MAX)
		return op_fail(c, OM_LIMIT, "dict.scan: dict '%s' has more than %llu entry positions",
			       c->name, (unsigned long long)SCAN_POS_MAX);
	size_t pos = cursor ? scan_start(d, cursor) : 0;
	om_value out, page;
	if (!value_array_alloc(&out, 2) ||
	    !value_map_alloc(&out.as.items[1], count < d->used ? count : d->used)) {
		om_value_free(&out);
		return op_no_memory(c);
	}
	page = out.as.items[1];
	size_t n = 0, bytes = 0, visits = SCAN_VISITS_PER_ITEM * count;
	for (; pos < d->nentries && n < page.len && bytes < SCAN_PAGE_BYTES && visits > 0;
	     pos++, visits--) {
		const dict_entry *e = &d->entries[pos];
		if (e->key.v.kind == CVAL_HOLE)
			continue;
		om_value key = cval_view(&e->key), value = cval_view(&e->value);
		if (!value_copy(&page.as.items[2 * n], &key) ||
		    !value_copy(&page.as.items[2 * n + 1], &value)) {
			om_value_free(&out);
			return op_no_memory(c);
		}
		bytes += cval_size(&e->key) + cval_size(&e->value);
		n++;
	}
	out.as.items[1].len = (uint32_t)n;
	out.as.items[0] = om_int(pos < d->nentries ? (int64_t)scan_cursor(d, pos) : 0);
	return op_ok(c, out);
}

/* Makes room for every key of the map that is new first: it stores all of its pairs or none. */
static int dict_op_update(void *obj, op_call *c)
{
	dict *d = obj;
	om_value *pairs = c->args[0].as.items;
	size_t fresh = 0;
	for (uint32_t i = 0; i < c->args[0].len; i++)
		fresh += !dict_find(d, &pairs[2 * i], value_hash(&pairs[2 * i]));
	if (!dict_reserve(d, fresh))
		return op_no_memory(c);
	for (uint32_t i = 0; i < c->args[0].len; i++)
		dict_put(d, &pairs[2 * i], value_hash(&pairs[2 * i]), &pairs[2 * i + 1]);
	return op_ok(c, om_nil());
}

static int dict_op_clear(void *obj, op_call *c)
{
	dict_release(obj);
	return op_ok(c, om_nil());
}

static int dict_op_popitem(void *obj, op_call *c)
{
	dict *d = obj;
	if (d->used == 0)
		return op_fail(c, OM_KEY_ERROR, "dict '%s' is empty", c->name);
	size_t ix = d->nentries - 1;
	size_t slot = dict_slot_of(d, d->entries[ix].hash, ix);
	cval key, value;
	dict_take(d, slot, ix, &key, &value);
	return op_ok_cval_pair(c, key, value);
}

/* Nothing is stored when it fails: the key stays absent or keeps its value. */
static int dict_op_incr(void *obj, op_call *c)
{
	dict *d = obj;
	om_value *key = &c->args[0], *delta = &c->args[1];
	uint64_t hash = op_key_hash(c);
	size_t slot;
	int64_t ix = dict_lookup(d, key, hash, &slot);
	om_value cur_view = ix >= 0 ? cval_view(&d->entries[ix].value) : om_int(0);
	const om_value *cur = &cur_view;
	char kbuf[80], dbuf[40], cbuf[40];
	om_value sum;
	if (!value_is_number(cur)) {
		om_value_format(key, kbuf, sizeof kbuf);
		return op_fail(c, OM_WRONG_TYPE, "dict '%s': the value under key %s is a %s, not a number",
			       c->name, kbuf, value_kind_name(cur));
	}
	if (!typeutil_add(cur, delta, &sum)) {
		om_value_format(key, kbuf, sizeof kbuf);
		om_value_format(cur, cbuf, sizeof cbuf);
		om_value_format(delta, dbuf, sizeof dbuf);
		return op_fail(c, OM_VALUE_ERROR, "dict '%s': %s + %s under key %s overflows int64",
			       c->name, cbuf, dbuf, kbuf);
	}
	if (ix >= 0) {
		d->entries[ix].value.v = sum; /* a number: never inline, nothing to free */
	} else {
		om_value stored = sum;
		if (!dict_reserve(d, 1))
			return op_no_memory(c);
		dict_insert(d, hash, key, &stored);
	}
	return op_ok(c, sum);
}

static void *dict_create(const om_value *options, op_call *c)
{
	if (!typeutil_no_options("dict", options, c))
		return NULL;
	dict *d = mem_calloc(1, sizeof *d);
	if (!d)
		op_no_memory(c);
	return d;
}

static void dict_destroy(void *obj)
{
	dict_release(obj);
	free(obj);
}

static size_t dict_len(const void *obj)
{
	return ((const dict *)obj)->used;
}

#define KEY {"key", ARG_ANY, false}

/* dict.update calls of up to SAVE_CHUNK pairs, in insertion order. */
static bool dict_save(const void *obj, save_sink *sink)
{
	const dict *d = obj;
	om_value *pairs = mem_alloc(2 * SAVE_CHUNK * sizeof *pairs);
	if (!pairs)
		return false;
	size_t n = 0;
	bool ok = true;
	for (size_t i = 0; ok && i < d->nentries; i++) {
		const dict_entry *e = &d->entries[i];
		if (e->key.v.kind == CVAL_HOLE)
			continue; /* left by a delete */
		pairs[2 * n] = cval_view(&e->key);
		pairs[2 * n + 1] = cval_view(&e->value);
		if (++n == SAVE_CHUNK) {
			om_value map = om_map(pairs, n);
			ok = sink->call(sink, "dict.update", &map, 1);
			n = 0;
		}
	}
	if (ok && n) {
		om_value map = om_map(pairs, n);
		ok = sink->call(sink, "dict.update", &map, 1);
	}
	free(pairs);
	return ok;
}

static const op_def dict_ops[] = {
	{"set", dict_op_set, OP_WRITE | OP_GROWS | OP_KEYED, 2, {KEY, {"value", ARG_ANY, false}},
	 "store value under key; an existing key keeps its position"},
	{"get", dict_op_get, OP_KEYED | OP_LOOKUP, 2, {KEY, {"default", ARG_ANY, true}},
	 "the value under key; default when absent, else key_error"},
	{"has", dict_op_has, OP_KEYED | OP_LOOKUP, 1, {KEY}, "whether key is present"},
	{"del", dict_op_del, OP_WRITE | OP_KEYED | OP_LOOKUP, 1, {KEY}, "remove key; key_error when absent"},
	{"pop", dict_op_pop, OP_WRITE | OP_KEYED | OP_LOOKUP, 2, {KEY, {"default", ARG_ANY, true}},
	 "remove key and answer its value; default when absent, else key_error"},
	{"setdefault", dict_op_setdefault, OP_WRITE | OP_GROWS | OP_KEYED, 2, {KEY, {"default", ARG_ANY, false}},
	 "store default under key unless present; answers the value now stored"},
	{"len", dict_op_len, 0, 0, {{0}}, "the number of keys"},
	{"keys", dict_op_keys, 0, 0, {{0}}, "the keys, in insertion order"},
	{"values", dict_op_values, 0, 0, {{0}}, "the values, in insertion order"},
	{"items", dict_op_items, 0, 0, {{0}}, "the whole dict as a map, in insertion order"},
	{"scan", dict_op_scan, 0, 2, {{"cursor", ARG_INT_OR_NIL, true}, {"count", ARG_INT_OR_NIL, true}},
	 "a page of a walk: [next cursor, map of up to count (default 100, at most 10000) pairs]; cursor 0 starts, 0 answered ends"},
	{"update", dict_op_update, OP_WRITE | OP_GROWS, 1, {{"map", ARG_MAP, false}},
	 "store every pair of map, in its order"},
	{"clear", dict_op_clear, OP_WRITE, 0, {{0}}, "remove every key"},
	{"popitem", dict_op_popitem, OP_WRITE, 0, {{0}},
	 "remove the last inserted pair and answer [key, value]; key_error when empty"},
	{"incr", dict_op_incr, OP_WRITE | OP_GROWS | OP_KEYED, 2, {KEY, {"delta", ARG_NUMBER, false}},
	 "add delta to the number under key (missing = 0) and answer it; int64 overflow is value_error"},
};

const type_def dict_type = {
	.name = "dict",
	.help = "a hash table that keeps insertion order; keys and values of any type",
	.create = dict_create,
	.destroy = dict_destroy,
	.len = dict_len,
	.save = dict_save,
	.prefetch = dict_prefetch,
	.ops = dict_ops,
	.nops = sizeof dict_ops / sizeof dict_ops[0],
};
