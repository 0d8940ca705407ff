/*
 * reply.h — packing a call's reply, for every place the server answers
 * one: at once (server/dispatch.c) or once a parked call completes
 * (server/wait.c).
 *
 * pk must write into a codec_out (codec.h). A reply there is no memory to
 * pack is taken back out and answered limit "out of memory" instead; when
 * even that cannot be packed, the codec_out's failed stays set and the
 * output ends where the reply began: the server then closes the
 * connection, since a request must not go unanswered on one left open.
 */
#ifndef OBJMGR_REPLY_H
#define OBJMGR_REPLY_H

#include <msgpack.h>

#include "ops.h"

/*
 * Packs c's answer to request msgid, or its error when c->code is set.
 * False when the answer could not be packed for want of memory (answered
 * as above instead).
 */
bool rpc_pack_reply(msgpack_packer *pk, uint32_t msgid, const op_call *c);

/* Packs the error reply [1, msgid, [code_name, message], nil]. */
void rpc_pack_error_reply(msgpack_packer *pk, uint32_t msgid, int code, const char *message);

#endif
