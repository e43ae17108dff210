import type { D1Client, D1Statement } from "../target/d1-client.ts";
import type { D1Limits } from "../target/d1-limits.ts";

/**
 * Sends row statements to D1 as batches of up to `limits.maxRequestBytes`, keeping `maxInFlight` requests
 * open, so reading and encoding the next rows overlaps the database writing the previous ones. The first
 * failure stops everything: later calls rethrow it.
 */
export class VectorWriter {
  private pending: D1Statement[] = [];
  private pendingBytes = 0;
  private queuedRows = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  private written = 0;

  constructor(
    private readonly client: D1Client,
    private readonly limits: D1Limits,
    private readonly maxInFlight: number,
    /** Called before each request: throws to stop (a lost lease, an interrupt). */
    private readonly beforeSend: () => void,
    private readonly onWritten: (rows: number) => void = () => {},
  ) {}

  get rowsWritten(): number {
    return this.written;
  }

  get pendingRows(): number {
    return this.queuedRows;
  }

  /** Queue a statement holding `rows` rows; sends a batch when the request is full. */
  async add(statement: D1Statement & { rows: number }): Promise<void> {
    this.rethrow();
    const bytes = statement.sql.length + statement.params.reduce((n, p) => n + (p?.length ?? 4) + 3, 16);
    if (this.pending.length > 0 && this.pendingBytes + bytes > this.limits.maxRequestBytes)
      await this.flush();
    this.pending.push({ sql: statement.sql, params: statement.params });
    this.pendingBytes += bytes;
    this.queuedRows += statement.rows;
  }

  /** Send what is queued now (a page boundary), waiting for room if `maxInFlight` requests are open. */
  async flush(): Promise<void> {
    this.rethrow();
    if (this.pending.length === 0) return;
    while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
    this.rethrow();
    this.beforeSend();
    const statements = this.pending;
    const rows = this.queuedRows;
    this.pending = [];
    this.pendingBytes = 0;
    this.queuedRows = 0;
    const request = this.client.batch(statements).then(
      () => {
        this.written += rows;
        this.onWritten(rows);
      },
      (error: unknown) => {
        this.failure ??= error;
      },
    );
    const tracked = request.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Send the rest and wait for every request; throws the first failure. */
  async drain(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await Promise.all(this.inFlight);
    }
    this.rethrow();
  }

  /** Wait for open requests without sending more (after a failure elsewhere). */
  async settle(): Promise<void> {
    this.pending = [];
    await Promise.all(this.inFlight);
  }

  private rethrow(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
