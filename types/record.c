/*
 * record.c — reading and writing the length + CRC-32C framed records of
 * journal and snapshot files.
 */
#include "record.h"

#include <string.h>

#include "crc32c.h"

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static bool all_zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

int record_read(const unsigned char *buf, size_t len, const unsigned char **payload,
		size_t *plen, size_t *used)
{
	if (len == 0)
		return RECORD_END;
	if (len < RECORD_HEADER || all_zero(buf, len < RECORD_HEADER ? len : RECORD_HEADER))
		return len < RECORD_HEADER || all_zero(buf, len) ? RECORD_TORN : RECORD_BAD;
	size_t n = get_u32(buf);
	if (n == 0 || n > RECORD_MAX)
		return RECORD_BAD;
	if (n > len - RECORD_HEADER)
		return RECORD_TORN;
	uint32_t crc = crc32c(crc32c(0, buf, 4), buf + RECORD_HEADER, n);
	if (crc != get_u32(buf + 4))
		return RECORD_HEADER + n == len ? RECORD_TORN : RECORD_BAD;
	*payload = buf + RECORD_HEADER;
	*plen = n;
	*used = RECORD_HEADER + n;
	return RECORD_OK;
}

bool record_begin(msgpack_sbuffer *b, size_t *mark)
{
	static const char header[RECORD_HEADER];
	*mark = b->size;
	return msgpack_sbuffer_write(b, header, sizeof header) == 0;
}

bool record_end(msgpack_sbuffer *b, size_t mark)
{
	size_t n = b->size - mark - RECORD_HEADER;
	if (n == 0 || n > RECORD_MAX)
		return false;
	unsigned char *h = (unsigned char *)b->data + mark;
	put_u32(h, (uint32_t)n);
	put_u32(h + 4, crc32c(crc32c(0, h, 4), h + RECORD_HEADER, n));
	return true;
}

bool record_pack_header(msgpack_sbuffer *b, const char *kind, uint64_t gen)
{
	size_t mark;
	if (!record_begin(b, &mark))
		return false;
	msgpack_packer pk;
	msgpack_packer_init(&pk, b, msgpack_sbuffer_write);
	bool ok = msgpack_pack_map(&pk, 3) == 0 && msgpack_pack_str_with_body(&pk, "objmgr", 6) == 0 &&
		  msgpack_pack_str_with_body(&pk, kind, strlen(kind)) == 0 &&
		  msgpack_pack_str_with_body(&pk, "version", 7) == 0 && msgpack_pack_uint64(&pk, 1) == 0 &&
		  msgpack_pack_str_with_body(&pk, "generation", 10) == 0 &&
		  msgpack_pack_uint64(&pk, gen) == 0;
	if (ok && record_end(b, mark))
		return true;
	b->size = mark;
	return false;
}
