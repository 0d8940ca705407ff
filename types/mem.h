/*
 * mem.h — allocation.
 *
 * Two families. The mem_* functions return NULL when memory runs out: they
 * are what everything that serves a request uses, and a NULL there becomes
 * the answer `limit` ("out of memory", op_no_memory()) with every object
 * left as it was. The x* functions never return NULL: they abort with a
 * message, and are for start-up only, before any request is served.
 */
#ifndef OBJMGR_MEM_H
#define OBJMGR_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

/* NULL when out of memory; a size of 0 allocates 1 byte. */
void *mem_alloc(size_t size);
/* NULL when out of memory or when count * size overflows. */
void *mem_calloc(size_t count, size_t size);
/* NULL when out of memory, and then p is left as it was. */
void *mem_realloc(void *p, size_t size);
/* Copies n bytes and appends a NUL; NULL when out of memory. */
char *mem_dup0(const void *p, size_t n);

/*
 * For tests: the n-th mem_* allocation from now fails (1: the next one),
 * and every one after it succeeds again; 0 turns this off. Lets a test
 * fail each allocation of an operation in turn, as SQLite's OOM tests do.
 */
void mem_fail_nth(unsigned long n);
/*
 * For tests: true while the failure mem_fail_nth() set up has not happened
 * yet, i.e. the code run since made fewer allocations than n.
 */
bool mem_fail_pending(void);

/* Start-up only: these abort the process when memory runs out. */
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t size);
/* Copies n bytes and appends a NUL. */
char *xmemdup0(const void *p, size_t n);
char *xstrdup(const char *s);

#endif
