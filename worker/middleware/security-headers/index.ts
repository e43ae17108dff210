import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../../env.ts";

/**
 * Hono's secure headers on every response (nosniff, frame denial, no referrer, HSTS, cross-origin
 * isolation), and `Cache-Control: no-store` on the API under /v1: a score or a model card must never sit
 * in a shared cache or a device's disk cache. /docs sets its own Content-Security-Policy.
 */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  const secure = secureHeaders({
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    strictTransportSecurity: "max-age=63072000; includeSubDomains",
    crossOriginResourcePolicy: "same-origin",
    crossOriginOpenerPolicy: "same-origin",
  });
  return async (c, next) => {
    await secure(c, async () => {
      await next();
      if (c.req.path.startsWith("/v1/")) c.header("Cache-Control", "no-store");
    });
  };
}
