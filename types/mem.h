/*
 * mem.h — allocation that never returns NULL.
 *
 * Like Redis's zmalloc, running out of memory aborts the process with a
 * message: every size we allocate is bounded by an explicit limit (message
 * size, nesting depth), so exhaustion is not something user input can cause
 * on a machine sized for its data.
 */
#ifndef OBJMGR_MEM_H
#define OBJMGR_MEM_H

#include <stddef.h>
#include <stdlib.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t size);
/* Copies n bytes and appends a NUL. */
char *xmemdup0(const void *p, size_t n);
char *xstrdup(const char *s);

#endif
