/*
 * statefile.c — the export document (statefile.h) both ways: written from
 * the objects export gathered, and read back and checked whole for
 * import, before it sends anything.
 */
#include "statefile.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jsonform.h"
#include "mem.h"
#include "name.h"
#include "value.h"

static const state_type state_types[] = {
	{"dict", CONTENTS_MAP, "dict.items", "dict.update", "dict.set"},
	{"list", CONTENTS_ARRAY, "list.items", "list.extend", "list.append"},
	{"queue", CONTENTS_ARRAY, "queue.items", NULL, "queue.put"},
	{"counter", CONTENTS_NUMBER, "counter.get", NULL, "counter.set"},
	{"event", CONTENTS_FLAG, "event.is_set", NULL, "event.set"},
	{"lock", CONTENTS_NONE, NULL, NULL, NULL},
	{"rlock", CONTENTS_NONE, NULL, NULL, NULL},
	{"semaphore", CONTENTS_NONE, NULL, NULL, NULL},
	{"condition", CONTENTS_NONE, NULL, NULL, NULL},
	{"barrier", CONTENTS_NONE, NULL, NULL, NULL},
};

const state_type *statefile_type(const char *name)
{
	for (size_t i = 0; i < sizeof state_types / sizeof state_types[0]; i++)
		if (strcmp(state_types[i].name, name) == 0)
			return &state_types[i];
	return NULL;
}

/* One object as a JSON object, its keys in the document's order. */
static json_t *encode_object(const state_object *o, int *digits)
{
	json_t *j = json_object();
	json_object_set_new(j, "name", jsonform_encode(&o->name, digits));
	json_object_set_new(j, "type", json_string(o->type->name));
	json_object_set_new(j, "options", jsonform_encode(&o->options, digits));
	json_object_set_new(j, "value", jsonform_encode(&o->value, digits));
	return j;
}

void statefile_write(FILE *f, const state_object *objs, size_t n)
{
	fprintf(f, "{\"objmgr_export\": %d, \"objects\": [%s", STATEFILE_VERSION, n ? "\n" : "");
	for (size_t i = 0; i < n; i++) {
		int digits = 15;
		json_t *j = encode_object(&objs[i], &digits);
		char *s = jsonform_dumps(j, digits);
		json_decref(j);
		fprintf(f, "  %s%s\n", s, i + 1 < n ? "," : "");
		free(s);
	}
	fputs("]}\n", f);
}

/* What a message is about: the file, and the object by name once it is known, else by index. */
typedef struct place {
	const char *path;
	size_t index;
	const om_value *name; /* NULL until read */
	char *err;
	size_t errsize;
} place;

static int bad(const place *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(const place *p, const char *fmt, ...)
{
	char what[512], name[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (p->name) {
		om_value_format(p->name, name, sizeof name);
		return args_bad(p->err, p->errsize, "%s: object %s: %s", p->path, name, what);
	}
	return args_bad(p->err, p->errsize, "%s: objects[%zu]: %s", p->path, p->index, what);
}

/* Decodes the $ forms of member key of o into *out; absent, *out is dflt. */
static int decode_member(const place *p, const json_t *o, const char *key, om_value dflt,
			 om_value *out)
{
	char why[256];
	const json_t *j = json_object_get(o, key);
	*out = dflt;
	if (!j)
		return OM_OK;
	om_value_free(out);
	if (jsonform_decode(j, out, why, sizeof why) != OM_OK)
		return bad(p, "%s: %s", key, why);
	return OM_OK;
}

static int read_name(place *p, const json_t *o, om_value *name)
{
	if (!json_object_get(o, "name"))
		return bad(p, "no \"name\"");
	int rc = decode_member(p, o, "name", om_nil(), name);
	if (rc != OM_OK)
		return rc;
	if (name->kind != OM_STR || !object_name_valid(name->as.str, name->len))
		return bad(p, "name must be a string of 1 to %d bytes without NUL", OBJECT_NAME_MAX);
	p->name = name;
	return OM_OK;
}

/* The options, checked as the type checks them: by making an object with them and throwing it away. */
static int check_options(const place *p, const type_def *t, const om_value *options)
{
	if (options->kind != OM_MAP)
		return bad(p, "options must be a map, got %s", value_kind_name(options));
	op_call c = {.type = t->name, .name = "import"};
	void *obj = t->create(options, &c);
	if (!obj)
		return bad(p, "options: %s", c.message);
	t->destroy(obj);
	return OM_OK;
}

/* The value a document may leave out: a type's empty one. */
static om_value empty_value(const state_type *st)
{
	switch (st->contents) {
	case CONTENTS_MAP:
		return value_map_new(0);
	case CONTENTS_ARRAY:
		return value_array_new(0);
	case CONTENTS_NUMBER:
		return om_int(0);
	case CONTENTS_FLAG:
		return om_bool(false);
	}
	return om_nil();
}

static int check_kind(const place *p, const state_type *st, const om_value *v)
{
	static const char *const want[] = {
		[CONTENTS_NONE] = "null", [CONTENTS_MAP] = "a map", [CONTENTS_ARRAY] = "an array",
		[CONTENTS_NUMBER] = "a number", [CONTENTS_FLAG] = "true or false",
	};
	bool ok = st->contents == CONTENTS_NONE     ? v->kind == OM_NIL
		  : st->contents == CONTENTS_MAP    ? v->kind == OM_MAP
		  : st->contents == CONTENTS_ARRAY  ? v->kind == OM_ARRAY
		  : st->contents == CONTENTS_NUMBER ? v->kind == OM_INT || value_is_float(v)
						    : v->kind == OM_BOOL;
	if (ok)
		return OM_OK;
	if (st->contents == CONTENTS_NUMBER && v->kind == OM_UINT)
		return bad(p, "value does not fit in a counter's int64");
	if (st->contents == CONTENTS_NONE)
		return bad(p, "value must be null: a %s's holders and waiters are not state, got %s",
			   st->name, value_kind_name(v));
	return bad(p, "value must be %s, got %s", want[st->contents], value_kind_name(v));
}

/* The first reference in v whose name is no object's name, or NULL. */
static const om_value *bad_ref(const om_value *v)
{
	if (v->kind == OM_REF)
		return object_name_valid(v->as.str, v->len) ? NULL : v;
	size_t n = v->kind == OM_MAP ? 2 * (size_t)v->len : v->kind == OM_ARRAY ? v->len : 0;
	for (size_t i = 0; i < n; i++) {
		const om_value *r = bad_ref(&v->as.items[i]);
		if (r)
			return r;
	}
	return NULL;
}

/* Each item of a map or array value (each key and each value of a map) can be sent as a parameter. */
static int check_items(const place *p, const om_value *v)
{
	size_t n = v->kind == OM_MAP ? 2 * (size_t)v->len : v->kind == OM_ARRAY ? v->len : 0;
	for (size_t i = 0; i < n; i++) {
		const om_value *item = &v->as.items[i];
		if (value_depth(item) > STATEFILE_MAX_DEPTH)
			return bad(p, "value: %s %zu nests deeper than the %d levels the server takes",
				   v->kind == OM_MAP ? (i % 2 ? "the value of pair" : "the key of pair")
						     : "item", v->kind == OM_MAP ? i / 2 : i,
				   STATEFILE_MAX_DEPTH);
	}
	if (bad_ref(v))
		return bad(p, "value: a reference must name an object: 1 to %d bytes without NUL",
			   OBJECT_NAME_MAX);
	return OM_OK;
}

/* A queue's values fit in its maxsize: import puts them without waiting. */
static int check_room(const place *p, const om_value *options, const om_value *v)
{
	const om_value *max = om_value_map_get(options, "maxsize");
	if (!max || max->kind != OM_INT || max->as.i == 0 || v->len <= (uint64_t)max->as.i)
		return OM_OK;
	return bad(p, "value holds %u values, more than its maxsize %lld", v->len,
		   (long long)max->as.i);
}

static int read_object(place *p, const json_t *j, state_object *o)
{
	if (!json_is_object(j))
		return bad(p, "not an object");
	int rc = read_name(p, j, &o->name);
	if (rc != OM_OK)
		return rc;
	const char *key;
	json_t *member;
	json_object_foreach((json_t *)j, key, member) {
		if (strcmp(key, "name") && strcmp(key, "type") && strcmp(key, "options") &&
		    strcmp(key, "value"))
			return bad(p, "unknown key \"%s\" (an object has name, type, options, value)",
				   key);
	}
	const char *type = json_string_value(json_object_get(j, "type"));
	if (!type)
		return bad(p, "no \"type\" string");
	const type_def *t = type_find(type, strlen(type));
	o->type = statefile_type(type);
	if (!t || t->admin || !o->type)
		return bad(p, "unknown type \"%s\"", type);
	if ((rc = decode_member(p, j, "options", value_map_new(0), &o->options)) != OM_OK ||
	    (rc = check_options(p, t, &o->options)) != OM_OK ||
	    (rc = decode_member(p, j, "value", empty_value(o->type), &o->value)) != OM_OK ||
	    (rc = check_kind(p, o->type, &o->value)) != OM_OK ||
	    (rc = check_items(p, &o->value)) != OM_OK)
		return rc;
	if (o->type->contents == CONTENTS_ARRAY)
		return check_room(p, &o->options, &o->value);
	return OM_OK;
}

static int name_cmp(const void *a, const void *b)
{
	return value_cmp(&(*(const state_object *const *)a)->name,
			 &(*(const state_object *const *)b)->name);
}

/* Two objects of one name would make one object: refused, naming it. */
static int check_unique(const char *path, state_object *objs, size_t n, char *err,
			size_t errsize)
{
	state_object **sorted = xcalloc(n ? n : 1, sizeof *sorted);
	for (size_t i = 0; i < n; i++)
		sorted[i] = &objs[i];
	qsort(sorted, n, sizeof *sorted, name_cmp);
	int rc = OM_OK;
	for (size_t i = 1; i < n && rc == OM_OK; i++) {
		if (value_eq(&sorted[i]->name, &sorted[i - 1]->name)) {
			place p = {path, 0, &sorted[i]->name, err, errsize};
			rc = bad(&p, "appears twice");
		}
	}
	free(sorted);
	return rc;
}

/* The document's top: {"objmgr_export": 1, "objects": [...]}, nothing else. */
static int read_top(const json_t *doc, const char *path, const json_t **objects, char *err,
		    size_t errsize)
{
	const json_t *version = json_object_get(doc, "objmgr_export");
	if (!json_is_integer(version))
		return args_bad(err, errsize, "%s: not an objmgr export (no \"objmgr_export\": %d at the top)",
				path, STATEFILE_VERSION);
	if (json_integer_value(version) != STATEFILE_VERSION)
		return args_bad(err, errsize, "%s: \"objmgr_export\": %lld, but this objmgr reads version %d only",
				path, (long long)json_integer_value(version), STATEFILE_VERSION);
	*objects = json_object_get(doc, "objects");
	if (!json_is_array(*objects))
		return args_bad(err, errsize, "%s: \"objects\" must be an array", path);
	const char *key;
	json_t *member;
	json_object_foreach((json_t *)doc, key, member) {
		if (strcmp(key, "objmgr_export") && strcmp(key, "objects"))
			return args_bad(err, errsize, "%s: unknown key \"%s\" at the top", path, key);
	}
	return OM_OK;
}

int statefile_read(FILE *f, const char *path, state_object **objs, size_t *n, char *err,
		   size_t errsize)
{
	*objs = NULL;
	*n = 0;
	json_error_t e;
	json_t *doc = json_loadf(f, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &e);
	if (!doc)
		return args_bad(err, errsize, "%s:%d:%d: not valid JSON: %s", path, e.line,
				e.column, e.text);
	const json_t *list = NULL;
	int rc = json_is_object(doc) ? read_top(doc, path, &list, err, errsize)
				     : args_bad(err, errsize, "%s: not an objmgr export (not a JSON object)", path);
	size_t count = rc == OM_OK ? json_array_size(list) : 0;
	state_object *v = xcalloc(count ? count : 1, sizeof *v);
	for (size_t i = 0; i < count && rc == OM_OK; i++) {
		place p = {path, i, NULL, err, errsize};
		rc = read_object(&p, json_array_get(list, i), &v[i]);
	}
	if (rc == OM_OK)
		rc = check_unique(path, v, count, err, errsize);
	json_decref(doc);
	if (rc != OM_OK) {
		statefile_free(v, count);
		return rc;
	}
	*objs = v;
	*n = count;
	return OM_OK;
}

void statefile_free(state_object *objs, size_t n)
{
	for (size_t i = 0; objs && i < n; i++) {
		om_value_free(&objs[i].name);
		om_value_free(&objs[i].options);
		om_value_free(&objs[i].value);
	}
	free(objs);
}
