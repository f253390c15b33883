/**
 * Per-client rate limit (RELAY_RATE_LIMIT): one token bucket per client in memory, holding at most
 * `perMinute` tokens and refilled at perMinute / 60 s, so a client may burst up to a minute's worth
 * and then continues at the steady rate. A request without a token is answered 429 with Retry-After.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Grant } from '../../auth/grant';

interface Bucket {
  tokens: number;
  at: number;
}

/** How many takes between two sweeps of buckets that have refilled completely (and so carry no state). */
const SWEEP_EVERY = 1024;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private takes = 0;

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Takes a token from `key`'s bucket: 0 when there was one, else the whole seconds until there is. */
  take(key: string): number {
    const now = this.now();
    if (++this.takes % SWEEP_EVERY === 0) this.sweep(now);
    const bucket = this.buckets.get(key);
    const tokens = bucket ? this.level(bucket, now) : this.perMinute;
    if (tokens >= 1) {
      this.buckets.set(key, { tokens: tokens - 1, at: now });
      return 0;
    }
    this.buckets.set(key, { tokens, at: now });
    return Math.max(1, Math.ceil(((1 - tokens) * 60) / this.perMinute));
  }

  private level(bucket: Bucket, now: number): number {
    return Math.min(this.perMinute, bucket.tokens + (Math.max(0, now - bucket.at) * this.perMinute) / 60_000);
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) if (this.level(bucket, now) >= this.perMinute) this.buckets.delete(key);
  }
}

/** The client a request counts against: the token's issuer and client id when it has a grant, else the remote address. */
export function clientKey(req: Request, res: Response): string {
  const grant = res.locals.grant as Grant | undefined;
  return grant ? `client ${grant.issuer} ${grant.clientId}` : addressKey(req);
}

/** The remote address (the TCP peer: behind a reverse proxy, the proxy's). */
export function addressKey(req: Request): string {
  return `address ${req.socket.remoteAddress ?? 'unknown'}`;
}

/** Sends the 429 answer: the middleware has set Retry-After already. */
export type Refuse = (res: Response, retryAfterSeconds: number, perMinute: number) => void;

export function rateLimit(buckets: TokenBuckets, keyOf: (req: Request, res: Response) => string, refuse: Refuse): RequestHandler {
  return (req, res, next) => {
    const wait = buckets.take(keyOf(req, res));
    if (wait === 0) return next();
    res.status(429).setHeader('Retry-After', String(wait));
    refuse(res, wait, buckets.perMinute);
  };
}
