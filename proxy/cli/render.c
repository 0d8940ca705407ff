/*
 * render.c — how results look. Human: the JSON-like text of
 * om_value_format() (one source for how a value reads), coloured by kind on
 * a terminal. --json: one JSON document per line (jsonform.h). --raw (the
 * default off a terminal): strings bare and one array element per line,
 * for xargs and `while read`. --csv: csvform.c.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jsonform.h"
#include "mem.h"

static const char reset[] = "\033[0m";

/* The SGR colour of a scalar of v's kind. */
static const char *kind_color(const om_value *v)
{
	switch (v->kind) {
	case OM_NIL:
	case OM_BOOL:
		return "35";
	case OM_STR:
		return "32";
	case OM_BIN:
	case OM_EXT:
		return "33";
	case OM_REF:
		return "1;34";
	default:
		return "36";
	}
}

/* open_memstream, failing only when memory is exhausted (and then aborting, as xmalloc). */
static FILE *memstream(char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	if (!f) {
		fputs("objmgr: out of memory\n", stderr);
		abort();
	}
	return f;
}

/* A scalar's whole om_value_format() text, never cut. */
static char *format_scalar(const om_value *v)
{
	char small[64];
	size_t n = om_value_format(v, small, sizeof small);
	if (n < sizeof small)
		return xstrdup(small);
	char *s = xmalloc(n + 1);
	om_value_format(v, s, n + 1);
	return s;
}

static void human(FILE *f, const om_value *v, bool color)
{
	if (v->kind == OM_ARRAY) {
		fputc('[', f);
		for (uint32_t i = 0; i < v->len; i++) {
			if (i)
				fputs(", ", f);
			human(f, &v->as.items[i], color);
		}
		fputc(']', f);
		return;
	}
	if (v->kind == OM_MAP) {
		fputc('{', f);
		for (uint32_t i = 0; i < v->len; i++) {
			if (i)
				fputs(", ", f);
			human(f, &v->as.items[2 * i], color);
			fputs(": ", f);
			human(f, &v->as.items[2 * i + 1], color);
		}
		fputc('}', f);
		return;
	}
	char *s = format_scalar(v);
	if (color)
		fprintf(f, "\033[%sm%s%s", kind_color(v), s, reset);
	else
		fputs(s, f);
	free(s);
}

char *render_human(const om_value *v, bool color)
{
	char *buf;
	size_t len;
	FILE *f = memstream(&buf, &len);
	human(f, v, color);
	fclose(f);
	return buf;
}

char *render_paint(const char *s, const char *sgr, bool color)
{
	if (!color)
		return xstrdup(s);
	char *buf;
	size_t len;
	FILE *f = memstream(&buf, &len);
	fprintf(f, "\033[%sm%s%s", sgr, s, reset);
	fclose(f);
	return buf;
}

/* One element in --raw mode: strings, bins and reference names as their bytes, nil as nothing. */
static void raw_item(FILE *f, const om_value *v)
{
	switch (v->kind) {
	case OM_NIL:
		return;
	case OM_STR:
	case OM_BIN:
	case OM_REF:
		fwrite(v->as.str, 1, v->len, f);
		return;
	default:
		human(f, v, false);
	}
}

void render_raw(FILE *f, const om_value *v)
{
	if (v->kind == OM_ARRAY) {
		for (uint32_t i = 0; i < v->len; i++) {
			raw_item(f, &v->as.items[i]);
			fputc('\n', f);
		}
		return;
	}
	if (v->kind == OM_MAP) {
		for (uint32_t i = 0; i < v->len; i++) {
			raw_item(f, &v->as.items[2 * i]);
			fputc('\t', f);
			raw_item(f, &v->as.items[2 * i + 1]);
			fputc('\n', f);
		}
		return;
	}
	raw_item(f, v);
	fputc('\n', f);
}

char *render_json_text(const om_value *v)
{
	int digits = 15;
	json_t *j = jsonform_encode(v, &digits);
	char *s = jsonform_dumps(j, digits);
	json_decref(j);
	return s;
}

void render_json(FILE *f, const om_value *v)
{
	char *s = render_json_text(v);
	fputs(s, f);
	fputc('\n', f);
	free(s);
}

bool render_option(cli *c, const char *arg)
{
	static const struct {
		const char *option;
		out_mode mode;
	} forms[] = {{"--json", OUT_JSON}, {"--raw", OUT_RAW}, {"--csv", OUT_CSV}, {"--no-raw", OUT_HUMAN}};
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		if (strcmp(arg, forms[i].option) != 0)
			continue;
		c->mode = forms[i].mode;
		if (c->mode != OUT_HUMAN)
			c->color = false; /* colours are for the human form only (main.c) */
		return true;
	}
	return false;
}

void render_result(cli *c, const om_value *v)
{
	c->last_false = v->kind == OM_NIL || (v->kind == OM_BOOL && !v->as.b);
	switch (c->mode) {
	case OUT_JSON:
		render_json(stdout, v);
		return;
	case OUT_RAW:
		render_raw(stdout, v);
		return;
	case OUT_CSV:
		render_csv(stdout, v);
		return;
	case OUT_HUMAN: {
		char *s = render_human(v, c->color);
		puts(s);
		free(s);
		return;
	}
	}
}

/* Columns a cell takes on a terminal: UTF-8 characters, not counting colour escapes. */
static size_t cell_width(const char *s)
{
	size_t w = 0;
	while (*s) {
		if (*s == '\033') {
			while (*s && *s != 'm')
				s++;
			if (*s)
				s++;
			continue;
		}
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
		s++;
	}
	return w;
}

void render_table(FILE *f, char *const *cells, size_t rows, size_t cols, unsigned right)
{
	size_t *width = xcalloc(cols, sizeof *width);
	for (size_t i = 0; i < rows * cols; i++) {
		size_t w = cell_width(cells[i]);
		if (w > width[i % cols])
			width[i % cols] = w;
	}
	for (size_t r = 0; r < rows; r++) {
		for (size_t k = 0; k < cols; k++) {
			const char *cell = cells[r * cols + k];
			bool last = k + 1 == cols;
			int pad = (int)(width[k] - cell_width(cell));
			if (right & (1u << k))
				fprintf(f, "%*s%s", pad, "", cell);
			else
				fprintf(f, "%s%*s", cell, last ? 0 : pad, "");
			fputs(last ? "\n" : "  ", f);
		}
	}
	free(width);
}
