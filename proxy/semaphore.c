/* semaphore.c — the typed proxy for semaphores: one function per semaphore.* wire method. */
#include "handle.h"

int om_semaphore_acquire(om_semaphore *s, double timeout_s, bool *acquired)
{
	om_value timeout = handle_timeout(timeout_s);
	return handle_call_bool(&s->h, "semaphore.acquire", &timeout, 1, acquired);
}

int om_semaphore_release(om_semaphore *s)
{
	return handle_call(&s->h, "semaphore.release", NULL, 0, NULL);
}

int om_semaphore_value(om_semaphore *s, size_t *out)
{
	return handle_call_size(&s->h, "semaphore.value", NULL, 0, out);
}
