/*
 * value.c — equality, hashing, ordering and copying of om_value.
 *
 * The invariant everything here keeps: value_eq(a, b) implies
 * value_hash(a) == value_hash(b), so any value can be a dict key. Integers
 * are normalised on decode (OM_UINT only above INT64_MAX), which makes
 * integer equality a plain comparison; floats compare by numeric value with
 * every NaN equal to every other.
 */
#include "value.h"

#include <math.h>
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

/* Maps are equal when they hold the same pairs, in any order (as Python's dicts). */
static bool map_eq(const om_value *a, const om_value *b)
{
	if (a->len != b->len)
		return false;
	for (uint32_t i = 0; i < a->len; i++) {
		const om_value *v = NULL;
		for (uint32_t j = 0; j < b->len; j++) {
			if (om_value_equal(&a->as.items[2 * i], &b->as.items[2 * j])) {
				v = &b->as.items[2 * j + 1];
				break;
			}
		}
		if (!v || !om_value_equal(&a->as.items[2 * i + 1], v))
			return false;
	}
	return true;
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
		return map_eq(a, b);
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
			h = mix64(h ^ value_hash(&v->as.items[i]));
		return h;
	case OM_MAP: {
		/* Order-independent, as map equality is. */
		uint64_t sum = 0;
		for (uint32_t i = 0; i < v->len; i++)
			sum += mix64(value_hash(&v->as.items[2 * i]) ^
				     (value_hash(&v->as.items[2 * i + 1]) * 31));
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

int om_value_compare(const om_value *a, const om_value *b)
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
		/* then pair by pair, as stored */
		/* fall through */
	case OM_ARRAY: {
		size_t na = item_count(a), nb = item_count(b);
		size_t n = na < nb ? na : nb;
		for (size_t i = 0; i < n; i++) {
			int c = om_value_compare(&a->as.items[i], &b->as.items[i]);
			if (c)
				return c;
		}
		return (na > nb) - (na < nb);
	}
	}
	return 0;
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
