/*
 * packet.h — msgpack-RPC messages packed by hand, for the suites that talk
 * to objmgrd on raw sockets (wire, blocking, hostile): requests built byte
 * by byte, so a test can send what no client library would.
 */
#ifndef OBJMGR_TEST_PACKET_H
#define OBJMGR_TEST_PACKET_H

#include <msgpack.h>
#include <stdint.h>

/* Messages packed into one buffer, to be sent in one write or a few. */
typedef struct packet {
	msgpack_sbuffer buf;
	msgpack_packer pk;
} packet;

void packet_init(packet *p);
void packet_free(packet *p);

void pack_str(msgpack_packer *pk, const char *s);

/* [0, msgid, method, params]: the caller packs the nparams params next. */
void pack_request(msgpack_packer *pk, uint32_t msgid, const char *method, uint32_t nparams);

/* [2, method, params]: the caller packs the nparams params next. */
void pack_notification(msgpack_packer *pk, const char *method, uint32_t nparams);

#endif
