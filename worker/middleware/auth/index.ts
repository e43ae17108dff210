import type { MiddlewareHandler } from "hono";
import type { AppEnv, Bindings } from "../../env.ts";
import { ApiError, tooManyRequests, unauthorized } from "../../problem/api-error.ts";
import { byClientIp } from "../rate-limit/index.ts";
import { apiKeyPrincipal } from "./api-keys.ts";
import { FailurePenaltyBox } from "./failure-limit.ts";
import { endUserPrincipal, looksLikeJwt } from "./jwt.ts";
import { type LookupPolicy, LookupRefused } from "./lookup-refused.ts";

/** RFC 6750 b64token, bounded: a longer "token" is no credential of ours. */
const BEARER = /^Bearer +([\w\-.~+/]{1,4096}=*)$/i;

export interface AuthenticateOptions {
  /** Counts failed authentications per client IP (wrangler.toml [[ratelimits]] AUTH_FAILURE_RATE_LIMITER). */
  failureLimiter: (env: Bindings) => RateLimit;
  /** The limiter's period: how long an IP past the limit is refused, and its Retry-After. */
  periodSeconds: number;
}

async function principalOf(header: string | undefined, env: Bindings, policy: LookupPolicy) {
  if (!header)
    throw unauthorized("missing credentials: send Authorization: Bearer <API key or token>", false);
  const token = BEARER.exec(header.trim())?.[1];
  if (!token) throw unauthorized("malformed Authorization header: expected Bearer <API key or token>");
  return looksLikeJwt(token) ? endUserPrincipal(token, env, policy) : apiKeyPrincipal(token, env, policy);
}

/**
 * Who is calling: `Authorization: Bearer <token>`, where the token is either a service API key (checked
 * against SCORING_API_KEYS and D1, by hash) or an end user's JWT. Sets `principal`; 401 otherwise. Runs
 * before the body is read. Failures count per client IP; past the limit, the IP's requests that would
 * need a D1 lookup or a JWKS fetch get 429 instead, and its failures keep answering 429.
 */
export function authenticate(options: AuthenticateOptions): MiddlewareHandler<AppEnv> {
  const box = new FailurePenaltyBox(options.periodSeconds * 1000);
  return async (c, next) => {
    const ip = byClientIp(c);
    // An IP past its failure limit is served only what needs no lookup: keys and key sets this isolate
    // already holds. Users sharing the IP (a NAT) with a guesser keep working; the guesser costs nothing.
    const wait = ip ? box.waitSeconds(ip) : 0;
    try {
      c.set("principal", await principalOf(c.req.header("Authorization"), c.env, { memoryOnly: wait > 0 }));
    } catch (error) {
      if (error instanceof LookupRefused) throw tooManyRequests(wait);
      if (ip && error instanceof ApiError && error.status === 401) {
        let allowed = true;
        try {
          allowed = (await options.failureLimiter(c.env).limit({ key: ip })).success;
        } catch {
          // The limiter guards capacity; its failure must not turn a 401 into something else.
        }
        if (!allowed) {
          box.block(ip);
          throw tooManyRequests(options.periodSeconds);
        }
      }
      throw error;
    }
    await next();
  };
}

export type { Principal, Scope } from "./principal.ts";
