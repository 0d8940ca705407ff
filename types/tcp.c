/* tcp.c — TCP addresses and socket options (tcp.h). */
#include "tcp.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

bool tcp_is_address(const char *address)
{
	return strncmp(address, "tcp:", 4) == 0;
}

bool tcp_parse(const char *address, char host[TCP_HOST_MAX], char port[TCP_PORT_MAX])
{
	if (!tcp_is_address(address))
		return false;
	const char *h = address + 4, *colon;
	size_t hlen;
	if (*h == '[') {
		const char *close = strchr(h, ']');
		if (!close || close[1] != ':')
			return false;
		h++;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(h, ':');
		if (!colon)
			return false;
		hlen = (size_t)(colon - h);
		if (memchr(h, ':', hlen)) /* an IPv6 address needs its brackets */
			return false;
	}
	const char *p = colon + 1;
	size_t plen = strlen(p);
	if (hlen == 0 || hlen >= TCP_HOST_MAX || plen == 0 || plen >= TCP_PORT_MAX ||
	    strspn(p, "0123456789") != plen || strtoul(p, NULL, 10) > 65535)
		return false;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	memcpy(port, p, plen + 1);
	return true;
}

int tcp_tune(int fd)
{
	int one = 1, idle = TCP_PROBE_IDLE_S, intvl = TCP_PROBE_EVERY_S, cnt = TCP_PROBES;
	unsigned timeout_ms = TCP_KEEPALIVE_S * 1000;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt) < 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &timeout_ms, sizeof timeout_ms) < 0)
		return -1;
	return 0;
}
