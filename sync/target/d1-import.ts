import { readFile, stat } from "node:fs/promises";
import { type RetryHooks, type RetryPolicy, TransientError, withRetry } from "../retry.ts";
import { assertSafeApiUrl } from "./api-base-url.ts";
import { D1RequestError } from "./d1-client.ts";

/**
 * A client of D1's import API, `POST /accounts/{account}/d1/database/{id}/import`, as wrangler's
 * `d1 execute --file --remote` drives it: `init` with the file's MD5 gives an upload URL, the SQL file is
 * PUT there (the answer's ETag must be that MD5), `ingest` starts the import, `poll` with the bookmark until
 * `complete`. An import runs as one unit (a failed one leaves the database as it was) and blocks the
 * database while it runs, which is why the sync only imports into a standby database (README, "Bulk loads").
 *
 * Why each retried call is safe: init only names an upload slot; the PUT of the same bytes to the same slot
 * is the same object; polls read. A retried ingest whose first attempt had started the import finds an
 * import running (409): it waits and starts the file again, and every statement the sync writes into an
 * import file is an upsert, so running a file twice leaves what running it once does.
 */

export interface ImportFile {
  readonly path: string;
  readonly md5: string;
  readonly bytes: number;
}

export interface ImportOutcome {
  readonly queries: number;
  readonly rowsWritten: number;
  /** The database's size after the import, when D1 said. */
  readonly sizeAfter: number | null;
}

interface ImportStatus {
  success?: boolean;
  status?: "active" | "complete" | "error";
  at_bookmark?: string;
  upload_url?: string;
  filename?: string;
  error?: string;
  errors?: string[];
  messages?: string[];
  result?: {
    num_queries?: number;
    final_bookmark?: string;
    meta?: { rows_written?: number; size_after?: number };
  };
}

interface Envelope {
  success?: boolean;
  errors?: { code?: number; message?: string }[];
  result?: ImportStatus;
}

export interface D1ImporterOptions {
  apiBase: string;
  accountId: string;
  token: string;
  retry: RetryPolicy;
  retryHooks?: RetryHooks;
  /** Between polls of a running import. */
  pollIntervalMs?: number;
  requestTimeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class D1Importer {
  /** HTTP calls made (init, upload, ingest, polls, retries included): what `bench:scale` reports. */
  calls = 0;

  constructor(private readonly options: D1ImporterOptions) {}

  private endpoint(databaseId: string): string {
    const { apiBase, accountId } = this.options;
    return `${apiBase}/accounts/${encodeURIComponent(accountId)}/d1/database/${encodeURIComponent(databaseId)}/import`;
  }

  private async post(databaseId: string, description: string, body: object): Promise<ImportStatus> {
    return withRetry(
      async () => {
        this.calls++;
        let status: number;
        let text: string;
        let retryAfter: string | null;
        try {
          const response = await fetch(this.endpoint(databaseId), {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${this.options.token}` },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 60_000),
          });
          status = response.status;
          retryAfter = response.headers.get("retry-after");
          text = await response.text();
        } catch (error) {
          const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
          throw new TransientError(`${description}: import: network error: ${reason}`, undefined, {
            cause: error,
          });
        }
        let envelope: Envelope | undefined;
        try {
          envelope = JSON.parse(text) as Envelope;
        } catch {
          envelope = undefined;
        }
        const message = envelope?.errors?.map((e) => e.message ?? "error").join("; ") || text.slice(0, 200);
        if (status === 429 || status >= 500) {
          const seconds = Number(retryAfter);
          throw new TransientError(
            `${description}: import: HTTP ${status}: ${message}`,
            Number.isFinite(seconds) && retryAfter !== null ? seconds * 1000 : undefined,
          );
        }
        if (status === 409) throw new ImportBusyError(`${description}: ${message}`);
        if (status !== 200 || !envelope?.success || !envelope.result)
          throw new D1RequestError(`${description} rejected the import (HTTP ${status}): ${message}`, status);
        return envelope.result;
      },
      this.options.retry,
      this.options.retryHooks,
    );
  }

  private async upload(url: string, file: ImportFile, description: string): Promise<void> {
    assertSafeApiUrl(url, "the import's upload URL");
    await withRetry(
      async () => {
        this.calls++;
        let response: Response;
        try {
          // The whole file in memory (at most the import file size): a retry sends the same bytes again.
          response = await fetch(url, {
            method: "PUT",
            headers: { "content-length": String(file.bytes) },
            body: await readFile(file.path),
            signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 600_000),
          });
        } catch (error) {
          throw new TransientError(`${description}: upload failed: ${(error as Error).message}`, undefined, {
            cause: error,
          });
        }
        const text = await response.text();
        if (response.status === 429 || response.status >= 500)
          throw new TransientError(`${description}: upload: HTTP ${response.status}: ${text.slice(0, 200)}`);
        if (response.status !== 200)
          throw new D1RequestError(
            `${description}: upload refused (HTTP ${response.status}): ${text.slice(0, 200)}`,
            response.status,
          );
        const etag = response.headers.get("etag")?.replace(/^"|"$/g, "");
        // The stored object's MD5 is the file's: a truncated or altered upload shows here, not after ingest.
        if (etag !== file.md5)
          throw new TransientError(
            `${description}: upload arrived altered (etag ${etag}, expected ${file.md5})`,
          );
      },
      this.options.retry,
      this.options.retryHooks,
    );
  }

  /** Import one SQL file into the database and wait for it; throws if D1 reports the import failed. */
  async importFile(databaseId: string, description: string, file: ImportFile): Promise<ImportOutcome> {
    const init = await this.post(databaseId, description, { action: "init", etag: file.md5 });
    let state: ImportStatus;
    if (init.upload_url && init.filename) {
      await this.upload(init.upload_url, file, description);
      state = await this.ingest(databaseId, description, file, init.filename);
    } else state = init; // D1 already holds this file: init started it.
    const interval = this.options.pollIntervalMs ?? 1000;
    for (;;) {
      if (state.success === false || state.status === "error") {
        const why = [state.error, ...(state.errors ?? [])].filter(Boolean).join("; ") || "import failed";
        throw new D1RequestError(`${description}: import failed: ${why}`, 200);
      }
      if (state.status === "complete") {
        return {
          queries: state.result?.num_queries ?? 0,
          rowsWritten: state.result?.meta?.rows_written ?? 0,
          sizeAfter: state.result?.meta?.size_after ?? null,
        };
      }
      await sleep(interval);
      state = await this.post(databaseId, description, {
        action: "poll",
        current_bookmark: state.at_bookmark,
      });
    }
  }

  private async ingest(
    databaseId: string,
    description: string,
    file: ImportFile,
    filename: string,
  ): Promise<ImportStatus> {
    for (let waited = 0; ; waited++) {
      try {
        return await this.post(databaseId, description, { action: "ingest", etag: file.md5, filename });
      } catch (error) {
        // Another import runs there (our own earlier attempt, or a killed run's): wait for it to end.
        if (!(error instanceof ImportBusyError) || waited >= 600) throw error;
        await sleep(this.options.pollIntervalMs ?? 1000);
      }
    }
  }
}

/** The database is running another import. */
class ImportBusyError extends Error {
  override readonly name = "ImportBusyError";
}

export async function importFileOf(path: string, md5: string): Promise<ImportFile> {
  return { path, md5, bytes: (await stat(path)).size };
}
