import { createLocalJWKSet, createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from "jose";
import { serviceUnavailable, unauthorized } from "../../problem/api-error.ts";
import type { Principal } from "./principal.ts";

/** Asymmetric only: a shared-secret (HS*) or unsigned (`none`) token could be minted by anyone holding it. */
export const JWT_ALGORITHMS = ["ES256", "RS256"];

export interface JwtSettings {
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  JWT_JWKS_URL?: string;
  JWT_JWKS?: string;
}

interface JwtConfig {
  issuer: string;
  audience: string;
  keys: JWTVerifyGetKey;
}

/** Three base64url segments: a JWS compact serialisation (an unsigned one has an empty third). */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

// One key set per configuration, kept across requests: the remote one caches fetched keys itself.
let cached: { source: string; config: JwtConfig | null } | undefined;

function jwtConfig(settings: JwtSettings): JwtConfig | null {
  const {
    JWT_ISSUER: issuer = "",
    JWT_AUDIENCE: audience = "",
    JWT_JWKS_URL: url = "",
    JWT_JWKS: jwks = "",
  } = settings;
  const source = JSON.stringify([issuer, audience, url, jwks]);
  if (cached?.source === source) return cached.config;
  let config: JwtConfig | null = null;
  // Without issuer and audience a token minted for another service would pass: refuse to verify at all.
  if (issuer && audience && (url || jwks)) {
    try {
      const keys = url ? createRemoteJWKSet(new URL(url)) : createLocalJWKSet(JSON.parse(jwks));
      config = { issuer, audience, keys };
    } catch (error) {
      console.log(
        JSON.stringify({ level: "error", msg: "JWT_JWKS_URL / JWT_JWKS unusable", error: String(error) }),
      );
    }
  }
  cached = { source, config };
  return config;
}

/** A client id as a JWT subject: a positive integer in decimal. */
function clientIdOf(subject: string | undefined): number | null {
  if (!subject || !/^[1-9]\d{0,15}$/.test(subject)) return null;
  const id = Number(subject);
  return Number.isSafeInteger(id) ? id : null;
}

/** The mobile end user a JWT speaks for; `iss`, `aud`, `exp` and the signature checked. */
export async function endUserPrincipal(token: string, settings: JwtSettings): Promise<Principal> {
  const config = jwtConfig(settings);
  if (!config) throw unauthorized("end-user tokens are not accepted by this deployment");
  let subject: string | undefined;
  try {
    const { payload } = await jwtVerify(token, config.keys, {
      issuer: config.issuer,
      audience: config.audience,
      algorithms: JWT_ALGORITHMS,
      requiredClaims: ["exp", "sub"],
    });
    subject = payload.sub;
  } catch (error) {
    throw tokenError(error);
  }
  const clientId = clientIdOf(subject);
  if (clientId === null) throw unauthorized("the token's subject is not a client id");
  return { kind: "end-user", id: `sub:${clientId}`, clientId };
}

function tokenError(error: unknown): Error {
  if (error instanceof errors.JWTExpired) return unauthorized("the token has expired");
  if (error instanceof errors.JWTClaimValidationFailed)
    return unauthorized(`the token's "${error.claim}" claim is not accepted`);
  if (error instanceof errors.JOSEAlgNotAllowed) return unauthorized("the token's algorithm is not accepted");
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid)
    return serviceUnavailable("the token signing keys (JWKS) cannot be fetched", error);
  if (error instanceof errors.JOSEError) return unauthorized("the token is invalid");
  // Not jose's own verdict: the JWKS fetch itself failed.
  return serviceUnavailable("the token signing keys (JWKS) cannot be fetched", error);
}
