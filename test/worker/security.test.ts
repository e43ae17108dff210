import { env } from "cloudflare:workers";
import { describe, expect, inject, it, vi } from "vitest";
import type { Scorer } from "../../scoring/scorer.ts";
import { createApp } from "../../worker/app.ts";
import { bundledCard } from "../../worker/inference/bundled-model.ts";
import { sha256Hex } from "../../worker/middleware/auth/configured-keys.ts";
import { seedApiKey } from "../support/d1-seed.ts";
import { apiKeys, BASE, expectProblem, request, signToken } from "./helpers.ts";

// What a bank's security review found, each as the failure it describes. No model is loaded in this file:
// every request here is refused, or answered, before scoring.

const { jwt } = inject("workerTest");
const idleScorer = () => Promise.resolve({} as Scorer);
const app = () => createApp({ card: bundledCard, scorer: idleScorer });

type Call = {
  path?: string;
  method?: string;
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
};
const send = (bindings: object, options: Call = {}) =>
  app().request(`${BASE}${options.path ?? "/v1/model"}`, request(options), { ...env, ...bindings });

/** A unique path on the run's JWKS server, so each test has its own key-set cache and fetch count. */
const jwksPath = (kind: "ok" | "fail-500" | "redirect") => `/${kind}/${crypto.randomUUID()}.json`;
const fetchCount = async (path: string) =>
  ((await (await fetch(`${jwt.jwksServer}/count${path}`)).json()) as { fetches: number }).fetches;

describe("SCORING_API_KEYS: a configuration mistake never becomes a key", () => {
  it("refuses the whole configuration when a scope list used commas; the word `score` is no key", async () => {
    const hash = await sha256Hex(apiKeys().all);
    const broken = { SCORING_API_KEYS: `sha256:${hash}:score:batch,score` };
    const guessed = await send(broken, { token: "score" });
    expect(guessed.status).not.toBe(200);
    await expectProblem(guessed, 503);
    // Nor does the real key work: the deployment refuses to serve until the secret is fixed...
    await expectProblem(await send(broken, { token: apiKeys().all }), 503);
    // ...and /ready says why, by entry position, without echoing the secret.
    const ready = await expectProblem(await send(broken, { path: "/ready" }), 503);
    expect(ready.detail).toMatch(/SCORING_API_KEYS is refused: entry 2/);
    expect(ready.detail).not.toContain(hash);
  });

  it("accepts a plain key only with the local-dev switch that `npm start` sets", async () => {
    const plain = { SCORING_API_KEYS: "local-dev-key-for-tests" };
    await expectProblem(await send(plain, { token: "local-dev-key-for-tests" }), 503);
    const dev = await send(
      { ...plain, ALLOW_PLAIN_API_KEYS: "local-dev" },
      { token: "local-dev-key-for-tests" },
    );
    expect(dev.status).toBe(200);
    // Any other value of the switch is no switch.
    await expectProblem(
      await send({ ...plain, ALLOW_PLAIN_API_KEYS: "true" }, { token: "local-dev-key-for-tests" }),
      503,
    );
  });

  it("refuses a D1-stored key past its expiry", async () => {
    const key = `ce_expired_${crypto.randomUUID()}`;
    await seedApiKey(env.DB, {
      id: `k-exp-${crypto.randomUUID().slice(0, 6)}`,
      keyHash: await sha256Hex(key),
      scopes: "score",
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    expect((await expectProblem(await send({}, { token: key }), 401)).detail).toMatch(/expired/);
  });
});

describe("JWKS outages are not bad tokens", () => {
  it.each([
    ["answers 500", "fail-500"],
    ["redirects", "redirect"],
  ] as const)(
    "503 with Retry-After when the identity provider %s, fetched once per back-off",
    async (_, kind) => {
      const path = jwksPath(kind);
      const bindings = { JWT_JWKS: "", JWT_JWKS_URL: `${jwt.jwksServer}${path}` };
      const token = await signToken();
      for (let i = 0; i < 10; i++) {
        const res = await send(bindings, { token });
        await expectProblem(res, 503);
        expect(res.headers.get("WWW-Authenticate")).toBeNull();
      }
      // The failure is remembered: ten requests, one fetch.
      expect(await fetchCount(path)).toBe(1);
    },
  );

  it("refuses unknown key ids without a refetch storm", async () => {
    const path = jwksPath("ok");
    const bindings = { JWT_JWKS: "", JWT_JWKS_URL: `${jwt.jwksServer}${path}` };
    expect((await send(bindings, { token: await signToken() })).status).toBe(200);
    const forged = await signToken({ kid: "no-such-key" });
    const answers = await Promise.all(Array.from({ length: 50 }, () => send(bindings, { token: forged })));
    for (const res of answers)
      expect((await expectProblem(res, 401)).detail).toMatch(/signing key is not known/);
    // The set was fetched moments ago: an unknown kid does not fetch again within the cooldown.
    expect(await fetchCount(path)).toBe(1);
  });
});

describe("end-user tokens are access tokens, fresh, with some clock tolerance", () => {
  it.each([
    ["an ID token (typ JWT)", { typ: "JWT" }, /not an access token/],
    ["a token without iat", { omitIat: true }, /"iat"/],
    ["a token issued two hours ago", { issuedAgo: 7200, expiresIn: 600 }, /older than 3600 s/],
    ["a token expired 60 s ago", { expiresIn: -60 }, /expired/],
  ])("401 for %s", async (_, options, detail) => {
    const problem = await expectProblem(await send({}, { token: await signToken(options) }), 401);
    expect(problem.detail).toMatch(detail);
  });

  it("accepts a token that expired 20 s ago (clock tolerance 30 s) and a configured typ", async () => {
    expect((await send({}, { token: await signToken({ expiresIn: -20 }) })).status).toBe(200);
    expect((await send({ JWT_TYP: "JWT" }, { token: await signToken({ typ: "JWT" }) })).status).toBe(200);
    expect(
      (await send({ JWT_MAX_TOKEN_AGE_SECONDS: "86400" }, { token: await signToken({ issuedAgo: 7200 }) }))
        .status,
    ).toBe(200);
  });
});

describe("scope boundaries", () => {
  const applications = (n: number) => Array.from({ length: n }, (_, i) => ({ SK_ID_CURR: 100002 + i }));

  it("a `score` key may score one application, not several: that is a batch read of stored clients", async () => {
    const res = await send(
      {},
      { path: "/v1/applications/score", body: { applications: applications(2) }, token: apiKeys().scoreOnly },
    );
    expect((await expectProblem(res, 403)).detail).toMatch(/"score:batch" scope/);
  });

  it("/__bench needs the `bench` scope even when the bench routes are on", async () => {
    const on = { BENCH_ROUTES: "on" };
    const scoreKey = await send(on, { path: "/__bench/score", body: {}, token: apiKeys().all });
    expect((await expectProblem(scoreKey, 403)).detail).toMatch(/"bench" scope/);
    await expectProblem(await send({}, { path: "/__bench/score", body: {}, token: apiKeys().all }), 404);
    const benchKey = `ce_bench_${crypto.randomUUID()}`;
    const bindings = {
      ...on,
      SCORING_API_KEYS: `${env.SCORING_API_KEYS},sha256:${await sha256Hex(benchKey)}:bench`,
    };
    // Past authorisation: the bench route itself checks its body.
    await expectProblem(await send(bindings, { path: "/__bench/score", body: {}, token: benchKey }), 400);
  });
});

describe("load before authentication", () => {
  it("reads no body before the caller is known: an unauthenticated 2 MiB body is a 401, not a 413", async () => {
    const body = JSON.stringify({ client_id: 100002, pad: "x".repeat(2 * 1024 * 1024) });
    await expectProblem(await send({}, { path: "/v1/score", body }), 401);
    await expectProblem(await send({}, { path: "/v1/score", body, token: apiKeys().all }), 413);
  });

  it("past the failed-authentication limit, an IP gets 429 instead of lookups, while known keys keep working", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    vi.spyOn(console, "info").mockImplementation(() => {});
    const ip = `198.51.100.${Math.floor(Math.random() * 200) + 1}`;
    const instance = app();
    const from = (token: string) =>
      instance.request(`${BASE}/v1/model`, request({ token, headers: { "CF-Connecting-IP": ip } }), env);
    let first429: Response | undefined;
    for (let i = 0; i < 60 && !first429; i++) {
      const res = await from(`ce_guess_${i}_${crypto.randomUUID()}`);
      if (res.status === 429) first429 = res;
      else expect(res.status).toBe(401);
    }
    expect(first429).toBeDefined();
    await expectProblem(first429!, 429);
    // A fresh guess now costs no D1 query: it is refused before the lookup.
    const d1 = vi.spyOn(env.DB, "prepare");
    await expectProblem(await from(`ce_guess_late_${crypto.randomUUID()}`), 429);
    expect(d1).not.toHaveBeenCalled();
    // A key configured in the secret needs no lookup: a lender's backend behind the same NAT is served.
    expect((await from(apiKeys().all)).status).toBe(200);
    // Another IP is not held back.
    const other = await instance.request(
      `${BASE}/v1/model`,
      request({ token: "ce_wrong", headers: { "CF-Connecting-IP": "203.0.113.9" } }),
      env,
    );
    await expectProblem(other, 401);
    vi.restoreAllMocks();
  });

  it("limits /health and /ready per client IP", async () => {
    const ip = `192.0.2.${Math.floor(Math.random() * 200) + 1}`;
    const instance = app();
    let limited: Response | undefined;
    for (let wave = 0; wave < 10 && !limited; wave++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, () =>
          instance.request(`${BASE}/health`, { headers: { "CF-Connecting-IP": ip } }, env),
        ),
      );
      limited = answers.find((r) => r.status === 429);
    }
    expect(limited).toBeDefined();
    await expectProblem(limited!, 429);
    expect(
      (await instance.request(`${BASE}/health`, { headers: { "CF-Connecting-IP": "192.0.2.250" } }, env))
        .status,
    ).toBe(200);
  });
});

describe("audit-grade request ids, headers and logs", () => {
  it("always generates the request id; the caller's is logged as client_request_id", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "info").mockImplementation((line: string) => void lines.push(line));
    const res = await send({}, { token: apiKeys().all, headers: { "X-Request-Id": "caller-chosen-id" } });
    vi.restoreAllMocks();
    const ours = res.headers.get("X-Request-Id")!;
    expect(ours).not.toBe("caller-chosen-id");
    expect(ours).toMatch(/^[0-9a-f-]{36}$/);
    const logged = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "request");
    expect(logged).toMatchObject({ request_id: ours, client_request_id: "caller-chosen-id" });
  });

  it("sends security headers on every response, no-store on the API, a CSP on /docs", async () => {
    for (const path of ["/health", "/openapi.json", "/docs", "/v1/model", "/nowhere"]) {
      const res = await send({}, { path, token: apiKeys().all });
      expect(res.headers.get("X-Content-Type-Options"), path).toBe("nosniff");
      expect(res.headers.get("X-Frame-Options"), path).toBe("DENY");
      expect(res.headers.get("Strict-Transport-Security"), path).toMatch(/max-age=/);
      expect(res.headers.get("Referrer-Policy"), path).toBe("no-referrer");
    }
    expect((await send({}, { token: apiKeys().all })).headers.get("Cache-Control")).toBe("no-store");
    const unauthenticated = await send({}, { path: "/v1/score", body: { client_id: 1 } });
    expect(unauthenticated.headers.get("Cache-Control")).toBe("no-store");
    expect((await send({}, { path: "/docs" })).headers.get("Content-Security-Policy")).toContain(
      "default-src 'none'",
    );
  });

  it("logs a D1 failure by error name and code, never with the query's parameters", async () => {
    const key = `ce_unlogged_${crypto.randomUUID()}`;
    const hash = await sha256Hex(key);
    // A real D1 error: the statement names a table that does not exist, as a broken migration would.
    const failing = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "prepare")
          return (sql: string) => target.prepare(sql.replaceAll('"api_keys"', '"api_keys_missing"'));
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const lines: string[] = [];
    for (const level of ["log", "info", "error"] as const)
      vi.spyOn(console, level).mockImplementation((line: string) => void lines.push(line));
    const res = await send({ DB: failing, API_KEY_CACHE_SECONDS: "0" }, { token: key });
    vi.restoreAllMocks();
    await expectProblem(res, 503);
    const warning = lines.find((l) => l.includes("key store"));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning!).cause).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: expect.any(String) })]),
    );
    for (const line of lines) {
      expect(line).not.toContain(hash);
      expect(line).not.toContain("params");
    }
  });
});

describe("plausible loan terms", () => {
  it.each([
    ["an absurd amount", { amount: 1e308, annuity: 25_000 }, "loan.amount"],
    ["a tiny amount", { amount: 1e-300, annuity: 1e-301 }, "loan.amount"],
    ["an annuity above the amount", { amount: 10_000, annuity: 20_000 }, "loan.annuity"],
    ["an absurd goods price", { amount: 500_000, annuity: 25_000, goods_price: 1e20 }, "loan.goods_price"],
  ])("400 for %s, naming the field", async (_, loan, path) => {
    const res = await send(
      {},
      { path: "/v1/score", body: { client_id: 100002, loan }, token: apiKeys().all },
    );
    const problem = await expectProblem(res, 400);
    expect(problem.errors?.map((e) => e.path)).toContain(path);
  });

  it("400 for an application number beyond float32's reach", async () => {
    const res = await send(
      {},
      {
        path: "/v1/applications/score",
        body: { applications: [{ SK_ID_CURR: 100002, AMT_INCOME_TOTAL: 1e308 }] },
        token: apiKeys().all,
      },
    );
    const problem = await expectProblem(res, 400);
    expect(problem.errors?.map((e) => e.path)).toContain("applications.0.AMT_INCOME_TOTAL");
  });
});
