/**
 * One initialisation shared by every request of the isolate: started by the first caller, awaited by the
 * rest. A failure is not kept: the next caller starts over, so one bad moment does not poison the isolate.
 */
export function sharedInit<T>(init: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= init().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
