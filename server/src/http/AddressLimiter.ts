import { TokenBucket } from '../common/TokenBucket.js';

/** Addresses remembered at most; the least recently seen is forgotten first (its bucket would be full again anyway). */
const MAX_ADDRESSES = 100_000;

/**
 * A budget per client address (a token bucket each), for requests that anyone with a
 * link may make, such as joining. A real join storm comes from thousands of addresses
 * and a council's NAT brings at most hundreds at once, inside the burst; a flood from
 * one address runs dry.
 */
export class AddressLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  take(address: string): boolean {
    let bucket = this.buckets.get(address);
    if (bucket) this.buckets.delete(address);
    else bucket = new TokenBucket(this.perSecond, this.burst);
    this.buckets.set(address, bucket);
    if (this.buckets.size > MAX_ADDRESSES) this.buckets.delete(this.buckets.keys().next().value!);
    return bucket.take();
  }
}
