/*
 * workers.h — forked client processes for the integration suites: each
 * connects to harness_srv on its own, does its share of a job and reports
 * through its exit status, so tests count lost updates across real
 * processes, not threads.
 */
#ifndef OBJMGR_TEST_WORKERS_H
#define OBJMGR_TEST_WORKERS_H

#include <stdbool.h>
#include <sys/types.h>

#include "objmgr.h"

/* The most workers worker_run() starts at once. */
#define WORKERS_MAX 16

/* A worker's job: returns OM_OK, or the code of the call that failed. */
typedef int (*work_fn)(om_client *c, int id);

/*
 * A client of harness_srv whose calls fail after 60 s without a reply, so
 * a server that stops answering fails a test instead of hanging it.
 */
om_client *worker_connect(void);

/*
 * Forks a worker that connects, runs work(c, id) and exits 0 when it
 * answered OM_OK (1 otherwise, saying why on stderr). It dies with this
 * process. Returns its pid, or -1 when fork failed.
 */
pid_t worker_spawn(work_fn work, int id);

/* Reaps worker pid; true when it exited 0 (false for -1: never forked). */
bool worker_reap(pid_t pid);

/* Reaps the n workers in pids; returns how many failed. */
int worker_reap_all(const pid_t *pids, int n);

/* Runs work(c, 0..n-1) in n workers at once; returns how many failed. */
int worker_run(int n, work_fn work);

#endif
