import { isIP } from "node:net";
import { UserError } from "../../lib/errors.ts";

/** Cloudflare's API. CLOUDFLARE_API_BASE_URL (as wrangler reads it) points elsewhere, e.g. a local stand-in. */
export const DEFAULT_CLOUDFLARE_API_BASE = "https://api.cloudflare.com/client/v4";

/** 127.0.0.0/8, ::1 and `localhost`: traffic that never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1" || host === "0:0:0:0:0:0:0:1";
  return false;
}

/**
 * The one check for a URL that will carry the Cloudflare API token (the D1 API base, an import's upload
 * URL): https anywhere, plain http only to loopback (a local stand-in), nothing else. `what` names the
 * setting in the message. Returns the URL without a trailing slash.
 */
export function assertSafeApiUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserError(`${what} is not a URL: "${value}"`, 2);
  }
  if (url.protocol === "https:") return value.replace(/\/+$/, "");
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return value.replace(/\/+$/, "");
  if (url.protocol === "http:")
    throw new UserError(
      `${what} is plain http to ${url.hostname}: the API token would travel in clear. Use https (plain http is accepted for loopback only, e.g. a local stand-in on 127.0.0.1)`,
      2,
    );
  throw new UserError(`${what} must be an https URL, not ${url.protocol}`, 2);
}

/**
 * The Cloudflare API base the remote targets talk to: CLOUDFLARE_API_BASE_URL when set (checked by
 * assertSafeApiUrl), else Cloudflare's. Used by the sync's remote target; `keys --remote` shares it.
 */
export function cloudflareApiBase(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.CLOUDFLARE_API_BASE_URL;
  if (override === undefined || override === "") return DEFAULT_CLOUDFLARE_API_BASE;
  return assertSafeApiUrl(override, "CLOUDFLARE_API_BASE_URL");
}
