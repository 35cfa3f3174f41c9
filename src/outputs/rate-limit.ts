// Token buckets, as Falco's outputs.rate / outputs.max_burst meant them: `rate` tokens per second
// refill a bucket of `max_burst` tokens; an alert takes one token or is not sent. One bucket per
// destination, or one per rule at that destination (`per_rule`), so a noisy rule cannot use up
// what the others need.

class Bucket {
  tokens: number;
  last: number;
  constructor(burst: number, now: number) {
    this.tokens = burst;
    this.last = now;
  }
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly rate: number, private readonly burst: number, private readonly perRule: boolean, private readonly now: () => number = Date.now) {}

  /** Takes a token for an alert of `rule`; false when its bucket is empty. */
  take(rule: string): boolean {
    const key = this.perRule ? rule : '';
    const now = this.now();
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = new Bucket(this.burst, now)));
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.last) / 1000) * this.rate);
    b.last = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
