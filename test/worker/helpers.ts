import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { importJWK, type JWK, SignJWT } from "jose";
import { expect, inject } from "vitest";
import { createApp } from "../../worker/app.ts";
import { bundledCard, bundledScorer } from "../../worker/inference/bundled-model.ts";
import type { Problem } from "../../worker/problem/problem.ts";
import { seedFeatureSet } from "../support/d1-seed.ts";
import type { ParityClient } from "../support/worker-test-context.ts";

export const BASE = "http://credit-edge.test";

export interface CallOptions {
  method?: string;
  /** Serialised as JSON unless a string. */
  body?: unknown;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
}

/** The Worker's app as worker/index.ts builds it: the same bundled model and isolate-wide Scorer. */
const worker = createApp({ card: bundledCard, scorer: bundledScorer });

/**
 * A request to the Worker's fetch handler with the test bindings. Called directly: the pool's
 * `exports.default` loopback slows down with every request it has carried (measured: ~3 ms per request at
 * first, ~80 ms after 300), which hundreds of rate-limit, parity and fuzz requests cannot afford.
 * operations.test.ts goes through worker/index.ts and `exports.default` once.
 */
export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  return worker.fetch(new Request(`${BASE}${path}`, request(options)), env, createExecutionContext());
}

/** A raw Request to the Worker, for bodies `call` cannot express (streams). */
export async function send(req: Request): Promise<Response> {
  return worker.fetch(req, env, createExecutionContext());
}

export function request(options: CallOptions): RequestInit {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["Content-Type"] ??= "application/json";
  }
  return { method: options.method ?? (body === undefined ? "GET" : "POST"), headers, body };
}

export const apiKeys = () => inject("workerTest").apiKeys;

/** A problem+json answer with this status, well formed per RFC 9457 and this API's additions. */
export async function expectProblem(response: Response, status: number): Promise<Problem> {
  expect(response.status).toBe(status);
  expect(response.headers.get("Content-Type")).toMatch(/^application\/problem\+json/);
  const problem = (await response.json()) as Problem;
  expect(problem).toMatchObject({ type: "about:blank", status, title: expect.any(String) });
  expect(problem.detail).toEqual(expect.any(String));
  expect(problem.request_id).toBe(response.headers.get("X-Request-Id"));
  expect(problem.instance).toEqual(expect.any(String));
  if (status === 429 || status === 503)
    expect(Number(response.headers.get("Retry-After"))).toBeGreaterThan(0);
  return problem;
}

export interface TokenOptions {
  sub?: string;
  key?: "es256" | "rs256" | "stranger";
  issuer?: string;
  audience?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  omitExp?: boolean;
  /** The `typ` header; RFC 9068 access tokens by default. */
  typ?: string;
  /** Seconds before now the token was issued (default 0); `omitIat` leaves `iat` out. */
  issuedAgo?: number;
  omitIat?: boolean;
  /** Another key id than the signing key's own. */
  kid?: string;
}

/** An end-user JWT signed with one of the run's private keys, valid unless told otherwise. */
export async function signToken(options: TokenOptions = {}): Promise<string> {
  const { jwt } = inject("workerTest");
  const which = options.key ?? "es256";
  const jwk: JWK = jwt.privateKeys[which];
  const alg = jwk.alg!;
  const now = Math.floor(Date.now() / 1000);
  const builder = new SignJWT({})
    .setProtectedHeader({ alg, kid: options.kid ?? jwk.kid!, typ: options.typ ?? "at+jwt" })
    .setIssuer(options.issuer ?? jwt.issuer)
    .setAudience(options.audience ?? jwt.audience);
  if (!options.omitIat) builder.setIssuedAt(now - (options.issuedAgo ?? 0));
  if (options.sub !== "") builder.setSubject(options.sub ?? "100002");
  if (!options.omitExp) builder.setExpirationTime(now + (options.expiresIn ?? 300));
  return builder.sign(await importJWK(jwk, alg));
}

/** An unsigned token (`alg: none`) with otherwise valid claims. */
export function unsignedToken(sub: string): string {
  const { jwt } = inject("workerTest");
  const b64 = (value: object) =>
    btoa(JSON.stringify(value)).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub, iss: jwt.issuer, aud: jwt.audience, exp: now + 300 })}.`;
}

export function historyOf(client: ParityClient): Float32Array {
  const bytes = Uint8Array.from(atob(client.history), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
}

/** Seeds the run's parity clients (computed offline by the global setup) as the active feature set. */
export async function seedParityClients(
  clients: readonly ParityClient[],
  featuresAsOf?: string,
): Promise<number> {
  const parity = inject("parity");
  return seedFeatureSet(env.DB, {
    schemaHash: parity.schemaHash,
    historyFeatureCount: historyOf(parity.clients[0]!).length,
    featuresAsOf,
    clients: clients.map((c) => ({
      clientId: c.clientId,
      history: historyOf(c),
      application: c.application,
    })),
  });
}
