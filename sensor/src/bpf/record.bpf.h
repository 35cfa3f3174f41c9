/* Assembling one record in the libs layout:
 *   ppm_evt_hdr { u64 ts; u64 tid; u32 len; u16 type; u32 nparams }  (26 bytes, packed)
 *   nparams u16 parameter lengths, then the parameters back to back.
 * Parameters must be written in table order, one put_* call each. Every store goes through
 * `& REC_MASK`, which is what lets the verifier accept variable offsets; a record that grows past
 * REC_MAX is dropped (and counted) at submit instead of being corrupted.
 */
#ifndef SAKER_RECORD_BPF_H
#define SAKER_RECORD_BPF_H

/* The address of record byte `pos`, computed through an integer on purpose: from &buf[i] clang
 * assumes alignment 1 and splits every store into single bytes. x86-64 and its BPF JIT take
 * unaligned stores, and the verifier only checks the range, which the mask bounds. */
#define REC_AT(r, pos) ((void *)((unsigned long)(r)->buf + ((pos) & REC_MASK)))

#include <cost.bpf.h> /* event_ts; from COST_DIR (the Makefile) */

/* This CPU's scratch record, initialised for an event of `type` of thread `tid`; NULL (counted)
 * if missing. */
static __always_inline struct rec *rec_begin_tid(__u16 type, __u32 nparams, __u16 kind, __u32 tid)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct rec *r = bpf_map_lookup_elem(&scratch_map, &cpu);

	if (!r) {
		counters[cpu & (SENSOR_MAX_CPUS - 1)].drops_no_scratch++;
		return NULL;
	}
	r->cpu = cpu;
	r->type = type;
	r->kind = kind;
	r->nparams = nparams;
	r->lens = HDR_SIZE;
	r->pos = HDR_SIZE + nparams * 2;
	r->tid = tid;
	r->ts = event_ts();
	return r;
}

/* The same for the current thread. */
static __always_inline struct rec *rec_begin(__u16 type, __u32 nparams, __u16 kind)
{
	return rec_begin_tid(type, nparams, kind, current_tid());
}

static __always_inline void put_len(struct rec *r, __u32 len)
{
	*(__u16 *)REC_AT(r, r->lens) = len;
	r->lens += 2;
}

static __always_inline void put_u8(struct rec *r, __u8 v)
{
	r->buf[r->pos & REC_MASK] = v;
	r->pos += 1;
	put_len(r, 1);
}

static __always_inline void put_u16(struct rec *r, __u16 v)
{
	*(__u16 *)REC_AT(r, r->pos) = v;
	r->pos += 2;
	put_len(r, 2);
}

static __always_inline void put_u32(struct rec *r, __u32 v)
{
	*(__u32 *)REC_AT(r, r->pos) = v;
	r->pos += 4;
	put_len(r, 4);
}

static __always_inline void put_u64(struct rec *r, __u64 v)
{
	*(__u64 *)REC_AT(r, r->pos) = v;
	r->pos += 8;
	put_len(r, 8);
}

#define put_s64(r, v) put_u64(r, (__u64)(__s64)(v))

static __always_inline void put_empty(struct rec *r)
{
	put_len(r, 0);
}

/* Raw bytes appended to the current parameter (no length slot): building blocks of
 * SOCKADDR / SOCKTUPLE / DYN parameters. */
static __always_inline void raw_u8(struct rec *r, __u8 v)
{
	r->buf[r->pos & REC_MASK] = v;
	r->pos += 1;
}

static __always_inline void raw_u16(struct rec *r, __u16 v)
{
	*(__u16 *)REC_AT(r, r->pos) = v;
	r->pos += 2;
}

static __always_inline void raw_u32(struct rec *r, __u32 v)
{
	*(__u32 *)REC_AT(r, r->pos) = v;
	r->pos += 4;
}

static __always_inline void raw_u64(struct rec *r, __u64 v)
{
	*(__u64 *)REC_AT(r, r->pos) = v;
	r->pos += 8;
}

/* A NUL-terminated string copied with its terminator; returns the bytes written, 0 when the
 * pointer is NULL or unreadable. `max` must be a constant <= STR_MAX. */
static __always_inline __u32 raw_str(struct rec *r, const void *p, __u32 max, bool user)
{
	long n = 0;

	if (p)
		n = user ? bpf_probe_read_user_str(&r->buf[r->pos & REC_MASK], max, p)
			 : bpf_probe_read_kernel_str(&r->buf[r->pos & REC_MASK], max, p);
	if (n < 0)
		n = 0;
	r->pos += n;
	return n;
}

static __always_inline __u32 put_str(struct rec *r, const void *p, __u32 max, bool user)
{
	__u32 n = raw_str(r, p, max, user);

	put_len(r, n);
	return n;
}

#define put_ustr(r, p) put_str(r, (const void *)(p), STR_MAX, true)
#define put_kstr(r, p, max) put_str(r, (const void *)(p), max, false)

/* `len` bytes of user memory (clamped to STR_MAX); empty when unreadable. */
static __always_inline __u32 raw_ubytes(struct rec *r, const void *p, __u64 len)
{
	__u32 n = len > STR_MAX ? STR_MAX : len;

	/* keep the bound visible to the verifier after the compiler's rewrites */
	asm volatile("%0 &= 0x1fff" : "+r"(n));
	if (n > STR_MAX)
		n = STR_MAX;
	if (!p || n == 0)
		return 0;
	if (bpf_probe_read_user(&r->buf[r->pos & REC_MASK], n, p))
		return 0;
	r->pos += n;
	return n;
}

static __always_inline __u32 put_ubytes(struct rec *r, const void *p, __u64 len)
{
	__u32 n = raw_ubytes(r, p, len);

	put_len(r, n);
	return n;
}

/* Overwrites the last byte written: turns the last NUL of a list of strings into whatever the
 * format needs (or re-terminates a list cut short). */
static __always_inline void set_last_byte(struct rec *r, __u8 v)
{
	r->buf[(r->pos - 1) & REC_MASK] = v;
}

/* A place at the head of this CPU's ring, reserved by ring_reserve for up to `max` bytes and
 * published by ring_commit with the bytes actually written. Nothing nests on one CPU (the
 * programs run on syscall exit and process events, in process context, without preemption), so
 * nothing else writes between the two. */
struct ring_slot {
	unsigned long at; /* address of the record */
	__u64 prod;
	__u32 cpu;
	bool spill;       /* `at` is the scratch record: the ring was full (fixed_begin) */
};

static __always_inline bool ring_reserve(struct ring_slot *s, __u32 cpu, __u32 max)
{
	if (cpu >= SENSOR_MAX_CPUS)
		return false; /* no ring of its own (sharing one would interleave two writers) */
	struct sensor_ring_pos *rp = &ring_pos[cpu];
	__u32 bits = cfg.ring_chunk_bits;
	__u64 prod = rp->prod;

	if (prod + max - rp->cons > ((__u64)SENSOR_CHUNK << bits))
		return false;
	__u32 key = (cpu << bits) + ((prod >> SENSOR_CHUNK_SHIFT) & ((1U << bits) - 1));
	struct chunk *ch = bpf_map_lookup_elem(&ring_chunks, &key);
	if (!ch)
		return false;
	s->at = (unsigned long)ch->data + (prod & (SENSOR_CHUNK - 1));
	s->prod = prod;
	s->cpu = cpu;
	return true;
}

/* Wakes the loader waiting on the overflow ring (struct sensor_wake): an empty record, discarded
 * (the drain skips it) with a forced wakeup. Several CPUs may ring at once: harmless. */
static __always_inline void ring_doorbell(void)
{
	wake.asleep = 0;
	void *bell = bpf_ringbuf_reserve(&overflow, 8, 0);
	if (bell)
		bpf_ringbuf_discard(bell, BPF_RB_FORCE_WAKEUP);
}

static __always_inline void ring_commit(struct ring_slot *s, __u32 len)
{
	/* the record is complete before the loader can see it (x86-64 keeps stores in order) */
	asm volatile("" ::: "memory");
	ring_pos[s->cpu].prod = s->prod + ((len + 7) & ~7U);
	if (wake.asleep)
		ring_doorbell();
}

/* ppm_evt_hdr { u64 ts; u64 tid; u32 len; u16 type; u32 nparams }, packed */
static __always_inline void write_hdr(unsigned long at, __u64 ts, __u64 tid, __u32 len, __u16 type,
				      __u32 nparams)
{
	*(__u64 *)at = ts;
	*(__u64 *)(at + 8) = tid;
	*(__u32 *)(at + 16) = len;
	*(__u16 *)(at + 20) = type;
	*(__u32 *)(at + 22) = nparams;
}

/* A record from the scratch area into the overflow ring. */
static __always_inline bool spill_to_overflow(void *buf, __u32 len)
{
	/* hide what the compiler knows of `len` so that the check stays for the verifier */
	asm volatile("" : "+r"(len));
	if (len > REC_MAX)
		return false;
	return !bpf_ringbuf_output(&overflow, buf, len, BPF_RB_NO_WAKEUP);
}

/* Copies a finished record into this CPU's ring. Records up to COPY_INLINE bytes are copied by
 * 8-byte stores (the padding past `len` is copied too), longer ones by a helper; the overflow
 * ring takes it when the CPU ring is full. The loader drains the rings on a timer (--poll-ms). */
#define COPY_INLINE 256

static __always_inline bool ring_put(struct rec *r, __u32 len)
{
	struct ring_slot s;

	if (!ring_reserve(&s, r->cpu, len)) {
		counters[r->cpu & (SENSOR_MAX_CPUS - 1)].spilled++;
		return spill_to_overflow(r->buf, len);
	}
	if (len <= COPY_INLINE) {
		for (int i = 0; i < COPY_INLINE / 8; i++) {
			if (i * 8 >= len)
				break;
			*(__u64 *)(s.at + i * 8) = *(__u64 *)REC_AT(r, i * 8);
		}
	} else if (bpf_probe_read_kernel((void *)s.at, len & REC_MASK, r->buf)) {
		return false;
	}
	ring_commit(&s, len);
	return true;
}

/* Fixed-layout records can skip the scratch record: written straight into the ring, at offsets
 * known at compile time. fixed_begin counts the event and finds `max` bytes: in the ring, or
 * when it is full in the scratch record, which fixed_commit then sends to the overflow ring.
 * Between the two the caller writes the header (write_hdr), the lengths and the parameters. */
static __always_inline bool fixed_begin(struct ring_slot *s, __u32 max)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct sensor_counters *c = &counters[cpu & (SENSOR_MAX_CPUS - 1)];

	c->events++;
	s->spill = false;
	if (ring_reserve(s, cpu, max))
		return true;
	struct rec *r = bpf_map_lookup_elem(&scratch_map, &cpu);
	if (!r) {
		c->drops_no_scratch++;
		return false;
	}
	s->at = (unsigned long)r->buf;
	s->cpu = cpu & (SENSOR_MAX_CPUS - 1);
	s->spill = true;
	return true;
}

static __always_inline void fixed_commit(struct ring_slot *s, __u32 len, __u16 kind)
{
	if (!s->spill) {
		ring_commit(s, len);
		return;
	}
	counters[s->cpu].spilled++;
	if (!spill_to_overflow((void *)s->at, len))
		counters[s->cpu].drops_full[kind & 7]++;
}

/* Finishes the header and puts the record in the ring; a record that does not fit is counted. */
static __always_inline void rec_submit(struct rec *r)
{
	struct sensor_counters *c = &counters[r->cpu & (SENSOR_MAX_CPUS - 1)];
	__u32 len = r->pos;
	c->events++;
	if (len > REC_MAX) {
		c->drops_too_large++;
		return;
	}
	write_hdr((unsigned long)REC_AT(r, 0), r->ts, r->tid, len, r->type, r->nparams);
	if (!ring_put(r, len))
		c->drops_full[r->kind & 7]++;
}

#endif
