/*
 * value.h — the value model's internals: equality, hashing, ordering,
 * copying and sizing of om_value (the struct itself is public, in objmgr.h).
 *
 * An *owned* value holds heap memory for its strings and items, allocated
 * with mem.h and released by om_value_free(). Every value stored in a shared
 * object is owned. Handlers may move an owned value by struct copy and then
 * set the source to om_nil(): moving never allocates.
 */
#ifndef OBJMGR_VALUE_H
#define OBJMGR_VALUE_H

#include "om_value.h"

/*
 * Picks a secret random key for value_hash (call once at start-up, before
 * any value is hashed: hashes computed before and after differ).
 */
void value_hash_randomize(void);
/* Consistent with value_eq: equal values hash equally (1 == uint64 1, 0.0 == -0.0). */
uint64_t value_hash(const om_value *v);
/*
 * For tests: how many pairs of map entries this thread's comparisons of
 * maps have compared so far (equality and ordering both count).
 */
extern _Thread_local unsigned long value_pair_compares;
static inline bool value_eq(const om_value *a, const om_value *b) { return om_value_equal(a, b); }
static inline int value_cmp(const om_value *a, const om_value *b) { return om_value_compare(a, b); }
/* Nesting depth: 0 for a scalar, 1 for a flat array or map, ... */
int value_depth(const om_value *v);
/* True for OM_INT, OM_UINT, OM_FLOAT32 and OM_FLOAT64. */
static inline bool value_is_number(const om_value *v)
{
	return v->kind >= OM_INT && v->kind <= OM_FLOAT64;
}
static inline bool value_is_float(const om_value *v)
{
	return v->kind == OM_FLOAT32 || v->kind == OM_FLOAT64;
}
/* True for the kinds whose as.str holds len bytes: STR, BIN, EXT and REF. */
static inline bool value_has_bytes(const om_value *v)
{
	return v->kind == OM_STR || v->kind == OM_BIN || v->kind == OM_EXT || v->kind == OM_REF;
}
/* The kind's wire-facing name: "nil", "bool", "int", "float", "str", ... */
const char *value_kind_name(const om_value *v);
/*
 * Owned values, made while serving a request: each returns false, with
 * *out nil and nothing allocated, when memory runs out (mem.h).
 */
/* A deep copy of src: of a value built with the constructors, an owned one (strings NUL-terminated). */
bool value_copy(om_value *out, const om_value *src);
/*
 * The heap memory a copy of v takes (value_copy()): its strings' bytes and
 * arrays' and maps' items, each block counted with 16 bytes more for the
 * allocator's header; 0 for a scalar. What copying v costs, roughly.
 */
size_t value_heap_size(const om_value *v);
/* An owned string value. */
bool value_str_copy(om_value *out, const char *s, size_t n);
/* An owned array of n nils, ready to be filled in. */
bool value_array_alloc(om_value *out, size_t n);
/* An owned map of n nil pairs, ready to be filled in. */
bool value_map_alloc(om_value *out, size_t n);

/*
 * The same for the client library and the objmgr program, which abort when
 * memory runs out, as om_value_copy() does: never while serving a request.
 */
om_value value_str_dup(const char *s, size_t n);
om_value value_array_new(size_t n);
om_value value_map_new(size_t n);

#endif
