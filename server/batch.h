/*
 * batch.h — server.batch: calls run as one step.
 *
 * The calls run in order, nothing else in between (the server runs one
 * call at a time, and a batch's blocking calls do not wait: they answer as
 * with timeout 0). The answer is an array of [error, result], one per call.
 * A batch whose shape is wrong (a call that is not [method, params], an
 * unknown method, a nested batch) runs nothing and is answered bad_params
 * or no_such_method.
 *
 * {"if_versions": {name: version}} runs it only when each named object's
 * version (watch.h; 0: no such object) is still that one, else answers
 * conflict. {"atomic": true} makes it all or nothing: at the first call
 * that fails everything the batch did is undone, and the request fails
 * with that call's code. To undo, each object is copied just before the
 * batch first changes it (type_def.save, as a snapshot would): an atomic
 * batch costs the size of the objects it changes. It takes only calls that
 * can be undone: reads, and writes to objects of types without owners
 * (dict, list, counter, queue, event), objects.create and objects.delete
 * of those. Watchers hear of an atomic batch's changes once it is over,
 * and nothing of one undone; the journal likewise.
 */
#ifndef OBJMGRD_BATCH_H
#define OBJMGRD_BATCH_H

#include <msgpack.h>

#include "server.h"

/* Runs server.batch with params for connection from; answers msgid (NULL: a notification's). */
void batch_run(server *s, conn *from, const msgpack_object_array *params, const uint32_t *msgid);

#endif
