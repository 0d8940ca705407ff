/* barrier.c — the typed proxy for barriers: one function per barrier.* wire method. */
#include "handle.h"

int om_barrier_wait(om_barrier *b, double timeout_s, size_t *index)
{
	om_value timeout = handle_timeout(timeout_s);
	return handle_call_size(&b->h, "barrier.wait", &timeout, 1, index);
}

int om_barrier_reset(om_barrier *b)
{
	return handle_call(&b->h, "barrier.reset", NULL, 0, NULL);
}

int om_barrier_abort(om_barrier *b)
{
	return handle_call(&b->h, "barrier.abort", NULL, 0, NULL);
}

int om_barrier_parties(om_barrier *b, size_t *out)
{
	return handle_call_size(&b->h, "barrier.parties", NULL, 0, out);
}

int om_barrier_n_waiting(om_barrier *b, size_t *out)
{
	return handle_call_size(&b->h, "barrier.n_waiting", NULL, 0, out);
}

int om_barrier_broken(om_barrier *b, bool *out)
{
	return handle_call_bool(&b->h, "barrier.broken", NULL, 0, out);
}
