import { createLocalJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from "jose";
import { ApiError, serviceUnavailable, unauthorized } from "../../problem/api-error.ts";
import { type LookupPolicy, LookupRefused, MAY_LOOK_UP } from "./lookup-refused.ts";
import type { Principal } from "./principal.ts";
import { JwksUnavailableError, remoteJwks } from "./remote-jwks.ts";

/** Asymmetric only: a shared-secret (HS*) or unsigned (`none`) token could be minted by anyone holding it. */
export const JWT_ALGORITHMS = ["ES256", "RS256"];

/** RFC 9068 access tokens: an ID token (typ JWT) is not an access token and must not pass as one. */
export const DEFAULT_JWT_TYP = "at+jwt";
/** The oldest `iat` accepted by default, in seconds: longer-lived tokens are refused even before `exp`. */
export const DEFAULT_JWT_MAX_AGE_SECONDS = 3600;
/** Clock skew allowed between the identity provider and Cloudflare, in seconds. */
export const JWT_CLOCK_TOLERANCE_SECONDS = 30;

export interface JwtSettings {
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  JWT_JWKS_URL?: string;
  JWT_JWKS?: string;
  /** Required `typ` header (default at+jwt); "none" accepts any. */
  JWT_TYP?: string;
  /** Seconds: tokens issued longer ago are refused (default 3600). */
  JWT_MAX_TOKEN_AGE_SECONDS?: string;
}

interface JwtConfig {
  issuer: string;
  audience: string;
  keys: JWTVerifyGetKey;
  /** The same keys without any fetch (an inline JWKS needs none). */
  knownKeys: JWTVerifyGetKey;
  typ: string | undefined;
  maxTokenAge: number;
}

/** Three base64url segments: a JWS compact serialisation (an unsigned one has an empty third). */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

function maxAge(setting: string | undefined): number {
  const seconds = Number(setting);
  return setting && Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_JWT_MAX_AGE_SECONDS;
}

// One configuration per isolate (per distinct settings); the remote key set caches its keys itself.
let cached: { source: string; config: JwtConfig | null } | undefined;

function jwtConfig(settings: JwtSettings): JwtConfig | null {
  const {
    JWT_ISSUER: issuer = "",
    JWT_AUDIENCE: audience = "",
    JWT_JWKS_URL: url = "",
    JWT_JWKS: jwks = "",
    JWT_TYP: typ = DEFAULT_JWT_TYP,
    JWT_MAX_TOKEN_AGE_SECONDS: age,
  } = settings;
  const source = JSON.stringify([issuer, audience, url, jwks, typ, age]);
  if (cached?.source === source) return cached.config;
  let config: JwtConfig | null = null;
  // Without issuer and audience a token minted for another service would pass: refuse to verify at all.
  if (issuer && audience && (url || jwks)) {
    try {
      const remote = url ? remoteJwks(url) : undefined;
      const keys = remote ? remote.getKey : createLocalJWKSet(JSON.parse(jwks));
      config = {
        issuer,
        audience,
        keys,
        knownKeys: remote ? remote.getKnownKey : keys,
        typ: typ === "none" ? undefined : typ || DEFAULT_JWT_TYP,
        maxTokenAge: maxAge(age),
      };
    } catch (error) {
      console.log(
        JSON.stringify({
          level: "error",
          msg: "JWT_JWKS_URL / JWT_JWKS unusable",
          error: (error as Error).name,
        }),
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

/** The mobile end user a JWT speaks for; signature, `typ`, `iss`, `aud`, `exp` and the token's age checked. */
export async function endUserPrincipal(
  token: string,
  settings: JwtSettings,
  policy: LookupPolicy = MAY_LOOK_UP,
): Promise<Principal> {
  const config = jwtConfig(settings);
  if (!config) throw unauthorized("end-user tokens are not accepted by this deployment");
  let subject: string | undefined;
  try {
    const { payload } = await jwtVerify(token, policy.memoryOnly ? config.knownKeys : config.keys, {
      issuer: config.issuer,
      audience: config.audience,
      algorithms: JWT_ALGORITHMS,
      requiredClaims: ["exp", "sub", "iat"],
      maxTokenAge: config.maxTokenAge,
      clockTolerance: JWT_CLOCK_TOLERANCE_SECONDS,
      ...(config.typ ? { typ: config.typ } : {}),
    });
    subject = payload.sub;
  } catch (error) {
    throw tokenError(error, config);
  }
  const clientId = clientIdOf(subject);
  if (clientId === null) throw unauthorized("the token's subject is not a client id");
  return { kind: "end-user", id: `sub:${clientId}`, clientId };
}

function tokenError(error: unknown, config: JwtConfig): Error {
  if (error instanceof LookupRefused) return error;
  // Retrieval of the signing keys failed: never the token's fault, so never a 401 that logs users out.
  if (error instanceof JwksUnavailableError)
    return new ApiError(503, error.message, { retryAfter: error.retryAfterSeconds, cause: error });
  // jose reports a token past maxTokenAge as expired, on its "iat" claim.
  if (error instanceof errors.JWTExpired)
    return unauthorized(
      error.claim === "iat" ? `the token is older than ${config.maxTokenAge} s` : "the token has expired",
    );
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "typ")
      return unauthorized(`the token is not an access token (its "typ" header must be ${config.typ})`);
    return unauthorized(`the token's "${error.claim}" claim is not accepted`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return unauthorized("the token's algorithm is not accepted");
  if (error instanceof errors.JWKSNoMatchingKey) return unauthorized("the token's signing key is not known");
  if (error instanceof errors.JOSEError) return unauthorized("the token is invalid");
  return serviceUnavailable("the token could not be verified", error);
}
