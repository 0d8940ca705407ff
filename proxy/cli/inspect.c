/*
 * inspect.c — ls and show, the two commands that look at objects as a
 * whole. Both go by the op tables: an object's size comes from its type's
 * "len" op and its contents from "items" (or "get"), whichever the type
 * has, so a type added to the tables shows without changes here.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mem.h"
#include "value.h"

/* t's op called name when it takes nothing but the object's name, else NULL. */
/* A read that needs nothing but the object's name: safe for show and ls to call. */
static bool is_whole(const op_def *op)
{
	return !(op->flags & OP_WRITE) && (op->nargs == 0 || op->args[0].optional);
}

static const op_def *whole_op(const type_def *t, const char *name)
{
	const op_def *op = t && !t->admin ? type_find_op(t, name, strlen(name)) : NULL;
	return op && is_whole(op) ? op : NULL;
}

/* Calls "<type>.<op>" [name]; the result is owned by the caller. */
static int call_on(cli *c, const char *type, const char *op, const char *name, om_value *out)
{
	char method[128];
	snprintf(method, sizeof method, "%s.%s", type, op);
	om_value p = om_str(name);
	return cli_call(c, method, &p, 1, out);
}

static bool is_str(const om_value *v)
{
	return v->kind == OM_STR;
}

/* One ls row: {"name": ..., "type": ..., "size": int or nil}, size nil when the type has no len. */
static int ls_row(cli *c, const om_value *name, const om_value *type, om_value *row)
{
	om_value size = om_nil();
	if (whole_op(type_find(type->as.str, type->len), "len")) {
		int rc = call_on(c, type->as.str, "len", name->as.str, &size);
		if (rc != CLI_OK)
			return rc;
	}
	*row = value_map_new(3);
	om_value *kv = row->as.items;
	kv[0] = value_str_dup("name", 4);
	om_value_copy(&kv[1], name);
	kv[2] = value_str_dup("type", 4);
	om_value_copy(&kv[3], type);
	kv[4] = value_str_dup("size", 4);
	kv[5] = size;
	return CLI_OK;
}

static void ls_human(cli *c, const om_value *rows)
{
	if (rows->len == 0) {
		puts("(no objects)");
		return;
	}
	size_t n = (size_t)rows->len + 1;
	char **cells = xcalloc(3 * n, sizeof *cells);
	cells[0] = render_paint("NAME", "1", c->color);
	cells[1] = render_paint("TYPE", "1", c->color);
	cells[2] = render_paint("SIZE", "1", c->color);
	for (uint32_t i = 0; i < rows->len; i++) {
		const om_value *kv = rows->as.items[i].as.items;
		cells[3 * (i + 1)] = xstrdup(kv[1].as.str);
		cells[3 * (i + 1) + 1] = xstrdup(kv[3].as.str);
		cells[3 * (i + 1) + 2] = kv[5].kind == OM_NIL ? xstrdup("-") : render_human(&kv[5], false);
	}
	render_table(stdout, cells, n, 3, 1u << 2);
	for (size_t i = 0; i < 3 * n; i++)
		free(cells[i]);
	free(cells);
}

int inspect_objects(cli *c, om_value *out)
{
	int rc = cli_call(c, "objects.list", NULL, 0, out);
	if (rc != CLI_OK || out->kind == OM_MAP)
		return rc;
	om_value_free(out);
	return cli_fail(c, OM_PROTOCOL, "objects.list answered with something else than a map");
}

int inspect_ls(cli *c, char *const *argv, size_t argc)
{
	const char *glob = argc > 1 ? argv[1] : "*";
	om_value objs;
	int rc = inspect_objects(c, &objs);
	if (rc != CLI_OK)
		return rc;
	om_value rows = value_array_new(objs.len);
	rows.len = 0;
	for (uint32_t i = 0; i < objs.len && rc == CLI_OK; i++) {
		const om_value *name = &objs.as.items[2 * i], *type = &objs.as.items[2 * i + 1];
		if (!is_str(name) || !is_str(type) || fnmatch(glob, name->as.str, 0) != 0)
			continue;
		rc = ls_row(c, name, type, &rows.as.items[rows.len]);
		if (rc == CLI_OK)
			rows.len++;
	}
	if (rc == CLI_OK) {
		if (c->mode == OUT_HUMAN)
			ls_human(c, &rows);
		else if (c->mode == OUT_JSON)
			render_json(stdout, &rows);
		else if (c->mode == OUT_CSV)
			render_csv(stdout, &rows);
		else
			for (uint32_t i = 0; i < rows.len; i++)
				puts(rows.as.items[i].as.items[1].as.str);
	}
	om_value_free(&rows);
	om_value_free(&objs);
	return rc;
}

/* A map as aligned rows: key, then value. */
static void show_map(cli *c, const om_value *m)
{
	char **cells = xcalloc(2 * (size_t)m->len, sizeof *cells);
	for (size_t i = 0; i < 2 * (size_t)m->len; i++)
		cells[i] = render_human(&m->as.items[i], c->color);
	render_table(stdout, cells, m->len, 2, 0);
	for (size_t i = 0; i < 2 * (size_t)m->len; i++)
		free(cells[i]);
	free(cells);
}

/* An array numbered from 0, as list.get counts. */
static void show_array(cli *c, const om_value *a)
{
	char **cells = xcalloc(2 * (size_t)a->len, sizeof *cells);
	for (uint32_t i = 0; i < a->len; i++) {
		om_value index = om_int(i);
		cells[2 * i] = render_human(&index, false);
		cells[2 * i + 1] = render_human(&a->as.items[i], c->color);
	}
	render_table(stdout, cells, a->len, 2, 1u << 0);
	for (size_t i = 0; i < 2 * (size_t)a->len; i++)
		free(cells[i]);
	free(cells);
}

static void show_human(cli *c, const char *type, const om_value *v)
{
	bool container = v->kind == OM_MAP || v->kind == OM_ARRAY;
	if (container && v->len == 0)
		printf("(empty %s)\n", type);
	else if (v->kind == OM_MAP)
		show_map(c, v);
	else if (v->kind == OM_ARRAY)
		show_array(c, v);
	else
		render_result(c, v);
}

/*
 * For a type without a whole-contents read (a lock, a semaphore, a barrier):
 * a map from each of its name-only reads to what it answers now, e.g.
 * {"parties": 4, "n_waiting": 1, "broken": false}.
 */
static int show_state(cli *c, const type_def *t, const char *name, om_value *out)
{
	size_t n = 0;
	for (size_t i = 0; i < t->nops; i++)
		n += is_whole(&t->ops[i]);
	om_value state = value_map_new(n);
	n = 0;
	for (size_t i = 0; i < t->nops; i++) {
		if (!is_whole(&t->ops[i]))
			continue;
		state.as.items[2 * n] = value_str_dup(t->ops[i].name, strlen(t->ops[i].name));
		int rc = call_on(c, t->name, t->ops[i].name, name, &state.as.items[2 * n + 1]);
		n++;
		if (rc != CLI_OK) {
			om_value_free(&state);
			return rc;
		}
	}
	*out = state;
	return CLI_OK;
}

int inspect_show(cli *c, char *const *argv, size_t argc)
{
	(void)argc;
	const char *name = argv[1];
	om_value p = om_str(name), type, whole;
	int rc = cli_call(c, "objects.type", &p, 1, &type);
	if (rc != CLI_OK)
		return rc;
	if (!is_str(&type)) {
		om_value_free(&type);
		return cli_fail(c, OM_KEY_ERROR, "there is no object named '%s'", name);
	}
	const type_def *t = type_find(type.as.str, type.len);
	const char *op = whole_op(t, "items") ? "items" : whole_op(t, "get") ? "get" : NULL;
	if (op)
		rc = call_on(c, type.as.str, op, name, &whole);
	else if (t)
		rc = show_state(c, t, name, &whole);
	else
		rc = cli_fail(c, OM_WRONG_TYPE, "'%s' is a %s, which show cannot print", name,
			      type.as.str);
	if (rc == CLI_OK) {
		if (c->mode == OUT_HUMAN)
			show_human(c, type.as.str, &whole);
		else
			render_result(c, &whole);
		om_value_free(&whole);
	}
	om_value_free(&type);
	return rc;
}
