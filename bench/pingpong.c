/*
 * pingpong.c — the floor under any server on this machine: a client and an
 * echoing server bounce a message of fixed size over a Unix stream socket
 * with plain blocking write() and read(), nothing else. A request/reply
 * server answering one client adds its own work on top of exactly this.
 *
 *   pingpong -l PATH                 serve: answer each request until killed
 *   pingpong -s PATH [-n ROUNDS] [-b REQUEST_BYTES] [-B REPLY_BYTES] [--gap-us USEC] [--csv]
 *
 * Two processes, so that each can be placed on a CPU like a server and its
 * client (bench/compare pins them). The client prints, like
 * objmgr-benchmark, round trips per second and the latency percentiles
 * p50, p99, p99.9 and max in milliseconds; with --csv the same header and
 * fields, under the test name "pingpong". Both sides must agree on the
 * sizes: the server reads REQUEST_BYTES and answers REPLY_BYTES (defaults
 * 40 and 12, about a dict.set request and its reply). --gap-us sleeps USEC
 * between a reply and the next request, as objmgr-benchmark's does, so the
 * server's CPU has gone idle: the rate is then over the time not slept.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "latency.h"

#define PROG "pingpong"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Reads exactly n bytes; false at end of file or on an error. */
static bool read_all(int fd, char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = read(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return false;
		p += k;
		n -= (size_t)k;
	}
	return true;
}

/* Answers every request of one connection until it hangs up. */
static void serve_one(int fd, char *in, size_t req, const char *out, size_t rep)
{
	while (read_all(fd, in, req))
		if (!write_all(fd, out, rep))
			break;
	close(fd);
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, PROG ": %s: path too long\n", path);
		exit(1);
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 16) < 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, PROG ": %s: path too long\n", path);
		exit(1);
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, PROG ": cannot connect to %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static long parse(const char *arg, const char *opt, long min)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno || *end || end == arg || v < min || v > 1L << 30) {
		fprintf(stderr, PROG ": %s: not a number from %ld to %ld: '%s'\n", opt, min, 1L << 30,
			arg);
		exit(2);
	}
	return v;
}

static void *xcalloc1(size_t n)
{
	void *p = calloc(1, n);
	if (!p) {
		fputs(PROG ": out of memory\n", stderr);
		exit(1);
	}
	return p;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"csv", no_argument, NULL, 'C'},
		{"gap-us", required_argument, NULL, 'g'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	size_t rounds = 100000, req = 40, rep = 12, gap_us = 0;
	const char *listen_path = NULL, *path = NULL;
	bool csv = false;
	int ch;
	while ((ch = getopt_long(argc, argv, "l:s:n:b:B:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			listen_path = optarg;
			break;
		case 's':
			path = optarg;
			break;
		case 'n':
			rounds = (size_t)parse(optarg, "-n", 1);
			break;
		case 'b':
			req = (size_t)parse(optarg, "-b", 1);
			break;
		case 'B':
			rep = (size_t)parse(optarg, "-B", 1);
			break;
		case 'C':
			csv = true;
			break;
		case 'g':
			gap_us = (size_t)parse(optarg, "--gap-us", 1);
			break;
		case 'h':
			puts("usage: " PROG " -l PATH [-b REQUEST_BYTES] [-B REPLY_BYTES]\n"
			     "       " PROG " -s PATH [-n ROUNDS] [-b REQUEST_BYTES] [-B REPLY_BYTES]\n"
			     "                [--gap-us USEC] [--csv]\n"
			     "Bounces REQUEST_BYTES out and REPLY_BYTES back over a Unix stream socket:\n"
			     "-l serves on PATH, -s runs ROUNDS round trips against it (default 100000,\n"
			     "40 and 12 bytes), sleeping USEC between a reply and the next request with\n"
			     "--gap-us (the rate is then over the time not slept).");
			return 0;
		default:
			return 2;
		}
	}
	if (!listen_path == !path) {
		fputs(PROG ": give -l PATH to serve or -s PATH to measure (see --help)\n", stderr);
		return 2;
	}
	char *out = xcalloc1(req > rep ? req : rep), *in = xcalloc1(req > rep ? req : rep);
	if (listen_path) {
		int lfd = listen_on(listen_path);
		for (;;) {
			int fd = accept(lfd, NULL, NULL);
			if (fd >= 0)
				serve_one(fd, in, req, out, rep);
			else if (errno != EINTR)
				return 1;
		}
	}
	int fd = connect_to(path);
	uint64_t *lat = xcalloc1(rounds * sizeof *lat);
	struct timespec gap = {.tv_sec = (time_t)(gap_us / 1000000),
			       .tv_nsec = (long)(gap_us % 1000000) * 1000};
	uint64_t start = now_ns(), slept = 0;
	for (size_t i = 0; i < rounds; i++) {
		if (gap_us && i > 0) {
			struct timespec left = gap;
			uint64_t t0 = now_ns();
			while (nanosleep(&left, &left) < 0 && errno == EINTR)
				;
			slept += now_ns() - t0;
		}
		uint64_t t = now_ns();
		if (!write_all(fd, out, req) || !read_all(fd, in, rep)) {
			fputs(PROG ": the server went away\n", stderr);
			return 1;
		}
		lat[i] = now_ns() - t;
	}
	uint64_t elapsed = now_ns() - start - slept;
	close(fd);

	latency_sort(lat, rounds);
	double rps = (double)rounds * 1e9 / (double)elapsed;
	double p50 = latency_percentile_ms(lat, rounds, 0.5);
	double p99 = latency_percentile_ms(lat, rounds, 0.99);
	double p999 = latency_percentile_ms(lat, rounds, 0.999);
	double max = (double)lat[rounds - 1] / 1e6;
	if (csv)
		printf("\"test\",\"rps\",\"p50_latency_ms\",\"p99_latency_ms\",\"p999_latency_ms\","
		       "\"max_latency_ms\",\"errors\"\n"
		       "\"pingpong\",\"%.2f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\",\"0\"\n",
		       rps, p50, p99, p999, max);
	else
		printf("pingpong: %.2f round trips per second, p50=%.3f p99=%.3f p99.9=%.3f "
		       "max=%.3f msec\n", rps, p50, p99, p999, max);
	free(out);
	free(in);
	free(lat);
	return 0;
}
