/*
 * watch.c — versions, watchers and monitors.
 *
 * A notification is packed once, into the server's note buffer, and its
 * bytes copied into the output of each connection it is for: a change
 * costs one packing however many watch it, and nothing when none does.
 * Watchers and monitors are few; each change checks every watcher's
 * patterns (glob.h, linear in the pattern and the name).
 */
#include "watch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "conn.h"
#include "glob.h"
#include "log.h"
#include "mem.h"
#include "name.h"

/* Strings and bins longer than this are shown as "<str of N bytes>". */
#define SUMMARY_BYTES 64
/* Arrays and maps with more items, or nested deeper, are shown as "<array of N items>". */
#define SUMMARY_ITEMS 8
#define SUMMARY_DEPTH 3

typedef struct pattern {
	char *s;
	size_t len;
} pattern;

struct watcher {
	watcher *prev, *next; /* in s->watchers */
	conn *conn;
	bool monitor;
	size_t npatterns;
	pattern patterns[WATCH_PATTERNS_MAX];
};

/* A notification held back by watch_hold(): its bytes, then its object's name, in s->notes. */
typedef struct held_note {
	size_t start, size, name_len;
} held_note;

/* --- summaries --------------------------------------------------------------- */

static void pack_text(msgpack_packer *pk, const char *fmt, const char *kind, uint32_t n)
{
	char text[64];
	int len = snprintf(text, sizeof text, fmt, kind, n);
	msgpack_pack_str_with_body(pk, text, (size_t)len);
}

/* Packs o, or a short string saying what it is when it is large or deep. */
static void pack_summary(msgpack_packer *pk, const msgpack_object *o, int depth)
{
	switch (o->type) {
	case MSGPACK_OBJECT_STR:
		if (o->via.str.size > SUMMARY_BYTES)
			return pack_text(pk, "<%s of %u bytes>", "str", o->via.str.size);
		break;
	case MSGPACK_OBJECT_BIN:
		if (o->via.bin.size > SUMMARY_BYTES)
			return pack_text(pk, "<%s of %u bytes>", "bin", o->via.bin.size);
		break;
	case MSGPACK_OBJECT_EXT:
		if (o->via.ext.size > SUMMARY_BYTES)
			return pack_text(pk, "<%s of %u bytes>", "ext", o->via.ext.size);
		break;
	case MSGPACK_OBJECT_ARRAY:
		if (o->via.array.size > SUMMARY_ITEMS || depth >= SUMMARY_DEPTH)
			return pack_text(pk, "<%s of %u items>", "array", o->via.array.size);
		msgpack_pack_array(pk, o->via.array.size);
		for (uint32_t i = 0; i < o->via.array.size; i++)
			pack_summary(pk, &o->via.array.ptr[i], depth + 1);
		return;
	case MSGPACK_OBJECT_MAP:
		if (o->via.map.size > SUMMARY_ITEMS || depth >= SUMMARY_DEPTH)
			return pack_text(pk, "<%s of %u pairs>", "map", o->via.map.size);
		msgpack_pack_map(pk, o->via.map.size);
		for (uint32_t i = 0; i < o->via.map.size; i++) {
			pack_summary(pk, &o->via.map.ptr[i].key, depth + 1);
			pack_summary(pk, &o->via.map.ptr[i].val, depth + 1);
		}
		return;
	default:
		break;
	}
	msgpack_pack_object(pk, *o);
}

/* Packs args[0..n) as an array, summarised. */
static void pack_args(msgpack_packer *pk, const msgpack_object *args, size_t n)
{
	msgpack_object a = {.type = MSGPACK_OBJECT_ARRAY,
			    .via.array = {(uint32_t)n, (msgpack_object *)args}};
	pack_summary(pk, &a, 0);
}

/* --- watchers ----------------------------------------------------------------- */

static watcher *watcher_of(server *s, uint64_t id, bool make)
{
	conn *c = conn_find(s, id);
	if (!c)
		return NULL;
	watcher **slot = conn_watch_slot(c);
	if (*slot || !make)
		return *slot;
	watcher *w = mem_calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->conn = c;
	w->next = s->watchers;
	if (s->watchers)
		s->watchers->prev = w;
	s->watchers = w;
	*slot = w;
	return w;
}

/* Frees w once it watches nothing and monitors nothing. */
static void watcher_gc(server *s, watcher *w)
{
	if (w->npatterns || w->monitor)
		return;
	*(w->prev ? &w->prev->next : &s->watchers) = w->next;
	if (w->next)
		w->next->prev = w->prev;
	*conn_watch_slot(w->conn) = NULL;
	free(w);
}

static void pattern_drop(watcher *w, size_t i)
{
	free(w->patterns[i].s);
	w->patterns[i] = w->patterns[--w->npatterns];
}

int watch_add(server *s, op_call *c)
{
	const char *pat = c->nargs ? c->args[0].as.str : "*";
	size_t len = c->nargs ? c->args[0].len : 1;
	if (len > OBJECT_NAME_MAX)
		return op_fail(c, OM_BAD_PARAMS,
			       "objects.watch: parameter 'pattern' is longer than %d bytes",
			       OBJECT_NAME_MAX);
	watcher *w = watcher_of(s, c->owner, true);
	if (!w)
		return op_no_memory(c);
	for (size_t i = 0; i < w->npatterns; i++)
		if (w->patterns[i].len == len && memcmp(w->patterns[i].s, pat, len) == 0)
			return op_ok(c, om_uint(s->revision));
	if (w->npatterns == WATCH_PATTERNS_MAX)
		return op_fail(c, OM_LIMIT, "objects.watch: a connection watches at most %d patterns",
			       WATCH_PATTERNS_MAX);
	char *copy = mem_alloc(len + 1);
	if (!copy) {
		watcher_gc(s, w);
		return op_no_memory(c);
	}
	memcpy(copy, pat, len);
	copy[len] = '\0';
	w->patterns[w->npatterns++] = (pattern){copy, len};
	return op_ok(c, om_uint(s->revision));
}

int watch_remove(server *s, op_call *c)
{
	watcher *w = watcher_of(s, c->owner, false);
	bool found = false;
	for (size_t i = w ? w->npatterns : 0; i-- > 0;) {
		pattern *p = &w->patterns[i];
		if (c->nargs && !(p->len == c->args[0].len && memcmp(p->s, c->args[0].as.str, p->len) == 0))
			continue;
		pattern_drop(w, i);
		found = true;
	}
	if (w)
		watcher_gc(s, w);
	return op_ok(c, om_bool(found));
}

int watch_monitor(server *s, op_call *c)
{
	bool on = !c->nargs || c->args[0].as.b;
	watcher *w = watcher_of(s, c->owner, on);
	if (!w)
		return on ? op_no_memory(c) : op_ok(c, om_bool(true));
	if (w->monitor != on)
		s->nmonitors += on ? 1 : (size_t)-1;
	w->monitor = on;
	watcher_gc(s, w);
	return op_ok(c, om_bool(true));
}

static void watcher_stop(server *s, watcher *w, bool patterns, bool monitor)
{
	while (patterns && w->npatterns)
		pattern_drop(w, w->npatterns - 1);
	if (monitor && w->monitor) {
		w->monitor = false;
		s->nmonitors--;
	}
	watcher_gc(s, w);
}

void watch_conn_closed(server *s, conn *from)
{
	watcher *w = *conn_watch_slot(from);
	if (w)
		watcher_stop(s, w, true, true);
}

/* --- sending -------------------------------------------------------------- */

/*
 * Tells w's connection it fell behind, and stops what it fell behind on:
 * its watches, or its monitoring. May free w.
 */
static void overflow(server *s, watcher *w, bool monitor)
{
	msgpack_packer *pk = conn_packer(w->conn);
	char msg[160];
	int len = snprintf(msg, sizeof msg, "%s: over %zu bytes of output unsent (--max-output); "
			   "%s stopped", monitor ? "server.monitor" : "objects.watch",
			   s->limits.max_output, monitor ? "monitoring" : "every watch");
	log_info("client %llu: %s", (unsigned long long)conn_id(w->conn), msg);
	msgpack_pack_array(pk, 3);
	msgpack_pack_int(pk, 2);
	if (monitor) {
		msgpack_pack_str_with_body(pk, "server.overflow", 15);
		msgpack_pack_array(pk, 1);
	} else {
		msgpack_pack_str_with_body(pk, "objects.overflow", 16);
		msgpack_pack_array(pk, 2);
	}
	msgpack_pack_str_with_body(pk, msg, (size_t)len);
	if (!monitor)
		msgpack_pack_uint64(pk, s->revision);
	conn_reply_later(w->conn);
	watcher_stop(s, w, !monitor, monitor);
}

/* Appends a packed notification to w's output, or drops w from it when w is behind. */
static void deliver(server *s, watcher *w, const char *bytes, size_t size, bool monitor)
{
	if (conn_output(w->conn) > s->limits.max_output) {
		overflow(s, w, monitor);
		return;
	}
	msgpack_packer *pk = conn_packer(w->conn);
	pk->callback(pk->data, bytes, size);
	conn_reply_later(w->conn);
}

static bool watches(const watcher *w, const char *name, size_t len)
{
	for (size_t i = 0; i < w->npatterns; i++)
		if (glob_match(w->patterns[i].s, w->patterns[i].len, name, len))
			return true;
	return false;
}

/* Sends the notification at s->notes[start, start + size) to the watchers of name. */
static void send_change(server *s, size_t start, size_t size, const char *name, size_t len)
{
	watcher *next;
	for (watcher *w = s->watchers; w; w = next) {
		next = w->next;
		if (watches(w, name, len))
			deliver(s, w, s->notes.data + start, size, false);
	}
}

/* Starts packing a notification at the end of s->notes; false when out of memory before. */
static msgpack_packer *note_begin(server *s, size_t *mark)
{
	*mark = s->notes.size;
	s->notes_out.failed = false;
	return &s->notes_pk;
}

/* Whether the notification begun at mark was packed whole; if not, it is taken back. */
static bool note_end(server *s, size_t mark)
{
	if (!s->notes_out.failed)
		return true;
	s->notes.size = mark;
	s->notes_out.failed = false;
	return false;
}

/* The watchers of name cannot be told of a change (no memory to pack it): they are dropped. */
static void drop_watchers_of(server *s, const char *name, size_t len)
{
	watcher *next;
	for (watcher *w = s->watchers; w; w = next) {
		next = w->next;
		if (watches(w, name, len))
			overflow(s, w, false);
	}
}

/* Keeps the notification at s->notes[mark, mark + size) for watch_release(); false when out of memory. */
static bool hold(server *s, size_t mark, size_t size, const char *name, size_t len)
{
	if (s->nheld == s->held_cap) {
		size_t cap = s->held_cap ? 2 * s->held_cap : 16;
		held_note *h = mem_realloc(s->held_notes, cap * sizeof *h);
		if (!h)
			return false;
		s->held_notes = h;
		s->held_cap = cap;
	}
	if (msgpack_sbuffer_write(&s->notes, name, len) != 0)
		return false;
	s->held_notes[s->nheld++] = (held_note){mark, size, len};
	return true;
}

static void notify(server *s, const char *name, size_t len, const char *type, const char *op,
		   const msgpack_object *args, size_t nargs, uint64_t version)
{
	if (!s->watchers)
		return;
	size_t mark, tlen = strlen(type), olen = strlen(op);
	msgpack_packer *pk = note_begin(s, &mark);
	msgpack_pack_array(pk, 3);
	msgpack_pack_int(pk, 2);
	msgpack_pack_str_with_body(pk, "objects.changed", 15);
	msgpack_pack_array(pk, 4);
	msgpack_pack_str_with_body(pk, name, len);
	msgpack_pack_str(pk, tlen + 1 + olen);
	msgpack_pack_str_body(pk, type, tlen);
	msgpack_pack_str_body(pk, ".", 1);
	msgpack_pack_str_body(pk, op, olen);
	pack_args(pk, args, nargs);
	msgpack_pack_uint64(pk, version);
	size_t size = s->notes.size - mark;
	if (s->holding) {
		if (!s->notes_out.failed && hold(s, mark, size, name, len))
			return;
		s->notes_out.failed = true;
	}
	if (!note_end(s, mark)) {
		drop_watchers_of(s, name, len);
		return;
	}
	send_change(s, mark, size, name, len);
	s->notes.size = mark;
}

void watch_changed(server *s, registry_entry *e, const char *type, const char *op,
		   const msgpack_object *args, size_t nargs)
{
	e->version = ++s->revision;
	notify(s, e->name, e->len, type, op, args, nargs, e->version);
}

void watch_changed_values(server *s, registry_entry *e, const char *type, const char *op,
			  const om_value *args, size_t nargs)
{
	if (!s->watchers) {
		e->version = ++s->revision;
		return;
	}
	msgpack_sbuffer buf;
	msgpack_sbuffer_init(&buf);
	codec_out out = {&buf, false};
	msgpack_packer pk;
	msgpack_packer_init(&pk, &out, codec_out_write);
	msgpack_pack_array(&pk, (uint32_t)nargs);
	for (size_t i = 0; i < nargs; i++)
		codec_pack(&pk, &args[i]);
	msgpack_unpacked u;
	msgpack_unpacked_init(&u);
	bool ok = !out.failed &&
		  msgpack_unpack_next(&u, buf.data, buf.size, NULL) == MSGPACK_UNPACK_SUCCESS;
	const msgpack_object_array *a = ok ? &u.data.via.array : NULL;
	watch_changed(s, e, type, op, a ? a->ptr : NULL, a ? a->size : 0);
	msgpack_unpacked_destroy(&u);
	msgpack_sbuffer_destroy(&buf);
}

void watch_deleted(server *s, const char *name, size_t len, const char *type, const char *op,
		   const msgpack_object *args, size_t nargs)
{
	notify(s, name, len, type, op, args, nargs, ++s->revision);
}

void watch_hold(server *s)
{
	s->holding = true;
}

void watch_release(server *s, bool deliver_them)
{
	s->holding = false;
	const held_note *h = s->held_notes;
	for (size_t i = 0; deliver_them && i < s->nheld; i++)
		send_change(s, h[i].start, h[i].size, s->notes.data + h[i].start + h[i].size,
			    h[i].name_len);
	s->nheld = 0;
	s->notes.size = 0;
}

void watch_call(server *s, conn *from, const type_def *t, const op_def *op,
		const msgpack_object_array *params)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	size_t mark, tlen = strlen(t->name), olen = strlen(op->name);
	msgpack_packer *pk = note_begin(s, &mark);
	msgpack_pack_array(pk, 3);
	msgpack_pack_int(pk, 2);
	msgpack_pack_str_with_body(pk, "server.call", 11);
	msgpack_pack_array(pk, 4);
	msgpack_pack_double(pk, (double)now.tv_sec + (double)now.tv_nsec / 1e9);
	msgpack_pack_uint64(pk, conn_id(from));
	msgpack_pack_str(pk, tlen + 1 + olen);
	msgpack_pack_str_body(pk, t->name, tlen);
	msgpack_pack_str_body(pk, ".", 1);
	msgpack_pack_str_body(pk, op->name, olen);
	pack_args(pk, params->ptr, params->size);
	bool packed = note_end(s, mark);
	watcher *next;
	for (watcher *w = s->watchers; w; w = next) {
		next = w->next;
		if (!w->monitor)
			continue;
		if (packed)
			deliver(s, w, s->notes.data + mark, s->notes.size - mark, true);
		else
			overflow(s, w, true);
	}
	s->notes.size = mark;
}

void watch_free(server *s)
{
	while (s->watchers)
		watcher_stop(s, s->watchers, true, true);
	msgpack_sbuffer_destroy(&s->notes);
	free(s->held_notes);
	s->held_notes = NULL;
}
