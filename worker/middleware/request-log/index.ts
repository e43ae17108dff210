import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env.ts";

export interface RequestLogOptions {
  /** Where a line goes; console.log (Workers Logs) by default. */
  write?: (line: string) => void;
}

/**
 * One structured JSON line per request: our request id and the caller's own (if any), method, path (no
 * query), status, duration and the principal's id. Never bodies, feature values or credentials.
 */
export function requestLog(options: RequestLogOptions = {}): MiddlewareHandler<AppEnv> {
  const write = options.write ?? ((line: string) => console.log(line));
  return async (c, next) => {
    const started = Date.now();
    await next();
    const status = c.res.status;
    write(
      JSON.stringify({
        level: status >= 500 ? "error" : "info",
        msg: "request",
        request_id: c.get("requestId"),
        client_request_id: c.get("clientRequestId") ?? null,
        method: c.req.method,
        path: c.req.path,
        status,
        duration_ms: Date.now() - started,
        principal: c.get("principal")?.id ?? null,
      }),
    );
  };
}
