/*
 * format.c — the one-line, JSON-like rendering of a value used in error
 * messages and by the objmgr REPL: strings quoted with JSON escapes, bin as
 * b64"...", references as @name, other ext values as ext(TYPE, b64"...").
 * Floats always show a '.' or an exponent so that 1.0 never reads as 1.
 */
#include <math.h>
#include <stdio.h>

#include <sodium.h>

#include "value.h"

/* Writes what fits, counts everything, like snprintf. */
typedef struct writer {
	char *buf;
	size_t size;
	size_t pos;
} writer;

static void put(writer *w, const char *s, size_t n)
{
	if (w->pos < w->size) {
		size_t room = w->size - w->pos;
		memcpy(w->buf + w->pos, s, n < room ? n : room);
	}
	w->pos += n;
}

static void puts_(writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static void put_quoted(writer *w, const char *s, size_t n)
{
	put(w, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		switch (c) {
		case '"': puts_(w, "\\\""); break;
		case '\\': puts_(w, "\\\\"); break;
		case '\n': puts_(w, "\\n"); break;
		case '\r': puts_(w, "\\r"); break;
		case '\t': puts_(w, "\\t"); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(esc, sizeof esc, "\\u%04x", c);
				puts_(w, esc);
			} else {
				put(w, (const char *)&c, 1);
			}
		}
	}
	put(w, "\"", 1);
}

/*
 * b64"..." in pieces of a multiple of 3 bytes, which encode to what the
 * whole would: formatting allocates nothing, and so cannot fail for want
 * of memory (error messages are formatted while serving requests).
 */
static void put_base64(writer *w, const char *p, size_t n)
{
	enum { PIECE = 48 };
	char b64[PIECE / 3 * 4 + 1];
	puts_(w, "b64\"");
	for (size_t i = 0; i < n; i += PIECE) {
		size_t k = n - i < PIECE ? n - i : PIECE;
		sodium_bin2base64(b64, sizeof b64, (const unsigned char *)p + i, k,
				  sodium_base64_VARIANT_ORIGINAL);
		puts_(w, b64);
	}
	put(w, "\"", 1);
}

/* The shortest %g rendering that reads back as the same double. */
static void put_float(writer *w, double f)
{
	char num[40];
	if (isnan(f)) {
		puts_(w, "NaN");
		return;
	}
	if (isinf(f)) {
		puts_(w, f > 0 ? "Infinity" : "-Infinity");
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(num, sizeof num, "%.*g", prec, f);
		if (strtod(num, NULL) == f)
			break;
	}
	if (!strpbrk(num, ".en"))
		strcat(num, ".0");
	puts_(w, num);
}

static void put_value(writer *w, const om_value *v)
{
	char num[32];
	switch (v->kind) {
	case OM_NIL:
		puts_(w, "null");
		return;
	case OM_BOOL:
		puts_(w, v->as.b ? "true" : "false");
		return;
	case OM_INT:
		snprintf(num, sizeof num, "%lld", (long long)v->as.i);
		puts_(w, num);
		return;
	case OM_UINT:
		snprintf(num, sizeof num, "%llu", (unsigned long long)v->as.u);
		puts_(w, num);
		return;
	case OM_FLOAT32:
	case OM_FLOAT64:
		put_float(w, v->as.f);
		return;
	case OM_STR:
		put_quoted(w, v->as.str, v->len);
		return;
	case OM_BIN:
		put_base64(w, v->as.str, v->len);
		return;
	case OM_REF:
		put(w, "@", 1);
		put(w, v->as.str, v->len);
		return;
	case OM_EXT:
		snprintf(num, sizeof num, "ext(%d, ", v->ext_type);
		puts_(w, num);
		put_base64(w, v->as.str, v->len);
		put(w, ")", 1);
		return;
	case OM_ARRAY:
		put(w, "[", 1);
		for (uint32_t i = 0; i < v->len; i++) {
			if (i)
				put(w, ", ", 2);
			put_value(w, &v->as.items[i]);
		}
		put(w, "]", 1);
		return;
	case OM_MAP:
		put(w, "{", 1);
		for (uint32_t i = 0; i < v->len; i++) {
			if (i)
				put(w, ", ", 2);
			put_value(w, &v->as.items[2 * i]);
			put(w, ": ", 2);
			put_value(w, &v->as.items[2 * i + 1]);
		}
		put(w, "}", 1);
		return;
	}
}

size_t om_value_format(const om_value *v, char *buf, size_t size)
{
	writer w = {buf, size, 0};
	put_value(&w, v);
	if (size == 0)
		return w.pos;
	if (w.pos < size) {
		buf[w.pos] = '\0';
	} else {
		buf[size - 1] = '\0';
		for (size_t i = size >= 4 ? size - 4 : 0; i < size - 1; i++)
			buf[i] = '.';
	}
	return w.pos;
}
