/*
 * lock.c — the typed proxies for locks and rlocks, one function per
 * lock.* and rlock.* wire method: the same three methods, two types.
 */
#include "handle.h"

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
