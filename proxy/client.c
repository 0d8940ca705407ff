/*
 * client.c — the client handle: connecting, reconnecting, closing, and the
 * error state every call leaves on the handle.
 */
#include "client.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "address.h"
#include "authkey.h"
#include "mem.h"
#include "tcp.h"
#include "trust.h"

/* The longest name client.setname takes (docs/protocol.md, clients). */
#define CLIENT_NAME_MAX 64

int client_fail(om_client *c, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof c->message, fmt, ap);
	va_end(ap);
	c->code = code;
	return code;
}

void client_ok(om_client *c)
{
	c->code = OM_OK;
	c->message[0] = '\0';
}

void client_disconnect(om_client *c)
{
	if (c->fd < 0)
		return;
	shm_link_close(&c->shm);
	close(c->fd);
	c->fd = -1;
	msgpack_unpacker_destroy(&c->unpacker);
	pipeline_clear(c);
}

/* Tells a user who forgot to start the server what to do about it. */
static const char *connect_hint(int err)
{
	return err == ENOENT || err == ECONNREFUSED ? " (is objmgrd running?)" : "";
}

/*
 * The default socket sits in a directory the user owns and nobody else can
 * write, as objmgrd makes sure; any other could hold someone else's server.
 */
static int check_default_dir(om_client *c)
{
	char dir[sizeof ((struct sockaddr_un *)0)->sun_path], why[TRUST_WHY_MAX];
	if (!c->check_dir || !trust_dir_of(c->address, dir, sizeof dir))
		return OM_OK;
	if (trust_dir(dir, geteuid(), why))
		return OM_OK;
	return client_fail(c, OM_AUTH_FAILED, "refusing the default socket %s: %s, so the server "
			   "there may not be yours", c->address, why);
}

/* The server must run as this user, root, or the user opts.server_uid names. */
static int check_server_user(om_client *c, int fd)
{
	trust_peer peer;
	if (trust_peer_of(fd, &peer) < 0)
		return client_fail(c, OM_AUTH_FAILED, "cannot connect to %s: cannot tell which user "
				   "the server runs as: %s", c->address, strerror(errno));
	if (peer.uid == geteuid() || peer.uid == 0 ||
	    (c->opts.server_uid && peer.uid == c->opts.server_uid))
		return OM_OK;
	return client_fail(c, OM_AUTH_FAILED, "refusing the server at %s: it runs as uid %u, not "
			   "as you (uid %u) or root; set server_uid (objmgr --server-user) to trust "
			   "that user", c->address, (unsigned)peer.uid, (unsigned)geteuid());
}

/*
 * Names the new connection c->name with client.setname, so that
 * clients.list tells the programs apart. A server too old to know the
 * method, or one that wants an authkey c lacks (its first real call says
 * so, as without a name), leaves it unnamed; a name it refuses fails the
 * connection, as a bad option does.
 */
static int name_connection(om_client *c)
{
	if (!c->name[0])
		return OM_OK;
	om_value arg = om_str(c->name);
	int rc = om_call(c, "client.setname", &arg, 1, NULL);
	if (rc == OM_OK || rc == OM_NO_SUCH_METHOD || rc == OM_AUTH_REQUIRED) {
		client_ok(c);
		return OM_OK;
	}
	char why[sizeof c->message];
	memcpy(why, c->message, sizeof why);
	client_disconnect(c);
	return client_fail(c, rc, "cannot connect to %s: %s", c->address, why);
}

/*
 * The program's name, made a valid client.setname name: cut to
 * CLIENT_NAME_MAX bytes, each byte that is not printable ASCII, or a
 * space, made '_'. Owned.
 */
static char *program_name(void)
{
	char *name = xstrdup(program_invocation_short_name);
	if (strlen(name) > CLIENT_NAME_MAX)
		name[CLIENT_NAME_MAX] = '\0';
	for (char *p = name; *p; p++)
		if (*p <= ' ' || *p > '~')
			*p = '_';
	return name;
}

/* Connects fd to sa, through EINTR: 0, or -1 with errno. */
static int connect_fd(int fd, const struct sockaddr *sa, socklen_t len)
{
	int rc;
	/* After EINTR the connect may have completed meanwhile: EISCONN then means success. */
	while ((rc = connect(fd, sa, len)) < 0 && errno == EINTR)
		;
	return rc < 0 && errno != EISCONN ? -1 : 0;
}

/* A Unix socket connected to c->address, checked (above); -1 with the failure on c. */
static int open_unix(om_client *c)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(c->address);
	if (n == 0)
		return client_fail(c, OM_IO, "cannot connect: the socket path is empty"), -1;
	if (n >= sizeof sa.sun_path)
		return client_fail(c, OM_IO, "cannot connect to %s: the path is longer than %zu bytes",
				   c->address, sizeof sa.sun_path - 1), -1;
	memcpy(sa.sun_path, c->address, n + 1);
	if (check_default_dir(c) != OM_OK)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return client_fail(c, OM_IO, "cannot connect to %s: socket: %s", c->address,
				   strerror(errno)), -1;
	if (connect_fd(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int err = errno;
		close(fd);
		return client_fail(c, OM_IO, "cannot connect to %s: %s%s", c->address,
				   strerror(err), connect_hint(err)), -1;
	}
	if (check_server_user(c, fd) != OM_OK) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * A TCP socket connected to the first address of c->address's host that
 * accepts, tuned (tcp.h); -1 with the failure on c. The server's identity
 * is checked by the authkey handshake, which TCP always has.
 */
static int open_tcp(om_client *c)
{
	char host[TCP_HOST_MAX], port[TCP_PORT_MAX];
	if (!tcp_parse(c->address, host, port))
		return client_fail(c, OM_IO, "cannot connect to %s: not tcp:HOST:PORT (tcp:[IPv6]:PORT "
				   "for an IPv6 address)", c->address), -1;
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV}, *res;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0)
		return client_fail(c, OM_IO, "cannot connect to %s: %s", c->address,
				   gai_strerror(rc)), -1;
	int fd = -1, err = ECONNREFUSED;
	for (const struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect_fd(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			err = errno;
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		return client_fail(c, OM_IO, "cannot connect to %s: %s%s", c->address, strerror(err),
				   connect_hint(err)), -1;
	if (tcp_tune(fd) < 0) {
		err = errno;
		close(fd);
		return client_fail(c, OM_IO, "cannot connect to %s: setsockopt: %s", c->address,
				   strerror(err)), -1;
	}
	return fd;
}

/*
 * Connects a fresh socket to c->address. The connect itself blocks (a Unix
 * socket connects at once unless the server's backlog is full); the socket
 * is then made non-blocking so that every call can wait with poll() and
 * honour its timeout. With a key, the handshake follows.
 */
static int client_open(om_client *c)
{
	int fd = tcp_is_address(c->address) ? open_tcp(c) : open_unix(c);
	if (fd < 0)
		return c->code;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		int err = errno;
		close(fd);
		return client_fail(c, OM_IO, "cannot connect to %s: fcntl: %s", c->address,
				   strerror(err));
	}
	if (!msgpack_unpacker_init(&c->unpacker, MSGPACK_UNPACKER_INIT_BUFFER_SIZE)) {
		close(fd);
		return client_fail(c, OM_IO, "cannot connect to %s: out of memory", c->address);
	}
	c->fd = fd;
	if (c->key && client_authenticate(c) != OM_OK)
		return c->code;
	if (c->opts.shm && !tcp_is_address(c->address) && client_shm_start(c) != OM_OK)
		return c->code;
	if (name_connection(c) != OM_OK)
		return c->code;
	client_ok(c);
	return OM_OK;
}

/*
 * The authkey opts give, or $OBJMGR_AUTHKEY_FILE, copied into c->key; the
 * pointers in c->opts are cleared, as they need not outlive om_connect().
 */
static int load_key(om_client *c)
{
	const char *file = c->opts.authkey_file;
	if (!c->opts.authkey && !file) {
		file = getenv("OBJMGR_AUTHKEY_FILE");
		if (file && !*file)
			file = NULL;
	}
	if (!c->opts.authkey && !file)
		return OM_OK;
	char why[AUTHKEY_WHY_MAX];
	c->key = xmalloc(sizeof *c->key);
	int rc = c->opts.authkey ? authkey_set(c->key, c->opts.authkey, c->opts.authkey_len, why)
				 : authkey_load(c->key, file, why);
	c->opts.authkey = NULL;
	c->opts.authkey_file = NULL;
	if (rc == 0)
		return OM_OK;
	authkey_wipe(c->key);
	free(c->key);
	c->key = NULL;
	return client_fail(c, OM_BAD_PARAMS, "cannot connect: %s", why);
}

om_client *om_connect(const char *address, const om_options *opts)
{
	om_client *c = xcalloc(1, sizeof *c);
	c->fd = -1;
	c->shm = (shm_link){.efd = -1, .sock = -1};
	c->next_msgid = 1;
	if (opts)
		c->opts = *opts;
	const char *poll_env = getenv("OBJMGR_POLL");
	c->polling = !c->opts.no_poll && !(poll_env && strcmp(poll_env, "0") == 0);
	payoff_init(&c->poll_rule);
	c->name = c->opts.client_name ? xstrdup(c->opts.client_name) : program_name();
	c->opts.client_name = NULL;
	msgpack_sbuffer_init(&c->out);

	if (!address) {
		char buf[PATH_MAX];
		if (om_default_address(buf, sizeof buf) != OM_OK) {
			c->address = xstrdup("");
			client_fail(c, OM_IO, "cannot connect: the default socket path is longer than %zu bytes",
				    sizeof buf - 1);
			return c;
		}
		c->address = xstrdup(buf);
		c->check_dir = !address_default_is_chosen();
	} else {
		c->address = xstrdup(address_path(address));
	}
	if (load_key(c) == OM_OK)
		client_open(c);
	return c;
}

void om_close(om_client *c)
{
	if (!c)
		return;
	client_disconnect(c);
	msgpack_sbuffer_destroy(&c->out);
	free(c->pending.ids);
	free(c->stash.items);
	free(c->stash.index);
	notes_clear(&c->notes);
	free(c->address);
	free(c->name);
	if (c->key) {
		authkey_wipe(c->key);
		free(c->key);
	}
	free(c);
}

int om_reconnect(om_client *c)
{
	client_disconnect(c);
	return client_open(c);
}

bool om_uses_shm(const om_client *c)
{
	return c->shm.h != NULL;
}

bool om_connected(const om_client *c)
{
	return c->fd >= 0;
}

int om_errcode(const om_client *c)
{
	return c->code;
}

const char *om_errmsg(const om_client *c)
{
	return c->message;
}

const char *om_address(const om_client *c)
{
	return c->address;
}

int om_default_address(char *buf, size_t size)
{
	return address_default(buf, size);
}
