import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { describe, expect, inject, it, vi } from "vitest";
import type { Scorer } from "../../scoring/scorer.ts";
import { createApp } from "../../worker/app.ts";
import { bundledCard } from "../../worker/inference/bundled-model.ts";
import { sha256Hex } from "../../worker/middleware/auth/api-keys.ts";
import { seedApiKey } from "../support/d1-seed.ts";
import { apiKeys, BASE, call, expectProblem, request, signToken, unsignedToken } from "./helpers.ts";

// Authentication and authorisation on routes that reject before scoring: no model needed in this file.

const { jwt } = inject("workerTest");
const ownClient = 100002;

async function d1Key(name: string, scopes: string, revoked = false): Promise<string> {
  const key = `ce_d1_${name}_${crypto.randomUUID()}`;
  await seedApiKey(env.DB, {
    id: name,
    keyHash: await sha256Hex(key),
    scopes,
    revokedAt: revoked ? new Date().toISOString() : null,
  });
  return key;
}

describe("authentication", () => {
  it("401 without credentials, naming the Bearer scheme", async () => {
    const res = await call("/v1/model");
    await expectProblem(res, 401);
    expect(res.headers.get("WWW-Authenticate")).toMatch(/^Bearer realm=/);
  });

  it.each([
    ["a non-Bearer scheme", `Basic ${btoa("user:pass")}`],
    ["Bearer without a token", "Bearer "],
    ["a token with spaces", "Bearer two words"],
    ["characters outside the token syntax", "Bearer key{}"],
  ])("401 for a malformed Authorization header: %s", async (_, header) => {
    const res = await call("/v1/model", { headers: { Authorization: header } });
    await expectProblem(res, 401);
    expect(res.headers.get("WWW-Authenticate")).toContain('error="invalid_token"');
  });

  it("401 for an API key nobody issued", async () => {
    const problem = await expectProblem(await call("/v1/model", { token: "ce_not_a_real_key" }), 401);
    expect(problem.detail).toMatch(/unknown API key/);
  });

  it("accepts an API key from SCORING_API_KEYS (stored hashed) and from D1", async () => {
    expect((await call("/v1/model", { token: apiKeys().all })).status).toBe(200);
    const key = await d1Key("lender-a", "score");
    expect((await call("/v1/model", { token: key })).status).toBe(200);
  });

  it("401 for a revoked D1 key", async () => {
    const key = await d1Key("lender-revoked", "score score:batch", true);
    const problem = await expectProblem(await call("/v1/model", { token: key }), 401);
    expect(problem.detail).toMatch(/revoked/);
  });

  it("accepts valid end-user tokens, ES256 and RS256", async () => {
    for (const key of ["es256", "rs256"] as const) {
      const res = await call("/v1/model", { token: await signToken({ key }) });
      expect(res.status, key).toBe(200);
    }
  });

  it.each([
    ["expired", { expiresIn: -120 }, /expired/],
    ["for another audience", { audience: "someone-else" }, /"aud"/],
    ["from another issuer", { issuer: "https://evil.test/" }, /"iss"/],
    ["without exp", { omitExp: true }, /"exp"/],
    ["without sub", { sub: "" }, /"sub"/],
    ["whose sub is not a client id", { sub: "alice" }, /subject/],
    ["signed by a key not in the JWKS", { key: "stranger" as const }, /invalid/],
  ])("401 for a token %s", async (_, options, detail) => {
    const problem = await expectProblem(await call("/v1/model", { token: await signToken(options) }), 401);
    expect(problem.detail).toMatch(detail);
  });

  it("401 for an unsigned token (alg: none)", async () => {
    await expectProblem(await call("/v1/model", { token: unsignedToken(String(ownClient)) }), 401);
  });

  it("401 for an HS256 token, even one made with a plausible secret", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256", kid: "es256-test" })
      .setIssuer(jwt.issuer)
      .setAudience(jwt.audience)
      .setSubject(String(ownClient))
      .setExpirationTime(now + 300)
      .sign(new TextEncoder().encode(jwt.jwks));
    const problem = await expectProblem(await call("/v1/model", { token }), 401);
    expect(problem.detail).toMatch(/algorithm/);
  });
});

describe("authorisation", () => {
  it("403 for an API key without the route's scope", async () => {
    const batchOnly = await expectProblem(
      await call("/v1/score", { body: { client_id: ownClient }, token: apiKeys().batchOnly }),
      403,
    );
    expect(batchOnly.detail).toMatch(/"score" scope/);
    await expectProblem(
      await call("/v1/applications/score", { body: { applications: [] }, token: apiKeys().batchOnly }),
      403,
    );
    const scoreOnly = await expectProblem(
      await call("/v1/score/batch", { body: { client_ids: [ownClient] }, token: apiKeys().scoreOnly }),
      403,
    );
    expect(scoreOnly.detail).toMatch(/"score:batch" scope/);
    const d1ScoreOnly = await d1Key("lender-b", "score");
    await expectProblem(
      await call("/v1/score/batch", { body: { client_ids: [1] }, token: d1ScoreOnly }),
      403,
    );
  });

  it("403 when an end user scores another client", async () => {
    const token = await signToken({ sub: String(ownClient) });
    const problem = await expectProblem(
      await call("/v1/score", { body: { client_id: ownClient + 1 }, token }),
      403,
    );
    expect(problem.detail).toMatch(/own client/);
  });

  it("403 for end users on the batch endpoints", async () => {
    const token = await signToken({ sub: String(ownClient) });
    await expectProblem(await call("/v1/score/batch", { body: { client_ids: [ownClient] }, token }), 403);
    await expectProblem(
      await call("/v1/applications/score", { body: { applications: [{ SK_ID_CURR: ownClient }] }, token }),
      403,
    );
  });
});

describe("JWT configuration", () => {
  const app = createApp({ card: bundledCard, scorer: () => Promise.resolve({} as Scorer) });
  const fetchWith = async (overrides: Record<string, string>, token: string) =>
    app.request(`${BASE}/v1/model`, request({ token }), { ...env, ...overrides });

  it("fetches keys from JWT_JWKS_URL", async () => {
    const res = await fetchWith({ JWT_JWKS: "", JWT_JWKS_URL: jwt.jwksUrl }, await signToken());
    expect(res.status).toBe(200);
  });

  it("503 with Retry-After when the JWKS URL does not answer", async () => {
    const res = await fetchWith(
      { JWT_JWKS: "", JWT_JWKS_URL: "http://127.0.0.1:9/jwks.json" },
      await signToken(),
    );
    await expectProblem(res, 503);
  });

  it("401 for end-user tokens when no JWKS is configured", async () => {
    const res = await fetchWith({ JWT_JWKS: "", JWT_JWKS_URL: "" }, await signToken());
    expect((await expectProblem(res, 401)).detail).toMatch(/not accepted/);
  });

  it("refuses to verify without an audience to check", async () => {
    const res = await fetchWith({ JWT_AUDIENCE: "" }, await signToken());
    await expectProblem(res, 401);
  });
});

describe("rate limiting", () => {
  it("429 with Retry-After past the limit, per principal", async () => {
    const key = await d1Key("lender-busy", "score");
    vi.spyOn(console, "info").mockImplementation(() => {}); // hundreds of request lines otherwise
    let allowed = 0;
    let limited: Response | undefined;
    // Waves of concurrent requests until the limiter says no (the limit lives in wrangler.toml).
    for (let wave = 0; wave < 20 && !limited; wave++) {
      const responses = await Promise.all(
        Array.from({ length: 100 }, () => call("/v1/model", { token: key })),
      );
      for (const res of responses) {
        if (res.status === 429) limited ??= res;
        else {
          expect(res.status).toBe(200);
          allowed++;
        }
      }
    }
    expect(allowed).toBeGreaterThan(0);
    expect(limited).toBeDefined();
    await expectProblem(limited!, 429);
    // Another caller is not held back by this one.
    expect((await call("/v1/model", { token: await d1Key("lender-quiet", "score") })).status).toBe(200);
    vi.restoreAllMocks();
  });
});
