/** What an API key may do: score single clients and applications, or score client batches. */
export const SCOPES = ["score", "score:batch"] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Space-separated scopes; unknown words are dropped. */
export function parseScopes(value: string): ReadonlySet<Scope> {
  return new Set(value.split(/\s+/).filter(isScope));
}

/** The authenticated caller. `id` names it in logs and rate limits, and never contains a credential. */
export type Principal =
  /** A service caller (lender backend) with an API key. */
  | { kind: "api-key"; id: string; scopes: ReadonlySet<Scope> }
  /** A mobile end user with a JWT whose `sub` is their client id. */
  | { kind: "end-user"; id: string; clientId: number };
