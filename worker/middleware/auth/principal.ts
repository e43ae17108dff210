/**
 * What an API key may do: score single clients and applications (`score`), score batches of clients and
 * several applications at once (`score:batch`), and call the bench-only routes (`bench`, never implied).
 */
export const SCOPES = ["score", "score:batch", "bench"] as const;
export type Scope = (typeof SCOPES)[number];

/** What a key configured without a scope list may do: everything but the bench routes. */
export const DEFAULT_SCOPES: readonly Scope[] = ["score", "score:batch"];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Space-separated scopes (the one separator); unknown words are dropped. */
export function parseScopes(value: string): ReadonlySet<Scope> {
  return new Set(value.split(" ").filter(isScope));
}

/** The authenticated caller. `id` names it in logs and rate limits, and never contains a credential. */
export type Principal =
  /** A service caller (lender backend) with an API key. */
  | { kind: "api-key"; id: string; scopes: ReadonlySet<Scope> }
  /** A mobile end user with a JWT whose `sub` is their client id. */
  | { kind: "end-user"; id: string; clientId: number };
