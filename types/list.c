/*
 * list.c — the list type: a growable ring buffer with Python's list
 * semantics (negative indexes, clamping insert, half-open slices).
 *
 * Item i lives at items[(head + i) & (cap - 1)]; cap is 0 or a power of
 * two and len <= cap. Indexing is O(1); appending or popping at either end
 * is O(1) amortized (the buffer doubles when full and halves when under a
 * quarter full); inserting, removing or replacing a slice inside moves the
 * shorter side.
 *
 * Items are cvals (cval.h): a string or bin of up to 14 bytes lives in its
 * 16-byte slot, so a list of short strings costs no malloc per item and a
 * get touches one cache line. Reads answer views of the slots; comparisons
 * (index, count, remove, sort) look at views, never at copies.
 *
 * A write makes room for what it adds before it changes anything, so
 * running out of memory leaves the list as it was; only shrinking is
 * skipped then, and done at a later removal.
 *
 * list.repeat is the one write whose cost the request does not carry:
 * [name, n] is a few bytes however large the list it makes. It refuses to
 * make a list of more than LIST_REPEAT_MAX bytes, so that no request of a
 * few bytes has the server reserve and copy gigabytes (the rule the fuzz
 * harnesses keep); larger lists are built with what a client sends.
 */
#include <string.h>

#include "cval.h"
#include "mem.h"
#include "ops.h"
#include "typeutil.h"
#include "value.h"

#define LIST_MIN_CAP 8
/*
 * The most memory a list made by list.repeat may hold, counted by
 * cval_size(): the default --max-message-size, so that a repeat makes no
 * more than one list.extend can carry by default.
 */
#define LIST_REPEAT_MAX ((size_t)64 << 20)

typedef struct list {
	cval *items;
	size_t cap;
	size_t head;
	size_t len;
} list;

static cval *at(const list *l, size_t i)
{
	return &l->items[(l->head + i) & (l->cap - 1)];
}

/* Moves the items into a fresh buffer of cap slots, starting at slot 0; false when out of memory. */
static bool list_realloc(list *l, size_t cap)
{
	cval *items = mem_calloc(cap, sizeof *items);
	if (!items)
		return false;
	for (size_t i = 0; i < l->len; i++)
		items[i] = *at(l, i);
	free(l->items);
	l->items = items;
	l->cap = cap;
	l->head = 0;
	return true;
}

/* Makes room for extra more items; false, with l as it was, when memory runs out. */
static bool list_reserve(list *l, size_t extra)
{
	if (l->len + extra <= l->cap)
		return true;
	size_t cap = l->cap ? l->cap : LIST_MIN_CAP;
	while (cap < l->len + extra) {
		if (cap > SIZE_MAX / 2)
			return false;
		cap *= 2;
	}
	return list_realloc(l, cap);
}

/*
 * Halves a buffer under a quarter full, as many times as it takes (a
 * slice removed may leave it far emptier); it stays as it is when there is
 * no memory for that.
 */
static void list_maybe_shrink(list *l)
{
	size_t cap = l->cap;
	while (cap > LIST_MIN_CAP && l->len < cap / 4)
		cap /= 2;
	if (cap != l->cap)
		list_realloc(l, cap);
}

/* Appends v into room made by list_reserve(). */
static void list_push_back(list *l, cval v)
{
	l->len++;
	*at(l, l->len - 1) = v;
}

/* Inserts v before item i (0 <= i <= len) into room made by list_reserve(), shifting the shorter side. */
static void list_insert_at(list *l, size_t i, cval v)
{
	if (i < l->len - i) {
		l->head = (l->head - 1) & (l->cap - 1);
		l->len++;
		for (size_t k = 0; k < i; k++)
			*at(l, k) = *at(l, k + 1);
	} else {
		l->len++;
		for (size_t k = l->len - 1; k > i; k--)
			*at(l, k) = *at(l, k - 1);
	}
	*at(l, i) = v;
}

/* Removes item i (< len) and gives it back, closing the gap from the shorter side. */
static cval list_remove_at(list *l, size_t i)
{
	cval v = *at(l, i);
	if (i < l->len - 1 - i) {
		for (size_t k = i; k > 0; k--)
			*at(l, k) = *at(l, k - 1);
		l->head = (l->head + 1) & (l->cap - 1);
	} else {
		for (size_t k = i; k + 1 < l->len; k++)
			*at(l, k) = *at(l, k + 1);
	}
	l->len--;
	list_maybe_shrink(l);
	return v;
}

/*
 * Turns the removed slots from item start on into added ones, moving the
 * items before them or those after, whichever are fewer; the slots they
 * leave hold nothing to free, and the caller fills the added ones. Room
 * must have been made by list_reserve() when added > removed.
 */
static void list_resize_range(list *l, size_t start, size_t removed, size_t added)
{
	size_t stop = start + removed;
	bool front = start < l->len - stop;
	if (added > removed) {
		size_t d = added - removed;
		l->len += d;
		if (front) {
			l->head = (l->head - d) & (l->cap - 1);
			for (size_t k = 0; k < start; k++)
				*at(l, k) = *at(l, k + d);
		} else {
			for (size_t k = l->len; k-- > stop + d;)
				*at(l, k) = *at(l, k - d);
		}
	} else if (removed > added) {
		size_t d = removed - added;
		if (front) {
			for (size_t k = start; k-- > 0;)
				*at(l, k + d) = *at(l, k);
			l->head = (l->head + d) & (l->cap - 1);
		} else {
			for (size_t k = stop - d; k + d < l->len; k++)
				*at(l, k) = *at(l, k + d);
		}
		l->len -= d;
	}
}

static void list_release(list *l)
{
	for (size_t i = 0; i < l->len; i++)
		cval_free(at(l, i));
	free(l->items);
	memset(l, 0, sizeof *l);
}

/* The position of integer index iv (negative counts from the end); false when out of range. */
static bool list_index(const list *l, const om_value *iv, size_t *out)
{
	if (iv->kind == OM_UINT)
		return false;
	int64_t i = iv->as.i;
	if (i < 0)
		i += (int64_t)l->len;
	if (i < 0 || (uint64_t)i >= l->len)
		return false;
	*out = (size_t)i;
	return true;
}

static int list_out_of_range(op_call *c, const list *l, const om_value *iv)
{
	char buf[32];
	om_value_format(iv, buf, sizeof buf);
	return op_fail(c, OM_INDEX_ERROR, "list '%s' index %s out of range (length %zu)",
		       c->name, buf, l->len);
}

static int list_empty(op_call *c)
{
	return op_fail(c, OM_INDEX_ERROR, "list '%s' is empty", c->name);
}

/* The first item equal to v at or after 0, or len when there is none. */
static size_t list_find(const list *l, const om_value *v)
{
	size_t i = 0;
	while (i < l->len && !cval_eq(at(l, i), v))
		i++;
	return i;
}

static int list_absent(op_call *c, const om_value *v)
{
	char buf[80];
	om_value_format(v, buf, sizeof buf);
	return op_fail(c, OM_VALUE_ERROR, "list '%s' does not contain %s", c->name, buf);
}

/* Answers an owned array of copies of the items in [start, stop). */
static int list_copy_range(const list *l, size_t start, size_t stop, op_call *c)
{
	size_t n = stop > start ? stop - start : 0;
	om_value out;
	if (!value_array_alloc(&out, n))
		return op_no_memory(c);
	for (size_t i = 0; i < n; i++) {
		om_value view = cval_view(at(l, start + i));
		if (!value_copy(&out.as.items[i], &view)) {
			om_value_free(&out);
			return op_no_memory(c);
		}
	}
	return op_ok(c, out);
}

/*
 * A stable merge sort of a[0..n), tmp[] being scratch of n / 2 items. With
 * `reverse` the comparison is flipped rather than the result reversed, so
 * equal items keep their order, as with Python's sort(reverse=True).
 */
static int sort_cmp(const cval *a, const cval *b, bool reverse)
{
	om_value va = cval_view(a), vb = cval_view(b);
	return reverse ? value_cmp(&vb, &va) : value_cmp(&va, &vb);
}

static void merge_sort(cval *a, cval *tmp, size_t n, bool reverse)
{
	if (n < 16) {
		for (size_t i = 1; i < n; i++) {
			cval x = a[i];
			size_t j = i;
			for (; j > 0 && sort_cmp(&a[j - 1], &x, reverse) > 0; j--)
				a[j] = a[j - 1];
			a[j] = x;
		}
		return;
	}
	size_t mid = n / 2;
	merge_sort(a, tmp, mid, reverse);
	merge_sort(a + mid, tmp, n - mid, reverse);
	if (sort_cmp(&a[mid - 1], &a[mid], reverse) <= 0)
		return; /* already in order */
	memcpy(tmp, a, mid * sizeof *a);
	size_t i = 0, j = mid, k = 0;
	while (i < mid && j < n)
		a[k++] = sort_cmp(&a[j], &tmp[i], reverse) < 0 ? a[j++] : tmp[i++];
	while (i < mid)
		a[k++] = tmp[i++];
}

static int list_op_append(void *obj, op_call *c)
{
	list *l = obj;
	if (!list_reserve(l, 1))
		return op_no_memory(c);
	list_push_back(l, cval_take(&c->args[0]));
	return op_ok(c, om_int((int64_t)l->len));
}

static int list_op_extend(void *obj, op_call *c)
{
	list *l = obj;
	om_value *src = &c->args[0];
	if (!list_reserve(l, src->len))
		return op_no_memory(c);
	for (uint32_t i = 0; i < src->len; i++)
		list_push_back(l, cval_take(&src->as.items[i]));
	return op_ok(c, om_int((int64_t)l->len));
}

static int list_op_insert(void *obj, op_call *c)
{
	list *l = obj;
	size_t i = typeutil_slice_bound(&c->args[0], l->len, 0);
	if (!list_reserve(l, 1))
		return op_no_memory(c);
	list_insert_at(l, i, cval_take(&c->args[1]));
	return op_ok(c, om_int((int64_t)l->len));
}

/* Python's list[start:stop] = array, a stop before start inserting at start. */
static int list_op_splice(void *obj, op_call *c)
{
	list *l = obj;
	size_t start = typeutil_slice_bound(&c->args[0], l->len, 0);
	size_t stop = typeutil_slice_bound(&c->args[1], l->len, l->len);
	size_t removed = stop > start ? stop - start : 0;
	om_value *src = &c->args[2];
	if (src->len > removed && !list_reserve(l, src->len - removed))
		return op_no_memory(c);
	for (size_t i = start; i < start + removed; i++)
		cval_free(at(l, i));
	list_resize_range(l, start, removed, src->len);
	for (uint32_t i = 0; i < src->len; i++)
		*at(l, start + i) = cval_take(&src->as.items[i]);
	if (removed > src->len)
		list_maybe_shrink(l);
	return op_ok(c, om_int((int64_t)l->len));
}

/*
 * Python's list *= n: the items n times over, copies of them, n <= 0
 * emptying the list. All of the copies are made or none.
 */
static int list_op_repeat(void *obj, op_call *c)
{
	list *l = obj;
	const om_value *nv = &c->args[0];
	if (nv->kind == OM_INT ? nv->as.i <= 0 : nv->as.u == 0) {
		list_release(l);
		return op_ok(c, om_int(0));
	}
	uint64_t n = nv->kind == OM_INT ? (uint64_t)nv->as.i : nv->as.u;
	size_t len = l->len;
	if (n == 1 || len == 0)
		return op_ok(c, om_int((int64_t)len));
	/* size * n <= LIST_REPEAT_MAX, without multiplying: n may be 2^64 - 1. */
	size_t bound = n > LIST_REPEAT_MAX ? 0 : LIST_REPEAT_MAX / (size_t)n, size = 0;
	for (size_t i = 0; i < len && size <= bound; i++)
		size += cval_size(at(l, i));
	if (size > bound) {
		char buf[32];
		om_value_format(nv, buf, sizeof buf);
		return op_fail(c, OM_LIMIT,
			       "list.repeat: list '%s' times %s would hold more than %zu MiB, "
			       "the most list.repeat makes", c->name, buf, LIST_REPEAT_MAX >> 20);
	}
	/* Each item takes 16 bytes or more: len * n <= LIST_REPEAT_MAX / 16. */
	size_t total = len * (size_t)n, cap = l->cap;
	if (!list_reserve(l, total - len))
		return op_no_memory(c);
	size_t made = len;
	for (uint64_t r = 1; r < n; r++)
		for (size_t i = 0; i < len; i++, made++)
			if (!cval_copy(at(l, made), at(l, i)))
				goto undo;
	l->len = total;
	return op_ok(c, om_int((int64_t)total));
undo:
	while (made-- > len)
		cval_free(at(l, made));
	if (l->cap != cap)
		list_realloc(l, cap); /* the buffer as it was too, memory allowing */
	return op_no_memory(c);
}

static int list_op_get(void *obj, op_call *c)
{
	list *l = obj;
	size_t i;
	if (!list_index(l, &c->args[0], &i))
		return list_out_of_range(c, l, &c->args[0]);
	return op_borrow_cval(c, at(l, i));
}

static int list_op_set(void *obj, op_call *c)
{
	list *l = obj;
	size_t i;
	if (!list_index(l, &c->args[0], &i))
		return list_out_of_range(c, l, &c->args[0]);
	cval_free(at(l, i));
	*at(l, i) = cval_take(&c->args[1]);
	return op_ok(c, om_nil());
}

static int list_op_pop(void *obj, op_call *c)
{
	list *l = obj;
	if (l->len == 0)
		return list_empty(c);
	size_t i = l->len - 1;
	if (c->nargs > 0 && !list_index(l, &c->args[0], &i))
		return list_out_of_range(c, l, &c->args[0]);
	return op_ok_cval(c, list_remove_at(l, i));
}

static int list_op_popleft(void *obj, op_call *c)
{
	list *l = obj;
	if (l->len == 0)
		return list_empty(c);
	return op_ok_cval(c, list_remove_at(l, 0));
}

static int list_op_remove(void *obj, op_call *c)
{
	list *l = obj;
	size_t i = list_find(l, &c->args[0]);
	if (i == l->len)
		return list_absent(c, &c->args[0]);
	cval v = list_remove_at(l, i);
	cval_free(&v);
	return op_ok(c, om_nil());
}

static int list_op_index(void *obj, op_call *c)
{
	list *l = obj;
	size_t i = list_find(l, &c->args[0]);
	if (i == l->len)
		return list_absent(c, &c->args[0]);
	return op_ok(c, om_int((int64_t)i));
}

static int list_op_count(void *obj, op_call *c)
{
	list *l = obj;
	int64_t n = 0;
	for (size_t i = 0; i < l->len; i++)
		n += cval_eq(at(l, i), &c->args[0]);
	return op_ok(c, om_int(n));
}

static int list_op_len(void *obj, op_call *c)
{
	return op_ok(c, om_int((int64_t)((list *)obj)->len));
}

static int list_op_slice(void *obj, op_call *c)
{
	list *l = obj;
	size_t start = typeutil_slice_bound(&c->args[0], l->len, 0);
	size_t stop = typeutil_slice_bound(&c->args[1], l->len, l->len);
	return list_copy_range(l, start, stop, c);
}

static int list_op_items(void *obj, op_call *c)
{
	list *l = obj;
	return list_copy_range(l, 0, l->len, c);
}

static int list_op_clear(void *obj, op_call *c)
{
	list_release(obj);
	return op_ok(c, om_nil());
}

static int list_op_reverse(void *obj, op_call *c)
{
	list *l = obj;
	for (size_t i = 0, j = l->len; i + 1 < j; i++, j--) {
		cval t = *at(l, i);
		*at(l, i) = *at(l, j - 1);
		*at(l, j - 1) = t;
	}
	return op_ok(c, om_nil());
}

static int list_op_sort(void *obj, op_call *c)
{
	list *l = obj;
	bool reverse = c->nargs > 0 && c->args[0].as.b;
	if (l->len < 2)
		return op_ok(c, om_nil());
	cval *tmp = mem_calloc(l->len / 2, sizeof *tmp);
	/* The items must be contiguous: moving them changes no item. */
	if (!tmp || (l->head + l->len > l->cap && !list_realloc(l, l->cap))) {
		free(tmp);
		return op_no_memory(c);
	}
	merge_sort(at(l, 0), tmp, l->len, reverse);
	free(tmp);
	return op_ok(c, om_nil());
}

static void *list_create(const om_value *options, op_call *c)
{
	if (!typeutil_no_options("list", options, c))
		return NULL;
	list *l = mem_calloc(1, sizeof *l);
	if (!l)
		op_no_memory(c);
	return l;
}

static void list_destroy(void *obj)
{
	list_release(obj);
	free(obj);
}

static size_t list_len(const void *obj)
{
	return ((const list *)obj)->len;
}

#define VALUE {"value", ARG_ANY, false}
#define INDEX {"index", ARG_INT, false}

/* list.extend calls of up to SAVE_CHUNK items, in order. */
static bool list_save(const void *obj, save_sink *sink)
{
	const list *l = obj;
	om_value *items = mem_alloc(SAVE_CHUNK * sizeof *items);
	if (!items)
		return false;
	bool ok = true;
	for (size_t from = 0; ok && from < l->len; from += SAVE_CHUNK) {
		size_t n = l->len - from < SAVE_CHUNK ? l->len - from : SAVE_CHUNK;
		for (size_t i = 0; i < n; i++)
			items[i] = cval_view(at(l, from + i));
		om_value chunk = om_array(items, n);
		ok = sink->call(sink, "list.extend", &chunk, 1);
	}
	free(items);
	return ok;
}

static const op_def list_ops[] = {
	{"append", list_op_append, OP_WRITE | OP_GROWS, 1, {VALUE}, "add value at the end; answers the new length"},
	{"extend", list_op_extend, OP_WRITE | OP_GROWS, 1, {{"array", ARG_ARRAY, false}},
	 "add every item of array at the end; answers the new length"},
	{"insert", list_op_insert, OP_WRITE | OP_GROWS, 2, {INDEX, VALUE},
	 "insert value before index (clamped to the list); answers the new length"},
	{"get", list_op_get, 0, 1, {INDEX}, "the item at index (negative counts from the end)"},
	{"set", list_op_set, OP_WRITE | OP_GROWS, 2, {INDEX, VALUE}, "replace the item at index"},
	{"pop", list_op_pop, OP_WRITE, 1, {{"index", ARG_INT, true}},
	 "remove and answer the item at index (default: the last)"},
	{"popleft", list_op_popleft, OP_WRITE, 0, {{0}}, "remove and answer the first item"},
	{"remove", list_op_remove, OP_WRITE | OP_LOOKUP, 1, {VALUE},
	 "remove the first item equal to value; value_error when none is"},
	{"index", list_op_index, OP_LOOKUP, 1, {VALUE},
	 "the index of the first item equal to value; value_error when none is"},
	{"count", list_op_count, OP_LOOKUP, 1, {VALUE}, "how many items are equal to value"},
	{"len", list_op_len, 0, 0, {{0}}, "the number of items"},
	{"slice", list_op_slice, 0, 2, {{"start", ARG_INT_OR_NIL, false}, {"stop", ARG_INT_OR_NIL, false}},
	 "the items in [start, stop), as Python's list[start:stop]; nil is an open end"},
	{"items", list_op_items, 0, 0, {{0}}, "the whole list as an array"},
	{"clear", list_op_clear, OP_WRITE, 0, {{0}}, "remove every item"},
	{"reverse", list_op_reverse, OP_WRITE, 0, {{0}}, "reverse the items in place"},
	{"sort", list_op_sort, OP_WRITE, 1, {{"reverse", ARG_BOOL, true}},
	 "sort the items in place, stably, in the total order across types"},
	{"splice", list_op_splice, OP_WRITE | OP_GROWS, 3,
	 {{"start", ARG_INT_OR_NIL, false}, {"stop", ARG_INT_OR_NIL, false}, {"array", ARG_ARRAY, false}},
	 "replace the items in [start, stop) with array's, as Python's list[start:stop] = array; "
	 "answers the new length"},
	{"repeat", list_op_repeat, OP_WRITE | OP_GROWS, 1, {{"n", ARG_INT, false}},
	 "the items n times over, as Python's list *= n (n <= 0 empties it); answers the new length"},
};

const type_def list_type = {
	.name = "list",
	.help = "an array with O(1) access by index and at both ends",
	.create = list_create,
	.destroy = list_destroy,
	.save = list_save,
	.len = list_len,
	.ops = list_ops,
	.nops = sizeof list_ops / sizeof list_ops[0],
};
