/* When the rings are drained while records keep coming: one drain per --batch-us on average,
 * and every --poll-ms while each drain is large (a flood: fewer, larger batches cost the engine
 * less per record, at a latency still within the timer). The average is kept by credit, not by
 * a gap after every drain: time since the last drain earns credit, up to PACING_BURST drains'
 * worth, and a drain spends one gap of it. So records that keep coming still wait for their
 * batch, but a record on a quiet host is read at once even when some other record was read just
 * before it (a host is never silent: with a wait after every drain, the second of two records
 * 100 ms apart waited out a 300 ms batch, sensor.test.ts; idle syscall-to-alert p99 2.70 ->
 * 1.95 ms, bench/agent-latency). Shared by the loader's drain loop and the agent's in-process
 * reader (sensor/src/reader). */
#ifndef SAKER_PACING_H
#define SAKER_PACING_H

#include <linux/types.h>

/* A drain at least this large means a flood: the next waits poll_ns (the engine reads 64 KiB at
 * once, or more) */
#define PACING_BUSY_BYTES (64u << 10)
/* Drains that may follow each other without waiting for batch_ns */
#define PACING_BURST 4

struct pacing {
	__u64 poll_ns, batch_ns; /* --poll-ms, --batch-us */
	__u64 credit, at;        /* ns of credit, earned up to `at` */
	__u64 last_bytes;        /* what the last drain read */
};

static inline __u64 pacing_gap(const struct pacing *p)
{
	return p->last_bytes >= PACING_BUSY_BYTES ? p->poll_ns : p->batch_ns;
}

/* Credit earned since the last call, up to the most the gap allows. */
static inline void pacing_earn(struct pacing *p, __u64 now)
{
	__u64 gap = pacing_gap(p), max = p->last_bytes >= PACING_BUSY_BYTES ? gap : PACING_BURST * gap;

	p->credit += now - p->at;
	p->at = now;
	if (p->credit > max)
		p->credit = max;
}

/* How long the next drain must wait from `now`, ns; 0: drain now. */
static inline __u64 pacing_wait(struct pacing *p, __u64 now)
{
	__u64 gap = pacing_gap(p);

	pacing_earn(p, now);
	return p->credit < gap ? gap - p->credit : 0;
}

/* A drain starts at `now`: it spends one gap of credit. */
static inline void pacing_spend(struct pacing *p, __u64 now)
{
	__u64 gap = pacing_gap(p);

	pacing_earn(p, now);
	p->credit = p->credit > gap ? p->credit - gap : 0;
}

#endif
