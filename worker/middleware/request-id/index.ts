import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env.ts";

/** A caller's own id is kept for the log only if it looks like an id (bounded, no control characters). */
const CLIENT_ID = /^[\w\-=.:/+]{1,128}$/;

/**
 * Every request gets an id of the Worker's own (a UUID), sent back as X-Request-Id: it ties a decision to
 * its records in the audit trail, so a caller must not be able to choose it (or reuse another's). A
 * caller's X-Request-Id is kept separately as `clientRequestId`, logged as `client_request_id`.
 */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = crypto.randomUUID();
    c.set("requestId", id);
    const theirs = c.req.header("X-Request-Id");
    if (theirs && CLIENT_ID.test(theirs)) c.set("clientRequestId", theirs);
    c.header("X-Request-Id", id);
    await next();
  };
}
