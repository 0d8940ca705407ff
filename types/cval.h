/*
 * cval.h — how a container stores a value: an om_value, or a short string
 * kept inside the 16 bytes instead of behind a pointer.
 *
 * Most keys and many values are short strings ("key:123456" is 10 bytes).
 * Stored as an om_value each costs a malloc chunk of its own (32 bytes with
 * glibc for anything up to 24) and a cache miss to reach its bytes. A cval
 * keeps strings and bins of up to CVAL_INLINE_MAX bytes inline, so a dict
 * entry holds its key and value in the same cache line as its hash.
 *
 * A cval owns what it holds. cval_view() lends it out as an om_value
 * that points into the cval: valid until the cval changes or is freed, and
 * not NUL-terminated for inline strings (om_value lengths are what count).
 */
#ifndef OBJMGR_CVAL_H
#define OBJMGR_CVAL_H

#include <string.h>

#include "value.h"

#define CVAL_INLINE_MAX 14
/* The tag of an inline string: 0x80 | OM_STR or 0x80 | OM_BIN, never an om_kind. */
#define CVAL_INLINE 0x80
/*
 * A tag that is neither an om_kind nor an inline string's: a container
 * marks a slot holding no value with it (a dict's deleted entry), and the
 * slot is then no inline string either.
 */
#define CVAL_HOLE 0xff

typedef union cval {
	om_value v; /* tag < CVAL_INLINE: an owned om_value */
	struct {
		uint8_t tag; /* CVAL_INLINE | kind, overlaying v.kind */
		uint8_t len;
		char bytes[CVAL_INLINE_MAX];
	} s;
} cval;

static inline bool cval_is_inline(const cval *c)
{
	return (c->s.tag & CVAL_INLINE) && c->s.tag != CVAL_HOLE;
}

/* Moves the owned value *v in (leaving it nil); short strings move inline. */
static inline cval cval_take(om_value *v)
{
	cval c;
	if ((v->kind == OM_STR || v->kind == OM_BIN) && v->len <= CVAL_INLINE_MAX) {
		c.s.tag = (uint8_t)(CVAL_INLINE | v->kind);
		c.s.len = (uint8_t)v->len;
		if (v->len)
			memcpy(c.s.bytes, v->as.str, v->len);
		om_value_free(v);
		return c;
	}
	c.v = *v;
	*v = om_nil();
	return c;
}

/* The value, borrowed from c (see above). */
static inline om_value cval_view(const cval *c)
{
	if (!cval_is_inline(c))
		return c->v;
	om_value v = om_strn(c->s.bytes, c->s.len);
	v.kind = (uint8_t)(c->s.tag & ~CVAL_INLINE);
	return v;
}

/* value_eq(view of c, v), without building the view for inline strings. */
static inline bool cval_eq(const cval *c, const om_value *v)
{
	if (!cval_is_inline(c))
		return value_eq(&c->v, v);
	return v->kind == (c->s.tag & ~CVAL_INLINE) && v->len == c->s.len &&
	       (v->len == 0 || memcmp(c->s.bytes, v->as.str, v->len) == 0);
}

/*
 * A copy of *src into *dst, which owns it: an inline string by value,
 * anything else deep (value_copy()); false, with *dst nil and nothing
 * allocated, when memory runs out.
 */
static inline bool cval_copy(cval *dst, const cval *src)
{
	if (cval_is_inline(src)) {
		*dst = *src;
		return true;
	}
	return value_copy(&dst->v, &src->v);
}

/* The memory c holds: its 16 bytes, and the heap blocks of a value that is not inline. */
static inline size_t cval_size(const cval *c)
{
	return sizeof *c + (cval_is_inline(c) ? 0 : value_heap_size(&c->v));
}

static inline void cval_free(cval *c)
{
	if (!cval_is_inline(c))
		om_value_free(&c->v);
	c->v = om_nil();
}

#endif
