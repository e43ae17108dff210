import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv, Bindings } from "../../env.ts";
import { tooManyRequests } from "../../problem/api-error.ts";
import { describeError } from "../error-handler/index.ts";

export interface RateLimitOptions {
  /** The Workers rate-limiting binding to count against. */
  limiter: (env: Bindings) => RateLimit;
  /** What is counted; a request without one is not limited here. */
  key: (c: Context<AppEnv>) => string | undefined;
  /** Sent as Retry-After on 429: the binding's period (wrangler.toml [[ratelimits]]). */
  retryAfterSeconds: number;
}

/** Authenticated traffic counts per principal (API key id or JWT subject), never per IP. */
export const byPrincipal = (c: Context<AppEnv>): string | undefined => c.get("principal")?.id;

/**
 * Public and unauthenticated traffic counts per client IP. Cloudflare sets CF-Connecting-IP on every
 * request it forwards; a request without it (local tests) is not limited by IP.
 */
export const byClientIp = (c: Context<AppEnv>): string | undefined => {
  const ip = c.req.header("cf-connecting-ip");
  return ip ? `ip:${ip}` : undefined;
};

/**
 * Requests per key through the rate-limiting binding; 429 with Retry-After beyond the limit. A limiter
 * failure lets the request through: it guards capacity, it is not what answers.
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = options.key(c);
    if (key) {
      let allowed = true;
      try {
        allowed = (await options.limiter(c.env).limit({ key })).success;
      } catch (error) {
        console.log(
          JSON.stringify({ level: "warn", msg: "rate limiter unavailable", error: describeError(error) }),
        );
      }
      if (!allowed) throw tooManyRequests(options.retryAfterSeconds);
    }
    await next();
  };
}
