/*
 * inspect.c — ls and show, the two commands that look at objects as a
 * whole. Both go by the op tables: an object's size comes from its type's
 * "len" op and its contents from "scan" or "slice" in pages, else "items"
 * (or "get"), whichever the type has, so a type added to the tables shows
 * without changes here. No reply they ask for holds more than a page of a
 * big dict, list or queue, or of the list of objects.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mem.h"
#include "value.h"

/* The rows the human forms of ls and show print unless -n or --all says otherwise. */
#define SHOW_ROWS 100
/* Items per request when ls and show read a big object, or the list of objects, in pages. */
#define PAGE_SIZE 1000

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

/*
 * ls's and show's options after the command: --all, -n N (rows the human
 * form prints, default SHOW_ROWS), and the one word that is no option (the
 * GLOB or NAME) in *word. CLI_USAGE, printed, on a malformed one.
 */
static int page_options(cli *c, const char *usage, char *const *argv, size_t argc,
			const char **word, size_t *rows)
{
	*word = NULL;
	*rows = SHOW_ROWS;
	bool all = false;
	for (size_t i = 1; i < argc; i++) {
		char *end;
		if (strcmp(argv[i], "--all") == 0) {
			all = true;
		} else if (strcmp(argv[i], "-n") == 0) {
			if (i + 1 == argc)
				return cli_usage(c, OM_BAD_PARAMS, "-n needs a number of rows; usage: %s", usage);
			errno = 0;
			unsigned long long n = strtoull(argv[++i], &end, 10);
			if (*argv[i] < '0' || *argv[i] > '9' || *end || errno)
				return cli_usage(c, OM_BAD_PARAMS, "-n: not a number of rows: '%s'", argv[i]);
			*rows = n > SIZE_MAX ? SIZE_MAX : (size_t)n;
		} else if (*word) {
			return cli_usage(c, OM_BAD_PARAMS, "usage: %s", usage);
		} else {
			*word = argv[i];
		}
	}
	if (all)
		*rows = SIZE_MAX;
	return CLI_OK;
}

/* The line after a human listing cut short: how many rows it left out. */
static void more_line(cli *c, size_t more)
{
	if (!more)
		return;
	char text[96];
	snprintf(text, sizeof text, "(%zu more; --all to list them)", more);
	char *s = render_paint(text, "2", c->color);
	puts(s);
	free(s);
}

/* A map from name to type of the objects whose names match glob (NULL: all), in pages. */
typedef struct listing {
	om_value *pairs; /* owned: name, type, name, type, ... */
	size_t n, cap;
} listing;

static void listing_free(listing *l)
{
	for (size_t i = 0; i < 2 * l->n; i++)
		om_value_free(&l->pairs[i]);
	free(l->pairs);
}

static int pair_cmp(const void *a, const void *b)
{
	return strcmp(((const om_value *)a)->as.str, ((const om_value *)b)->as.str);
}

/*
 * Walks objects.scan in pages of PAGE_SIZE names, keeping the pairs of
 * strings, then sorts them by name: ls lists in name order, as the
 * registry answers in no order. No reply holds more than a page.
 */
static int list_objects(cli *c, const char *glob, listing *l)
{
	*l = (listing){0};
	uint64_t cursor = 0;
	do {
		om_value p[] = {om_uint(cursor), glob ? om_str(glob) : om_nil(), om_int(PAGE_SIZE)}, page;
		int rc = cli_call(c, "objects.scan", p, 3, &page);
		if (rc != CLI_OK)
			return rc;
		const om_value *next = page.kind == OM_ARRAY && page.len == 2 ? &page.as.items[0] : NULL;
		if (!next || next->kind != OM_INT || next[1].kind != OM_MAP) {
			om_value_free(&page);
			return cli_fail(c, OM_PROTOCOL, "objects.scan answered with something else than a page");
		}
		cursor = (uint64_t)next->as.i;
		om_value *m = &page.as.items[1];
		for (uint32_t i = 0; i < m->len; i++) {
			om_value *kv = &m->as.items[2 * i];
			if (!is_str(&kv[0]) || !is_str(&kv[1]))
				continue;
			if (l->n == l->cap) {
				l->cap = l->cap ? 2 * l->cap : 64;
				l->pairs = xrealloc(l->pairs, 2 * l->cap * sizeof *l->pairs);
			}
			l->pairs[2 * l->n] = kv[0];
			l->pairs[2 * l->n + 1] = kv[1];
			kv[0] = kv[1] = om_nil();
			l->n++;
		}
		om_value_free(&page);
	} while (cursor != 0);
	if (l->n)
		qsort(l->pairs, l->n, 2 * sizeof *l->pairs, pair_cmp);
	return CLI_OK;
}

/* One ls row: {"name": ..., "type": ..., "size": int or nil}, size nil when the type has no len. */
static om_value ls_row(const om_value *name, const om_value *type, om_value size)
{
	om_value row = value_map_new(3);
	om_value *kv = row.as.items;
	kv[0] = value_str_dup("name", 4);
	om_value_copy(&kv[1], name);
	kv[2] = value_str_dup("type", 4);
	om_value_copy(&kv[3], type);
	kv[4] = value_str_dup("size", 4);
	kv[5] = size;
	return row;
}

/*
 * The rows of the objects pairs[0..n) (name, type, ...) into rows[0..n):
 * their sizes asked for together, a window of PAGE_SIZE requests at a
 * time, then read back in order.
 */
static int ls_rows(cli *c, const om_value *pairs, size_t n, om_value *rows)
{
	uint32_t *ids = xcalloc(PAGE_SIZE, sizeof *ids);
	int rc = CLI_OK;
	for (size_t from = 0; from < n && rc == CLI_OK; from += PAGE_SIZE) {
		size_t to = n - from < PAGE_SIZE ? n : from + PAGE_SIZE, sent = 0, got = 0;
		for (size_t i = from; i < to && rc == CLI_OK; i++) {
			const om_value *name = &pairs[2 * i], *type = &pairs[2 * i + 1];
			if (!whole_op(type_find(type->as.str, type->len), "len"))
				continue;
			char method[128];
			snprintf(method, sizeof method, "%s.len", type->as.str);
			rc = cli_send(c, method, name, 1, &ids[sent]);
			sent += rc == CLI_OK;
		}
		for (size_t i = from; i < to && rc == CLI_OK; i++) {
			const om_value *name = &pairs[2 * i], *type = &pairs[2 * i + 1];
			om_value size = om_nil();
			if (whole_op(type_find(type->as.str, type->len), "len"))
				rc = cli_recv(c, ids[got++], &size, "");
			if (rc == CLI_OK)
				rows[i] = ls_row(name, type, size);
		}
		if (rc != CLI_OK)
			cli_forget(c, ids + got, sent - got);
	}
	free(ids);
	return rc;
}

static void ls_human(cli *c, const om_value *rows, size_t n, size_t more)
{
	if (n == 0 && more == 0) {
		puts("(no objects)");
		return;
	}
	char **cells = xcalloc(3 * (n + 1), sizeof *cells);
	cells[0] = render_paint("NAME", "1", c->color);
	cells[1] = render_paint("TYPE", "1", c->color);
	cells[2] = render_paint("SIZE", "1", c->color);
	for (size_t i = 0; i < n; i++) {
		const om_value *kv = rows[i].as.items;
		cells[3 * (i + 1)] = xstrdup(kv[1].as.str);
		cells[3 * (i + 1) + 1] = xstrdup(kv[3].as.str);
		cells[3 * (i + 1) + 2] = kv[5].kind == OM_NIL ? xstrdup("-") : render_human(&kv[5], false);
	}
	render_table(stdout, cells, n + 1, 3, 1u << 2);
	for (size_t i = 0; i < 3 * (n + 1); i++)
		free(cells[i]);
	free(cells);
	more_line(c, more);
}

int inspect_objects(cli *c, om_value *out)
{
	int rc = cli_call(c, "objects.list", NULL, 0, out);
	if (rc != CLI_OK || out->kind == OM_MAP)
		return rc;
	om_value_free(out);
	return cli_fail(c, OM_PROTOCOL, "objects.list answered with something else than a map");
}

/*
 * The names come in objects.scan pages; the human form reads the sizes of
 * the first -n only, the others of every object, a window at a time.
 */
int inspect_ls(cli *c, char *const *argv, size_t argc)
{
	const char *glob;
	size_t limit;
	int rc = page_options(c, "ls [GLOB] [--all] [-n N]", argv, argc, &glob, &limit);
	listing l;
	if (rc != CLI_OK || (rc = list_objects(c, glob, &l)) != CLI_OK)
		return rc;
	if (c->mode == OUT_RAW) {
		for (size_t i = 0; i < l.n; i++)
			puts(l.pairs[2 * i].as.str);
		listing_free(&l);
		return CLI_OK;
	}
	size_t n = c->mode == OUT_HUMAN && limit < l.n ? limit : l.n;
	om_value rows = value_array_new(n);
	rows.len = 0;
	rc = ls_rows(c, l.pairs, n, rows.as.items);
	if (rc == CLI_OK) {
		rows.len = (uint32_t)n;
		if (c->mode == OUT_HUMAN)
			ls_human(c, rows.as.items, n, l.n - n);
		else if (c->mode == OUT_CSV)
			render_csv(stdout, &rows);
		else
			render_json(stdout, &rows);
	}
	for (size_t i = 0; rc != CLI_OK && i < n; i++)
		om_value_free(&rows.as.items[i]); /* those filled before the failure */
	om_value_free(&rows);
	listing_free(&l);
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

/*
 * v in rows, or "(empty dict)"; at most limit of a map's or an array's
 * rows, then a line saying how many more there are: more, plus those cut
 * here.
 */
static void show_human(cli *c, const char *type, const om_value *v, size_t limit, size_t more)
{
	bool container = v->kind == OM_MAP || v->kind == OM_ARRAY;
	om_value cut = *v; /* the same items, fewer of them: freed with v */
	if (container && cut.len > limit) {
		more += cut.len - limit;
		cut.len = (uint32_t)limit;
	}
	if (container && cut.len == 0 && more == 0)
		printf("(empty %s)\n", type);
	else if (v->kind == OM_MAP)
		show_map(c, &cut);
	else if (v->kind == OM_ARRAY)
		show_array(c, &cut);
	else
		render_result(c, v);
	more_line(c, more);
}

/*
 * show's reads of a big object in pages, so that no reply holds all of
 * it: a dict by dict.scan's cursor, a list or a queue by their slice's
 * indexes.
 */
typedef struct pager {
	cli *c;
	const char *type, *name;
	bool by_cursor;  /* "<type>.scan"; else "<type>.slice" */
	uint64_t cursor; /* by_cursor: the next cursor */
	int64_t at;      /* else: the next index */
	bool done;
} pager;

/* The next page of at most max (1 to PAGE_SIZE) items into *page, owned: a map or an array. */
static int pager_next(pager *p, size_t max, om_value *page)
{
	char method[128];
	snprintf(method, sizeof method, "%s.%s", p->type, p->by_cursor ? "scan" : "slice");
	om_value params[] = {om_str(p->name), p->by_cursor ? om_uint(p->cursor) : om_int(p->at),
			     p->by_cursor ? om_uint(max) : om_int(p->at + (int64_t)max)}, v;
	int rc = cli_call(p->c, method, params, 3, &v);
	if (rc != CLI_OK)
		return rc;
	if (!p->by_cursor && v.kind == OM_ARRAY) {
		p->at += v.len;
		p->done = v.len < max;
		*page = v;
		return CLI_OK;
	}
	const om_value *next = v.kind == OM_ARRAY && v.len == 2 ? &v.as.items[0] : NULL;
	if (!p->by_cursor || !next || next->kind != OM_INT || next[1].kind != OM_MAP) {
		om_value_free(&v);
		return cli_fail(p->c, OM_PROTOCOL, "%s answered with something else than a page", method);
	}
	p->cursor = (uint64_t)next->as.i;
	p->done = p->cursor == 0;
	*page = v.as.items[1];
	v.as.items[1] = om_nil();
	om_value_free(&v);
	return CLI_OK;
}

/* Moves the items of page (a map or an array, freed) to the end of *all, of the same kind. */
static void append_page(om_value *all, om_value *page)
{
	size_t per = all->kind == OM_MAP ? 2 : 1, n = per * (all->len + (size_t)page->len);
	all->as.items = xrealloc(all->as.items, (n ? n : 1) * sizeof *all->as.items);
	memcpy(&all->as.items[per * all->len], page->as.items, per * page->len * sizeof *page->as.items);
	all->len += page->len;
	page->len = 0;
	om_value_free(page);
}

/*
 * show of an object read in pages. --raw prints each page as it comes;
 * the human form reads the first limit items only, and asks the object's
 * length for how many it leaves out; the others read it all, then print.
 */
static int show_pages(cli *c, const char *type, const char *name, bool by_cursor, size_t limit)
{
	pager p = {.c = c, .type = type, .name = name, .by_cursor = by_cursor};
	om_value all = by_cursor ? om_map(NULL, 0) : om_array(NULL, 0), page;
	size_t want = c->mode == OUT_HUMAN ? limit : SIZE_MAX;
	int rc = CLI_OK;
	while (rc == CLI_OK && !p.done && all.len < want) {
		size_t max = want - all.len < PAGE_SIZE ? want - all.len : PAGE_SIZE;
		if ((rc = pager_next(&p, max, &page)) != CLI_OK)
			break;
		if (c->mode == OUT_RAW) {
			render_raw(stdout, &page);
			om_value_free(&page);
		} else {
			append_page(&all, &page);
		}
	}
	size_t more = 0;
	if (rc == CLI_OK && c->mode == OUT_HUMAN && !p.done) {
		om_value len;
		rc = call_on(c, type, "len", name, &len);
		if (rc == CLI_OK && len.kind == OM_INT && len.as.i > (int64_t)all.len)
			more = (size_t)len.as.i - all.len;
		om_value_free(&len);
	}
	if (rc == CLI_OK && c->mode == OUT_HUMAN)
		show_human(c, type, &all, limit, more);
	else if (rc == CLI_OK && c->mode != OUT_RAW)
		render_result(c, &all);
	om_value_free(&all);
	return rc;
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

/*
 * A dict, a list or a queue is read in pages (show_pages()); any other type with a
 * whole-contents read ("items", "get") in one, and one without by its
 * name-only reads (show_state()).
 */
int inspect_show(cli *c, char *const *argv, size_t argc)
{
	const char *name;
	size_t limit;
	int rc = page_options(c, "show NAME [--all] [-n N]", argv, argc, &name, &limit);
	if (rc == CLI_OK && !name)
		rc = cli_usage(c, OM_BAD_PARAMS, "usage: show NAME [--all] [-n N]");
	if (rc != CLI_OK)
		return rc;
	om_value p = om_str(name), type, whole;
	if ((rc = cli_call(c, "objects.type", &p, 1, &type)) != CLI_OK)
		return rc;
	if (!is_str(&type)) {
		om_value_free(&type);
		return cli_fail(c, OM_KEY_ERROR, "there is no object named '%s'", name);
	}
	const type_def *t = type_find(type.as.str, type.len);
	const op_def *scan = t && !t->admin ? type_find_op(t, "scan", 4) : NULL;
	const op_def *slice = t && !t->admin ? type_find_op(t, "slice", 5) : NULL;
	const char *op = whole_op(t, "items") ? "items" : whole_op(t, "get") ? "get" : NULL;
	if ((scan || slice) && whole_op(t, "len")) {
		rc = show_pages(c, type.as.str, name, scan != NULL, limit);
		om_value_free(&type);
		return rc;
	}
	if (op)
		rc = call_on(c, type.as.str, op, name, &whole);
	else if (t)
		rc = show_state(c, t, name, &whole);
	else
		rc = cli_fail(c, OM_WRONG_TYPE, "'%s' is a %s, which show cannot print", name,
			      type.as.str);
	if (rc == CLI_OK) {
		if (c->mode == OUT_HUMAN)
			show_human(c, type.as.str, &whole, limit, 0);
		else
			render_result(c, &whole);
		om_value_free(&whole);
	}
	om_value_free(&type);
	return rc;
}
