/*
 * lock_counter.c — five processes each read a shared counter, pause, and
 * write it back plus one. Without a lock they would all read 0 and the
 * total would be 1; under a shared lock every update lands: exactly 5.
 *
 * Run it with an objmgrd listening on the default socket (or $OBJMGR_SOCKET).
 */
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <objmgr.h>

enum { PROCESSES = 5 };

/* counter.get then counter.set + 1: two requests another process could come between. */
static int increment(om_counter *n)
{
	om_value v;
	int rc = om_counter_get(n, &v);
	if (rc)
		return rc;
	nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL); /* the others try meanwhile */
	return om_counter_set(n, om_int(v.as.i + 1));
}

static int worker(void)
{
	om_client *c = om_connect(NULL, NULL);
	om_lock *guard = om_lock_open(c, "example-guard");
	om_counter *total = om_counter_open(c, "example-total");
	bool acquired = false;
	/* -1: wait as long as it takes. */
	int rc = om_lock_acquire(guard, -1, &acquired);
	if (rc == OM_OK)
		rc = increment(total);
	if (rc == OM_OK)
		rc = om_lock_release(guard);
	/* After an error the lock is freed anyway: closing the connection gives it up. */
	om_counter_close(total);
	om_lock_close(guard);
	om_close(c);
	return rc ? 1 : 0;
}

int main(void)
{
	om_client *c = om_connect(NULL, NULL);
	if (om_errcode(c)) {
		fprintf(stderr, "error: %s\n", om_errmsg(c));
		return 1;
	}
	om_counter *total = om_counter_open(c, "example-total");
	om_counter_set(total, om_int(0));

	for (int i = 0; i < PROCESSES; i++)
		if (fork() == 0)
			_exit(worker());
	int failed = 0, status;
	for (int i = 0; i < PROCESSES; i++) {
		wait(&status);
		failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}

	om_value v;
	if (failed || om_counter_get(total, &v)) {
		fprintf(stderr, "error: a worker failed\n");
		return 1;
	}
	printf("%d processes under a lock = %lld\n", PROCESSES, (long long)v.as.i);
	om_counter_close(total);
	om_close(c);
	return v.as.i == PROCESSES ? 0 : 1;
}
