/*
 * journal.c — appending records, writing and syncing them in batches, and
 * holding back the replies that depend on a batch until it is durable
 * (the contract: journal.h; the state: journal_state.h).
 */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "journal_state.h"
#include "log.h"
#include "mem.h"
#include "record.h"
#include "value.h"

#define TICK_MS 1000

static const char *const fsync_names[] = {
	[JOURNAL_ALWAYS] = "always", [JOURNAL_EVERYSEC] = "everysec", [JOURNAL_NO] = "no",
};

/* pwrite()s all of buf at offset: 0, or the errno of the failure. */
static int write_all(int fd, const char *buf, size_t len, uint64_t offset)
{
	while (len) {
		ssize_t n = pwrite(fd, buf, len, (off_t)offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return EIO;
		buf += n;
		len -= (size_t)n;
		offset += (uint64_t)n;
	}
	return 0;
}

/* --- the replies that wait ------------------------------------------------ */

uint64_t journal_need(const server *s)
{
	const journal *j = s->journal;
	if (!j)
		return 0;
	if (j->acc.size)
		return j->acc_epoch;
	if (j->job_busy && j->job.epoch)
		return j->job.epoch;
	return 0;
}

/* Batch epoch is durable: its replies may go. */
static void batch_durable(journal *j, uint64_t epoch)
{
	j->durable_epoch = epoch;
	conn_journal_durable(j->srv, epoch);
}

static void fail(journal *j, int err, const char *op)
{
	if (!j->failing)
		log_error("journal: %s of %s/journal.%llu failed: %s; writes are refused until it "
			  "succeeds (trying again every second)", op, j->dir,
			  (unsigned long long)j->gen, strerror(err));
	j->failing = true;
	j->fail_err = err;
	j->fail_op = op;
}

static void recovered(journal *j)
{
	log_info("journal: %s/journal.%llu can be written again", j->dir, (unsigned long long)j->gen);
	j->failing = false;
	j->fail_err = 0;
}

/* --- jobs on libuv's thread pool ------------------------------------------ */

static void job_run(uv_work_t *req)
{
	journal_job *job = req->data;
	uint64_t start = uv_hrtime();
	job->err = 0;
	if (job->buf.size && (job->err = write_all(job->fd, job->buf.data, job->buf.size,
						   job->offset))) {
		job->failed = "write";
		return;
	}
	if (job->sync && fdatasync(job->fd) < 0) {
		job->err = errno;
		job->failed = "fdatasync";
		return;
	}
	job->ns = uv_hrtime() - start;
	if (job->retire) {
		if (ftruncate(job->fd, (off_t)(job->offset + job->buf.size)) < 0)
			log_warn("journal: %s", strerror(errno));
		close(job->fd);
	}
}

static void job_start_next(journal *j);

static void job_done(uv_work_t *req, int status)
{
	journal_job *job = req->data;
	journal *j = (journal *)((char *)job - offsetof(journal, job));
	j->job_busy = false;
	if (status == UV_ECANCELED)
		job->err = ECANCELED;
	if (job->err) {
		fail(j, job->err, job->failed);
		if (!job->epoch)
			j->unsynced += !j->unsynced; /* a sync alone: the tick syncs again */
		return; /* a batch: the tick runs the same job again */
	}
	if (job->sync) {
		j->fsyncs++;
		j->last_fsync_ns = job->ns;
	}
	if (j->failing)
		recovered(j);
	job->buf.size = 0;
	job->retire = false;
	uint64_t epoch = job->epoch;
	job->epoch = 0;
	if (epoch)
		batch_durable(j, epoch);
	job_start_next(j);
}

static void job_submit(journal *j)
{
	j->job.req.data = &j->job;
	j->job_busy = true;
	int rc = uv_queue_work(j->srv->loop, &j->job.req, job_run, job_done);
	if (rc < 0) {
		j->job_busy = false;
		fail(j, -rc, "queueing a write");
	}
}

/*
 * always: hands the collected batch to a thread, which writes and syncs
 * it, unless a job is in flight (its end starts the next) or writing fails.
 */
static void job_start_next(journal *j)
{
	if (j->job_busy)
		return;
	if (j->save_wanted) {
		journal_save(j->srv, NULL); /* writes what was collected itself */
		return;
	}
	if (j->cfg.fsync != JOURNAL_ALWAYS || j->failing || !j->acc.size)
		return;
	msgpack_sbuffer batch = j->acc;
	j->acc = j->job.buf;
	j->acc.size = 0;
	j->job.buf = batch;
	j->job.fd = j->fd;
	j->job.offset = j->size;
	j->job.epoch = j->acc_epoch++;
	j->job.sync = true;
	j->size += batch.size;
	job_submit(j);
}

bool journal_rotate(journal *j)
{
	int old_fd = j->fd;
	uint64_t old_size = j->size;
	if (!journal_create_file(j, j->gen + 1))
		return false;
	msgpack_sbuffer batch = j->acc;
	j->acc = j->job.buf;
	j->acc.size = 0;
	j->job.buf = batch;
	j->job.fd = old_fd;
	j->job.offset = old_size;
	j->job.epoch = batch.size ? j->acc_epoch++ : 0;
	j->job.sync = true;
	j->job.retire = true;
	j->older += old_size + batch.size;
	j->unsynced = 0;
	job_submit(j);
	return true;
}

/* everysec and no: write()s the batch from the loop; on failure keeps it for the tick. */
static void write_batch(journal *j)
{
	if (j->failing || !j->acc.size)
		return;
	uint64_t epoch = j->acc_epoch++;
	int err = write_all(j->fd, j->acc.data, j->acc.size, j->size);
	if (err) {
		msgpack_sbuffer keep = j->acc;
		j->acc = j->failed;
		j->acc.size = 0;
		j->failed = keep;
		j->failed_offset = j->size;
		j->failed_epoch = epoch;
		j->size += keep.size;
		fail(j, err, "write");
		return;
	}
	j->size += j->acc.size;
	j->unsynced += j->acc.size;
	j->acc.size = 0;
	batch_durable(j, epoch);
}

/* After each poll for I/O: the batch of this loop iteration goes out. */
static void on_check(uv_check_t *h)
{
	journal *j = h->data;
	if (j->cfg.fsync == JOURNAL_ALWAYS)
		job_start_next(j);
	else
		write_batch(j);
}

/*
 * Whether the journals since the last snapshot outgrew it by the
 * compaction factor (and the minimum): a snapshot then starts them over.
 */
static bool compaction_due(const journal *j)
{
	uint64_t since = j->older + j->size;
	double limit = j->cfg.compact_factor * (double)j->snapshot_size;
	return !j->child && !j->save_wanted && !j->failing && since >= j->cfg.compact_min &&
	       (double)since >= limit;
}

/* Once a second: everysec's fdatasync, another try of a batch that failed, compaction. */
static void on_tick(uv_timer_t *t)
{
	journal *j = t->data;
	if (compaction_due(j)) {
		log_info("journal: %llu bytes since the last snapshot: compacting",
			 (unsigned long long)(j->older + j->size));
		journal_save(j->srv, NULL);
	}
	if (j->failing && !j->job_busy) {
		if (j->job.epoch || j->job.retire) {
			job_submit(j);
			return;
		}
		if (j->failed.size) {
			int err = write_all(j->fd, j->failed.data, j->failed.size, j->failed_offset);
			if (err) {
				fail(j, err, "write");
				return;
			}
			j->unsynced += j->failed.size;
			j->failed.size = 0;
			recovered(j);
			batch_durable(j, j->failed_epoch);
		}
	}
	if (j->cfg.fsync == JOURNAL_EVERYSEC && j->unsynced && !j->job_busy) {
		j->unsynced = 0;
		j->job.fd = j->fd;
		j->job.buf.size = 0;
		j->job.epoch = 0;
		j->job.sync = true;
		job_submit(j);
	}
}

bool journal_drain(journal *j)
{
	while (j->job_busy)
		uv_run(j->srv->loop, UV_RUN_ONCE);
	if (j->failing) {
		errno = j->fail_err;
		return false;
	}
	if (j->cfg.fsync == JOURNAL_ALWAYS && j->acc.size) {
		uint64_t epoch = j->acc_epoch++;
		int err = write_all(j->fd, j->acc.data, j->acc.size, j->size);
		if (err) {
			errno = err;
			return false;
		}
		j->size += j->acc.size;
		j->acc.size = 0;
		batch_durable(j, epoch);
	} else {
		write_batch(j);
		if (j->failing) {
			errno = j->fail_err;
			return false;
		}
	}
	if (fdatasync(j->fd) < 0)
		return false;
	j->unsynced = 0;
	return true;
}

bool journal_create_file(journal *j, uint64_t gen)
{
	char name[JOURNAL_NAME_MAX];
	snprintf(name, sizeof name, "journal.%llu", (unsigned long long)gen);
	msgpack_sbuffer head;
	msgpack_sbuffer_init(&head);
	int fd = openat(j->dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int err = fd < 0 ? errno : !record_pack_header(&head, "journal", gen) ? ENOMEM
		: write_all(fd, head.data, head.size, 0);
	if (!err && (fdatasync(fd) < 0 || fsync(j->dir_fd) < 0))
		err = errno;
	if (err) {
		log_error("cannot create %s/%s: %s", j->dir, name, strerror(err));
		if (fd >= 0)
			close(fd);
		msgpack_sbuffer_destroy(&head);
		return false;
	}
	j->fd = fd;
	j->gen = gen;
	j->size = j->reserved = head.size;
	msgpack_sbuffer_destroy(&head);
	return true;
}

/* --- appending ------------------------------------------------------------- */

/*
 * Makes sure the file has room for `need` more bytes after what is
 * collected: reserves disk ahead (JOURNAL_RESERVE_CHUNK at a time, or just
 * enough when the disk has no more). 0, or the errno of the failure.
 */
static int reserve_disk(journal *j, uint64_t need)
{
	uint64_t end = j->size + j->acc.size + need;
	if (j->no_reserve || end <= j->reserved)
		return 0;
	uint64_t want = end + JOURNAL_RESERVE_CHUNK;
	for (int attempt = 0; attempt < 2; attempt++, want = end) {
		if (fallocate(j->fd, FALLOC_FL_KEEP_SIZE, (off_t)j->reserved,
			      (off_t)(want - j->reserved)) == 0) {
			j->reserved = want;
			return 0;
		}
		if (errno == EOPNOTSUPP) {
			log_warn("journal: the file system of %s cannot reserve space ahead: a full "
				 "disk is found only when writing fails", j->dir);
			j->no_reserve = true;
			return 0;
		}
	}
	return errno;
}

/* Makes sure acc can take need more bytes without allocating. */
static bool reserve_memory(journal *j, size_t need)
{
	if (j->acc.alloc - j->acc.size >= need)
		return true;
	size_t alloc = j->acc.size + need;
	if (alloc < 2 * j->acc.alloc)
		alloc = 2 * j->acc.alloc;
	char *p = mem_realloc(j->acc.data, alloc);
	if (!p)
		return false;
	j->acc.data = p;
	j->acc.alloc = alloc;
	return true;
}

bool journal_admit(server *s, size_t size, op_call *c)
{
	journal *j = s->journal;
	if (!j || j->replaying)
		return true;
	if (j->failing) {
		op_fail(c, OM_LIMIT, "journal: %s of %s/journal.%llu failed (%s): writes are refused "
			"until it succeeds", j->fail_op, j->dir, (unsigned long long)j->gen,
			strerror(j->fail_err));
		return false;
	}
	uint64_t need = (uint64_t)size + JOURNAL_RECORD_SLACK;
	int err = reserve_disk(j, need);
	if (err) {
		op_fail(c, OM_LIMIT, "journal: no room in %s for this write's record: %s", j->dir,
			strerror(err));
		return false;
	}
	if (!reserve_memory(j, need)) {
		op_no_memory(c);
		return false;
	}
	return true;
}

/* Packs the method name "type.op". */
static void pack_method(msgpack_packer *pk, const char *type, const char *op)
{
	size_t tl = strlen(type), ol = strlen(op);
	msgpack_pack_str(pk, tl + 1 + ol);
	msgpack_pack_str_body(pk, type, tl);
	msgpack_pack_str_body(pk, ".", 1);
	msgpack_pack_str_body(pk, op, ol);
}

/* Ends the record begun at mark; a record that cannot be (no memory) is logged, and dropped. */
static void end_record(journal *j, size_t mark)
{
	if (j->acc_out.failed || !record_end(&j->acc, mark)) {
		log_error("journal: a record could not be packed; it is missing from the journal");
		j->acc.size = mark;
		j->acc_out.failed = false;
		return;
	}
	j->records++;
}

/* Records objects.create of e, a coordination object made by a call, once. */
static void note_created(journal *j, registry_entry *e)
{
	size_t mark;
	if (!e || e->journaled || e->provisional || e->owned_by || !record_begin(&j->acc, &mark))
		return;
	e->journaled = true;
	msgpack_pack_array(&j->pk, 2);
	pack_method(&j->pk, "objects", "create");
	msgpack_pack_array(&j->pk, 2);
	msgpack_pack_str_with_body(&j->pk, e->name, e->len);
	msgpack_pack_str_with_body(&j->pk, e->type->name, strlen(e->type->name));
	end_record(j, mark);
}

journal_mark journal_mark_now(server *s)
{
	journal *j = s->journal;
	return j ? (journal_mark){j->acc.size, j->records} : (journal_mark){0, 0};
}

void journal_rollback(server *s, journal_mark m)
{
	journal *j = s->journal;
	if (!j)
		return;
	j->acc.size = m.size;
	j->records = m.records;
}

void journal_group(server *s, journal_mark m)
{
	journal *j = s->journal;
	if (!j || j->records - m.records < 2)
		return;
	msgpack_sbuffer group;
	msgpack_sbuffer_init(&group);
	codec_out out = {&group, false};
	msgpack_packer pk;
	msgpack_packer_init(&pk, &out, codec_out_write);
	size_t mark, used, plen;
	const unsigned char *payload;
	bool ok = record_begin(&group, &mark);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_str_with_body(&pk, "server.batch", 12);
	msgpack_pack_array(&pk, (uint32_t)(j->records - m.records));
	for (size_t off = m.size; ok && off < j->acc.size; off += used) {
		const unsigned char *at = (const unsigned char *)j->acc.data + off;
		ok = record_read(at, j->acc.size - off, &payload, &plen, &used) == RECORD_OK &&
		     codec_out_write(&out, (const char *)payload, plen) == 0;
	}
	size_t end = j->acc.size;
	ok = ok && !out.failed && record_end(&group, mark) &&
	     msgpack_sbuffer_write(&j->acc, group.data, group.size) == 0;
	if (ok) {
		memmove(j->acc.data + m.size, j->acc.data + end, group.size);
		j->acc.size = m.size + group.size;
		j->records = m.records + 1;
	} else {
		j->acc.size = end;
		log_warn("journal: out of memory grouping a batch's records; kept one by one");
	}
	msgpack_sbuffer_destroy(&group);
}

/* Whether objects.create with params made an ephemeral object (not journaled). */
static bool created_ephemeral(server *s, const msgpack_object_array *params)
{
	if (params->size == 0 || params->ptr[0].type != MSGPACK_OBJECT_STR)
		return false;
	const registry_entry *e = registry_find(&s->objects, params->ptr[0].via.str.ptr,
						params->ptr[0].via.str.size);
	return e && e->owned_by;
}

void journal_call(server *s, const type_def *t, const op_def *op,
		  const msgpack_object_array *params, registry_entry *e, registry_entry *opened)
{
	journal *j = s->journal;
	if (!j || j->replaying || (e && e->owned_by))
		return; /* an ephemeral object ends with its connection, before the server does */
	bool create = op == &admin_ops[ADMIN_OBJECTS_CREATE];
	if (create && created_ephemeral(s, params))
		return;
	if (t->admin ? !create && op != &admin_ops[ADMIN_OBJECTS_DELETE] : t->release != NULL) {
		if (!t->admin) {
			note_created(j, e);
			note_created(j, opened);
		}
		return;
	}
	if (op->flags & OP_PASSIVE) {
		note_created(j, opened);
		return;
	}
	size_t mark;
	if (!record_begin(&j->acc, &mark))
		return;
	msgpack_pack_array(&j->pk, 2);
	pack_method(&j->pk, t->name, op->name);
	msgpack_object o = {.type = MSGPACK_OBJECT_ARRAY, .via.array = *params};
	msgpack_pack_object(&j->pk, o);
	end_record(j, mark);
	if (create && params->size > 0 && params->ptr[0].type == MSGPACK_OBJECT_STR) {
		registry_entry *made = registry_find(&s->objects, params->ptr[0].via.str.ptr,
						     params->ptr[0].via.str.size);
		if (made)
			made->journaled = true;
	}
}

/* Whether a parked call of op on e changes durable state when it completes (queue.put, queue.get). */
static bool parked_durable(const journal *j, const registry_entry *e, const op_def *op)
{
	return j && !j->replaying && !e->type->release && !(op->flags & OP_PASSIVE) && !e->owned_by;
}

bool journal_parked_begin(server *s, registry_entry *e, const op_def *op, op_call *c,
			  size_t *mark)
{
	journal *j = s->journal;
	*mark = SIZE_MAX;
	if (!parked_durable(j, e, op))
		return true;
	if (!journal_admit(s, 0, c))
		return false;
	if (!record_begin(&j->acc, mark)) {
		*mark = SIZE_MAX;
		op_no_memory(c);
		return false;
	}
	size_t nargs = 0;
	for (size_t i = 0; i < c->nargs; i++)
		nargs += op->args[i].kind != ARG_TIMEOUT;
	msgpack_pack_array(&j->pk, 2);
	pack_method(&j->pk, e->type->name, op->name);
	msgpack_pack_array(&j->pk, (uint32_t)(1 + nargs));
	msgpack_pack_str_with_body(&j->pk, e->name, e->len);
	for (size_t i = 0; i < c->nargs; i++)
		if (op->args[i].kind != ARG_TIMEOUT)
			codec_pack(&j->pk, &c->args[i]);
	size_t size = j->acc.size - *mark;
	j->acc.size = *mark; /* not there until it succeeds: the room check counts it */
	if (j->acc_out.failed || !journal_admit(s, size, c)) {
		j->acc_out.failed = false;
		*mark = SIZE_MAX;
		if (!c->code)
			op_no_memory(c);
		return false;
	}
	j->acc.size = *mark + size;
	return true;
}

void journal_parked_end(server *s, registry_entry *e, const op_def *op, int rc, size_t mark)
{
	journal *j = s->journal;
	if (mark == SIZE_MAX || !parked_durable(j, e, op))
		return;
	if (rc != OM_OK) {
		j->acc.size = mark;
		return;
	}
	end_record(j, mark);
}

/* --- start-up, exit, info ---------------------------------------------------- */

int journal_open(server *s, const journal_config *cfg)
{
	if (!cfg->dir)
		return 0;
	journal *j = xcalloc(1, sizeof *j);
	j->srv = s;
	j->cfg = *cfg;
	j->dir_fd = j->lock_fd = j->fd = -1;
	j->acc_epoch = 1;
	j->acc_out.buf = &j->acc;
	msgpack_packer_init(&j->pk, &j->acc_out, codec_out_write);
	if (strlen(cfg->dir) >= sizeof j->dir) {
		log_error("--data-dir: the path is too long");
		free(j);
		return -1;
	}
	strcpy(j->dir, cfg->dir);
	s->journal = j;
	j->replaying = true;
	uint64_t start = uv_hrtime();
	if (datadir_load(s, j)) {
		journal_close(s);
		return -1;
	}
	j->replaying = false;
	j->loaded_ms = (uv_hrtime() - start) / 1000000;
	uv_check_init(s->loop, &j->check);
	j->check.data = j;
	uv_check_start(&j->check, on_check);
	uv_unref((uv_handle_t *)&j->check);
	uv_timer_init(s->loop, &j->tick);
	j->tick.data = j;
	uv_timer_start(&j->tick, on_tick, TICK_MS, TICK_MS);
	uv_unref((uv_handle_t *)&j->tick);
	log_info("data directory %s: %llu objects loaded in %llu ms; fsync %s", j->dir,
		 (unsigned long long)s->objects.count, (unsigned long long)j->loaded_ms,
		 fsync_names[cfg->fsync]);
	return 0;
}

void journal_close(server *s)
{
	journal *j = s->journal;
	if (!j)
		return;
	server_close_handle((uv_handle_t *)&j->check);
	server_close_handle((uv_handle_t *)&j->tick);
	server_close_handle((uv_handle_t *)&j->sigchld);
	if (j->child) {
		int status;
		if (waitpid(j->child, &status, WNOHANG) != j->child) {
			log_info("stopping the snapshot in progress (its journals are kept)");
			kill(j->child, SIGKILL);
			waitpid(j->child, &status, 0);
		}
		snapshot_done(j, status);
	}
	if (j->fd >= 0) {
		if (!j->replaying && !journal_drain(j))
			log_error("journal: the last records of %s/journal.%llu could not be written: %s",
				  j->dir, (unsigned long long)j->gen, strerror(errno));
		if (ftruncate(j->fd, (off_t)j->size) < 0) /* gives back the space reserved ahead */
			log_warn("journal: %s", strerror(errno));
		close(j->fd);
	}
	uv_run(s->loop, UV_RUN_NOWAIT); /* lets the handles close */
	if (j->dir_fd >= 0)
		close(j->dir_fd);
	if (j->lock_fd >= 0)
		close(j->lock_fd); /* and with it the lock */
	msgpack_sbuffer_destroy(&j->acc);
	msgpack_sbuffer_destroy(&j->job.buf);
	msgpack_sbuffer_destroy(&j->failed);
	free(j);
	s->journal = NULL;
}

/* Sets the pair at *p to key -> v (owned) and moves to the next; false when out of memory. */
static bool put(om_value **p, const char *key, om_value v)
{
	om_value *pair = *p;
	*p += 2;
	pair[1] = v;
	return value_str_copy(&pair[0], key, strlen(key));
}

/* put() with a copy of the string s, or nil for NULL. */
static bool put_str(om_value **p, const char *key, const char *s)
{
	om_value v = om_nil();
	return (!s || value_str_copy(&v, s, strlen(s))) && put(p, key, v);
}

bool journal_info(const server *s, om_value *out)
{
	const journal *j = s->journal;
	om_value *p;
	if (!j) {
		if (!value_map_alloc(out, 1))
			return false;
		p = out->as.items;
		if (put_str(&p, "mode", "memory"))
			return true;
		om_value_free(out);
		return false;
	}
	if (!value_map_alloc(out, 16))
		return false;
	p = out->as.items;
	if (put_str(&p, "mode", fsync_names[j->cfg.fsync]) && put_str(&p, "dir", j->dir) &&
	    put(&p, "journal_generation", om_uint(j->gen)) &&
	    put(&p, "journal_bytes", om_uint(j->size + j->acc.size)) &&
	    put(&p, "journal_bytes_since_snapshot", om_uint(j->older + j->size + j->acc.size)) &&
	    put(&p, "journal_records", om_uint(j->records)) &&
	    put(&p, "fsyncs", om_uint(j->fsyncs)) &&
	    put(&p, "last_fsync_ms", om_float((double)j->last_fsync_ns / 1e6)) &&
	    put_str(&p, "write_error", j->failing ? strerror(j->fail_err) : NULL) &&
	    put(&p, "snapshot_running", om_bool(j->child != 0)) &&
	    put(&p, "snapshot_time", j->snapshot_time ? om_int(j->snapshot_time) : om_nil()) &&
	    put(&p, "snapshot_duration_ms", om_uint(j->snapshot_ms)) &&
	    put(&p, "snapshot_bytes", om_uint(j->snapshot_size)) &&
	    put(&p, "fork_us", om_uint(j->fork_us)) &&
	    put(&p, "loaded_ms", om_uint(j->loaded_ms)) &&
	    put(&p, "loaded_records", om_uint(j->loaded_records)))
		return true;
	om_value_free(out);
	return false;
}
