/*
 * cross-peer.c — the C half of test_cross_language.py: a libobjmgr program
 * sharing the dict "cross" and the queues "cross-py2c" and "cross-c2py" with
 * a Python program. It checks what Python stored, stores the same kinds of
 * value back, sums the numbers Python queues until a nil, and answers
 * [count, sum]. Exits 0 when everything was as expected, else prints why.
 */
#include <stdio.h>

#include <objmgr.h>

static int fail(om_client *c, const char *what)
{
	fprintf(stderr, "cross-peer: %s: %s: %s\n", what, om_code_name(om_errcode(c)), om_errmsg(c));
	return 1;
}

/* The value both sides store: {"n": 42, "f": 2.5, "s": "hé", "b": b"\0\xff", "l": [1, [2]], "none": nil, "t": true, "ref": ref("cross")} */
static om_value sample(om_value pairs[16], om_value list[2], om_value inner[1])
{
	inner[0] = om_int(2);
	list[0] = om_int(1);
	list[1] = om_array(inner, 1);
	const om_value kv[] = {
		om_str("n"), om_int(42), om_str("f"), om_float(2.5), om_str("s"), om_str("h\xc3\xa9"),
		om_str("b"), om_bin("\0\xff", 2), om_str("l"), om_array(list, 2), om_str("none"), om_nil(),
		om_str("t"), om_bool(true), om_str("ref"), om_ref("cross"),
	};
	for (int i = 0; i < 16; i++)
		pairs[i] = kv[i];
	return om_map(pairs, 8);
}

int main(void)
{
	om_client *c = om_connect(NULL, NULL);
	if (om_errcode(c))
		return fail(c, "connect");
	om_dict *d = om_dict_open(c, "cross");
	om_queue *in = om_queue_open(c, "cross-py2c"), *out = om_queue_open(c, "cross-c2py");
	om_value pairs[16], list[2], inner[1], got;
	om_value want = sample(pairs, list, inner);

	if (om_dict_get(d, om_str("from-python"), &got))
		return fail(c, "dict.get from-python");
	if (!om_value_equal(&got, &want)) {
		fprintf(stderr, "cross-peer: from-python is not the sample value\n");
		return 1;
	}
	om_value_free(&got);
	if (om_dict_set(d, om_str("from-c"), want))
		return fail(c, "dict.set from-c");

	int64_t count = 0, sum = 0;
	for (;;) {
		om_value item;
		if (om_queue_get(in, 30, &item))
			return fail(c, "queue.get");
		if (item.kind == OM_NIL)
			break;
		if (item.kind != OM_INT) {
			fprintf(stderr, "cross-peer: queued a value that is not an int\n");
			return 1;
		}
		count++;
		sum += item.as.i;
		om_value_free(&item);
	}
	om_value answer[] = {om_int(count), om_int(sum)};
	if (om_queue_put(out, om_array(answer, 2), 0))
		return fail(c, "queue.put");
	om_dict_close(d);
	om_queue_close(in);
	om_queue_close(out);
	om_close(c);
	return 0;
}
