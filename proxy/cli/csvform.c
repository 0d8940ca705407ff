/*
 * csvform.c — results as --csv prints them: RFC 4180 records, each ended
 * by CRLF, a field quoted when it holds a comma, a quote, CR or LF, a quote
 * inside doubled. A result becomes rows by its shape (render_csv() in
 * cli.h); what does not fit in a field as text (a container inside a row)
 * is written as its --json text.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mem.h"

static bool needs_quotes(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			return true;
	return false;
}

/* The bytes s[0..n) as one field; "" for an empty string, so that nil (nothing) differs. */
static void text_field(FILE *f, const char *s, size_t n)
{
	if (n && !needs_quotes(s, n)) {
		fwrite(s, 1, n, f);
		return;
	}
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			fputc('"', f);
		fputc(s[i], f);
	}
	fputc('"', f);
}

/* One value as a field: text as its bytes, nil as nothing, containers as JSON, else as shown. */
static void field(FILE *f, const om_value *v)
{
	if (v->kind == OM_NIL)
		return;
	if (v->kind == OM_STR || v->kind == OM_BIN || v->kind == OM_REF) {
		text_field(f, v->as.str, v->len);
		return;
	}
	char *s = v->kind == OM_ARRAY || v->kind == OM_MAP ? render_json_text(v) : render_human(v, false);
	text_field(f, s, strlen(s));
	free(s);
}

void render_csv_row(FILE *f, const om_value *fields, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		field(f, &fields[i]);
	}
	fputs("\r\n", f);
}

/* Whether a is a non-empty array of maps only: a table, its header the first map's keys. */
static bool is_table(const om_value *a)
{
	if (a->kind != OM_ARRAY || a->len == 0)
		return false;
	for (uint32_t i = 0; i < a->len; i++)
		if (a->as.items[i].kind != OM_MAP)
			return false;
	return true;
}

/* The first map's keys as a header row, then each map's values under them (nil where absent). */
static void table(FILE *f, const om_value *a)
{
	const om_value *head = &a->as.items[0];
	size_t cols = head->len;
	om_value *row = xcalloc(cols ? cols : 1, sizeof *row);
	for (size_t k = 0; k < cols; k++)
		row[k] = head->as.items[2 * k];
	render_csv_row(f, row, cols);
	for (uint32_t i = 0; i < a->len; i++) {
		const om_value *m = &a->as.items[i];
		for (size_t k = 0; k < cols; k++) {
			const om_value *key = &head->as.items[2 * k], *v = NULL;
			for (uint32_t j = 0; j < m->len && !v; j++)
				if (om_value_equal(&m->as.items[2 * j], key))
					v = &m->as.items[2 * j + 1];
			row[k] = v ? *v : om_nil();
		}
		render_csv_row(f, row, cols);
	}
	free(row);
}

void render_csv(FILE *f, const om_value *v)
{
	if (is_table(v)) {
		table(f, v);
		return;
	}
	if (v->kind == OM_ARRAY) {
		for (uint32_t i = 0; i < v->len; i++) {
			const om_value *item = &v->as.items[i];
			if (item->kind == OM_ARRAY)
				render_csv_row(f, item->as.items, item->len);
			else
				render_csv_row(f, item, 1);
		}
		return;
	}
	if (v->kind == OM_MAP) {
		for (uint32_t i = 0; i < v->len; i++)
			render_csv_row(f, &v->as.items[2 * i], 2);
		return;
	}
	render_csv_row(f, v, 1);
}
