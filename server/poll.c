/* poll.c — polling after each batch while it pays off (poll.h). */
#include "poll.h"

#include "log.h"
#include "server.h"
#include "value.h"

/*
 * While active, the handle alone keeps the loop from blocking. It does not
 * sched_yield(): that helps a client on the server's CPU, but with any busy
 * process on that CPU the yielding server ran only now and then, and one
 * client's round trips fell from ~11k/s (no polling) to ~660/s. Sharing
 * the CPU is told by preemptions instead (payoff.h), and ends polling.
 */
static void on_spin(uv_idle_t *h)
{
	server *s = h->data;
	s->poll.spun_ns = uv_hrtime();
	if (s->poll.spin)
		s->poll.spin(s);
}

/* Whether the loop thread was preempted since the last reading; the reading is taken now. */
static bool preempted(poller *p)
{
	if (p->preempted_fresh)
		return false;
	uint64_t n = payoff_preemptions();
	bool moved = n != p->preempted_seen;
	p->preempted_seen = n;
	p->preempted_fresh = true;
	return moved;
}

/* Ends the open window: caught (polling_ns spent) or missed; the rule learns how it went. */
static void close_window(poller *p, bool caught, uint64_t polling_ns)
{
	p->open = false;
	p->ns += polling_ns;
	p->caught += caught;
	if (p->mode != POLL_AUTO)
		return;
	if (p->watched && preempted(p)) {
		p->stolen++;
		payoff_note(&p->rule, PAYOFF_STOLEN);
		return;
	}
	payoff_note(&p->rule, caught ? PAYOFF_CAUGHT : PAYOFF_MISSED);
}

/* After a batch: opens a window if the mode (and in POLL_AUTO the rule) says so. */
static void open_window(poller *p)
{
	if (p->mode == POLL_AUTO && !payoff_try(&p->rule))
		return;
	p->watched = p->mode == POLL_AUTO && payoff_watch(&p->rule);
	if (p->watched)
		preempted(p); /* the window's reading: only the preemptions inside it count */
	p->open = true;
	p->opened_ns = p->spun_ns = uv_hrtime();
	p->windows++;
}

/* After each poll for I/O: ends the window as caught when requests ran, as missed once it passed. */
static void on_check(uv_check_t *h)
{
	server *s = h->data;
	poller *p = &s->poll;
	p->preempted_fresh = false;
	if (s->stopping) {
		p->open = false;
		uv_idle_stop(&p->idle);
		return;
	}
	/* No clock reading unless a window is open or opens: backed off, this costs next to nothing. */
	if (s->ops_total != p->ops_seen) {
		p->ops_seen = s->ops_total;
		if (p->open)
			close_window(p, true, p->spun_ns - p->opened_ns);
		open_window(p);
	} else if (p->open) {
		uint64_t polled = uv_hrtime() - p->opened_ns;
		if (polled >= p->window_ns)
			close_window(p, false, polled);
	}
	if (p->open || (p->rest && p->rest(s)))
		uv_idle_start(&p->idle, on_spin);
	else
		uv_idle_stop(&p->idle);
}

void poll_start(server *s, poll_mode mode, unsigned long usec)
{
	poller *p = &s->poll;
	p->mode = mode;
	p->window_ns = (uint64_t)(mode == POLL_AUTO ? POLL_AUTO_US : usec) * 1000;
	payoff_init(&p->rule);
	if (mode == POLL_OFF)
		return;
	uv_idle_init(s->loop, &p->idle);
	p->idle.data = s;
	uv_unref((uv_handle_t *)&p->idle);
	uv_check_init(s->loop, &p->check);
	p->check.data = s;
	uv_check_start(&p->check, on_check);
	uv_unref((uv_handle_t *)&p->check);
	log_debug("polling %s for %lu µs after each batch of requests",
		  mode == POLL_AUTO ? "while it pays off" : "always", poll_window_us(s));
}

void poll_close(server *s)
{
	server_close_handle((uv_handle_t *)&s->poll.check);
	server_close_handle((uv_handle_t *)&s->poll.idle);
}

void poll_set_carrier(server *s, void (*spin)(server *s), bool (*rest)(server *s))
{
	s->poll.spin = spin;
	s->poll.rest = rest;
}

unsigned long poll_window_us(const server *s)
{
	return (unsigned long)(s->poll.window_ns / 1000);
}

/* Whether a window follows the next batch. */
static bool polls_next(const poller *p)
{
	return p->mode == POLL_FIXED || (p->mode == POLL_AUTO && p->rule.skip == 0);
}

/* Sets the pair at *pair to key and v (taken over), and moves on; false when out of memory. */
static bool put(om_value **pair, const char *key, om_value v)
{
	om_value *p = *pair;
	*pair += 2;
	p[1] = v;
	return value_str_copy(&p[0], key, strlen(key));
}

bool poll_info(const server *s, om_value *out)
{
	static const char *const modes[] = {[POLL_OFF] = "off", [POLL_AUTO] = "auto",
					    [POLL_FIXED] = "fixed"};
	const poller *p = &s->poll;
	om_value mode;
	if (!value_map_alloc(out, 8))
		return false;
	om_value *it = out->as.items;
	if (value_str_copy(&mode, modes[p->mode], strlen(modes[p->mode])) &&
	    put(&it, "mode", mode) && put(&it, "window_us", om_uint(poll_window_us(s))) &&
	    put(&it, "next", om_bool(polls_next(p))) && put(&it, "windows", om_uint(p->windows)) &&
	    put(&it, "caught", om_uint(p->caught)) && put(&it, "stolen", om_uint(p->stolen)) &&
	    put(&it, "usec", om_uint(p->ns / 1000)) &&
	    put(&it, "doorbells", om_uint(s->shm_doorbells)))
		return true;
	om_value_free(out);
	return false;
}
