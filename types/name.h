/*
 * name.h — the one rule for an object's name, wherever one arrives: as a
 * method's first parameter, inside a reference (ext type 1), or as a
 * condition's lock option. A name is a byte string of 1 to OBJECT_NAME_MAX
 * bytes without NUL (the registry keeps it NUL-terminated).
 */
#ifndef OBJMGR_NAME_H
#define OBJMGR_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define OBJECT_NAME_MAX 1024

static inline bool object_name_valid(const char *name, size_t len)
{
	return len > 0 && len <= OBJECT_NAME_MAX && !memchr(name, '\0', len);
}

#endif
