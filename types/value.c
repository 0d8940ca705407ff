/*
 * value.c — equality, hashing, ordering and copying of om_value.
 *
 * The invariants everything here keeps: value_eq(a, b) implies
 * value_hash(a) == value_hash(b), so any value can be a dict key, and
 * value_cmp(a, b) == 0 exactly when value_eq(a, b). Integers
 * are normalised on decode (OM_UINT only above INT64_MAX), which makes
 * integer equality a plain comparison; floats compare by numeric value with
 * every NaN equal to every other.
 */
#include "value.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include <sodium.h>

#include "mem.h"

static size_t item_count(const om_value *v)
{
	return v->kind == OM_MAP ? 2 * (size_t)v->len : v->len;
}

void om_value_free(om_value *v)
{
	if (value_has_bytes(v)) {
		free(v->as.str);
	} else if (v->kind == OM_ARRAY || v->kind == OM_MAP) {
		size_t n = item_count(v);
		for (size_t i = 0; i < n; i++)
			om_value_free(&v->as.items[i]);
		free(v->as.items);
	}
	*v = om_nil();
}

bool value_copy(om_value *out, const om_value *src)
{
	*out = *src;
	if (value_has_bytes(src)) {
		out->as.str = mem_dup0(src->as.str, src->len);
		if (!out->as.str)
			goto fail;
	} else if (src->kind == OM_ARRAY || src->kind == OM_MAP) {
		size_t n = item_count(src);
		out->as.items = mem_alloc(n * sizeof(om_value));
		if (!out->as.items)
			goto fail;
		for (size_t i = 0; i < n; i++) {
			if (!value_copy(&out->as.items[i], &src->as.items[i])) {
				while (i--)
					om_value_free(&out->as.items[i]);
				free(out->as.items);
				goto fail;
			}
		}
	}
	return true;
fail:
	*out = om_nil();
	return false;
}

/* What malloc adds to each block, roughly: glibc's header, and its rounding to 16 bytes. */
#define BLOCK_OVERHEAD 16

size_t value_heap_size(const om_value *v)
{
	if (value_has_bytes(v))
		return (size_t)v->len + 1 + BLOCK_OVERHEAD;
	if (v->kind != OM_ARRAY && v->kind != OM_MAP)
		return 0;
	size_t n = item_count(v), size = n * sizeof(om_value) + BLOCK_OVERHEAD;
	for (size_t i = 0; i < n; i++)
		size += value_heap_size(&v->as.items[i]);
	return size;
}

void om_value_copy(om_value *dst, const om_value *src)
{
	if (!value_copy(dst, src)) {
		fputs("objmgr: out of memory copying a value\n", stderr);
		abort();
	}
}

bool value_str_copy(om_value *out, const char *s, size_t n)
{
	*out = om_strn(NULL, n);
	out->as.str = mem_dup0(s, n);
	if (!out->as.str)
		*out = om_nil();
	return out->kind == OM_STR;
}

/* An array (OM_ARRAY) or map (OM_MAP) of nils, with room for nitems values. */
static bool items_alloc(om_value *out, uint8_t kind, size_t len, size_t nitems)
{
	*out = om_array(NULL, len);
	out->kind = kind;
	out->as.items = mem_calloc(nitems, sizeof(om_value));
	if (!out->as.items)
		*out = om_nil();
	return out->kind == kind;
}

bool value_array_alloc(om_value *out, size_t n)
{
	return items_alloc(out, OM_ARRAY, n, n);
}

bool value_map_alloc(om_value *out, size_t n)
{
	return items_alloc(out, OM_MAP, n, 2 * n);
}

om_value value_str_dup(const char *s, size_t n)
{
	om_value v = om_strn(NULL, n);
	v.as.str = xmemdup0(s, n);
	return v;
}

om_value value_array_new(size_t n)
{
	om_value v = om_array(NULL, n);
	v.as.items = xcalloc(n, sizeof(om_value));
	return v;
}

om_value value_map_new(size_t n)
{
	om_value v = om_map(NULL, n);
	v.as.items = xcalloc(2 * n, sizeof(om_value));
	return v;
}

bool om_value_equal(const om_value *a, const om_value *b)
{
	if (value_is_float(a) && value_is_float(b))
		return a->as.f == b->as.f || (isnan(a->as.f) && isnan(b->as.f));
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case OM_NIL:
		return true;
	case OM_BOOL:
		return a->as.b == b->as.b;
	case OM_INT:
		return a->as.i == b->as.i;
	case OM_UINT:
		return a->as.u == b->as.u;
	case OM_EXT:
		if (a->ext_type != b->ext_type)
			return false;
		/* fall through */
	case OM_STR:
	case OM_BIN:
	case OM_REF:
		return a->len == b->len && (a->len == 0 || memcmp(a->as.str, b->as.str, a->len) == 0);
	case OM_ARRAY:
		if (a->len != b->len)
			return false;
		for (uint32_t i = 0; i < a->len; i++)
			if (!om_value_equal(&a->as.items[i], &b->as.items[i]))
				return false;
		return true;
	case OM_MAP:
		/* The same multiset of pairs: their canonical orders match (below). */
		return a->len == b->len && om_value_compare(a, b) == 0;
	}
	return false;
}

/*
 * Clients choose dict keys, so byte strings are hashed with keyed SipHash
 * (libsodium's crypto_shorthash): with a secret random key nobody can craft
 * keys that collide on purpose and turn lookups linear.
 */
static unsigned char hash_key[crypto_shorthash_KEYBYTES];

void value_hash_randomize(void)
{
	if (sodium_init() < 0)
		abort(); /* no usable entropy source: nothing can run safely */
	crypto_shorthash_keygen(hash_key);
}

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t v;
	crypto_shorthash(out, p, n, hash_key);
	memcpy(&v, out, sizeof v);
	return h ^ v;
}

/*
 * Two hashes as one, keyed too. Integers hash without the key (a bijection:
 * distinct integers never collide), but an unkeyed mix of their hashes
 * could be inverted: anyone could compute as many arrays [x, y] with one
 * hash as they like and make a dict of them quadratic. Containers combine
 * their items' hashes through this instead.
 */
static uint64_t hash_combine(uint64_t a, uint64_t b)
{
	uint64_t in[2] = {a, b};
	return hash_bytes(0, in, sizeof in);
}

/* A final mix so that small integers spread over the whole table. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

uint64_t value_hash(const om_value *v)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ ((uint64_t)v->kind << 56);
	switch (v->kind) {
	case OM_NIL:
		return mix64(h);
	case OM_BOOL:
		return mix64(h ^ v->as.b);
	case OM_INT:
		return mix64(h ^ (uint64_t)v->as.i);
	case OM_UINT:
		return mix64(h ^ v->as.u);
	case OM_FLOAT32:
	case OM_FLOAT64: {
		double f = v->as.f;
		uint64_t bits;
		if (isnan(f))
			f = NAN;
		if (f == 0.0)
			f = 0.0;
		memcpy(&bits, &f, sizeof bits);
		return mix64((0xcbf29ce484222325ULL ^ ((uint64_t)OM_FLOAT64 << 56)) ^ bits);
	}
	case OM_EXT:
		h ^= (uint8_t)v->ext_type;
		/* fall through */
	case OM_STR:
	case OM_BIN:
	case OM_REF:
		return hash_bytes(h, v->as.str, v->len);
	case OM_ARRAY:
		for (uint32_t i = 0; i < v->len; i++)
			h = hash_combine(h, value_hash(&v->as.items[i]));
		return h;
	case OM_MAP: {
		/* Order-independent, as map equality is. */
		uint64_t sum = 0;
		for (uint32_t i = 0; i < v->len; i++)
			sum += hash_combine(value_hash(&v->as.items[2 * i]),
					    value_hash(&v->as.items[2 * i + 1]));
		return mix64(h ^ sum);
	}
	}
	return h;
}

/* The position of a kind in the documented cross-type order. */
static int kind_rank(uint8_t kind)
{
	switch (kind) {
	case OM_NIL:
		return 0;
	case OM_BOOL:
		return 1;
	case OM_INT:
	case OM_UINT:
	case OM_FLOAT32:
	case OM_FLOAT64:
		return 2;
	case OM_STR:
		return 3;
	case OM_BIN:
		return 4;
	case OM_ARRAY:
		return 5;
	case OM_MAP:
		return 6;
	case OM_EXT:
		return 7;
	default:
		return 8;
	}
}

static int cmp3(double a, double b)
{
	return (a > b) - (a < b);
}

/*
 * Compares an integer with a float exactly, without rounding the integer
 * to a double first (2^63 - 1 is not representable).
 */
static int cmp_int_float(const om_value *i, double f)
{
	if (isnan(f))
		return -1;
	if (f >= 18446744073709551616.0)
		return -1;
	if (f < -9223372036854775808.0)
		return 1;
	double t = trunc(f);
	int c;
	if (i->kind == OM_UINT)
		c = t < 0 ? 1 : (i->as.u > (uint64_t)t) - (i->as.u < (uint64_t)t);
	else if (t >= 9223372036854775808.0)
		c = -1;
	else
		c = (i->as.i > (int64_t)t) - (i->as.i < (int64_t)t);
	if (c)
		return c;
	/* Equal integral parts: the float's fraction decides; an exact tie puts the int first. */
	return f > t ? -1 : f < t ? 1 : -1;
}

static int cmp_numbers(const om_value *a, const om_value *b)
{
	bool af = value_is_float(a), bf = value_is_float(b);
	if (af && bf) {
		if (isnan(a->as.f) || isnan(b->as.f))
			return isnan(a->as.f) - isnan(b->as.f);
		return cmp3(a->as.f, b->as.f);
	}
	if (af)
		return -cmp_int_float(b, a->as.f);
	if (bf)
		return cmp_int_float(a, b->as.f);
	if (a->kind == OM_UINT || b->kind == OM_UINT) {
		if (a->kind != b->kind)
			return a->kind == OM_UINT ? 1 : -1;
		return (a->as.u > b->as.u) - (a->as.u < b->as.u);
	}
	return (a->as.i > b->as.i) - (a->as.i < b->as.i);
}

static int cmp_bytes(const om_value *a, const om_value *b)
{
	uint32_t n = a->len < b->len ? a->len : b->len;
	int c = n ? memcmp(a->as.str, b->as.str, n) : 0;
	if (c)
		return c < 0 ? -1 : 1;
	return (a->len > b->len) - (a->len < b->len);
}

/*
 * Maps compare as the multisets of their pairs: by size, then pair by pair
 * in their *canonical order*, the pairs sorted by key and then by value.
 * So pair order never matters, duplicate keys ({a:1, a:2}) are just more
 * pairs, and compare == 0 exactly when om_value_equal.
 *
 * Sorting a map's pairs compares the values inside it, which may be maps
 * too: re-sorting an inner map at each of those comparisons would multiply
 * the cost by a log factor per level of nesting. So two maps are compared
 * through *views* built once: a view gives every map inside the value its
 * canonical order, computed bottom-up, so sorting a map compares its inner
 * maps through their finished views. Building a view costs O(n log n)
 * comparisons per level, each bounded by the size of what it compares.
 */
typedef struct view {
	uint32_t *order;     /* MAP: its pair indexes in canonical order */
	struct view **kids;  /* per item: its view, NULL for a scalar; NULL when no item has one */
} view;

/* The memory of the views of one or more values, carved from one block. */
typedef struct view_arena {
	view *views;
	view **kids;
	uint32_t *order;
	uint32_t *tmp; /* merge buffer for the largest map */
	size_t nviews, nkids, norder, ntmp;
} view_arena;

_Thread_local unsigned long value_pair_compares;

static int cmp(const om_value *a, const view *va, const om_value *b, const view *vb);

static bool is_container(const om_value *v)
{
	return v->kind == OM_ARRAY || v->kind == OM_MAP;
}

static const view *kid(const view *w, size_t i)
{
	return w && w->kids ? w->kids[i] : NULL;
}

/* Whether an item of v is an array or a map: only then does v's view keep its items' views. */
static bool holds_container(const om_value *v)
{
	size_t n = item_count(v);
	for (size_t i = 0; i < n; i++)
		if (is_container(&v->as.items[i]))
			return true;
	return false;
}

/* Pair i of map a against pair j of map b: by key, then by value. */
static int cmp_pair(const om_value *a, const view *va, uint32_t i, const om_value *b,
		    const view *vb, uint32_t j)
{
	value_pair_compares++;
	int c = cmp(&a->as.items[2 * i], kid(va, 2 * i), &b->as.items[2 * j], kid(vb, 2 * j));
	if (c)
		return c;
	return cmp(&a->as.items[2 * i + 1], kid(va, 2 * i + 1), &b->as.items[2 * j + 1],
		   kid(vb, 2 * j + 1));
}

/* Adds what v's view needs to ar's counts. */
static void view_count(const om_value *v, view_arena *ar)
{
	size_t n = item_count(v);
	ar->nviews++;
	if (v->kind == OM_MAP) {
		ar->norder += v->len;
		if (v->len > ar->ntmp)
			ar->ntmp = v->len;
	}
	if (!holds_container(v))
		return;
	ar->nkids += n;
	for (size_t i = 0; i < n; i++)
		if (is_container(&v->as.items[i]))
			view_count(&v->as.items[i], ar);
}

static size_t view_bytes(const view_arena *ar)
{
	return ar->nviews * sizeof(view) + ar->nkids * sizeof(view *) +
	       (ar->norder + ar->ntmp) * sizeof(uint32_t);
}

/* Points ar's arrays into mem (view_bytes(ar) bytes) and empties them. */
static void view_arena_init(view_arena *ar, void *mem)
{
	ar->views = mem;
	ar->kids = (view **)(ar->views + ar->nviews);
	ar->order = (uint32_t *)(ar->kids + ar->nkids);
	ar->tmp = ar->order + ar->norder;
	ar->nviews = ar->nkids = ar->norder = 0;
}

/*
 * Merge sort of map m's pair indexes w->order (tmp: as many spare slots),
 * skipping merges of runs already in order, so sorted pairs cost n - 1
 * comparisons.
 */
static void sort_pairs(const om_value *m, const view *w, uint32_t *tmp)
{
	size_t n = m->len;
	uint32_t *src = w->order, *dst = tmp;
	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;
			if (mid < hi && cmp_pair(m, w, src[mid - 1], m, w, src[mid]) > 0) {
				while (i < mid && j < hi)
					dst[k++] = cmp_pair(m, w, src[j], m, w, src[i]) < 0 ? src[j++]
											  : src[i++];
			}
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		uint32_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != w->order)
		memcpy(w->order, src, n * sizeof *src);
}

/* v's view, its inner views first; ar was counted for v (view_count). */
static view *view_build(const om_value *v, view_arena *ar)
{
	view *w = &ar->views[ar->nviews++];
	size_t n = item_count(v);
	w->kids = NULL; /* no item is a container: kid() answers NULL for all */
	if (holds_container(v)) {
		w->kids = ar->kids + ar->nkids;
		ar->nkids += n;
		for (size_t i = 0; i < n; i++)
			w->kids[i] = is_container(&v->as.items[i]) ? view_build(&v->as.items[i], ar)
								     : NULL;
	}
	w->order = NULL;
	if (v->kind == OM_MAP) {
		w->order = ar->order + ar->norder;
		ar->norder += v->len;
		for (uint32_t i = 0; i < v->len; i++)
			w->order[i] = i;
		sort_pairs(v, w, ar->tmp);
	}
	return w;
}

/*
 * The smallest pair of m above pair `after` (UINT32_MAX: the smallest of
 * all), and in *count how many pairs equal it. Needs no memory.
 */
static uint32_t next_pair(const om_value *m, uint32_t after, uint32_t *count)
{
	uint32_t best = UINT32_MAX;
	*count = 0;
	for (uint32_t i = 0; i < m->len; i++) {
		if (after != UINT32_MAX && cmp_pair(m, NULL, i, m, NULL, after) <= 0)
			continue;
		int c = best == UINT32_MAX ? -1 : cmp_pair(m, NULL, i, m, NULL, best);
		if (c < 0) {
			best = i;
			*count = 1;
		} else if (c == 0) {
			(*count)++;
		}
	}
	return best;
}

/*
 * The canonical comparison of two maps of equal size when no memory is
 * left for views: walks both in canonical order by repeated selection,
 * O(n^2) pair comparisons instead of O(n log n). Same answers.
 */
static int cmp_maps_unsorted(const om_value *a, const om_value *b)
{
	uint32_t pa = UINT32_MAX, pb = UINT32_MAX, na, nb;
	for (uint32_t seen = 0; seen < a->len; seen += na) {
		pa = next_pair(a, pa, &na);
		pb = next_pair(b, pb, &nb);
		int c = cmp_pair(a, NULL, pa, b, NULL, pb);
		if (c)
			return c;
		/* The map with more copies of this pair has a smaller pair next. */
		if (na != nb)
			return na > nb ? -1 : 1;
	}
	return 0;
}

/* Maps a and b (same size) in canonical order, through views built for them both. */
static int cmp_maps(const om_value *a, const om_value *b)
{
	/* Small maps (the usual dict keys) need no heap at all. */
	union {
		max_align_t align;
		unsigned char bytes[2048];
	} stack;
	view_arena ar = {0};
	view_count(a, &ar);
	view_count(b, &ar);
	size_t need = view_bytes(&ar);
	void *mem = need <= sizeof stack ? stack.bytes : mem_alloc(need);
	if (!mem)
		return cmp_maps_unsorted(a, b);
	view_arena_init(&ar, mem);
	const view *va = view_build(a, &ar), *vb = view_build(b, &ar);
	int c = cmp(a, va, b, vb);
	if (mem != stack.bytes)
		free(mem);
	return c;
}

/*
 * a against b; va and vb are their views when the caller has them (both or
 * neither: a view covers everything inside its value).
 */
static int cmp(const om_value *a, const view *va, const om_value *b, const view *vb)
{
	int ra = kind_rank(a->kind), rb = kind_rank(b->kind);
	if (ra != rb)
		return ra < rb ? -1 : 1;
	switch (a->kind) {
	case OM_NIL:
		return 0;
	case OM_BOOL:
		return (int)a->as.b - (int)b->as.b;
	case OM_INT:
	case OM_UINT:
	case OM_FLOAT32:
	case OM_FLOAT64:
		return cmp_numbers(a, b);
	case OM_EXT:
		if (a->ext_type != b->ext_type)
			return a->ext_type < b->ext_type ? -1 : 1;
		/* fall through */
	case OM_STR:
	case OM_BIN:
	case OM_REF:
		return cmp_bytes(a, b);
	case OM_MAP:
		if (a->len != b->len)
			return a->len < b->len ? -1 : 1;
		if (!va)
			return cmp_maps(a, b);
		for (uint32_t r = 0; r < a->len; r++) {
			int c = cmp_pair(a, va, va->order[r], b, vb, vb->order[r]);
			if (c)
				return c;
		}
		return 0;
	case OM_ARRAY: {
		uint32_t n = a->len < b->len ? a->len : b->len;
		for (uint32_t i = 0; i < n; i++) {
			int c = cmp(&a->as.items[i], kid(va, i), &b->as.items[i], kid(vb, i));
			if (c)
				return c;
		}
		return (a->len > b->len) - (a->len < b->len);
	}
	}
	return 0;
}

int om_value_compare(const om_value *a, const om_value *b)
{
	return cmp(a, NULL, b, NULL);
}

int value_depth(const om_value *v)
{
	if (v->kind != OM_ARRAY && v->kind != OM_MAP)
		return 0;
	int deepest = 0;
	size_t n = item_count(v);
	for (size_t i = 0; i < n; i++) {
		int d = value_depth(&v->as.items[i]);
		if (d > deepest)
			deepest = d;
	}
	return deepest + 1;
}

const char *value_kind_name(const om_value *v)
{
	static const char *const names[] = {
		[OM_NIL] = "nil", [OM_BOOL] = "bool", [OM_INT] = "int",
		[OM_UINT] = "int", [OM_FLOAT32] = "float", [OM_FLOAT64] = "float",
		[OM_STR] = "str", [OM_BIN] = "bin", [OM_ARRAY] = "array",
		[OM_MAP] = "map", [OM_EXT] = "ext", [OM_REF] = "ref",
	};
	return v->kind <= OM_REF ? names[v->kind] : "?";
}

const om_value *om_value_map_get(const om_value *map, const char *key)
{
	if (map->kind != OM_MAP)
		return NULL;
	size_t n = strlen(key);
	for (uint32_t i = 0; i < map->len; i++) {
		const om_value *k = &map->as.items[2 * i];
		if (k->kind == OM_STR && k->len == n && memcmp(k->as.str, key, n) == 0)
			return &map->as.items[2 * i + 1];
	}
	return NULL;
}
