/*
 * tcp.h — TCP addresses ("tcp:HOST:PORT") and the options every TCP
 * connection of objmgr gets, for objmgrd and libobjmgr alike.
 *
 * A connection over TCP has no user the kernel can name, so objmgrd serves
 * TCP only with an authkey (authkey.h), and it is authenticated, not
 * encrypted. Keepalive bounds how long a peer that vanished (a host that
 * lost power, a cable pulled) keeps its connection, and with it the locks
 * it held: TCP_KEEPALIVE_S in all.
 */
#ifndef OBJMGR_TCP_H
#define OBJMGR_TCP_H

#include <stdbool.h>
#include <stddef.h>

/* The longest HOST and PORT of an address, with their NULs. */
#define TCP_HOST_MAX 256
#define TCP_PORT_MAX 6

/* Idle time before the first probe, the time between probes, and how many go unanswered. */
#define TCP_PROBE_IDLE_S 30
#define TCP_PROBE_EVERY_S 5
#define TCP_PROBES 3
/* A peer silent this long is dropped, whether idle (keepalive) or with data unacknowledged. */
#define TCP_KEEPALIVE_S (TCP_PROBE_IDLE_S + TCP_PROBE_EVERY_S * TCP_PROBES)

/* True when address starts "tcp:". */
bool tcp_is_address(const char *address);

/*
 * Splits "tcp:HOST:PORT" into host and port: HOST a name, an IPv4 address
 * or an IPv6 one in brackets ("tcp:[::1]:6000"); PORT 0 to 65535. False
 * when it is not such an address.
 */
bool tcp_parse(const char *address, char host[TCP_HOST_MAX], char port[TCP_PORT_MAX]);

/* TCP_NODELAY and keepalive (above) on connected socket fd; 0, or -1 with errno. */
int tcp_tune(int fd);

#endif
