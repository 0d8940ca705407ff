/*
 * record.h — the framing of journal and snapshot files (docs/protocol.md,
 * "Files in the data directory").
 *
 * A file is a sequence of records, each
 *
 *     u32 little-endian   n, the payload's length, 1 to RECORD_MAX
 *     u32 little-endian   CRC-32C of those 4 length bytes and the payload
 *     n bytes             the payload: one msgpack value
 *
 * The checksum covers the length too, so a damaged length is caught as
 * surely as damaged data. Reading tells apart the end a crash can leave
 * (the last write cut short: a record running past the end of the file,
 * a last record whose checksum fails, zeros where the file was extended
 * but never written) from damage before the end, which no crash makes.
 */
#ifndef OBJMGR_RECORD_H
#define OBJMGR_RECORD_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RECORD_HEADER 8
/* The longest payload: a request as large as --max-message-size allows (at most 1 GiB). */
#define RECORD_MAX ((size_t)1 << 30)

enum record_status {
	RECORD_OK,   /* a whole record, its checksum right */
	RECORD_END,  /* nothing left */
	RECORD_TORN, /* what is left is a write cut short: the file's valid part ends here */
	RECORD_BAD,  /* a damaged record with more after it */
};

/*
 * Reads the record at buf[0..len): on RECORD_OK, *payload and *plen are its
 * payload (pointing into buf) and *used the bytes it takes, header
 * included. Other results leave them unset.
 */
int record_read(const unsigned char *buf, size_t len, const unsigned char **payload,
		size_t *plen, size_t *used);

/*
 * Writing: record_begin() reserves the header at the end of b and returns
 * where the record starts; pack the payload into b; record_end() fills in
 * the header. False from either when memory ran out (record_begin()) or
 * the payload is empty or longer than RECORD_MAX (record_end()): roll b
 * back to the mark.
 */
bool record_begin(msgpack_sbuffer *b, size_t *mark);
bool record_end(msgpack_sbuffer *b, size_t mark);

/*
 * Appends the header record a file begins with, {"objmgr": kind,
 * "version": 1, "generation": gen} (kind "journal" or "snapshot"); false
 * when out of memory.
 */
bool record_pack_header(msgpack_sbuffer *b, const char *kind, uint64_t gen);

#endif
