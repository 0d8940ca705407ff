/*
 * pings.c — objmgr --latency and --latency-history: server.ping round
 * trips on the monotonic clock, one at a time with 10 ms between them as
 * redis-cli does, so the figures are those of an idle request, not of a
 * flood. --latency reports every sample since it started; --latency-history
 * starts its figures again every interval. On a terminal the current line
 * is redrawn after each sample; elsewhere a line is written per interval.
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "latency.h"
#include "mem.h"

#define SAMPLE_GAP 0.010
/* p99 is of at most this many samples: a uniform choice among them all beyond. */
#define SAMPLES_KEPT 100000

typedef struct window {
	uint64_t *kept; /* ns, up to SAMPLES_KEPT */
	size_t nkept;
	uint64_t count, min, max, sum;
	uint64_t rng;
	double started;
} window;

static void window_reset(window *w, double now)
{
	w->nkept = 0;
	w->count = w->min = w->max = w->sum = 0;
	w->started = now;
}

/* Keeps ns among the samples: all of the first SAMPLES_KEPT, then each with the same chance. */
static void window_add(window *w, uint64_t ns)
{
	w->count++;
	w->sum += ns;
	w->min = w->count == 1 || ns < w->min ? ns : w->min;
	w->max = ns > w->max ? ns : w->max;
	if (w->nkept < SAMPLES_KEPT) {
		w->kept[w->nkept++] = ns;
		return;
	}
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	uint64_t j = w->rng % w->count;
	if (j < SAMPLES_KEPT)
		w->kept[j] = ns;
}

static double window_p99(const window *w)
{
	uint64_t *sorted = xmalloc((w->nkept ? w->nkept : 1) * sizeof *sorted);
	for (size_t i = 0; i < w->nkept; i++)
		sorted[i] = w->kept[i];
	latency_sort(sorted, w->nkept);
	double p99 = w->nkept ? latency_percentile_ms(sorted, w->nkept, 0.99) : 0;
	free(sorted);
	return p99;
}

static void report(cli *c, const window *w)
{
	double avg = w->count ? (double)w->sum / (double)w->count / 1e6 : 0;
	if (c->mode == OUT_JSON) {
		printf("{\"min_ms\": %.3f, \"avg_ms\": %.3f, \"max_ms\": %.3f, \"p99_ms\": %.3f, "
		       "\"samples\": %llu}",
		       (double)w->min / 1e6, avg, (double)w->max / 1e6, window_p99(w),
		       (unsigned long long)w->count);
		return;
	}
	printf("min: %.3f, avg: %.3f, max: %.3f, p99: %.3f ms (%llu samples)", (double)w->min / 1e6,
	       avg, (double)w->max / 1e6, window_p99(w), (unsigned long long)w->count);
}

/* One round trip in ns; CLI_OK, or the status of a failed ping (printed). */
static int ping(cli *c, uint64_t *ns)
{
	om_value pong;
	double t0 = ops_now();
	int rc = cli_call(c, "server.ping", NULL, 0, &pong);
	double t1 = ops_now();
	if (rc != CLI_OK)
		return rc;
	om_value_free(&pong);
	*ns = (uint64_t)((t1 - t0) * 1e9);
	return CLI_OK;
}

int pings_run(cli *c, bool history, long lines, double interval)
{
	int rc = cli_connect(c);
	if (rc != CLI_OK)
		return rc;
	bool redraw = isatty(STDOUT_FILENO) && c->mode != OUT_JSON;
	window w = {.kept = xmalloc(SAMPLES_KEPT * sizeof(uint64_t)), .rng = 0x9e3779b97f4a7c15u};
	window_reset(&w, ops_now());
	double line_started = w.started;
	bool open = false; /* a redrawn line not ended yet */
	for (long n = 0; lines <= 0 || n < lines;) {
		uint64_t ns;
		rc = ping(c, &ns);
		if (rc != CLI_OK)
			break;
		window_add(&w, ns);
		double now = ops_now();
		bool due = now - line_started >= interval;
		if (redraw) {
			fputs("\r\033[K", stdout);
			report(c, &w);
			open = true;
		}
		if (due) {
			if (!redraw)
				report(c, &w);
			if (history)
				printf(" -- %.2f seconds range", now - line_started);
			if (!redraw || history) {
				putchar('\n');
				open = false;
			}
			if (history)
				window_reset(&w, now);
			line_started = now;
			n++;
		}
		fflush(stdout);
		ops_sleep(SAMPLE_GAP);
	}
	if (open)
		putchar('\n');
	free(w.kept);
	return rc;
}
