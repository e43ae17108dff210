import type { MiddlewareHandler } from "hono";
import type { AppEnv, Bindings } from "../../env.ts";
import { tooManyRequests } from "../../problem/api-error.ts";

export interface RateLimitOptions {
  /** The Workers rate-limiting binding to count against. */
  limiter: (env: Bindings) => RateLimit;
  /** Sent as Retry-After on 429: the binding's period (wrangler.toml [[ratelimits]]). */
  retryAfterSeconds: number;
}

/**
 * Requests per principal (API key id or JWT subject) through the rate-limiting binding; 429 beyond the
 * limit. A limiter failure lets the request through: it guards capacity, it is not what answers.
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = c.get("principal");
    if (principal) {
      let allowed = true;
      try {
        allowed = (await options.limiter(c.env).limit({ key: principal.id })).success;
      } catch (error) {
        console.log(JSON.stringify({ level: "warn", msg: "rate limiter unavailable", error: String(error) }));
      }
      if (!allowed) throw tooManyRequests(options.retryAfterSeconds);
    }
    await next();
  };
}
