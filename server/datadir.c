/*
 * datadir.c — start-up with a data directory: lock it against a second
 * server, load the snapshot, replay the journals after it, and open the
 * last journal for appending (the files: journal_state.h).
 *
 * A record that cannot be read or replayed is damage. At the very end of
 * the last journal it is what a crash leaves (a write cut short): it is
 * dropped with a warning saying how many bytes. Anywhere else the server
 * refuses to start, unless --repair, which keeps the valid prefix and
 * moves the rest aside into *.damaged files, for a person to look at.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dispatch.h"
#include "frame.h"
#include "journal_state.h"
#include "log.h"
#include "record.h"

/* The most journal files one start-up replays: more means compaction never ran. */
#define MAX_JOURNALS 4096

/* A file of the directory, mapped for reading. */
typedef struct mapped {
	const unsigned char *data;
	size_t size;
} mapped;

static int map_file(journal *j, const char *name, mapped *m)
{
	m->data = NULL;
	m->size = 0;
	int fd = openat(j->dir_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	m->size = (size_t)st.st_size;
	if (m->size) {
		void *p = mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			close(fd);
			return -1;
		}
		madvise(p, m->size, MADV_SEQUENTIAL);
		m->data = p;
	}
	close(fd);
	return 0;
}

/* Maps file PREFIX.gen, its name into name (JOURNAL_NAME_MAX bytes); -1, logged, when it cannot. */
static int map_gen(journal *j, const char *prefix, uint64_t gen, char *name, mapped *m)
{
	snprintf(name, JOURNAL_NAME_MAX, "%s.%" PRIu64, prefix, gen);
	if (map_file(j, name, m) == 0)
		return 0;
	log_error("cannot read %s/%s: %s", j->dir, name, strerror(errno));
	return -1;
}

static void unmap_file(mapped *m)
{
	if (m->data)
		munmap((void *)m->data, m->size);
}

/* A map's value under key, or NULL. */
static const msgpack_object *map_get(const msgpack_object *o, const char *key)
{
	if (o->type != MSGPACK_OBJECT_MAP)
		return NULL;
	size_t len = strlen(key);
	for (uint32_t i = 0; i < o->via.map.size; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;
		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == len &&
		    memcmp(k->via.str.ptr, key, len) == 0)
			return &o->via.map.ptr[i].val;
	}
	return NULL;
}

static bool is_str(const msgpack_object *o, const char *s)
{
	return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
	       memcmp(o->via.str.ptr, s, o->via.str.size) == 0;
}

static bool is_uint(const msgpack_object *o, uint64_t v)
{
	return o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 == v;
}

/* Whether o is the header record of a `kind` file of generation gen. */
static bool header_ok(const msgpack_object *o, const char *kind, uint64_t gen, char *why,
		      size_t size)
{
	if (!is_str(map_get(o, "objmgr"), kind)) {
		snprintf(why, size, "it does not begin with a %s header", kind);
		return false;
	}
	if (!is_uint(map_get(o, "version"), 1)) {
		snprintf(why, size, "its format version is not 1: written by a newer objmgrd?");
		return false;
	}
	if (!is_uint(map_get(o, "generation"), gen)) {
		snprintf(why, size, "its header names another generation than %" PRIu64, gen);
		return false;
	}
	return true;
}

/*
 * Whether payload[0..len) is one msgpack value whose headers declare no
 * more than it holds: the frame scanner checks it before msgpack-c, which
 * would reserve memory for whatever a header claims (a file is no more
 * trusted than a client).
 */
static bool one_value(const unsigned char *payload, size_t len)
{
	frame f;
	size_t taken;
	frame_init(&f, len);
	return frame_scan(&f, (const char *)payload, len, &taken) == FRAME_END && taken == len;
}

/* Where reading a file stopped, and why. */
typedef struct replay_end {
	int status;      /* RECORD_END, RECORD_TORN or RECORD_BAD (a record that failed to run too) */
	size_t valid;    /* bytes of whole records that ran, header included */
	uint64_t records;
	bool ended;      /* a snapshot's end record was read */
	char why[300];
} replay_end;

/*
 * Replays the records of m, the file `kind` of generation gen, after its
 * header; stops at the first one that cannot be read or run.
 */
static void replay_file(server *s, const mapped *m, const char *kind, uint64_t gen,
			replay_end *r)
{
	msgpack_zone zone;
	msgpack_zone_init(&zone, 4096);
	memset(r, 0, sizeof *r);
	size_t at = 0;
	for (;;) {
		const unsigned char *payload;
		size_t plen, used;
		/* An empty file is not mapped: m->data is NULL, and no offset may be added to it. */
		r->status = at == m->size ? RECORD_END
					  : record_read(m->data + at, m->size - at, &payload, &plen,
							&used);
		if (r->status != RECORD_OK) {
			if (r->status == RECORD_BAD)
				snprintf(r->why, sizeof r->why, "a record's checksum or length is wrong");
			if (at == 0 && r->status == RECORD_END)
				r->status = RECORD_TORN; /* not even a header */
			break;
		}
		msgpack_object o;
		msgpack_zone_clear(&zone);
		size_t off = 0;
		if (!one_value(payload, plen) ||
		    msgpack_unpack((const char *)payload, plen, &off, &zone, &o) !=
			    MSGPACK_UNPACK_SUCCESS ||
		    off != plen) {
			r->status = RECORD_BAD;
			snprintf(r->why, sizeof r->why, "a record is not one msgpack value");
			break;
		}
		if (at == 0) {
			if (!header_ok(&o, kind, gen, r->why, sizeof r->why)) {
				r->status = RECORD_BAD;
				break;
			}
		} else if (r->ended) {
			r->status = RECORD_BAD;
			snprintf(r->why, sizeof r->why, "records follow the snapshot's end record");
			break;
		} else if (map_get(&o, "end")) {
			r->ended = true;
		} else if (dispatch_replay(s, &o, r->why, sizeof r->why)) {
			r->status = RECORD_BAD;
			break;
		} else {
			r->records++;
		}
		at += used;
		r->valid = at;
	}
	msgpack_zone_destroy(&zone);
}

/* Moves file name aside as name.damaged; false, logged, when it cannot. */
static bool move_aside(journal *j, const char *name)
{
	char to[JOURNAL_NAME_MAX + 16];
	snprintf(to, sizeof to, "%s.damaged", name);
	if (renameat(j->dir_fd, name, j->dir_fd, to) == 0) {
		log_warn("--repair: moved %s/%s aside to %s", j->dir, name, to);
		return true;
	}
	log_error("--repair: cannot move %s/%s aside: %s", j->dir, name, strerror(errno));
	return false;
}

/* Copies bytes [from, end) of m into name.damaged, then cuts journal `name` at from. */
static bool cut_aside(journal *j, const char *name, const mapped *m, size_t from)
{
	char to[JOURNAL_NAME_MAX + 16];
	snprintf(to, sizeof to, "%s.damaged", name);
	int fd = openat(j->dir_fd, to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	bool ok = fd >= 0;
	for (size_t at = from; ok && at < m->size;) {
		ssize_t n = write(fd, m->data + at, m->size - at);
		ok = n > 0;
		at += ok ? (size_t)n : 0;
	}
	ok = ok && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	int jfd = ok ? openat(j->dir_fd, name, O_WRONLY | O_CLOEXEC) : -1;
	ok = jfd >= 0 && ftruncate(jfd, (off_t)from) == 0 && fsync(jfd) == 0;
	if (jfd >= 0)
		close(jfd);
	if (!ok) {
		log_error("--repair: cannot move the damaged end of %s/%s aside: %s", j->dir, name,
			  strerror(errno));
		return false;
	}
	log_warn("--repair: kept the first %zu bytes of %s/%s, moved the other %zu to %s", from,
		 j->dir, name, m->size - from, to);
	return true;
}

static int cmp_gen(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The generation of "<prefix>.N" in name, or 0 when name is not one. */
static uint64_t gen_of(const char *name, const char *prefix)
{
	size_t len = strlen(prefix);
	if (strncmp(name, prefix, len) != 0 || name[len] != '.' || name[len + 1] < '1' ||
	    name[len + 1] > '9')
		return 0;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(name + len + 1, &end, 10);
	return errno || *end ? 0 : (uint64_t)v;
}

/* What the directory holds: the newest snapshot, and the journals in order. */
typedef struct listing {
	uint64_t snapshot;
	uint64_t journals[MAX_JOURNALS];
	size_t njournals;
} listing;

static int list_dir(journal *j, listing *l)
{
	int fd = dup(j->dir_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		log_error("cannot read the data directory %s: %s", j->dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	memset(l, 0, sizeof *l);
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		uint64_t g;
		if (len > 4 && strcmp(de->d_name + len - 4, ".tmp") == 0 &&
		    strncmp(de->d_name, "snapshot.", 9) == 0) {
			log_info("removing %s/%s, a snapshot never finished", j->dir, de->d_name);
			unlinkat(j->dir_fd, de->d_name, 0);
		} else if ((g = gen_of(de->d_name, "snapshot")) && g > l->snapshot) {
			l->snapshot = g;
		} else if ((g = gen_of(de->d_name, "journal"))) {
			if (l->njournals == MAX_JOURNALS) {
				log_error("more than %d journal files in %s", MAX_JOURNALS, j->dir);
				closedir(d);
				return -1;
			}
			l->journals[l->njournals++] = g;
		}
	}
	closedir(d);
	qsort(l->journals, l->njournals, sizeof l->journals[0], cmp_gen);
	return 0;
}

/* mkdir -p with mode 0700 for what it makes: ~/.local/share/objmgr works on a fresh account. */
static int make_dirs(const char *path)
{
	char buf[4096];
	size_t len = strlen(path);
	if (len >= sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* Takes the directory's lock, telling who holds it when another server does. */
static int lock_dir(journal *j)
{
	if (make_dirs(j->dir) < 0) {
		log_error("cannot create the data directory %s: %s", j->dir, strerror(errno));
		return -1;
	}
	j->dir_fd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j->dir_fd < 0) {
		log_error("cannot open the data directory %s: %s", j->dir, strerror(errno));
		return -1;
	}
	j->lock_fd = openat(j->dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (j->lock_fd < 0) {
		log_error("the data directory %s is not writable: %s", j->dir, strerror(errno));
		return -1;
	}
	if (flock(j->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		char pid[32] = "";
		ssize_t n = pread(j->lock_fd, pid, sizeof pid - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		log_error("the data directory %s is in use by another objmgrd (pid %s)", j->dir,
			  pid[0] ? pid : "unknown");
		return -1;
	}
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
	if (ftruncate(j->lock_fd, 0) < 0 || pwrite(j->lock_fd, pid, (size_t)n, 0) != n) {
		log_error("the data directory %s is not writable: %s", j->dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int load_snapshot(server *s, journal *j, uint64_t gen)
{
	char name[JOURNAL_NAME_MAX];
	mapped m;
	if (map_gen(j, "snapshot", gen, name, &m))
		return -1;
	replay_end r;
	replay_file(s, &m, "snapshot", gen, &r);
	unmap_file(&m);
	if (r.status != RECORD_END || !r.ended) {
		log_error("%s/%s is damaged at byte %zu of %zu: %s; restore it from a backup "
			  "(--repair cannot rebuild a snapshot)", j->dir, name, r.valid, m.size,
			  r.status == RECORD_BAD ? r.why : "it ends before its end record");
		return -1;
	}
	j->snapshot_size = m.size;
	j->loaded_records += r.records;
	log_info("loaded %s/%s: %" PRIu64 " records, %zu bytes", j->dir, name, r.records, m.size);
	return 0;
}

/* Opens journal gen, whose first `valid` bytes are good, for appending after them. */
static int append_to(journal *j, uint64_t gen, size_t valid)
{
	char name[JOURNAL_NAME_MAX];
	snprintf(name, sizeof name, "journal.%" PRIu64, gen);
	j->fd = openat(j->dir_fd, name, O_WRONLY | O_CLOEXEC);
	if (j->fd < 0 || ftruncate(j->fd, (off_t)valid) < 0 || fdatasync(j->fd) < 0) {
		log_error("cannot open %s/%s for writing: %s", j->dir, name, strerror(errno));
		return -1;
	}
	j->gen = gen;
	j->size = j->reserved = valid;
	return 0;
}

/*
 * Replays journal l->journals[i]; the last may end torn. On damage without
 * --repair fails; with it, moves the rest aside and makes this the last.
 */
static int load_journal(server *s, journal *j, listing *l, size_t i)
{
	uint64_t gen = l->journals[i];
	bool last = i + 1 == l->njournals;
	char name[JOURNAL_NAME_MAX];
	mapped m;
	if (map_gen(j, "journal", gen, name, &m))
		return -1;
	replay_end r;
	replay_file(s, &m, "journal", gen, &r);
	j->loaded_records += r.records;
	int rc = 0;
	if (r.status == RECORD_TORN && last) {
		if (r.valid < m.size)
			log_warn("%s/%s ends with %zu bytes of a write cut short (a crash): dropped",
				 j->dir, name, m.size - r.valid);
	} else if (r.status != RECORD_END) {
		if (r.status == RECORD_TORN)
			snprintf(r.why, sizeof r.why, "it ends in a write cut short, yet journal.%" PRIu64
				 " follows it", l->journals[i + 1]);
		if (!j->cfg.repair) {
			log_error("%s/%s is damaged at byte %zu of %zu: %s. Start with --repair to keep "
				  "the %" PRIu64 " records before it and move the rest aside", j->dir, name,
				  r.valid, m.size, r.why, r.records);
			rc = -1;
		} else {
			log_warn("%s/%s is damaged at byte %zu of %zu: %s", j->dir, name, r.valid,
				 m.size, r.why);
			rc = cut_aside(j, name, &m, r.valid) ? 0 : -1;
			for (size_t k = i + 1; rc == 0 && k < l->njournals; k++) {
				char later[JOURNAL_NAME_MAX];
				snprintf(later, sizeof later, "journal.%" PRIu64, l->journals[k]);
				rc = move_aside(j, later) ? 0 : -1;
			}
			l->njournals = i + 1;
		}
	}
	unmap_file(&m);
	if (rc == 0 && i + 1 == l->njournals) {
		if (r.valid == 0) /* not even its header: start it again */
			return journal_create_file(j, gen) ? 0 : -1;
		return append_to(j, gen, r.valid);
	}
	j->older += r.valid;
	return rc;
}

int datadir_load(server *s, journal *j)
{
	if (lock_dir(j))
		return -1;
	listing *l = malloc(sizeof *l);
	if (!l || list_dir(j, l)) {
		free(l);
		return -1;
	}
	uint64_t start = l->snapshot ? l->snapshot : l->njournals ? l->journals[0] : 1;
	int rc = 0;
	if (!l->snapshot && start != 1) {
		log_error("%s/journal.%" PRIu64 " needs snapshot.%" PRIu64 ", which is missing: "
			  "restore it from a backup", j->dir, start, start);
		rc = -1;
	}
	if (rc == 0 && l->snapshot)
		rc = load_snapshot(s, j, l->snapshot);
	/* Journals before the snapshot are in it: a crash came before they were removed. */
	size_t first = 0;
	while (rc == 0 && first < l->njournals && l->journals[first] < start) {
		char name[JOURNAL_NAME_MAX];
		snprintf(name, sizeof name, "journal.%" PRIu64, l->journals[first++]);
		unlinkat(j->dir_fd, name, 0);
	}
	memmove(l->journals, l->journals + first, (l->njournals - first) * sizeof l->journals[0]);
	l->njournals -= first;
	for (size_t i = 0; rc == 0 && i < l->njournals; i++) {
		if (l->journals[i] != start + i) {
			log_error("%s/journal.%" PRIu64 " is missing (journal.%" PRIu64 " follows)",
				  j->dir, start + i, l->journals[i]);
			rc = -1;
			break;
		}
		rc = load_journal(s, j, l, i);
	}
	if (rc == 0 && l->njournals == 0 && !journal_create_file(j, start))
		rc = -1;
	free(l);
	return rc;
}
