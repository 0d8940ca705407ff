/*
 * server.c — a server's lifetime: set-up on a loop, clean stop, release.
 * Kept apart from main.c's options and signals so that a test harness can
 * run the same server on a loop of its own (tests/fuzz/).
 */
#include "server.h"

#include "conn.h"
#include "listener.h"
#include "log.h"
#include "stats.h"
#include "wait.h"
#include "watch.h"

#include <sodium.h>
#include <stdlib.h>

/* How long a stop waits for clients to take their last replies. */
#define STOP_GRACE_MS 2000

void server_init(server *s, uv_loop_t *loop, const server_limits *limits)
{
	s->loop = loop;
	s->limits = *limits;
	s->access.socket_mode = ACCESS_SOCKET_MODE;
	registry_init(&s->objects);
	msgpack_sbuffer_init(&s->notes);
	s->notes_out = (codec_out){&s->notes, false};
	msgpack_packer_init(&s->notes_pk, &s->notes_out, codec_out_write);
	unsigned char id[16];
	if (sodium_init() < 0)
		abort(); /* no usable entropy source */
	randombytes_buf(id, sizeof id);
	sodium_bin2hex(s->run_id, sizeof s->run_id, id, sizeof id);
	s->stats = stats_new();
	uv_timer_init(loop, &s->stop_timer);
	s->stop_timer.data = s;
	uv_unref((uv_handle_t *)&s->stop_timer); /* never keeps the loop alive */
	conn_sweep_start(s);
}

void server_free(server *s)
{
	server_close_handle((uv_handle_t *)&s->stop_timer);
	server_close_handle((uv_handle_t *)&s->sweep_timer);
	server_close_handle((uv_handle_t *)&s->resume);
	server_close_handle((uv_handle_t *)&s->refuse_timer);
	uv_run(s->loop, UV_RUN_DEFAULT);
	watch_free(s);
	registry_free(&s->objects);
	stats_free(s->stats);
	s->stats = NULL;
	wait_free_reserve(s);
}

static void stop_force(uv_timer_t *t)
{
	server *s = t->data;
	log_warn("closing %zu connection(s) that did not take their replies", s->nconns);
	conn_close_all(s, false);
}

/* Runs on the loop iteration after the stop began, once the current batch's replies are packed. */
static void stop_begin(uv_timer_t *t)
{
	server *s = t->data;
	conn_close_all(s, true);
	uv_timer_start(t, stop_force, STOP_GRACE_MS, 0);
}

void server_stop(server *s)
{
	if (s->stopping)
		return;
	log_info("stopping");
	s->stopping = true;
	listener_stop(s);
	server_close_handle((uv_handle_t *)&s->sigint);
	server_close_handle((uv_handle_t *)&s->sigterm);
	uv_timer_start(&s->stop_timer, stop_begin, 0, 0);
}
