/*
 * frame.h — where each msgpack message of a byte stream ends, found before
 * it is decoded.
 *
 * msgpack-c reserves memory for every item a container header declares as
 * soon as it reads the header (24 bytes an item), and has no way to skip a
 * message without decoding it. The scanner walks the bytes as they arrive,
 * keeping its state between calls in a few hundred bytes, so that a server
 * hands msgpack-c only complete messages it has checked: no declared
 * length larger than the rest of the message's byte budget (every item
 * takes at least one byte, a map entry is two items; a str, bin or ext
 * body takes its length), no nesting deeper than msgpack-c's unpacker
 * stack, no byte that is not msgpack. Pure: no I/O, no allocation.
 */
#ifndef OBJMGR_FRAME_H
#define OBJMGR_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack/unpack_define.h> /* MSGPACK_EMBED_STACK_SIZE */

/* Containers a message may nest, as msgpack-c's unpacker takes them. */
#define FRAME_MAX_DEPTH MSGPACK_EMBED_STACK_SIZE

/* frame_scan() results; failures are negative OM_* codes. */
enum { FRAME_MORE = 0, FRAME_END = 1 };

typedef struct frame {
	size_t max;              /* a message's byte budget */
	size_t used;             /* bytes of the current message scanned so far */
	size_t least;            /* the fewest bytes it can still be: used + what is declared */
	size_t skip;             /* bytes of a str, bin or ext body still to pass */
	int depth;               /* open containers */
	size_t left[FRAME_MAX_DEPTH]; /* items still due in each open container */
} frame;

/* Starts f before a stream's first message; messages may be max bytes each. */
void frame_init(frame *f, size_t max);

/*
 * Scans the next n bytes p of the stream, which continue the current
 * message (after the f->used bytes already scanned). Sets *taken to the
 * bytes it consumed and returns:
 *  FRAME_END      the message ends after *taken bytes (it is f->used bytes
 *                 scanned before the call, plus those); f starts the next;
 *  FRAME_MORE     it goes on past p + n; a header cut at the end of p is not
 *                 consumed (*taken < n): pass those bytes again, with more;
 *  OM_TOO_LARGE   a header declares more than the rest of the budget holds;
 *  OM_TOO_DEEP    a container would be nested deeper than FRAME_MAX_DEPTH;
 *  OM_BAD_REQUEST a byte that no msgpack value starts with (0xc1).
 * After a failure f is undefined: the stream cannot be followed any more.
 */
int frame_scan(frame *f, const char *p, size_t n, size_t *taken);

#endif
