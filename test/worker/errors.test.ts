import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_BODY_BYTES } from "../../worker/app.ts";
import { apiKeys, call, expectProblem, send } from "./helpers.ts";

// Rejections before scoring: every one a problem+json with a precise status. No model loads here.

const token = () => apiKeys().all;
const paths = (problem: { errors?: { path: string }[] }) => (problem.errors ?? []).map((e) => e.path).sort();

describe("400 invalid input names the offending fields", () => {
  it("POST /v1/score", async () => {
    const res = await call("/v1/score", {
      body: { client_id: "100002", loan: { amount: -5, annuity: "25000", goods_price: 0 } },
      token: token(),
    });
    const problem = await expectProblem(res, 400);
    expect(paths(problem)).toEqual(["client_id", "loan.amount", "loan.annuity", "loan.goods_price"]);
    for (const error of problem.errors!) expect(error.message).toEqual(expect.any(String));
  });

  it("POST /v1/score: a loan needs both amount and annuity", async () => {
    const problem = await expectProblem(
      await call("/v1/score", { body: { client_id: 100002, loan: { amount: 1000 } }, token: token() }),
      400,
    );
    expect(paths(problem)).toEqual(["loan.annuity"]);
  });

  it("POST /v1/score/batch: size and items", async () => {
    const tooMany = await call("/v1/score/batch", {
      body: { client_ids: Array.from({ length: 101 }, (_, i) => i + 1) },
      token: token(),
    });
    expect(paths(await expectProblem(tooMany, 400))).toEqual(["client_ids"]);
    const empty = await call("/v1/score/batch", { body: { client_ids: [] }, token: token() });
    expect(paths(await expectProblem(empty, 400))).toEqual(["client_ids"]);
    const bad = await call("/v1/score/batch", { body: { client_ids: [1, -2, 3.5, "4"] }, token: token() });
    expect(paths(await expectProblem(bad, 400))).toEqual(["client_ids.1", "client_ids.2", "client_ids.3"]);
  });

  it("POST /v1/applications/score: per application and column", async () => {
    const res = await call("/v1/applications/score", {
      body: {
        applications: [
          { SK_ID_CURR: 1, AMT_CREDIT: "a lot", CNT_CHILDREN: 1.5 },
          { AMT_INCOME_TOTAL: 100000 },
          { SK_ID_CURR: 3, NAME_CONTRACT_TYPE: "x".repeat(101) },
        ],
      },
      token: token(),
    });
    expect(paths(await expectProblem(res, 400))).toEqual([
      "applications.0.AMT_CREDIT",
      "applications.0.CNT_CHILDREN",
      "applications.1.SK_ID_CURR",
      "applications.2.NAME_CONTRACT_TYPE",
    ]);
    const tooMany = await call("/v1/applications/score", {
      body: { applications: Array.from({ length: 101 }, (_, i) => ({ SK_ID_CURR: i + 1 })) },
      token: token(),
    });
    expect(paths(await expectProblem(tooMany, 400))).toEqual(["applications"]);
  });

  it("numbers beyond float range are not numbers", async () => {
    const res = await call("/v1/score", { body: '{"client_id": 1e999}', token: token() });
    expect(paths(await expectProblem(res, 400))).toEqual(["client_id"]);
  });

  it("JSON nested deeper than any parser stack is malformed, not a crash", async () => {
    const depth = 400_000;
    const body = `${"[".repeat(depth)}${"]".repeat(depth)}`;
    await expectProblem(await call("/v1/score", { body, token: token() }), 400);
  });

  it("malformed JSON and a body that is not an object", async () => {
    await expectProblem(await call("/v1/score", { body: '{"client_id": ', token: token() }), 400);
    const array = await expectProblem(await call("/v1/score", { body: "[1, 2]", token: token() }), 400);
    expect(paths(array)).toEqual(["(body)"]);
  });
});

describe("413 and 415", () => {
  it("413 for a body over the limit, declared or streamed", async () => {
    const big = JSON.stringify({ client_ids: [1], padding: "x".repeat(MAX_BODY_BYTES) });
    await expectProblem(await call("/v1/score/batch", { body: big, token: token() }), 413);
    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024)
          controller.enqueue(bytes.subarray(i, i + 64 * 1024));
        controller.close();
      },
    });
    const res = await send(
      new Request("http://credit-edge.test/v1/score/batch", {
        method: "POST",
        body: stream,
        headers: { Authorization: `Bearer ${token()}`, "Content-Type": "application/json" },
      }),
    );
    await expectProblem(res, 413);
  });

  it("415 for a body that is not JSON, or has no content type", async () => {
    await expectProblem(
      await call("/v1/score", {
        body: "client_id=100002",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        token: token(),
      }),
      415,
    );
    await expectProblem(
      await call("/v1/score", {
        body: '{"client_id":1}',
        headers: { "Content-Type": "text/plain" },
        token: token(),
      }),
      415,
    );
    const bare = await send(
      new Request("http://credit-edge.test/v1/score", {
        method: "POST",
        body: new Blob(['{"client_id":1}']).stream(),
        headers: { Authorization: `Bearer ${token()}` },
      }),
    );
    await expectProblem(bare, 415);
  });
});

describe("404 and request ids", () => {
  it("404 for an unknown route, as a problem", async () => {
    const problem = await expectProblem(await call("/v2/score"), 404);
    expect(problem.instance).toBe("/v2/score");
    await expectProblem(await call("/v1/score", { token: token() }), 404); // GET on a POST route
  });

  it("never adopts a caller's X-Request-Id: every request gets an id of its own", async () => {
    const theirs = await call("/v2/nothing", { headers: { "X-Request-Id": "trace-123_abc" } });
    const problem = await expectProblem(theirs, 404);
    expect(problem.request_id).not.toBe("trace-123_abc");
    expect(problem.request_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    // Two requests naming the same id are still two ids in the audit trail.
    const again = await call("/v2/nothing", { headers: { "X-Request-Id": "trace-123_abc" } });
    expect(again.headers.get("X-Request-Id")).not.toBe(theirs.headers.get("X-Request-Id"));
    const replaced = await call("/health", { headers: { "X-Request-Id": "<script>" } });
    expect(replaced.headers.get("X-Request-Id")).not.toBe("<script>");
  });
});

describe("request logs", () => {
  afterEach(() => vi.restoreAllMocks());

  it("one JSON line per request, without credentials or request data", async () => {
    const lines: string[] = [];
    for (const level of ["log", "info", "error"] as const)
      vi.spyOn(console, level).mockImplementation((line: unknown) => void lines.push(String(line)));
    const secretAmount = 987654.321;
    const res = await call("/v1/score", {
      body: { client_id: 424242, loan: { amount: secretAmount, annuity: "x" } },
      token: token(),
      headers: { "X-Request-Id": "log-test-1" },
    });
    expect(res.status).toBe(400);
    const requests = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "request");
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      level: "info",
      request_id: res.headers.get("X-Request-Id"),
      client_request_id: "log-test-1",
      method: "POST",
      path: "/v1/score",
      status: 400,
      principal: expect.stringMatching(/^env:[0-9a-f]{12}$/),
    });
    expect(requests[0].duration_ms).toEqual(expect.any(Number));
    const everything = lines.join("\n");
    expect(everything).not.toContain(token());
    expect(everything).not.toContain(String(secretAmount));
    expect(everything).not.toContain("424242");
  });
});
