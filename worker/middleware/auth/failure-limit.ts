/**
 * Per client IP, requests that fail authentication. Past the limit (the rate-limiting binding, shared by
 * every isolate) the IP is refused at once, before any key lookup or JWKS fetch, for one period: a guessing
 * or flooding client stops costing D1 queries and CPU. Authenticated traffic is never counted here, so a
 * lender's backend behind one IP is only limited by its own key's limit.
 */
export class FailurePenaltyBox {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly periodMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds this key still has to wait, or 0. */
  waitSeconds(key: string): number {
    const until = this.until.get(key);
    if (until === undefined) return 0;
    const left = until - this.now();
    if (left <= 0) {
      this.until.delete(key);
      return 0;
    }
    return Math.ceil(left / 1000);
  }

  block(key: string): void {
    this.until.delete(key);
    this.until.set(key, this.now() + this.periodMs);
    while (this.until.size > this.maxEntries) this.until.delete(this.until.keys().next().value!);
  }
}
