/* packet.c — msgpack-RPC messages packed by hand. */
#include "packet.h"

#include <string.h>

void packet_init(packet *p)
{
	msgpack_sbuffer_init(&p->buf);
	msgpack_packer_init(&p->pk, &p->buf, msgpack_sbuffer_write);
}

void packet_free(packet *p)
{
	msgpack_sbuffer_destroy(&p->buf);
}

void pack_str(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str_with_body(pk, s, strlen(s));
}

void pack_request(msgpack_packer *pk, uint32_t msgid, const char *method, uint32_t nparams)
{
	msgpack_pack_array(pk, 4);
	msgpack_pack_uint8(pk, 0);
	msgpack_pack_uint32(pk, msgid);
	pack_str(pk, method);
	msgpack_pack_array(pk, nparams);
}

void pack_notification(msgpack_packer *pk, const char *method, uint32_t nparams)
{
	msgpack_pack_array(pk, 3);
	msgpack_pack_uint8(pk, 2);
	pack_str(pk, method);
	msgpack_pack_array(pk, nparams);
}
