/**
 * D1 answers some reads with a transient failure: Cloudflare documents retrying on lost connections and
 * object resets, and a local D1 shared with a writing `credit-edge sync` reports SQLite's "database is
 * locked" as an internal error. Reads are idempotent, so a few quick retries turn those into a slower
 * answer instead of a 503; anything else fails at once.
 */
const TRANSIENT =
  /SQLITE_BUSY|database is locked|internal error|Network connection lost|reset because|object to be reset|overloaded|timed out/i;

/** Delays before each retry: at most ~0.4 s in all, well inside a scoring request's budget. */
export const READ_RETRY_DELAYS_MS = [25, 75, 150, 150] as const;

export function isTransientD1Error(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) if (TRANSIENT.test(e.message)) return true;
  return false;
}

export async function retryRead<T>(
  read: () => Promise<T>,
  delays: readonly number[] = READ_RETRY_DELAYS_MS,
  sleep: (ms: number) => Promise<unknown> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      const delay = delays[attempt];
      if (delay === undefined || !isTransientD1Error(error)) throw error;
      await sleep(delay);
    }
  }
}
