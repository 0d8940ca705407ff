/*
 * listener.c — binding the socket safely and accepting clients.
 *
 * A socket file may be left behind by a server that died. Connecting to it
 * tells the two cases apart: a live server accepts, a stale file refuses
 * (ECONNREFUSED). Only a stale *socket* is removed, never another kind of
 * file somebody pointed --socket at by mistake. The socket is made in a
 * directory only the server's user can write, readable and writable by that
 * user alone unless --socket-mode says otherwise (access.h). A socket
 * systemd passed (activation.h) is served as it is: systemd made it.
 */
#include "listener.h"

#include <errno.h>
#include <netdb.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "address.h"
#include "conn.h"
#include "log.h"
#include "tcp.h"
#include "trust.h"

/* 0 when a server accepts connections on path, else a negative errno. */
static int probe(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, path); /* the length was checked */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 ? 0 : -errno;
	close(fd);
	return rc;
}

/* Refuses a path held by a live server; removes a stale socket file. */
static int clear_path(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		log_error("cannot use %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		log_error("%s exists and is not a socket; not replacing it", path);
		return -1;
	}
	int rc = probe(path);
	if (rc == 0) {
		log_error("a server is already listening on %s", path);
		return -1;
	}
	if (rc != -ECONNREFUSED) {
		log_error("cannot check the socket %s: %s", path, strerror(-rc));
		return -1;
	}
	log_info("replacing the stale socket %s", path);
	if (unlink(path) < 0 && errno != ENOENT) {
		log_error("cannot remove the stale socket %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Whoever can write in the socket's directory can put a socket of their
 * own in its place, so the directory must be the server's own and closed
 * to writes by anyone else (trust.h); the fallback default, in /tmp where
 * anyone could have made it first, is created 0700 when missing.
 */
static int trusted_dir(const char *path)
{
	char dir[sizeof ((struct sockaddr_un *)0)->sun_path], private[64], why[TRUST_WHY_MAX];
	trust_dir_of(path, dir, sizeof dir); /* fits: path is shorter than sun_path */
	if (address_private_dir(private, sizeof private) == 0 && strcmp(dir, private) == 0 &&
	    mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_error("cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!trust_dir(dir, geteuid(), why)) {
		log_error("refusing to listen on %s: %s; the socket's directory must belong to "
			  "the server's user and be writable by no one else", path, why);
		return -1;
	}
	/* libuv reports a directory we cannot write as EACCES when binding: say where. */
	if (access(dir, W_OK | X_OK) < 0) {
		log_error("cannot create a socket in %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Binds the socket file with no permission for anyone but us, then gives it its mode. */
static int bind_socket(server *s, stream_handle *h, const char *path)
{
	mode_t old = umask(0177);
	int rc = uv_pipe_bind(&h->pipe, path);
	umask(old);
	if (rc < 0) {
		log_error("cannot listen on %s: %s", path, uv_strerror(rc));
		return -1;
	}
	if (access_apply_socket(&s->access, path) == 0)
		return 0;
	unlink(path);
	return -1;
}

static void on_connection(uv_stream_t *listener, int status)
{
	server *s = listener->data;
	if (status < 0) {
		log_warn("accepting a client failed: %s", uv_strerror(status));
		return;
	}
	conn_accept(s, listener);
}

/* The next free listener slot, named name; NULL past SERVER_LISTENERS_MAX. */
static stream_handle *listener_add(server *s, const char *name)
{
	if (s->nlisteners == SERVER_LISTENERS_MAX) {
		log_error("more than %d listening sockets", SERVER_LISTENERS_MAX);
		return NULL;
	}
	snprintf(s->listener_names[s->nlisteners], SERVER_ADDRESS_MAX, "%s", name);
	return &s->listeners[s->nlisteners++];
}

/* Listens on the Unix socket s->socket_path. */
static int listen_unix(server *s)
{
	const char *path = s->socket_path;
	size_t max = sizeof ((struct sockaddr_un *)0)->sun_path - 1;
	if (strlen(path) > max) {
		log_error("socket path too long (%zu bytes; the limit is %zu): %s", strlen(path), max, path);
		return -1;
	}
	if (!*path) {
		log_error("the socket path is empty");
		return -1;
	}
	if (trusted_dir(path) || clear_path(path))
		return -1;
	stream_handle *h = listener_add(s, path);
	if (!h)
		return -1;
	uv_pipe_init(s->loop, &h->pipe, 0);
	h->handle.data = s;
	if (bind_socket(s, h, path))
		return -1;
	int rc = uv_listen(&h->stream, SOMAXCONN, on_connection);
	if (rc < 0) {
		log_error("cannot listen on %s: %s", path, uv_strerror(rc));
		return -1;
	}
	return 0;
}

void listener_format(const struct sockaddr_storage *sa, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
		uv_ip6_name(a, ip, sizeof ip);
		port = ntohs(a->sin6_port);
		snprintf(buf, size, "tcp:[%s]:%u", ip, port);
		return;
	}
	const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
	uv_ip4_name(a, ip, sizeof ip);
	port = ntohs(a->sin_port);
	snprintf(buf, size, "tcp:%s:%u", ip, port);
}

/* Listens on one address addr resolved to; its name says which port it got (for port 0). */
static int listen_tcp_one(server *s, const char *address, const struct addrinfo *ai)
{
	stream_handle *h = listener_add(s, address);
	if (!h)
		return -1;
	uv_tcp_init(s->loop, &h->tcp);
	h->handle.data = s;
	unsigned flags = ai->ai_family == AF_INET6 ? UV_TCP_IPV6ONLY : 0;
	int rc = uv_tcp_bind(&h->tcp, ai->ai_addr, flags);
	if (rc == 0)
		rc = uv_listen(&h->stream, SOMAXCONN, on_connection);
	if (rc < 0) {
		log_error("cannot listen on %s: %s", address, uv_strerror(rc));
		return -1;
	}
	struct sockaddr_storage sa;
	int len = sizeof sa;
	if (uv_tcp_getsockname(&h->tcp, (struct sockaddr *)&sa, &len) == 0)
		listener_format(&sa, s->listener_names[s->nlisteners - 1], SERVER_ADDRESS_MAX);
	return 0;
}

/* Listens on every address "tcp:HOST:PORT" resolves to ("localhost": 127.0.0.1 and ::1). */
static int listen_tcp(server *s, const char *address)
{
	char host[TCP_HOST_MAX], port[TCP_PORT_MAX];
	if (!tcp_parse(address, host, port)) {
		log_error("not a TCP address: %s (tcp:HOST:PORT, tcp:[IPv6]:PORT)", address);
		return -1;
	}
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV}, *res;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		log_error("cannot listen on %s: %s", address, gai_strerror(rc));
		return -1;
	}
	int failed = 0;
	for (const struct addrinfo *ai = res; ai && !failed; ai = ai->ai_next)
		if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6)
			failed = listen_tcp_one(s, address, ai);
	freeaddrinfo(res);
	return failed;
}

/* A bound Unix socket's name: its path, or "@name" for an abstract one. */
static void unix_name(int fd, char *buf, size_t size)
{
	struct sockaddr_un sa;
	socklen_t len = sizeof sa;
	memset(&sa, 0, sizeof sa);
	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0 ||
	    len <= offsetof(struct sockaddr_un, sun_path)) {
		snprintf(buf, size, "fd:%d", fd);
		return;
	}
	int n = (int)(len - offsetof(struct sockaddr_un, sun_path));
	if (sa.sun_path[0] == '\0')
		snprintf(buf, size, "@%.*s", n - 1, sa.sun_path + 1);
	else
		snprintf(buf, size, "%.*s", (int)strnlen(sa.sun_path, (size_t)n), sa.sun_path);
}

int listener_adopt(server *s, int fd, bool tcp)
{
	char name[SERVER_ADDRESS_MAX];
	if (tcp) {
		struct sockaddr_storage sa;
		socklen_t len = sizeof sa;
		if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
			log_error("cannot read the address of descriptor %d: %s", fd, strerror(errno));
			return -1;
		}
		listener_format(&sa, name, sizeof name);
	} else {
		unix_name(fd, name, sizeof name);
	}
	stream_handle *h = listener_add(s, name);
	if (!h)
		return -1;
	int rc;
	if (tcp) {
		uv_tcp_init(s->loop, &h->tcp);
		rc = uv_tcp_open(&h->tcp, fd);
	} else {
		uv_pipe_init(s->loop, &h->pipe, 0);
		rc = uv_pipe_open(&h->pipe, fd);
	}
	h->handle.data = s;
	if (rc == 0)
		rc = uv_listen(&h->stream, SOMAXCONN, on_connection);
	if (rc < 0) {
		log_error("cannot serve %s (descriptor %d): %s", name, fd, uv_strerror(rc));
		return -1;
	}
	if (!tcp && !s->socket_path)
		s->socket_path = s->listener_names[s->nlisteners - 1];
	return 0;
}

int listener_start(server *s)
{
	if (s->socket_path && listen_unix(s))
		return -1;
	for (size_t i = 0; i < s->ntcp; i++)
		if (listen_tcp(s, s->tcp[i]))
			return -1;
	return 0;
}

void listener_stop(server *s)
{
	for (size_t i = 0; i < s->nlisteners; i++)
		server_close_handle(&s->listeners[i].handle);
}
