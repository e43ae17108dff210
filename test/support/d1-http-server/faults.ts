/** A failure the server answers with instead of running a request: injected by a test. */
export interface Fault {
  status: number;
  /** Cloudflare's error code in the envelope (7500 for D1 query errors, 971 for rate limits...). */
  code: number;
  message: string;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Only requests whose statements match (default: any request). */
  matches?: (sqls: readonly string[]) => boolean;
  /** Only requests to this database id (default: any). */
  database?: string;
  /**
   * "before" (default): answer with the fault instead of running the request. "after": run it, then answer
   * with the fault (a write that landed but whose answer was lost). "drop": answer success without running
   * it (a write that silently went missing: what verification exists to catch); status is ignored.
   */
  when?: "before" | "after" | "drop";
  /** How many matching requests get it (default 1). */
  times?: number;
}

/** Faults in the order they were planned; each matching request consumes one use of the first that fits. */
export class FaultPlan {
  private readonly planned: (Fault & { left: number })[] = [];

  add(fault: Fault): void {
    this.planned.push({ ...fault, left: fault.times ?? 1 });
  }

  clear(): void {
    this.planned.length = 0;
  }

  take(sqls: readonly string[], database?: string): Fault | null {
    const fault = this.planned.find(
      (f) =>
        f.left > 0 && (f.matches?.(sqls) ?? true) && (f.database === undefined || f.database === database),
    );
    if (!fault) return null;
    fault.left--;
    return fault;
  }

  get pending(): number {
    return this.planned.reduce((n, f) => n + f.left, 0);
  }
}
