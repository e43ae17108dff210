export interface SharedInitOptions {
  /**
   * After a failure, callers within this many milliseconds get the same failure without a new attempt: a
   * build that fails (ORT's wasm, a bad bundle) is not retried by every request, nor by every /ready call.
   */
  retryAfterMs?: number;
  now?: () => number;
}

/**
 * One initialisation shared by every request of the isolate: started by the first caller, awaited by the
 * rest. A failure is not kept for good: once `retryAfterMs` has passed the next caller starts over, so one
 * bad moment does not poison the isolate.
 */
export function sharedInit<T>(init: () => Promise<T>, options: SharedInitOptions = {}): () => Promise<T> {
  const { retryAfterMs = 0, now = Date.now } = options;
  let pending: Promise<T> | undefined;
  let failed: { at: number; error: unknown } | undefined;
  return () => {
    if (!pending && failed && now() - failed.at < retryAfterMs) return Promise.reject(failed.error);
    pending ??= init().then(
      (value) => {
        failed = undefined;
        return value;
      },
      (error: unknown) => {
        pending = undefined;
        failed = { at: now(), error };
        throw error;
      },
    );
    return pending;
  };
}
