/**
 * How long an isolate trusts what it read about a D1-stored API key, by default: a revocation takes effect
 * within this. Its own module (no Workers types) because `credit-edge keys revoke` states it too.
 */
export const DEFAULT_KEY_CACHE_SECONDS = 60;
