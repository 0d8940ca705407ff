/* list.c — the typed proxy for lists: one function per list.* wire method. */
#include "handle.h"

int om_list_append(om_list *l, om_value v, size_t *new_len)
{
	return handle_call_size(&l->h, "list.append", &v, 1, new_len);
}

int om_list_extend(om_list *l, om_value array, size_t *new_len)
{
	return handle_call_size(&l->h, "list.extend", &array, 1, new_len);
}

int om_list_insert(om_list *l, int64_t i, om_value v, size_t *new_len)
{
	om_value args[] = {om_int(i), v};
	return handle_call_size(&l->h, "list.insert", args, 2, new_len);
}

int om_list_get(om_list *l, int64_t i, om_value *out)
{
	om_value index = om_int(i);
	return handle_call(&l->h, "list.get", &index, 1, out);
}

int om_list_set(om_list *l, int64_t i, om_value v)
{
	om_value args[] = {om_int(i), v};
	return handle_call(&l->h, "list.set", args, 2, NULL);
}

int om_list_pop(om_list *l, om_value *out)
{
	return handle_call(&l->h, "list.pop", NULL, 0, out);
}

int om_list_pop_at(om_list *l, int64_t i, om_value *out)
{
	om_value index = om_int(i);
	return handle_call(&l->h, "list.pop", &index, 1, out);
}

int om_list_popleft(om_list *l, om_value *out)
{
	return handle_call(&l->h, "list.popleft", NULL, 0, out);
}

int om_list_remove(om_list *l, om_value v)
{
	return handle_call(&l->h, "list.remove", &v, 1, NULL);
}

int om_list_index(om_list *l, om_value v, size_t *out)
{
	return handle_call_size(&l->h, "list.index", &v, 1, out);
}

int om_list_count(om_list *l, om_value v, size_t *out)
{
	return handle_call_size(&l->h, "list.count", &v, 1, out);
}

int om_list_len(om_list *l, size_t *out)
{
	return handle_call_size(&l->h, "list.len", NULL, 0, out);
}

int om_list_slice(om_list *l, om_value start, om_value stop, om_value *out)
{
	om_value args[] = {start, stop};
	return handle_call(&l->h, "list.slice", args, 2, out);
}

int om_list_items(om_list *l, om_value *out)
{
	return handle_call(&l->h, "list.items", NULL, 0, out);
}

int om_list_clear(om_list *l)
{
	return handle_call(&l->h, "list.clear", NULL, 0, NULL);
}

int om_list_reverse(om_list *l)
{
	return handle_call(&l->h, "list.reverse", NULL, 0, NULL);
}

int om_list_sort(om_list *l, bool reverse)
{
	om_value flag = om_bool(true);
	/* [name] sorts ascending; [name, true] descending. */
	return handle_call(&l->h, "list.sort", &flag, reverse ? 1 : 0, NULL);
}

int om_list_splice(om_list *l, om_value start, om_value stop, om_value array, size_t *new_len)
{
	om_value args[] = {start, stop, array};
	return handle_call_size(&l->h, "list.splice", args, 3, new_len);
}

int om_list_repeat(om_list *l, int64_t n, size_t *new_len)
{
	om_value times = om_int(n);
	return handle_call_size(&l->h, "list.repeat", &times, 1, new_len);
}
