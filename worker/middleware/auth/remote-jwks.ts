import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { LookupRefused } from "./lookup-refused.ts";

/** Keys fetched are used for this long before a refresh is attempted. */
const FRESH_MS = 10 * 60_000;
/** A key set whose refresh fails is still used this long: an identity-provider outage logs nobody out. */
const STALE_MS = 24 * 60 * 60_000;
/** An unknown `kid` makes at most one refetch per this period: a forged kid cannot make us fetch per request. */
const UNKNOWN_KID_COOLDOWN_MS = 30_000;
/** After a failed fetch, nothing is fetched for this long, doubling per consecutive failure up to the max. */
const FIRST_BACKOFF_MS = 5_000;
const MAX_BACKOFF_MS = 60_000;
const FETCH_TIMEOUT_MS = 5_000;

/** The signing keys cannot be had now: an outage of ours or the identity provider's, not a bad token. */
export class JwksUnavailableError extends Error {
  override readonly name = "JwksUnavailableError";
  constructor(
    message: string,
    /** Seconds until the next fetch is allowed. */
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

interface KeySet {
  get: JWTVerifyGetKey;
  fetchedAt: number;
}

/**
 * An identity provider's JWKS (JWT_JWKS_URL), fetched by this isolate with a cache, a back-off after
 * failures, one fetch in flight at a time and a cooldown for unknown `kid`s. Verification stays jose's
 * (`createLocalJWKSet` over the fetched set); only retrieval is ours, so that every retrieval failure can
 * answer 503 (jose's remote set reports a non-200 response as a generic, token-looking JOSEError) and a
 * failure is remembered rather than retried by every request.
 */
export class RemoteJwks {
  private keys: KeySet | undefined;
  private inflight: Promise<KeySet> | undefined;
  private failures = 0;
  private blockedUntil = 0;
  private lastError = "";

  constructor(
    private readonly url: URL,
    // Called as a plain function: workerd refuses fetch() invoked on another `this`.
    private readonly fetcher: typeof fetch = (input, init) => fetch(input, init),
    private readonly now: () => number = Date.now,
  ) {}

  /** The key for a token, as jose's jwtVerify asks for it. */
  readonly getKey: JWTVerifyGetKey = (header, token) => this.lookup(header, token, true);

  /** The same from the keys already fetched, never fetching: for callers who may not cost a fetch. */
  readonly getKnownKey: JWTVerifyGetKey = (header, token) => this.lookup(header, token, false);

  private async lookup(...[header, token, mayFetch]: [...Parameters<JWTVerifyGetKey>, boolean]) {
    const now = this.now();
    let set = this.keys;
    if (!mayFetch) {
      if (!set || now - set.fetchedAt >= STALE_MS) throw new LookupRefused("no signing keys fetched yet");
      return set.get(header, token);
    }
    if (!set || now - set.fetchedAt >= FRESH_MS) {
      try {
        set = await this.refresh();
      } catch (error) {
        // A stale set still verifies: only without one is the outage the caller's problem.
        if (!set || now - set.fetchedAt >= STALE_MS) throw error;
      }
    }
    try {
      return await set.get(header, token);
    } catch (error) {
      // A key rotated in at the provider: look again, but at most once per cooldown.
      if (!(error instanceof errors.JWKSNoMatchingKey) || now - set.fetchedAt < UNKNOWN_KID_COOLDOWN_MS)
        throw error;
      const fresh = await this.refresh();
      return fresh.get(header, token);
    }
  }

  private refresh(): Promise<KeySet> {
    const now = this.now();
    if (now < this.blockedUntil)
      return Promise.reject(
        new JwksUnavailableError(
          `the token signing keys (JWKS) could not be fetched: ${this.lastError}`,
          Math.max(1, Math.ceil((this.blockedUntil - now) / 1000)),
        ),
      );
    this.inflight ??= this.fetchKeys().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetchKeys(): Promise<KeySet> {
    try {
      let response: Response;
      try {
        response = await this.fetcher(this.url, {
          headers: { accept: "application/jwk-set+json, application/json" },
          // A redirect is a failure, not an instruction: the key set comes from the configured URL only.
          redirect: "manual",
          signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
        });
      } catch (error) {
        throw new Error(`no response (${(error as Error).name})`);
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new Error(`HTTP ${response.status}`);
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch {
        throw new Error("the response is not JSON");
      }
      if (!Array.isArray((body as { keys?: unknown } | null)?.keys))
        throw new Error("no keys in the response");
      const set = { get: createLocalJWKSet(body as JSONWebKeySet), fetchedAt: this.now() };
      this.keys = set;
      this.failures = 0;
      this.blockedUntil = 0;
      return set;
    } catch (error) {
      this.failures++;
      const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (this.failures - 1));
      this.blockedUntil = this.now() + backoff;
      this.lastError = (error as Error).message;
      throw new JwksUnavailableError(
        `the token signing keys (JWKS) could not be fetched: ${this.lastError}`,
        Math.ceil(backoff / 1000),
      );
    }
  }
}

// One key set per URL per isolate.
const byUrl = new Map<string, RemoteJwks>();

export function remoteJwks(url: string): RemoteJwks {
  let jwks = byUrl.get(url);
  if (!jwks) {
    jwks = new RemoteJwks(new URL(url));
    byUrl.set(url, jwks);
  }
  return jwks;
}
