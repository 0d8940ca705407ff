/*
 * codec.c — msgpack <-> om_value and the msgpack-RPC envelope.
 *
 * Decoding copies out of msgpack-c's zone into owned values, normalising
 * integers so equal numbers have one representation. Nesting is bounded by
 * the caller's max_depth before any recursion goes deeper than that.
 */
#include "codec.h"

#include <stdint.h>
#include <stdio.h>

#include "mem.h"
#include "name.h"
#include "value.h"

/* Makes room for len more bytes in b; false, leaving b as it was, when memory runs out. */
static bool sbuffer_reserve(msgpack_sbuffer *b, size_t len, void *(*grow)(void *, size_t))
{
	if (b->alloc - b->size >= len)
		return true;
	size_t n = b->alloc ? b->alloc : MSGPACK_SBUFFER_INIT_SIZE;
	while (n - b->size < len) {
		if (n > SIZE_MAX / 2)
			return false;
		n *= 2;
	}
	char *data = grow(b->data, n);
	if (!data)
		return false;
	b->data = data;
	b->alloc = n;
	return true;
}

int codec_sbuffer_write(void *data, const char *buf, size_t len)
{
	msgpack_sbuffer *b = data;
	if (!sbuffer_reserve(b, len, xrealloc))
		return -1; /* a buffer of more than half the address space */
	memcpy(b->data + b->size, buf, len);
	b->size += len;
	return 0;
}

int codec_out_write(void *data, const char *buf, size_t len)
{
	codec_out *out = data;
	msgpack_sbuffer *b = out->buf;
	if (out->failed || !sbuffer_reserve(b, len, mem_realloc)) {
		out->failed = true;
		return -1;
	}
	memcpy(b->data + b->size, buf, len);
	b->size += len;
	return 0;
}

bool codec_view(const msgpack_object *o, om_value *out)
{
	*out = om_nil();
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return true;
	case MSGPACK_OBJECT_BOOLEAN:
		*out = om_bool(o->via.boolean);
		return true;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		*out = om_uint(o->via.u64);
		return true;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		*out = om_int(o->via.i64);
		return true;
	case MSGPACK_OBJECT_FLOAT32:
		*out = om_float(o->via.f64);
		out->kind = OM_FLOAT32;
		return true;
	case MSGPACK_OBJECT_FLOAT64:
		*out = om_float(o->via.f64);
		return true;
	case MSGPACK_OBJECT_STR:
		*out = om_strn(o->via.str.ptr, o->via.str.size);
		return true;
	case MSGPACK_OBJECT_BIN:
		*out = om_bin(o->via.bin.ptr, o->via.bin.size);
		return true;
	case MSGPACK_OBJECT_EXT:
		if (o->via.ext.type == CODEC_EXT_REF) {
			*out = om_strn(o->via.ext.ptr, o->via.ext.size);
			out->kind = OM_REF;
		} else {
			*out = om_ext(o->via.ext.type, o->via.ext.ptr, o->via.ext.size);
		}
		return true;
	default:
		return false;
	}
}

/* o into *out; with own false, its bytes stay in o (codec_decode_view()). */
static int decode(const msgpack_object *o, om_value *out, int depth_left, bool own)
{
	if (codec_view(o, out)) {
		if (out->kind == OM_REF && !object_name_valid(out->as.str, out->len)) {
			*out = om_nil();
			return OM_BAD_PARAMS;
		}
		if (own && value_has_bytes(out) && !(out->as.str = mem_dup0(out->as.str, out->len))) {
			*out = om_nil();
			return OM_LIMIT;
		}
		return OM_OK;
	}
	if (o->type != MSGPACK_OBJECT_ARRAY && o->type != MSGPACK_OBJECT_MAP)
		return OM_BAD_REQUEST;
	if (depth_left <= 0)
		return OM_TOO_DEEP;
	om_value v;
	bool array = o->type == MSGPACK_OBJECT_ARRAY;
	uint32_t n = array ? o->via.array.size : o->via.map.size;
	if (!(array ? value_array_alloc(&v, n) : value_map_alloc(&v, n)))
		return OM_LIMIT;
	int rc = OM_OK;
	for (uint32_t i = 0; i < n && rc == OM_OK; i++) {
		if (array) {
			rc = decode(&o->via.array.ptr[i], &v.as.items[i], depth_left - 1, own);
			continue;
		}
		const msgpack_object_kv *kv = &o->via.map.ptr[i];
		rc = decode(&kv->key, &v.as.items[2 * i], depth_left - 1, own);
		if (rc == OM_OK)
			rc = decode(&kv->val, &v.as.items[2 * i + 1], depth_left - 1, own);
	}
	if (rc != OM_OK) {
		if (own)
			om_value_free(&v);
		else
			codec_view_free(&v);
		return rc;
	}
	*out = v;
	return OM_OK;
}

int codec_decode(const msgpack_object *o, om_value *out, int max_depth)
{
	*out = om_nil();
	return decode(o, out, max_depth, true);
}

int codec_decode_view(const msgpack_object *o, om_value *out, int max_depth)
{
	*out = om_nil();
	return decode(o, out, max_depth, false);
}

void codec_view_free(om_value *v)
{
	if (v->kind == OM_ARRAY || v->kind == OM_MAP) {
		size_t n = v->kind == OM_MAP ? 2 * (size_t)v->len : v->len;
		for (size_t i = 0; i < n; i++)
			codec_view_free(&v->as.items[i]);
		free(v->as.items);
	}
	*v = om_nil();
}

void codec_pack(msgpack_packer *pk, const om_value *v)
{
	switch (v->kind) {
	case OM_NIL:
		msgpack_pack_nil(pk);
		return;
	case OM_BOOL:
		if (v->as.b)
			msgpack_pack_true(pk);
		else
			msgpack_pack_false(pk);
		return;
	case OM_INT:
		msgpack_pack_int64(pk, v->as.i);
		return;
	case OM_UINT:
		msgpack_pack_uint64(pk, v->as.u);
		return;
	case OM_FLOAT32:
		msgpack_pack_float(pk, (float)v->as.f);
		return;
	case OM_FLOAT64:
		msgpack_pack_double(pk, v->as.f);
		return;
	case OM_STR:
		msgpack_pack_str_with_body(pk, v->as.str, v->len);
		return;
	case OM_BIN:
		msgpack_pack_bin_with_body(pk, v->as.str, v->len);
		return;
	case OM_EXT:
		msgpack_pack_ext_with_body(pk, v->as.str, v->len, v->ext_type);
		return;
	case OM_REF:
		msgpack_pack_ext_with_body(pk, v->as.str, v->len, CODEC_EXT_REF);
		return;
	case OM_ARRAY:
		msgpack_pack_array(pk, v->len);
		for (uint32_t i = 0; i < v->len; i++)
			codec_pack(pk, &v->as.items[i]);
		return;
	case OM_MAP:
		msgpack_pack_map(pk, v->len);
		for (uint32_t i = 0; i < 2 * v->len; i++)
			codec_pack(pk, &v->as.items[i]);
		return;
	}
}

static bool is_uint(const msgpack_object *o)
{
	return o->type == MSGPACK_OBJECT_POSITIVE_INTEGER;
}

static int bad(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return OM_BAD_REQUEST;
}

int rpc_parse(const msgpack_object *o, rpc_msg *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	m->type = -1;
	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 1)
		return bad(err, errlen, "a message must be an array [type, ...]");
	const msgpack_object *f = o->via.array.ptr;
	uint32_t n = o->via.array.size;
	if (!is_uint(&f[0]) || f[0].via.u64 > RPC_NOTIFICATION)
		return bad(err, errlen, "message type must be 0 (request), 1 (response) or 2 (notification)");
	m->type = (int)f[0].via.u64;
	if (m->type == RPC_NOTIFICATION) {
		if (n != 3)
			return bad(err, errlen, "a notification must be [2, method, params]");
		if (f[1].type != MSGPACK_OBJECT_STR)
			return bad(err, errlen, "method must be a string");
		m->method = f[1].via.str.ptr;
		m->method_len = f[1].via.str.size;
		if (f[2].type != MSGPACK_OBJECT_ARRAY)
			return bad(err, errlen, "params must be an array");
		m->params = &f[2];
		return OM_OK;
	}
	if (n >= 2 && is_uint(&f[1]) && f[1].via.u64 <= UINT32_MAX) {
		m->has_msgid = true;
		m->msgid = (uint32_t)f[1].via.u64;
	}
	if (n != 4)
		return bad(err, errlen, m->type == RPC_REQUEST
			? "a request must be [0, msgid, method, params]"
			: "a response must be [1, msgid, error, result]");
	if (!m->has_msgid)
		return bad(err, errlen, "msgid must be an unsigned 32-bit integer");
	if (m->type == RPC_RESPONSE) {
		m->error = &f[2];
		m->result = &f[3];
		return OM_OK;
	}
	if (f[2].type != MSGPACK_OBJECT_STR)
		return bad(err, errlen, "method must be a string");
	m->method = f[2].via.str.ptr;
	m->method_len = f[2].via.str.size;
	if (f[3].type != MSGPACK_OBJECT_ARRAY)
		return bad(err, errlen, "params must be an array");
	m->params = &f[3];
	return OM_OK;
}

void rpc_pack_request(msgpack_packer *pk, uint32_t msgid, const char *method,
		      const om_value *params, size_t n)
{
	msgpack_pack_array(pk, 4);
	msgpack_pack_uint32(pk, RPC_REQUEST);
	msgpack_pack_uint32(pk, msgid);
	msgpack_pack_str_with_body(pk, method, strlen(method));
	msgpack_pack_array(pk, n);
	for (size_t i = 0; i < n; i++)
		codec_pack(pk, &params[i]);
}

void rpc_pack_result(msgpack_packer *pk, uint32_t msgid, const om_value *result)
{
	msgpack_pack_array(pk, 4);
	msgpack_pack_uint32(pk, RPC_RESPONSE);
	msgpack_pack_uint32(pk, msgid);
	msgpack_pack_nil(pk);
	codec_pack(pk, result);
}

void rpc_pack_error_value(msgpack_packer *pk, int code, const char *message)
{
	const char *name = om_code_name(code);
	msgpack_pack_array(pk, 2);
	msgpack_pack_str_with_body(pk, name, strlen(name));
	msgpack_pack_str_with_body(pk, message, strlen(message));
}

void rpc_pack_error(msgpack_packer *pk, uint32_t msgid, int code, const char *message)
{
	msgpack_pack_array(pk, 4);
	msgpack_pack_uint32(pk, RPC_RESPONSE);
	msgpack_pack_uint32(pk, msgid);
	rpc_pack_error_value(pk, code, message);
	msgpack_pack_nil(pk);
}

void rpc_pack_server_error(msgpack_packer *pk, int code, const char *message)
{
	msgpack_pack_array(pk, 3);
	msgpack_pack_uint32(pk, RPC_NOTIFICATION);
	msgpack_pack_str_with_body(pk, "server.error", strlen("server.error"));
	rpc_pack_error_value(pk, code, message);
}
