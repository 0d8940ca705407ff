/*
 * jsonform.c — om_value <-> jansson, with the "$ forms" described in
 * jsonform.h for what JSON cannot say directly. Both directions live here
 * so that what --json writes is exactly what an argument reads back.
 */
#include "jsonform.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "mem.h"
#include "value.h"

static json_t *base64(const char *p, size_t n)
{
	size_t len = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	char *s = xmalloc(len);
	sodium_bin2base64(s, len, (const unsigned char *)p, n, sodium_base64_VARIANT_ORIGINAL);
	json_t *j = json_string(s);
	free(s);
	return j;
}

static json_t *form(const char *name, json_t *payload)
{
	json_t *o = json_object();
	json_object_set_new(o, name, payload);
	return o;
}

static json_t *encode_str(const char *p, size_t n)
{
	json_t *j = json_stringn(p, n); /* NULL when not valid UTF-8 */
	return j ? j : form("$str", base64(p, n));
}

/* The fewest significant digits (15 to 17) that read back as exactly f. */
static int float_digits(double f)
{
	char num[40];
	for (int prec = 15; prec < 17; prec++) {
		snprintf(num, sizeof num, "%.*g", prec, f);
		if (strtod(num, NULL) == f)
			return prec;
	}
	return 17;
}

static json_t *encode_float(double f, int *digits)
{
	if (isnan(f))
		return form("$float", json_string("NaN"));
	if (isinf(f))
		return form("$float", json_string(f > 0 ? "Infinity" : "-Infinity"));
	int d = float_digits(f);
	if (d > *digits)
		*digits = d;
	return json_real(f);
}

/* The names of the $ forms, as jsonform.h lists them. */
static const char *const form_names[] = {
	"$bin", "$ref", "$ext", "$uint", "$float", "$str", "$map",
};

static bool is_form_name(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof form_names / sizeof form_names[0]; i++)
		if (strlen(form_names[i]) == len && memcmp(form_names[i], s, len) == 0)
			return true;
	return false;
}

/* A one-key map whose key names a $ form would read back as that form. */
static bool looks_like_form(const om_value *m)
{
	if (m->len != 1)
		return false;
	const om_value *k = &m->as.items[0];
	return k->kind == OM_STR && is_form_name(k->as.str, k->len);
}

/* m as a JSON object, or NULL when a key is not a string, not UTF-8 or repeated. */
static json_t *encode_object(const om_value *m, int *digits)
{
	if (looks_like_form(m))
		return NULL;
	json_t *o = json_object();
	for (uint32_t i = 0; i < m->len; i++) {
		const om_value *k = &m->as.items[2 * i];
		if (k->kind != OM_STR || json_object_getn(o, k->as.str, k->len) ||
		    json_object_setn_new(o, k->as.str, k->len,
					 jsonform_encode(&m->as.items[2 * i + 1], digits)) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static json_t *encode_map(const om_value *m, int *digits)
{
	json_t *o = encode_object(m, digits);
	if (o)
		return o;
	json_t *pairs = json_array();
	for (uint32_t i = 0; i < m->len; i++) {
		json_t *pair = json_array();
		json_array_append_new(pair, jsonform_encode(&m->as.items[2 * i], digits));
		json_array_append_new(pair, jsonform_encode(&m->as.items[2 * i + 1], digits));
		json_array_append_new(pairs, pair);
	}
	return form("$map", pairs);
}

json_t *jsonform_encode(const om_value *v, int *digits)
{
	char num[24];
	switch (v->kind) {
	case OM_BOOL:
		return json_boolean(v->as.b);
	case OM_INT:
		return json_integer(v->as.i);
	case OM_UINT:
		snprintf(num, sizeof num, "%llu", (unsigned long long)v->as.u);
		return form("$uint", json_string(num));
	case OM_FLOAT32:
	case OM_FLOAT64:
		return encode_float(v->as.f, digits);
	case OM_STR:
		return encode_str(v->as.str, v->len);
	case OM_BIN:
		return form("$bin", base64(v->as.str, v->len));
	case OM_REF:
		return form("$ref", encode_str(v->as.str, v->len));
	case OM_EXT: {
		json_t *pair = json_array();
		json_array_append_new(pair, json_integer(v->ext_type));
		json_array_append_new(pair, base64(v->as.str, v->len));
		return form("$ext", pair);
	}
	case OM_ARRAY: {
		json_t *a = json_array();
		for (uint32_t i = 0; i < v->len; i++)
			json_array_append_new(a, jsonform_encode(&v->as.items[i], digits));
		return a;
	}
	case OM_MAP:
		return encode_map(v, digits);
	}
	return json_null();
}

char *jsonform_dumps(const json_t *j, int digits)
{
	/* No JSON_INDENT: one line, with ", " and ": " between items. */
	char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_REAL_PRECISION(digits));
	if (!s) {
		fputs("objmgr: out of memory\n", stderr);
		abort();
	}
	return s;
}

/* The bytes a base64 string stands for, NUL-terminated as an owned value's are. */
static int unbase64(const json_t *j, const char *name, om_value *out, uint8_t kind, char *err,
		    size_t errsize)
{
	if (!json_is_string(j))
		return args_bad(err, errsize, "{\"%s\": ...} needs a base64 string", name);
	const char *s = json_string_value(j);
	size_t len = json_string_length(j), n;
	const char *end;
	unsigned char *buf = xmalloc(len / 4 * 3 + 3);
	if (sodium_base642bin(buf, len / 4 * 3 + 2, s, len, NULL, &n, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 || end != s + len) {
		free(buf);
		return args_bad(err, errsize, "{\"%s\": ...}: \"%s\" is not valid base64", name, s);
	}
	buf[n] = '\0';
	*out = om_strn((char *)buf, n);
	out->kind = kind;
	return OM_OK;
}

static int decode_uint(const json_t *j, om_value *out, char *err, size_t errsize)
{
	const char *s = json_string_value(j);
	char *end;
	errno = 0;
	unsigned long long u = s && *s >= '0' && *s <= '9' ? strtoull(s, &end, 10) : 0;
	if (!s || *s < '0' || *s > '9' || *end || errno == ERANGE)
		return args_bad(err, errsize, "{\"$uint\": ...} needs a string of decimal digits up to 18446744073709551615");
	*out = om_uint(u);
	return OM_OK;
}

static int decode_float(const json_t *j, om_value *out, char *err, size_t errsize)
{
	const char *s = json_string_value(j);
	if (s && strcmp(s, "NaN") == 0)
		*out = om_float(NAN);
	else if (s && strcmp(s, "Infinity") == 0)
		*out = om_float(INFINITY);
	else if (s && strcmp(s, "-Infinity") == 0)
		*out = om_float(-INFINITY);
	else
		return args_bad(err, errsize, "{\"$float\": ...} needs \"NaN\", \"Infinity\" or \"-Infinity\"");
	return OM_OK;
}

static int decode_ext(const json_t *j, om_value *out, char *err, size_t errsize)
{
	const json_t *type = json_array_get(j, 0);
	if (json_array_size(j) != 2 || !json_is_integer(type) ||
	    json_integer_value(type) < -128 || json_integer_value(type) > 127)
		return args_bad(err, errsize, "{\"$ext\": ...} needs [type (-128 to 127), \"<base64>\"]");
	int rc = unbase64(json_array_get(j, 1), "$ext", out, OM_EXT, err, errsize);
	if (rc == OM_OK)
		out->ext_type = (int8_t)json_integer_value(type);
	return rc;
}

static int decode_ref(const json_t *j, om_value *out, char *err, size_t errsize)
{
	int rc = jsonform_decode(j, out, err, errsize);
	if (rc != OM_OK)
		return rc;
	if (out->kind != OM_STR || out->len == 0) {
		om_value_free(out);
		return args_bad(err, errsize, "{\"$ref\": ...} needs an object name");
	}
	out->kind = OM_REF;
	return OM_OK;
}

static int decode_pairs(const json_t *j, om_value *out, char *err, size_t errsize)
{
	if (!json_is_array(j))
		return args_bad(err, errsize, "{\"$map\": ...} needs an array of [key, value] pairs");
	size_t n = json_array_size(j);
	for (size_t i = 0; i < n; i++)
		if (json_array_size(json_array_get(j, i)) != 2)
			return args_bad(err, errsize, "{\"$map\": ...}: pair %zu is not [key, value]", i);
	*out = value_map_new(n);
	for (size_t i = 0; i < 2 * n; i++) {
		const json_t *pair = json_array_get(j, i / 2);
		int rc = jsonform_decode(json_array_get(pair, i % 2), &out->as.items[i], err, errsize);
		if (rc != OM_OK) {
			om_value_free(out);
			return rc;
		}
	}
	return OM_OK;
}

/* A one-key object naming a $ form: decodes it into *out. Returns 1 when o is not a form. */
static int decode_form(const json_t *o, om_value *out, char *err, size_t errsize)
{
	if (json_object_size(o) != 1)
		return 1;
	void *it = json_object_iter((json_t *)o);
	const char *name = json_object_iter_key(it);
	const json_t *p = json_object_iter_value(it);
	if (strcmp(name, "$bin") == 0)
		return unbase64(p, name, out, OM_BIN, err, errsize);
	if (strcmp(name, "$str") == 0)
		return unbase64(p, name, out, OM_STR, err, errsize);
	if (strcmp(name, "$ref") == 0)
		return decode_ref(p, out, err, errsize);
	if (strcmp(name, "$ext") == 0)
		return decode_ext(p, out, err, errsize);
	if (strcmp(name, "$uint") == 0)
		return decode_uint(p, out, err, errsize);
	if (strcmp(name, "$float") == 0)
		return decode_float(p, out, err, errsize);
	if (strcmp(name, "$map") == 0)
		return decode_pairs(p, out, err, errsize);
	return 1;
}

static int decode_object(const json_t *o, om_value *out, char *err, size_t errsize)
{
	int rc = decode_form(o, out, err, errsize);
	if (rc != 1)
		return rc;
	*out = value_map_new(json_object_size(o));
	size_t i = 0;
	const char *key;
	size_t keylen;
	json_t *val;
	json_object_keylen_foreach((json_t *)o, key, keylen, val) {
		out->as.items[2 * i] = value_str_dup(key, keylen);
		rc = jsonform_decode(val, &out->as.items[2 * i + 1], err, errsize);
		if (rc != OM_OK) {
			om_value_free(out);
			return rc;
		}
		i++;
	}
	return OM_OK;
}

int jsonform_decode(const json_t *j, om_value *out, char *err, size_t errsize)
{
	*out = om_nil();
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return decode_object(j, out, err, errsize);
	case JSON_ARRAY: {
		size_t n = json_array_size(j);
		*out = value_array_new(n);
		for (size_t i = 0; i < n; i++) {
			int rc = jsonform_decode(json_array_get(j, i), &out->as.items[i], err, errsize);
			if (rc != OM_OK) {
				om_value_free(out);
				return rc;
			}
		}
		return OM_OK;
	}
	case JSON_STRING:
		*out = value_str_dup(json_string_value(j), json_string_length(j));
		return OM_OK;
	case JSON_INTEGER:
		*out = om_int(json_integer_value(j));
		return OM_OK;
	case JSON_REAL:
		*out = om_float(json_real_value(j));
		return OM_OK;
	case JSON_TRUE:
		*out = om_bool(true);
		return OM_OK;
	case JSON_FALSE:
		*out = om_bool(false);
		return OM_OK;
	case JSON_NULL:
		return OM_OK;
	}
	return OM_OK;
}
