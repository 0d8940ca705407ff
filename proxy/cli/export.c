/*
 * export.c — `objmgr export [PATTERN...]`: every object, or those whose
 * names match a PATTERN (fnmatch, as ls), written to stdout as one JSON
 * document (statefile.h). Each object costs two reads, objects.describe
 * and its type's contents read, pipelined a window of objects at a time.
 * Nothing is written unless every read succeeded. The objects are read one
 * after another, not at one instant: an export of a server in use is each
 * object as it was when read.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mem.h"
#include "statefile.h"
#include "value.h"

/* Objects whose two reads are in flight at once. */
#define EXPORT_WINDOW 128

static bool matches(const char *name, char *const *patterns, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch(patterns[i], name, 0) == 0)
			return true;
	return n == 0;
}

/*
 * The objects of objects.list's map that match, each with its name and
 * type, in the listing's order (by name). Fails when one has a type this
 * objmgr cannot export (a newer server's).
 */
static int select_objects(cli *c, const om_value *list, char *const *patterns, size_t npatterns,
			  state_object *objs, size_t *n)
{
	*n = 0;
	for (uint32_t i = 0; i < list->len; i++) {
		const om_value *name = &list->as.items[2 * i], *type = &list->as.items[2 * i + 1];
		if (name->kind != OM_STR || type->kind != OM_STR ||
		    !matches(name->as.str, patterns, npatterns))
			continue;
		const state_type *st = statefile_type(type->as.str);
		if (!st)
			return cli_fail(c, OM_WRONG_TYPE, "'%s' is a %s, which this objmgr cannot export",
					name->as.str, type->as.str);
		om_value_copy(&objs[*n].name, name);
		objs[*n].type = st;
		(*n)++;
	}
	return CLI_OK;
}

/*
 * The options of o from its objects.describe answer d. False when d says
 * it changed type since it was listed: its contents read failed or read
 * another object.
 */
static bool take_description(state_object *o, const om_value *d)
{
	const om_value *type = om_value_map_get(d, "type");
	const om_value *options = om_value_map_get(d, "options");
	if (!type || type->kind != OM_STR || strcmp(type->as.str, o->type->name) != 0 ||
	    !options || options->kind != OM_MAP)
		return false;
	om_value_copy(&o->options, options);
	return true;
}

/*
 * Reads objs[0..n): sends both reads of each, then takes the answers in
 * order. An object deleted since it was listed (describe answers nil) is
 * left out: its type is set to NULL.
 */
static int read_window(cli *c, state_object *objs, size_t n)
{
	uint32_t ids[2 * EXPORT_WINDOW] = {0};
	int rc = CLI_OK;
	for (size_t i = 0; i < n && rc == CLI_OK; i++) {
		rc = cli_send(c, "objects.describe", &objs[i].name, 1, &ids[2 * i]);
		if (rc == CLI_OK && objs[i].type->read)
			rc = cli_send(c, objs[i].type->read, &objs[i].name, 1, &ids[2 * i + 1]);
	}
	size_t done = 0;
	for (; done < n && rc == CLI_OK; done++) {
		state_object *o = &objs[done];
		om_value d;
		if ((rc = cli_recv(c, ids[2 * done], &d, "")) != CLI_OK)
			break;
		bool gone = d.kind == OM_NIL, same = gone || take_description(o, &d);
		om_value_free(&d);
		if (!same) {
			rc = cli_fail(c, OM_WRONG_TYPE, "'%s' was made again with another type while "
					"it was exported: export again", o->name.as.str);
			break;
		}
		if (o->type->read)
			rc = cli_recv(c, ids[2 * done + 1], &o->value, "");
		if (gone)
			o->type = NULL;
	}
	if (rc != CLI_OK && done < n)
		cli_forget(c, ids + 2 * done, 2 * (n - done));
	return rc;
}

/* Drops the objects read_window() left out, keeping the others' order; frees what they held. */
static size_t drop_gone(state_object *objs, size_t n)
{
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		if (objs[i].type) {
			objs[kept++] = objs[i];
			continue;
		}
		om_value_free(&objs[i].name);
		om_value_free(&objs[i].options);
		om_value_free(&objs[i].value);
	}
	return kept;
}

int export_run(cli *c, char *const *argv, size_t argc)
{
	om_value list;
	int rc = inspect_objects(c, &list);
	if (rc != CLI_OK)
		return rc;
	state_object *objs = xcalloc(list.len ? list.len : 1, sizeof *objs);
	size_t n;
	rc = select_objects(c, &list, argv + 1, argc - 1, objs, &n);
	om_value_free(&list);
	for (size_t i = 0; i < n && rc == CLI_OK; i += EXPORT_WINDOW)
		rc = read_window(c, objs + i, n - i < EXPORT_WINDOW ? n - i : EXPORT_WINDOW);
	if (rc == CLI_OK) {
		n = drop_gone(objs, n);
		statefile_write(stdout, objs, n);
	}
	statefile_free(objs, n);
	return rc;
}
