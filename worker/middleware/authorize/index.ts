import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env.ts";
import { forbidden, unauthorized } from "../../problem/api-error.ts";
import type { Principal, Scope } from "../auth/principal.ts";

export interface AuthorizeOptions {
  /** The scope an API key needs. */
  scope: Scope;
  /** Whether end users (JWT) may call the route at all. */
  endUsers: boolean;
}

/** 403 unless the principal may call a route with these requirements. */
export function assertAllowed(principal: Principal | undefined, options: AuthorizeOptions): Principal {
  if (!principal) throw unauthorized("not authenticated", false);
  if (principal.kind === "end-user") {
    if (!options.endUsers) throw forbidden("end-user tokens may not use this endpoint");
  } else if (!principal.scopes.has(options.scope)) {
    throw forbidden(`this API key lacks the "${options.scope}" scope`);
  }
  return principal;
}

/** An end user may score only their own client; a service caller any client. */
export function assertMayScoreClient(principal: Principal | undefined, clientId: number): void {
  if (principal?.kind === "end-user" && principal.clientId !== clientId)
    throw forbidden("an end-user token may score only its own client");
}

/**
 * Scoring several applications at once reads several stored clients' histories, whose values come back in
 * `reasons`: that is a batch read, so it needs `score:batch` like /v1/score/batch. One application needs
 * only `score`.
 */
export function assertMayScoreApplications(principal: Principal | undefined, count: number): void {
  if (count > 1 && principal?.kind === "api-key" && !principal.scopes.has("score:batch"))
    throw forbidden(
      `scoring ${count} applications in one request needs the "score:batch" scope; send one per request with "score"`,
    );
}

/** Route guard: runs after `authenticate()`, before the body is validated. */
export function authorize(options: AuthorizeOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    assertAllowed(c.get("principal"), options);
    await next();
  };
}
