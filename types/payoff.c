/* payoff.c — the polling pay-off rule of payoff.h. */
#include "payoff.h"

#include <sys/resource.h>

void payoff_init(payoff *p)
{
	*p = (payoff){.credit = 1, .backoff = 1};
}

bool payoff_try(payoff *p)
{
	if (p->skip == 0)
		return true;
	p->skip--;
	return false;
}

bool payoff_watch(payoff *p)
{
	return p->credit == 0 || ++p->opened % PAYOFF_WATCH_EVERY == 0;
}

/* Out of credit: sleep after the next backoff messages, and wait twice as long after the next failure. */
static void back_off(payoff *p)
{
	p->credit = 0;
	p->skip = p->backoff;
	if (p->backoff < PAYOFF_BACKOFF_MAX)
		p->backoff *= 2;
}

void payoff_note(payoff *p, payoff_outcome outcome)
{
	switch (outcome) {
	case PAYOFF_CAUGHT:
		if (p->credit < PAYOFF_CREDIT_MAX)
			p->credit++;
		if (p->credit == PAYOFF_CREDIT_MAX)
			p->backoff = 1;
		return;
	case PAYOFF_MISSED:
		if (p->credit > 1) {
			p->credit--;
			return;
		}
		back_off(p);
		return;
	case PAYOFF_STOLEN:
		back_off(p);
		return;
	}
}

uint64_t payoff_preemptions(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_THREAD, &ru) < 0)
		return 0;
	return (uint64_t)ru.ru_nivcsw;
}

payoff_window payoff_open(payoff *p)
{
	payoff_window w = {.watched = payoff_watch(p)};
	if (w.watched)
		w.preempted = payoff_preemptions();
	return w;
}

void payoff_close(payoff *p, payoff_window w, bool caught)
{
	payoff_note(p, w.watched && payoff_preemptions() != w.preempted ? PAYOFF_STOLEN
		       : caught ? PAYOFF_CAUGHT : PAYOFF_MISSED);
}
