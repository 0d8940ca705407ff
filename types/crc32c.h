/*
 * crc32c.h — CRC-32C (Castagnoli), the checksum of journal and snapshot
 * records (record.h).
 *
 * None of the project's libraries offers it (zlib's crc32 is another
 * polynomial), and it is the one ext4, iSCSI and LevelDB use: strong on
 * the short bursts a torn or decayed block leaves, and one instruction per
 * 8 bytes on x86-64 with SSE4.2, used when the CPU has it.
 */
#ifndef OBJMGR_CRC32C_H
#define OBJMGR_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* crc extended over buf[0..len); start with 0. crc32c(0, "123456789", 9) == 0xe3069283. */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

#endif
