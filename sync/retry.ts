/**
 * Retries for the D1 target: transient failures (HTTP 429 and 5xx, network errors) are retried with capped
 * exponential backoff and full jitter, a bounded number of times; anything else fails at once. Writes are
 * idempotent (inserts skip rows already present), so a retried request that had in fact landed is harmless.
 */

export class TransientError extends Error {
  override readonly name = "TransientError";
  constructor(
    message: string,
    /** The server's Retry-After, when it sent one. */
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface RetryPolicy {
  /** Tries in all, the first one included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 250, maxDelayMs: 8_000 };

export interface RetryHooks {
  onRetry?: (error: TransientError, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Full jitter: a uniform delay up to the capped exponential, or the server's Retry-After if it is longer. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number, retryAfterMs = 0) {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.min(policy.maxDelayMs, Math.max(retryAfterMs, Math.round(random() * ceiling)));
}

export async function withRetry<T>(
  operation: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  hooks: RetryHooks = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      if (attempt >= policy.attempts) {
        throw new TransientError(
          `${error.message} (gave up after ${policy.attempts} attempts)`,
          error.retryAfterMs,
          { cause: error },
        );
      }
      const delay = backoffDelay(policy, attempt, hooks.random ?? Math.random, error.retryAfterMs);
      hooks.onRetry?.(error, attempt, delay);
      await (hooks.sleep ?? sleepMs)(delay);
    }
  }
}
