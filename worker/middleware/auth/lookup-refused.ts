/**
 * Thrown instead of querying D1 or fetching the JWKS when the caller's IP is past its failed-authentication
 * limit: credentials the isolate already knows still work, anything needing a lookup waits.
 */
export class LookupRefused extends Error {
  override readonly name = "LookupRefused";
}

/** Whether credentials may be checked against D1 or the identity provider, or only against memory. */
export interface LookupPolicy {
  memoryOnly: boolean;
}

export const MAY_LOOK_UP: LookupPolicy = { memoryOnly: false };
