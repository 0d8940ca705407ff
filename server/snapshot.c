/*
 * snapshot.c — writing snapshots: the journal starts over, and a forked
 * child writes every object as the calls that remake it (as Redis's
 * BGSAVE does: the kernel's copy-on-write keeps the child's view frozen
 * while the server goes on). The server stops only for the fork() itself
 * and for making the next journal file (the old one is written, synced and
 * closed by a thread, before anything of the new one is synced); server.info
 * reports the fork's pause.
 *
 * A snapshot is snapshot.K.tmp until the child has written and synced it;
 * then renamed to snapshot.K, the directory synced, and the files it
 * replaces (snapshot.J and journal.J .. journal.K-1) removed by the server.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "journal_state.h"
#include "log.h"
#include "record.h"

/* The child writes its buffer out once it holds this much. */
#define WRITE_AT (1 << 20)

/* The child's writer: a save_sink that packs each call as a record into buf. */
typedef struct writer {
	save_sink sink;
	int fd;
	msgpack_sbuffer buf;
	msgpack_packer pk;
	const registry_entry *e; /* the object being saved */
	uint64_t records;
	bool failed;
} writer;

static bool writer_flush(writer *w)
{
	for (size_t at = 0; at < w->buf.size;) {
		ssize_t n = write(w->fd, w->buf.data + at, w->buf.size - at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		at += (size_t)n;
	}
	w->buf.size = 0;
	return true;
}

/* Ends the record begun at mark, and writes the buffer out when it is full. */
static bool writer_end(writer *w, size_t mark)
{
	if (!record_end(&w->buf, mark))
		return false;
	w->records++;
	return w->buf.size < WRITE_AT || writer_flush(w);
}

static void pack_name(writer *w, const registry_entry *e)
{
	msgpack_pack_str_with_body(&w->pk, e->name, e->len);
}

static bool writer_call(save_sink *sink, const char *method, const om_value *args, size_t nargs)
{
	writer *w = (writer *)sink;
	size_t mark;
	if (!record_begin(&w->buf, &mark))
		return false;
	msgpack_pack_array(&w->pk, 2);
	msgpack_pack_str_with_body(&w->pk, method, strlen(method));
	msgpack_pack_array(&w->pk, (uint32_t)(1 + nargs));
	pack_name(w, w->e);
	for (size_t i = 0; i < nargs; i++)
		codec_pack(&w->pk, &args[i]);
	return writer_end(w, mark);
}

/* objects.create NAME TYPE OPTIONS, then the calls that fill it. */
static void save_one(const registry_entry *e, void *ctx)
{
	writer *w = ctx;
	if (w->failed || e->provisional || e->owned_by)
		return; /* an ephemeral object does not outlive its connection */
	w->e = e;
	om_value options = om_nil();
	size_t mark;
	if ((e->type->options && !e->type->options(e->obj, &options)) ||
	    !record_begin(&w->buf, &mark)) {
		w->failed = true;
		return;
	}
	msgpack_pack_array(&w->pk, 2);
	msgpack_pack_str_with_body(&w->pk, "objects.create", 14);
	msgpack_pack_array(&w->pk, 3);
	pack_name(w, e);
	msgpack_pack_str_with_body(&w->pk, e->type->name, strlen(e->type->name));
	codec_pack(&w->pk, &options);
	om_value_free(&options);
	w->failed = !writer_end(w, mark) || (e->type->save && !e->type->save(e->obj, &w->sink));
}

/* The child: writes snapshot.gen.tmp, syncs it, renames it. Exits 0 when done. */
static void child_write(journal *j, uint64_t gen)
{
	char tmp[JOURNAL_NAME_MAX + 8], name[JOURNAL_NAME_MAX];
	snprintf(name, sizeof name, "snapshot.%" PRIu64, gen);
	snprintf(tmp, sizeof tmp, "%s.tmp", name);
	writer w = {.sink.call = writer_call};
	msgpack_sbuffer_init(&w.buf);
	msgpack_packer_init(&w.pk, &w.buf, msgpack_sbuffer_write);
	w.fd = openat(j->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (w.fd < 0 || !record_pack_header(&w.buf, "snapshot", gen))
		goto failed;
	registry_each(&j->srv->objects, save_one, &w);
	size_t mark;
	if (w.failed || !record_begin(&w.buf, &mark))
		goto failed;
	msgpack_pack_map(&w.pk, 2);
	msgpack_pack_str_with_body(&w.pk, "end", 3);
	msgpack_pack_true(&w.pk);
	msgpack_pack_str_with_body(&w.pk, "records", 7);
	msgpack_pack_uint64(&w.pk, w.records);
	if (!record_end(&w.buf, mark) || !writer_flush(&w) || fsync(w.fd) < 0 ||
	    renameat(j->dir_fd, tmp, j->dir_fd, name) < 0 || fsync(j->dir_fd) < 0)
		goto failed;
	_exit(0);
failed:
	fprintf(stderr, "objmgrd: writing %s/%s failed: %s\n", j->dir, tmp,
		w.failed ? "out of memory" : strerror(errno));
	_exit(1);
}

/*
 * In the child: closes every descriptor but the directory, its lock and
 * the standard streams, so that a client the server closes sees its end
 * at once, not when the snapshot is written.
 */
static void close_others(int a, int b)
{
	if (a > b) {
		int t = a;
		a = b;
		b = t;
	}
	if (a > 3)
		close_range(3, (unsigned)a - 1, 0);
	if (b > a + 1)
		close_range((unsigned)a + 1, (unsigned)b - 1, 0);
	close_range((unsigned)b + 1, ~0u, 0);
}

static void on_sigchld(uv_signal_t *h, int signum)
{
	journal *j = h->data;
	(void)signum;
	int status;
	if (j->child && waitpid(j->child, &status, WNOHANG) == j->child)
		snapshot_done(j, status);
}

int snapshot_start(journal *j, char *why, size_t size)
{
	if (j->child)
		return 0;
	uint64_t start = uv_hrtime();
	if (j->failing) {
		snprintf(why, size, "journal.%" PRIu64 " cannot be written: %s", j->gen,
			 strerror(j->fail_err));
		return OM_LIMIT;
	}
	/* The old journal is written, synced and closed by a job: everything before the fork is in it. */
	if (!journal_rotate(j)) {
		snprintf(why, size, "cannot start journal.%" PRIu64 " (see the server's log)",
			 j->gen + 1);
		return OM_LIMIT;
	}
	uint64_t fork_at = uv_hrtime();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, size, "fork failed: %s", strerror(errno));
		return OM_LIMIT;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the server: it holds the lock */
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_DFL);
		close_others(j->dir_fd, j->lock_fd);
		child_write(j, j->gen);
	}
	j->fork_us = (uv_hrtime() - fork_at) / 1000;
	j->child = pid;
	j->child_gen = j->gen;
	j->child_started_ns = start;
	if (!j->sigchld.loop) {
		uv_signal_init(j->srv->loop, &j->sigchld);
		j->sigchld.data = j;
		uv_signal_start(&j->sigchld, on_sigchld, SIGCHLD);
		uv_unref((uv_handle_t *)&j->sigchld);
	}
	log_info("snapshot.%" PRIu64 ": writing in process %d (the server stopped %.1f ms for it)",
		 j->gen, (int)pid, (double)(uv_hrtime() - start) / 1e6);
	return 0;
}

/* Removes the files snapshot.gen makes useless: older snapshots and journals. */
static void remove_replaced(journal *j, uint64_t gen)
{
	char name[JOURNAL_NAME_MAX];
	for (uint64_t g = gen - 1; g > 0; g--) {
		snprintf(name, sizeof name, "journal.%" PRIu64, g);
		bool journal_gone = unlinkat(j->dir_fd, name, 0) < 0;
		snprintf(name, sizeof name, "snapshot.%" PRIu64, g);
		bool snapshot_gone = unlinkat(j->dir_fd, name, 0) < 0;
		if (journal_gone && snapshot_gone)
			break; /* an earlier snapshot removed the rest */
	}
	fsync(j->dir_fd);
}

void snapshot_done(journal *j, int status)
{
	uint64_t gen = j->child_gen;
	j->child = 0;
	j->snapshot_status = status;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_error("snapshot.%" PRIu64 " failed (%s %d): the journals are kept", gen,
			  WIFEXITED(status) ? "exit status" : "signal",
			  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		return;
	}
	char name[JOURNAL_NAME_MAX];
	snprintf(name, sizeof name, "snapshot.%" PRIu64, gen);
	struct stat st;
	j->snapshot_size = fstatat(j->dir_fd, name, &st, 0) == 0 ? (uint64_t)st.st_size : 0;
	j->snapshot_time = (int64_t)time(NULL);
	j->snapshot_ms = (uv_hrtime() - j->child_started_ns) / 1000000;
	j->older = 0;
	remove_replaced(j, gen);
	log_info("snapshot.%" PRIu64 ": %" PRIu64 " bytes written in %" PRIu64 " ms", gen,
		 j->snapshot_size, j->snapshot_ms);
}

int journal_save(server *s, op_call *c)
{
	journal *j = s->journal;
	char why[200];
	if (!j) {
		if (c)
			op_fail(c, OM_VALUE_ERROR, "server.save: the server keeps no data directory "
				"(start it with --data-dir)");
		return OM_VALUE_ERROR;
	}
	if (j->job_busy) {
		j->save_wanted = true; /* the job's end starts it: batches reach the file in order */
		return OM_OK;
	}
	j->save_wanted = false;
	int rc = snapshot_start(j, why, sizeof why);
	if (rc) {
		log_error("snapshot: %s", why);
		if (c)
			op_fail(c, rc, "server.save: %s", why);
	}
	return rc;
}

bool journal_saving(const server *s)
{
	return s->journal && (s->journal->child || s->journal->save_wanted);
}

uint64_t journal_generation(const server *s)
{
	const journal *j = s->journal;
	if (!j)
		return 0;
	return j->child ? j->child_gen : j->save_wanted ? j->gen + 1 : j->gen;
}
