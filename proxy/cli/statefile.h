/*
 * statefile.h — the document `objmgr export` writes and `objmgr import`
 * reads, both ways in one place, as jsonform.h is for values:
 *
 *   {"objmgr_export": 1, "objects": [
 *     {"name": "hits", "type": "counter", "options": {}, "value": 7},
 *     {"name": "jobs", "type": "queue", "options": {"maxsize": 10}, "value": [1, 2]}
 *   ]}
 *
 * One object a line, sorted by name (bytewise, as objects.list). name,
 * options and value follow the --json conventions (jsonform.h: $bin,
 * $ref, $map, ...). options are objects.describe's: those that differ from
 * the defaults. value, by type: dict a map; list an array; queue an array,
 * oldest first; counter a number; event true or false; lock, rlock,
 * semaphore, condition and barrier null — who holds or waits on them is
 * not state: they are made again free, with their options.
 */
#ifndef OBJMGR_CLI_STATEFILE_H
#define OBJMGR_CLI_STATEFILE_H

#include <stdio.h>

#include "objmgr.h"
#include "ops.h"

/* The document's "objmgr_export": what this objmgr writes, and the only one it reads. */
#define STATEFILE_VERSION 1

/*
 * The deepest a value may nest to be sent at all: the server's limit on a
 * parameter (docs/protocol.md, Limits).
 */
#define STATEFILE_MAX_DEPTH 24

/* The shape of a type's value in the document. */
enum state_contents {
	CONTENTS_NONE,   /* null */
	CONTENTS_MAP,    /* a map */
	CONTENTS_ARRAY,  /* an array */
	CONTENTS_NUMBER, /* an int64 or a float */
	CONTENTS_FLAG,   /* true or false */
};

/* How export reads a type's value and import writes it back. */
typedef struct state_type {
	const char *name;       /* "dict" */
	uint8_t contents;       /* a state_contents */
	const char *read;       /* [name] -> the value; NULL for CONTENTS_NONE */
	const char *write_many; /* [name, map or array]: a chunk of the value; NULL: none */
	const char *write_one;  /* [name, key, value], [name, item] or [name, number]; NULL: none */
} state_type;

/* The entry of the data type called name, or NULL when export does not know it. */
const state_type *statefile_type(const char *name);

typedef struct state_object {
	om_value name;    /* OM_STR, a valid object name */
	const state_type *type;
	om_value options; /* OM_MAP, as objects.create takes it */
	om_value value;   /* shaped as type->contents says */
} state_object;

/* Writes the document of objs[0..n), which are sorted by name, to f. */
void statefile_write(FILE *f, const state_object *objs, size_t n);

/*
 * Reads the document in f, called path in messages, into *objs and *n
 * (owned: free with statefile_free()), checking all that can be checked
 * without a server: the JSON, the document's shape, each object's name
 * (valid, not repeated), type, options (as the type itself checks them),
 * and its value's shape, depth and references. On failure returns
 * OM_BAD_PARAMS, with err naming where and what ("state.json: object
 * 'jobs': value must be an array, got map"), and *objs NULL.
 */
int statefile_read(FILE *f, const char *path, state_object **objs, size_t *n, char *err,
		   size_t errsize);

void statefile_free(state_object *objs, size_t n);

#endif
