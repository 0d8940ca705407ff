/*
 * registry.h — the named objects a server holds: name -> (type, object).
 *
 * Names follow name.h's rule (1 to OBJECT_NAME_MAX bytes, no NUL); the
 * registry owns its objects and destroys them with their type's destroy().
 * Objects whose type has a release hook are also linked in a list of their
 * own, so a closing connection releases its holdings without a scan of
 * every object.
 */
#ifndef OBJMGRD_REGISTRY_H
#define OBJMGRD_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "name.h"
#include "ops.h"

struct wait_obj;

typedef struct registry_entry {
	struct registry_entry *next; /* the next entry in the same bucket */
	struct registry_entry *hold_prev, *hold_next; /* in holdable, when type->release */
	/* Its parked calls, pending wake-up and dependents (wait.c); NULL while it has none. */
	struct wait_obj *wait;
	uint64_t hash;
	const type_def *type;
	void *obj;
	/*
	 * Made for a call that has not succeeded on it yet (dispatch.c): a
	 * blocking call parked on a free name, or a lock a condition's call
	 * opened. A successful write makes it an object like any other;
	 * until then it goes when no call waits on it (wait_drop_unused()).
	 */
	bool provisional;
	/*
	 * The journal has recorded that it exists (journal.c): what a
	 * coordination object's first call records, once.
	 */
	bool journaled;
	uint64_t version;            /* the server's revision at its last change (watch.h) */
	uint64_t saved_in;           /* the atomic batch that has a copy of it to undo with (batch.c) */
	/* An ephemeral object's owner, a connection's list (NULL: not ephemeral), and its place there. */
	struct registry_owned *owned_by;
	struct registry_entry *owned_prev, *owned_next;
	size_t len;
	char name[];                 /* len bytes, then a NUL */
} registry_entry;

/*
 * The ephemeral objects of one connection (objects.create's "ephemeral"):
 * deleted when it closes. Zeroed, it has none.
 */
typedef struct registry_owned {
	registry_entry *first;
	uint64_t owner; /* the connection's id */
} registry_owned;

/* Puts e in list, the ephemeral objects of its connection. */
void registry_own(registry_owned *list, registry_entry *e);

typedef struct registry {
	registry_entry **buckets;
	size_t nbuckets; /* a power of two */
	size_t count;
	registry_entry *holdable; /* the objects whose type has a release hook */
	registry_entry *last;     /* the last entry found: requests come in runs on one object */
} registry;

void registry_init(registry *r);
/* Destroys every object and the registry's own memory. */
void registry_free(registry *r);

/* The entry named name[0..len), or NULL. */
registry_entry *registry_find(registry *r, const char *name, size_t len);
/*
 * Adds obj (ownership passes to r) under a name that must not be present.
 * NULL when out of memory: then obj is still the caller's.
 */
registry_entry *registry_add(registry *r, const char *name, size_t len,
			     const type_def *type, void *obj);
/*
 * registry_add() in two steps, for a caller that must know it can add an
 * object before it makes one: registry_entry_new() allocates the entry
 * (NULL when out of memory; free() discards it), registry_insert() adds it
 * with obj, which cannot fail.
 */
registry_entry *registry_entry_new(const char *name, size_t len);
void registry_insert(registry *r, registry_entry *e, const type_def *type, void *obj);
/* Destroys the named object; false when there was none. */
bool registry_delete(registry *r, const char *name, size_t len);

/* Calls fn on every entry, in no particular order; fn must not add or delete. */
void registry_each(const registry *r, void (*fn)(const registry_entry *e, void *ctx), void *ctx);

/*
 * One page of a walk of the registry, from cursor on: calls fn on every
 * entry of each bucket it reaches, stopping after a bucket once it has
 * called fn max_entries times or looked at max_buckets buckets, and returns
 * the cursor to go on from, 0 when the walk is over. Buckets go in
 * reverse-binary order (Redis's dictScan): as the table only doubles, the
 * entries of the buckets a cursor has done move only to buckets it has done
 * too, so a walk visits every entry present from its start to its end once.
 * fn must not add or delete.
 */
uint64_t registry_scan(const registry *r, uint64_t cursor, size_t max_entries, size_t max_buckets,
		       void (*fn)(const registry_entry *e, void *ctx), void *ctx);

#endif
