/*
 * lock.c — the typed proxies for locks and rlocks, one function per
 * lock.* and rlock.* wire method: the same three methods, two types.
 */
#include "handle.h"
#include "mem.h"

om_lock *om_lock_open(om_client *c, const char *name)
{
	om_lock *l = xmalloc(sizeof *l);
	l->h = handle_make(c, name);
	return l;
}

void om_lock_close(om_lock *l)
{
	if (!l)
		return;
	handle_free(&l->h);
	free(l);
}

int om_lock_acquire(om_lock *l, double timeout_s, bool *acquired)
{
	om_value timeout = handle_timeout(timeout_s);
	return handle_call_bool(&l->h, "lock.acquire", &timeout, 1, acquired);
}

int om_lock_release(om_lock *l)
{
	return handle_call(&l->h, "lock.release", NULL, 0, NULL);
}

int om_lock_locked(om_lock *l, bool *out)
{
	return handle_call_bool(&l->h, "lock.locked", NULL, 0, out);
}

om_rlock *om_rlock_open(om_client *c, const char *name)
{
	om_rlock *l = xmalloc(sizeof *l);
	l->h = handle_make(c, name);
	return l;
}

void om_rlock_close(om_rlock *l)
{
	if (!l)
		return;
	handle_free(&l->h);
	free(l);
}

int om_rlock_acquire(om_rlock *l, double timeout_s, bool *acquired)
{
	om_value timeout = handle_timeout(timeout_s);
	return handle_call_bool(&l->h, "rlock.acquire", &timeout, 1, acquired);
}

int om_rlock_release(om_rlock *l)
{
	return handle_call(&l->h, "rlock.release", NULL, 0, NULL);
}

int om_rlock_locked(om_rlock *l, bool *out)
{
	return handle_call_bool(&l->h, "rlock.locked", NULL, 0, out);
}
