/*
 * typeutil.h — what the data types (dict, list, counter) share: checking
 * create() options and answering them back (the options hook), moving
 * values out of arguments, and adding two numbers without ever wrapping.
 *
 * Number arithmetic is int64: an integer result must fit in an int64_t
 * (OM_UINT operands are accepted when the exact sum fits), anything with a
 * float gives a float64.
 */
#ifndef OBJMGR_TYPEUTIL_H
#define OBJMGR_TYPEUTIL_H

#include "ops.h"
#include "value.h"

/*
 * For types that take no options: true when options is NULL, nil or an
 * empty map; otherwise fails c with OM_BAD_PARAMS ("dict: unknown option
 * 'x'") and returns false.
 */
static inline bool typeutil_no_options(const char *type, const om_value *options, op_call *c)
{
	if (!options || options->kind == OM_NIL || (options->kind == OM_MAP && options->len == 0))
		return true;
	if (options->kind != OM_MAP) {
		op_fail(c, OM_BAD_PARAMS, "%s: options must be a map, got %s", type,
			value_kind_name(options));
		return false;
	}
	const om_value *key = &options->as.items[0];
	if (key->kind == OM_STR) {
		op_fail(c, OM_BAD_PARAMS, "%s: unknown option '%.*s'", type, (int)key->len,
			key->as.str);
	} else {
		char buf[64];
		om_value_format(key, buf, sizeof buf);
		op_fail(c, OM_BAD_PARAMS, "%s: unknown option %s", type, buf);
	}
	return false;
}

/*
 * For types that take options: true when options is NULL, nil or a map
 * whose keys are all among names (NULL-terminated); otherwise fails c with
 * OM_BAD_PARAMS as typeutil_no_options() does. Each type then checks the
 * values it reads with typeutil_option().
 */
static inline bool typeutil_known_options(const char *type, const om_value *options,
					  const char *const *names, op_call *c)
{
	if (!options || options->kind == OM_NIL)
		return true;
	if (options->kind != OM_MAP)
		return typeutil_no_options(type, options, c);
	for (uint32_t i = 0; i < options->len; i++) {
		const om_value *key = &options->as.items[2 * i];
		bool known = false;
		for (const char *const *n = names; *n && key->kind == OM_STR && !known; n++)
			known = strlen(*n) == key->len && memcmp(*n, key->as.str, key->len) == 0;
		if (!known) {
			om_value pair = om_map(key, 1);
			return typeutil_no_options(type, &pair, c);
		}
	}
	return true;
}

/* The value of the option called name in options (checked by typeutil_known_options()), or NULL. */
static inline const om_value *typeutil_option(const om_value *options, const char *name)
{
	if (!options || options->kind != OM_MAP)
		return NULL;
	for (uint32_t i = 0; i < options->len; i++) {
		const om_value *key = &options->as.items[2 * i];
		if (key->kind == OM_STR && strlen(name) == key->len &&
		    memcmp(name, key->as.str, key->len) == 0)
			return &options->as.items[2 * i + 1];
	}
	return NULL;
}

/*
 * Begins the map an options hook answers (types/ops.h): room for max
 * pairs, none set yet. False, *out nil, when memory runs out.
 */
static inline bool typeutil_options_begin(om_value *out, size_t max)
{
	if (!value_map_alloc(out, max))
		return false;
	out->len = 0;
	return true;
}

/*
 * Adds the option name -> v to a map begun with typeutil_options_begin(),
 * v owned and taken over. When memory runs out frees the map and v and
 * returns false, so that a hook can chain its options with &&.
 */
static inline bool typeutil_options_add(om_value *map, const char *name, om_value v)
{
	om_value *pair = &map->as.items[2 * map->len];
	if (!value_str_copy(&pair[0], name, strlen(name))) {
		om_value_free(&v);
		om_value_free(map);
		return false;
	}
	pair[1] = v;
	map->len++;
	return true;
}

/* Moves *v out, leaving nil behind: how handlers take ownership of their args. */
static inline om_value typeutil_take(om_value *v)
{
	om_value out = *v;
	*v = om_nil();
	return out;
}

static inline double typeutil_as_double(const om_value *v)
{
	if (value_is_float(v))
		return v->as.f;
	return v->kind == OM_UINT ? (double)v->as.u : (double)v->as.i;
}

/*
 * *sum = a + b for two numbers. Returns false, leaving *sum alone, when
 * both are integers and the exact sum does not fit in an int64. The
 * builtin computes in infinite precision whatever its operand types, so
 * mixing OM_INT and OM_UINT operands is exact too.
 */
static inline bool typeutil_add(const om_value *a, const om_value *b, om_value *sum)
{
	if (value_is_float(a) || value_is_float(b)) {
		*sum = om_float(typeutil_as_double(a) + typeutil_as_double(b));
		return true;
	}
	int64_t r;
	bool overflow;
	if (a->kind == OM_UINT && b->kind == OM_UINT)
		overflow = true; /* both above INT64_MAX */
	else if (a->kind == OM_UINT)
		overflow = __builtin_add_overflow(a->as.u, b->as.i, &r);
	else if (b->kind == OM_UINT)
		overflow = __builtin_add_overflow(a->as.i, b->as.u, &r);
	else
		overflow = __builtin_add_overflow(a->as.i, b->as.i, &r);
	if (overflow)
		return false;
	*sum = om_int(r);
	return true;
}

/* A slice bound clamped into [0, len] like Python's slice.indices(); nil is open. */
static inline size_t typeutil_slice_bound(const om_value *b, size_t len, size_t open)
{
	if (b->kind == OM_NIL)
		return open;
	if (b->kind == OM_UINT)
		return len;
	int64_t i = b->as.i;
	if (i < 0) {
		i += (int64_t)len;
		return i < 0 ? 0 : (size_t)i;
	}
	return (uint64_t)i > len ? len : (size_t)i;
}

/*
 * The cursor reads (dict.scan, objects.scan): a page holds up to count
 * items, count defaulting to SCAN_COUNT_DEFAULT and at most SCAN_COUNT_MAX,
 * so that no reply of a walk is huge. A page also ends once the items it
 * holds reach SCAN_PAGE_BYTES (counted as cval_size() counts them), after
 * at least one, and once it has looked at SCAN_VISITS_PER_ITEM * count
 * places (holes, empty buckets) without finding count items: a call costs
 * O(count) whatever the object holds, and may answer fewer items (even
 * none) before the walk ends.
 */
#define SCAN_COUNT_DEFAULT 100
#define SCAN_COUNT_MAX 10000
#define SCAN_PAGE_BYTES ((size_t)1 << 20)
#define SCAN_VISITS_PER_ITEM 10

/*
 * Reads a scan's optional cursor (args[cursor_at]: a non-negative integer
 * or nil, default 0) and count (args[count_at]: 1 to SCAN_COUNT_MAX or nil,
 * default SCAN_COUNT_DEFAULT). False, c failed with OM_VALUE_ERROR, when
 * either is out of range.
 */
static inline bool typeutil_scan_args(op_call *c, size_t cursor_at, size_t count_at,
				      uint64_t *cursor, size_t *count)
{
	const char *method = c->type;
	*cursor = 0;
	*count = SCAN_COUNT_DEFAULT;
	if (c->nargs > cursor_at && c->args[cursor_at].kind != OM_NIL) {
		const om_value *v = &c->args[cursor_at];
		if (v->kind != OM_INT || v->as.i < 0) {
			char buf[40];
			om_value_format(v, buf, sizeof buf);
			op_fail(c, OM_VALUE_ERROR, "%s.scan: cursor %s is not one a scan answered", method, buf);
			return false;
		}
		*cursor = (uint64_t)v->as.i;
	}
	if (c->nargs > count_at && c->args[count_at].kind != OM_NIL) {
		const om_value *v = &c->args[count_at];
		if (v->kind != OM_INT || v->as.i < 1 || v->as.i > SCAN_COUNT_MAX) {
			char buf[40];
			om_value_format(v, buf, sizeof buf);
			op_fail(c, OM_VALUE_ERROR, "%s.scan: count %s is not between 1 and %d", method, buf,
				SCAN_COUNT_MAX);
			return false;
		}
		*count = (size_t)v->as.i;
	}
	return true;
}

#endif
