/**
 * How long an isolate trusts what it read about a D1-stored API key, by default: a revocation takes effect
 * within this. Its own module (no Workers types) because `credit-edge keys revoke` states it too.
 */
export const DEFAULT_KEY_CACHE_SECONDS = 60;

/** API_KEY_CACHE_SECONDS (default 60, 0 disables, at most an hour): how long a D1-stored key's state is trusted. */
export function keyCacheSeconds(setting: string | undefined): number {
  const seconds = setting === undefined || setting === "" ? DEFAULT_KEY_CACHE_SECONDS : Number(setting);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 3600) : DEFAULT_KEY_CACHE_SECONDS;
}
