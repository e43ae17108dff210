import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env.ts";
import { unauthorized } from "../../problem/api-error.ts";
import { apiKeyPrincipal } from "./api-keys.ts";
import { endUserPrincipal, looksLikeJwt } from "./jwt.ts";

/** RFC 6750 b64token, bounded: a longer "token" is no credential of ours. */
const BEARER = /^Bearer +([\w\-.~+/]{1,4096}=*)$/i;

/**
 * Who is calling: `Authorization: Bearer <token>`, where the token is either a service API key (checked
 * against SCORING_API_KEYS and D1, by hash) or an end user's JWT. Sets `principal`; 401 otherwise.
 */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("Authorization");
    if (!header)
      throw unauthorized("missing credentials: send Authorization: Bearer <API key or token>", false);
    const token = BEARER.exec(header.trim())?.[1];
    if (!token) throw unauthorized("malformed Authorization header: expected Bearer <API key or token>");
    const principal = looksLikeJwt(token)
      ? await endUserPrincipal(token, c.env)
      : await apiKeyPrincipal(token, c.env);
    c.set("principal", principal);
    await next();
  };
}

export type { Principal, Scope } from "./principal.ts";
