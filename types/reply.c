/* reply.c — a call's reply packed into a codec_out, memory failures included (reply.h). */
#include "reply.h"

#include "codec.h"

/*
 * The reply to msgid, packed from byte mark of the output on, could not be
 * packed for want of memory: it is taken back out, and the request is
 * answered limit "out of memory" instead, or with nothing, out->failed set,
 * when even that cannot be packed.
 */
static void repack_no_memory(msgpack_packer *pk, codec_out *out, size_t mark, uint32_t msgid)
{
	out->buf->size = mark;
	out->failed = false;
	rpc_pack_error(pk, msgid, OM_LIMIT, "out of memory");
	if (out->failed)
		out->buf->size = mark;
}

void rpc_pack_error_reply(msgpack_packer *pk, uint32_t msgid, int code, const char *message)
{
	codec_out *out = codec_out_of(pk);
	size_t mark = out->buf->size;
	rpc_pack_error(pk, msgid, code, message);
	if (out->failed)
		repack_no_memory(pk, out, mark, msgid);
}

bool rpc_pack_reply(msgpack_packer *pk, uint32_t msgid, const op_call *c)
{
	if (c->code) {
		rpc_pack_error_reply(pk, msgid, c->code, c->message);
		return true;
	}
	codec_out *out = codec_out_of(pk);
	size_t mark = out->buf->size;
	rpc_pack_result(pk, msgid, op_answer(c));
	if (!out->failed)
		return true;
	repack_no_memory(pk, out, mark, msgid);
	return false;
}
