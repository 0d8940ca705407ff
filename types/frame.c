/*
 * frame.c — the incremental msgpack frame scanner (frame.h).
 *
 * Invariant: f->least is the shortest the current message can still be,
 * given the headers read so far (each declared item counts one byte until
 * its own header is read), and never exceeds f->max; f->used < f->least
 * until the message is complete, when f starts over.
 */
#include "frame.h"

#include "om_value.h"

enum kind { SCALAR, BODY, ARRAY, MAP };

typedef struct head {
	enum kind kind;
	size_t size;   /* the header's bytes (all of a scalar's) */
	uint64_t n;    /* a body's bytes, a container's items or entries */
} head;

/* Reads the header at b: 1, 0 when it is cut short by the end of the n bytes, or OM_BAD_REQUEST. */
static int read_head(const uint8_t *b, size_t n, head *h)
{
	uint8_t c = b[0];
	size_t len = 0; /* bytes of the big-endian length after c */
	h->kind = SCALAR;
	h->size = 1;
	h->n = 0;
	if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3)
		return 1; /* fixint, nil, false, true */
	if (c <= 0x9f) {
		h->kind = c <= 0x8f ? MAP : ARRAY;
		h->n = c & 0x0f;
		return 1;
	}
	if (c <= 0xbf) {
		h->kind = BODY; /* fixstr */
		h->n = c & 0x1f;
		return 1;
	}
	switch (c) {
	case 0xc4: case 0xc5: case 0xc6: /* bin 8/16/32 */
		h->kind = BODY;
		len = (size_t)1 << (c - 0xc4);
		break;
	case 0xc7: case 0xc8: case 0xc9: /* ext 8/16/32: length, then the type byte */
		h->kind = BODY;
		len = (size_t)1 << (c - 0xc7);
		h->size = 2;
		break;
	case 0xca:
		h->size = 5;
		break;
	case 0xcb:
		h->size = 9;
		break;
	case 0xcc: case 0xcd: case 0xce: case 0xcf: /* uint 8/16/32/64 */
		h->size = 1 + ((size_t)1 << (c - 0xcc));
		break;
	case 0xd0: case 0xd1: case 0xd2: case 0xd3: /* int 8/16/32/64 */
		h->size = 1 + ((size_t)1 << (c - 0xd0));
		break;
	case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: /* fixext 1..16: the type byte, then the data */
		h->kind = BODY;
		h->size = 2;
		h->n = (uint64_t)1 << (c - 0xd4);
		break;
	case 0xd9: case 0xda: case 0xdb: /* str 8/16/32 */
		h->kind = BODY;
		len = (size_t)1 << (c - 0xd9);
		break;
	case 0xdc: case 0xdd: /* array 16/32 */
		h->kind = ARRAY;
		len = (size_t)2 << (c - 0xdc);
		break;
	case 0xde: case 0xdf: /* map 16/32 */
		h->kind = MAP;
		len = (size_t)2 << (c - 0xde);
		break;
	default: /* 0xc1, never used */
		return OM_BAD_REQUEST;
	}
	h->size += len;
	if (n < h->size)
		return 0;
	for (size_t i = 1; i <= len; i++)
		h->n = h->n << 8 | b[i];
	return 1;
}

/* An item is complete: counts it off its container, and closes those it completes. True at the message's end. */
static int item_done(frame *f)
{
	while (f->depth > 0) {
		if (--f->left[f->depth - 1] > 0)
			return 0;
		f->depth--;
	}
	return 1;
}

void frame_init(frame *f, size_t max)
{
	f->max = max;
	f->used = 0;
	f->least = 1;
	f->skip = 0;
	f->depth = 0;
}

int frame_scan(frame *f, const char *p, size_t n, size_t *taken)
{
	const uint8_t *b = (const uint8_t *)p;
	size_t i = 0;
	for (;;) {
		if (f->skip > 0) {
			size_t k = n - i < f->skip ? n - i : f->skip;
			i += k;
			f->used += k;
			f->skip -= k;
			if (f->skip > 0)
				break;
			if (item_done(f))
				goto end;
			continue;
		}
		if (i == n)
			break;
		head h;
		int rc = read_head(b + i, n - i, &h);
		if (rc == 0)
			break;
		*taken = i;
		if (rc < 0)
			return rc;
		uint64_t items = h.kind == MAP ? 2 * h.n : h.n;
		uint64_t least = (uint64_t)f->least - 1 + h.size + items;
		if (least > f->max)
			return OM_TOO_LARGE;
		if ((h.kind == ARRAY || h.kind == MAP) && f->depth == FRAME_MAX_DEPTH)
			return OM_TOO_DEEP; /* msgpack-c refuses even an empty one there */
		f->least = (size_t)least;
		f->used += h.size;
		i += h.size;
		if (h.kind == BODY && items > 0) {
			f->skip = (size_t)items;
			continue;
		}
		if ((h.kind == ARRAY || h.kind == MAP) && items > 0) {
			f->left[f->depth++] = (size_t)items;
			continue;
		}
		if (item_done(f))
			goto end;
	}
	*taken = i;
	return FRAME_MORE;
end:
	*taken = i;
	frame_init(f, f->max);
	return FRAME_END;
}
