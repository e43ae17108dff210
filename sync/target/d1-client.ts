import { UserError } from "../../lib/errors.ts";
import { type RetryHooks, type RetryPolicy, TransientError, withRetry } from "../retry.ts";

/**
 * A client of D1's HTTP query API (`POST .../d1/database/{id}/raw`, body `{sql, params}` or
 * `{batch: [{sql, params}]}`, a batch running as one transaction; rows come back as arrays). The remote
 * target talks to Cloudflare with it, the local one to an in-process Worker answering the same shape, so
 * both targets share every line above the transport.
 */

/** Bound values as the API takes them: its params are documented as strings, so numbers travel as text. */
export type D1Param = string | null;

export interface D1Statement {
  readonly sql: string;
  readonly params: readonly D1Param[];
}

export interface D1Result {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
  /** D1's statement metadata, when it sent it: size_after is the database's size in bytes. */
  readonly meta?: { readonly size_after?: number };
}

/** The least of a fetch Response the client reads: Node's fetch and Miniflare's dispatchFetch both fit. */
export interface D1HttpResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface D1Endpoint {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly fetch: (
    url: string,
    init: { method: string; headers: Record<string, string>; body: string },
  ) => Promise<D1HttpResponse>;
}

/** D1 refused the request for good (bad SQL, a limit, credentials): retrying would not help. */
export class D1RequestError extends UserError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

interface Envelope {
  success?: boolean;
  errors?: { code?: number; message?: string }[];
  result?: { results?: { columns?: string[]; rows?: unknown[][] }; meta?: { size_after?: number } }[];
}

export function toD1Param(value: unknown): D1Param {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "1" : "0";
  throw new Error(`a ${typeof value} cannot be a D1 HTTP parameter (blobs go inline as X'..' literals)`);
}

const retryAfterMs = (header: string | null) => {
  const seconds = header === null ? Number.NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
};

function describeErrors(envelope: Envelope | undefined, fallback: string): string {
  const errors = envelope?.errors ?? [];
  if (errors.length === 0) return fallback;
  return errors.map((e) => `${e.message ?? "error"}${e.code ? ` (code ${e.code})` : ""}`).join("; ");
}

export class D1Client {
  /** HTTP requests sent, retries included: what `bench:scale` reports as calls made. */
  calls = 0;

  constructor(
    private readonly endpoint: D1Endpoint,
    /** For messages: "local D1 (...)" or "remote D1 <id>". */
    readonly description: string,
    private readonly retry: RetryPolicy,
    private readonly hooks: RetryHooks = {},
  ) {}

  /** Run statements in order as one transaction; transient failures are retried (see retry.ts). */
  batch(statements: readonly D1Statement[]): Promise<D1Result[]> {
    if (statements.length === 0) return Promise.resolve([]);
    return withRetry(() => this.send(statements), this.retry, this.hooks);
  }

  async query(sql: string, params: readonly D1Param[] = []): Promise<D1Result> {
    const [result] = await this.batch([{ sql, params }]);
    return result!;
  }

  /** The database's size on disk, as D1 reports it after a statement (its `size_after`); null if it did not. */
  async databaseBytes(): Promise<number | null> {
    // A batch: local D1 reports metadata for batched statements (a lone statement runs as .raw()).
    const [result] = await this.batch([
      { sql: "SELECT 1", params: [] },
      { sql: "SELECT 1", params: [] },
    ]);
    const bytes = result?.meta?.size_after;
    return typeof bytes === "number" ? bytes : null;
  }

  private async send(statements: readonly D1Statement[]): Promise<D1Result[]> {
    const body = JSON.stringify(
      statements.length === 1
        ? statements[0]
        : { batch: statements.map(({ sql, params }) => ({ sql, params })) },
    );
    let status: number;
    let text: string;
    let retryAfter: string | null;
    this.calls++;
    try {
      const response = await this.endpoint.fetch(this.endpoint.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...this.endpoint.headers },
        body,
      });
      status = response.status;
      retryAfter = response.headers.get("retry-after");
      text = await response.text();
    } catch (error) {
      // No answer at all (refused, reset, timed out): the request may or may not have landed.
      const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new TransientError(`${this.description}: network error: ${reason}`, undefined, { cause: error });
    }
    let envelope: Envelope | undefined;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      envelope = undefined;
    }
    if (status === 429 || status >= 500) {
      throw new TransientError(
        `${this.description}: HTTP ${status}: ${describeErrors(envelope, text.slice(0, 200))}`,
        retryAfterMs(retryAfter),
      );
    }
    if (status !== 200 || !envelope?.success) {
      throw new D1RequestError(
        `${this.description} rejected the request (HTTP ${status}): ${describeErrors(envelope, text.slice(0, 200))}`,
        status,
      );
    }
    const results = envelope.result ?? [];
    if (results.length !== statements.length) {
      throw new D1RequestError(
        `${this.description} answered ${results.length} results for ${statements.length} statements`,
        status,
      );
    }
    return results.map((r) => ({
      columns: r.results?.columns ?? [],
      rows: r.results?.rows ?? [],
      ...(r.meta ? { meta: r.meta } : {}),
    }));
  }
}
