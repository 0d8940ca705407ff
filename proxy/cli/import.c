/*
 * import.c — `objmgr import [--replace] FILE`: makes the objects of an
 * export document (statefile.h) again, FILE "-" for stdin.
 *
 * All that can be checked is checked before anything is sent, so that a
 * refused import changes nothing: the document (statefile_read()), that
 * no object of those names exists (unless --replace, which deletes each
 * first), and, in a dry run of the requests, that each fits in the
 * server's max_message_size. Then each object is objects.create'd with its
 * options and filled in order: a dict by dict.update and a list by
 * list.extend in chunks of at most CHUNK_BYTES, a queue by queue.put, a
 * counter by counter.set, an event by event.set. The requests are
 * pipelined, at most WINDOW in flight; the first one that fails stops
 * the import (the server may refuse one the checks could not foresee:
 * --max-memory, say).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "codec.h"
#include "mem.h"
#include "statefile.h"
#include "value.h"

/* The most one dict.update or list.extend carries, packed, unless max_message_size is less. */
#define CHUNK_BYTES (1u << 20)
/* Requests in flight at once. */
#define WINDOW 256
/* The server's default max_message_size (docs/protocol.md), for one that does not say. */
#define DEFAULT_MAX_MESSAGE (64u << 20)

/* A request sent and not yet answered: which object it fills. */
typedef struct inflight {
	uint32_t msgid;
	const state_object *obj;
} inflight;

typedef struct importer {
	cli *c;
	bool send;            /* false: the dry run, which checks sizes only */
	size_t max_message;   /* the server's max_message_size */
	size_t chunk;         /* the most one chunk carries, packed */
	const state_object *obj; /* the object whose requests are made now */
	inflight window[WINDOW]; /* a ring: head is the oldest */
	size_t head, count;
	size_t done;          /* objects whose every request was answered OK */
} importer;

static int count_bytes(void *data, const char *buf, size_t len)
{
	(void)buf;
	*(size_t *)data += len;
	return 0;
}

/* The bytes v takes in msgpack, counted as codec_pack() writes them. */
static size_t packed_size(const om_value *v)
{
	size_t n = 0;
	msgpack_packer pk;
	msgpack_packer_init(&pk, &n, count_bytes);
	codec_pack(&pk, v);
	return n;
}

/* The bytes of the whole request, as the server counts them against max_message_size. */
static size_t request_size(const char *method, const om_value *params, size_t n)
{
	size_t size = 0;
	msgpack_packer pk;
	msgpack_packer_init(&pk, &size, count_bytes);
	rpc_pack_request(&pk, UINT32_MAX, method, params, n);
	return size;
}

/* "object \"jobs\": ", before the errors about o. */
static void about(const state_object *o, char *buf, size_t size)
{
	char name[128];
	om_value_format(&o->name, name, sizeof name);
	snprintf(buf, size, "object %s: ", name);
}

/* Takes the oldest reply; an object's last reply taken, it is done. */
static int collect(importer *im)
{
	inflight f = im->window[im->head];
	char prefix[160];
	about(f.obj, prefix, sizeof prefix);
	im->head = (im->head + 1) % WINDOW;
	im->count--;
	int rc = cli_recv(im->c, f.msgid, NULL, prefix);
	bool last = im->count == 0 || im->window[im->head].obj != f.obj;
	if (rc == CLI_OK && last && f.obj != im->obj)
		im->done++;
	return rc;
}

/*
 * One request of the object being made. In the dry run, checks that it
 * fits in a message; else sends it, first taking the oldest reply when
 * WINDOW are in flight.
 */
static int emit(importer *im, const char *method, const om_value *params, size_t n)
{
	if (!im->send) {
		size_t size = request_size(method, params, n);
		if (size <= im->max_message)
			return CLI_OK;
		char prefix[160];
		about(im->obj, prefix, sizeof prefix);
		return cli_fail(im->c, OM_TOO_LARGE, "%s%s of %zu bytes is over the server's "
				"max_message_size of %zu", prefix, method, size, im->max_message);
	}
	int rc = im->count == WINDOW ? collect(im) : CLI_OK;
	uint32_t msgid;
	if (rc == CLI_OK)
		rc = cli_send(im->c, method, params, n, &msgid);
	if (rc != CLI_OK)
		return rc;
	im->window[(im->head + im->count++) % WINDOW] = (inflight){msgid, im->obj};
	return CLI_OK;
}

/* write_many of the items [from, to) of o's value (pairs of a map), as one chunk. */
static int send_chunk(importer *im, const state_object *o, size_t from, size_t to)
{
	const om_value *v = &o->value;
	om_value chunk = v->kind == OM_MAP ? om_map(&v->as.items[2 * from], to - from)
					   : om_array(&v->as.items[from], to - from);
	om_value params[] = {o->name, chunk};
	return emit(im, o->type->write_many, params, 2);
}

/*
 * o's value, a map or an array, in chunks of at most im->chunk bytes,
 * in order. An item nested too deeply to travel inside a chunk goes
 * alone, by write_one (dict.set, list.append); so does every item of a
 * type without write_many (queue.put, which must not wait: timeout 0).
 */
static int send_items(importer *im, const state_object *o)
{
	const om_value *v = &o->value;
	size_t width = v->kind == OM_MAP ? 2 : 1, from = 0, bytes = 0;
	int rc = CLI_OK;
	for (size_t i = 0; i < v->len && rc == CLI_OK; i++) {
		const om_value *item = &v->as.items[width * i];
		int depth = value_depth(item);
		if (width == 2 && value_depth(item + 1) > depth)
			depth = value_depth(item + 1);
		size_t size = packed_size(item) + (width == 2 ? packed_size(item + 1) : 0);
		bool alone = !o->type->write_many || depth + 1 > STATEFILE_MAX_DEPTH;
		if (i > from && (alone || bytes + size > im->chunk)) {
			rc = send_chunk(im, o, from, i);
			from = i;
			bytes = 0;
		}
		if (rc != CLI_OK || !alone) {
			bytes += size;
			continue;
		}
		om_value params[3] = {o->name, item[0]};
		size_t nparams = 2;
		if (width == 2)
			params[nparams++] = item[1];      /* dict.set NAME key value */
		else if (!o->type->write_many)
			params[nparams++] = om_int(0);    /* queue.put NAME value 0: never wait */
		rc = emit(im, o->type->write_one, params, nparams);
		from = i + 1;
	}
	if (rc == CLI_OK && from < v->len)
		rc = send_chunk(im, o, from, v->len);
	return rc;
}

/* Every request that makes o: deleting what has its name (replace), creating it, filling it. */
static int send_object(importer *im, const state_object *o, bool replace)
{
	im->obj = o;
	om_value create[] = {o->name, om_str(o->type->name), o->options};
	int rc = CLI_OK;
	if (replace)
		rc = emit(im, "objects.delete", &o->name, 1);
	if (rc == CLI_OK)
		rc = emit(im, "objects.create", create, 3);
	if (rc != CLI_OK)
		return rc;
	switch (o->type->contents) {
	case CONTENTS_MAP:
	case CONTENTS_ARRAY:
		return send_items(im, o);
	case CONTENTS_NUMBER:
		return emit(im, o->type->write_one, (om_value[]){o->name, o->value}, 2);
	case CONTENTS_FLAG:
		return o->value.as.b ? emit(im, o->type->write_one, &o->name, 1) : CLI_OK;
	}
	return CLI_OK;
}

static int name_in_pair(const void *name, const void *pair)
{
	return value_cmp(name, pair);
}

/*
 * Which of objs[0..n) exist on the server (exists[i]), from objects.list,
 * sorted by name. Without replace, any that does fails the import, naming
 * the first few.
 */
static int find_existing(cli *c, const state_object *objs, size_t n, bool replace,
			 bool *exists, size_t *count)
{
	om_value list;
	int rc = inspect_objects(c, &list);
	if (rc != CLI_OK)
		return rc;
	char names[512] = "";
	size_t len = 0;
	*count = 0;
	for (size_t i = 0; i < n; i++) {
		const om_value *pair = bsearch(&objs[i].name, list.as.items, list.len,
					       2 * sizeof *list.as.items, name_in_pair);
		exists[i] = pair != NULL;
		if (!pair || (*count)++ >= 3 || len >= sizeof names)
			continue;
		char name[128];
		om_value_format(&objs[i].name, name, sizeof name);
		len += (size_t)snprintf(names + len, sizeof names - len, "%s%s (%s)",
					len ? ", " : "", name, pair[1].kind == OM_STR ? pair[1].as.str : "?");
	}
	om_value_free(&list);
	if (replace || *count == 0)
		return CLI_OK;
	char more[32] = "";
	if (*count > 3)
		snprintf(more, sizeof more, " and %zu more", *count - 3);
	return cli_fail(c, OM_BAD_PARAMS, "%s%s exist%s already; import --replace deletes %s first",
			names, more, *count == 1 ? "s" : "", *count == 1 ? "it" : "them");
}

/* The server's max_message_size, from server.info (its documented default when it does not say). */
static int max_message(cli *c, size_t *out)
{
	om_value info;
	int rc = cli_call(c, "server.info", NULL, 0, &info);
	if (rc != CLI_OK)
		return rc;
	const om_value *config = om_value_map_get(&info, "config");
	const om_value *max = config ? om_value_map_get(config, "max_message_size") : NULL;
	*out = max && max->kind == OM_INT && max->as.i > 0 ? (size_t)max->as.i : DEFAULT_MAX_MESSAGE;
	om_value_free(&info);
	return CLI_OK;
}

/* The requests of every object: a dry run first, then for real; then the replies still due. */
static int send_all(importer *im, const state_object *objs, size_t n, const bool *exists)
{
	int rc = CLI_OK;
	for (int pass = 0; pass < 2 && rc == CLI_OK; pass++) {
		im->send = pass == 1;
		for (size_t i = 0; i < n && rc == CLI_OK; i++)
			rc = send_object(im, &objs[i], exists[i]);
	}
	im->obj = NULL;
	while (im->count && rc == CLI_OK)
		rc = collect(im);
	uint32_t left[WINDOW];
	for (size_t i = 0; i < im->count; i++)
		left[i] = im->window[(im->head + i) % WINDOW].msgid;
	cli_forget(im->c, left, im->count);
	return rc;
}

/* FILE, or stdin for "-", read and checked whole; objs owned (statefile_free()). */
static int read_file(cli *c, const char *path, state_object **objs, size_t *n)
{
	bool in = strcmp(path, "-") == 0;
	FILE *f = in ? stdin : fopen(path, "r");
	if (!f)
		return cli_fail(c, OM_BAD_PARAMS, "cannot read %s: %s", path, strerror(errno));
	char err[768];
	int rc = statefile_read(f, in ? "<stdin>" : path, objs, n, err, sizeof err);
	if (!in)
		fclose(f);
	return rc == OM_OK ? CLI_OK : cli_fail(c, rc, "%s", err);
}

int import_run(cli *c, char *const *argv, size_t argc)
{
	const char *path = NULL;
	bool replace = false;
	for (size_t i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--replace") == 0 && !replace)
			replace = true;
		else if (!path)
			path = argv[i];
		else
			return cli_usage(c, OM_BAD_PARAMS, "usage: import [--replace] FILE");
	}
	if (!path)
		return cli_usage(c, OM_BAD_PARAMS, "usage: import [--replace] FILE");
	state_object *objs;
	size_t n, replaced = 0;
	int rc = read_file(c, path, &objs, &n);
	if (rc != CLI_OK)
		return rc;
	importer *im = xcalloc(1, sizeof *im);
	bool *exists = xcalloc(n ? n : 1, sizeof *exists);
	im->c = c;
	rc = find_existing(c, objs, n, replace, exists, &replaced);
	if (rc == CLI_OK)
		rc = max_message(c, &im->max_message);
	im->chunk = im->max_message / 2 < CHUNK_BYTES ? im->max_message / 2 : CHUNK_BYTES;
	if (rc == CLI_OK)
		rc = send_all(im, objs, n, exists);
	if (rc == CLI_OK && replaced)
		fprintf(stderr, "imported %zu object%s (%zu replaced)\n", n, n == 1 ? "" : "s", replaced);
	else if (rc == CLI_OK)
		fprintf(stderr, "imported %zu object%s\n", n, n == 1 ? "" : "s");
	else if (im->send)
		fprintf(stderr, "import stopped: the first %zu of %zu objects are imported; "
			"those after them may be partly made\n", im->done, n);
	free(exists);
	free(im);
	statefile_free(objs, n);
	return rc;
}
