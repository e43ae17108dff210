import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { decodeInputVector } from "../../decisions/record/input-vector.ts";
import { ndjsonObjects } from "../../decisions/record/ndjson-objects.ts";
import {
  type DecisionRecord,
  RECORDS_PREFIX,
  RecordLineSchema,
  ShadowRecordSchema,
} from "../../decisions/record/schema.ts";
import { consumeRecords } from "../../decisions/worker/consumer.ts";
import { DECISIONS_DEAD_LETTER_QUEUE, DECISIONS_QUEUE } from "../../decisions/worker/queues.ts";
import { recordingFailures } from "../../decisions/worker/recorder.ts";
import { createApp } from "../../worker/app.ts";
import { bundledCard, bundledScorer } from "../../worker/inference/bundled-model.ts";
import { apiKeys, BASE, expectProblem, historyOf, request, seedParityClients } from "./helpers.ts";

// Decision records end to end inside workerd: the real local Queue (producer and this Worker's own
// consumer) and the real local R2 bucket; stand-in bindings only where a test makes the queue refuse.

const parity = inject("parity");
const known = parity.clients.slice(0, 14);
const unknown = parity.clients.slice(30, 32);
const worker = createApp({ card: bundledCard, scorer: bundledScorer });

beforeAll(async () => {
  await seedParityClients(known, "2026-11-01T00:00:00.000Z");
});

/** A request with these bindings, waiting for its waitUntil work (the record's send) too. */
async function post(path: string, body: unknown, bindings: object = env, token = apiKeys().all) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`${BASE}${path}`, request({ body, token })), bindings, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

async function allLines(): Promise<unknown[]> {
  const lines: unknown[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.DECISIONS_BUCKET.list({ prefix: RECORDS_PREFIX, ...(cursor ? { cursor } : {}) });
    for (const object of page.objects) {
      const text = await (await env.DECISIONS_BUCKET.get(object.key))!.text();
      lines.push(
        ...text
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l)),
      );
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return lines;
}

/** The request's records once the queue has delivered them to the consumer and it has written R2. */
async function recordsOf(requestId: string, expected: number): Promise<DecisionRecord[]> {
  for (let waited = 0; waited < 20_000; waited += 200) {
    const records = (await allLines())
      .map((l) => RecordLineSchema.parse(l))
      .filter((l): l is DecisionRecord => l.record_type === "decision" && l.request_id === requestId);
    if (records.length >= expected) return records.sort((a, b) => a.item - b.item);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no ${expected} records for request ${requestId} in R2 after 20 s`);
}

describe("the decision record", () => {
  it("is written for POST /v1/score through the queue into R2, with everything needed to recompute it", async () => {
    const client = known[0]!;
    const loan = { amount: 600_000, annuity: 30_000 };
    const res = await post("/v1/score", { client_id: client.clientId, loan });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      request_id: string;
      probability: number;
      decision: string;
      reason_codes: unknown[];
    };
    const [record] = await recordsOf(body.request_id, 1);
    expect(record).toMatchObject({
      request_id: body.request_id,
      item: 0,
      endpoint: "/v1/score",
      principal_kind: "api-key",
      client_id: client.clientId,
      model_version: bundledCard.version,
      feature_schema_hash: bundledCard.feature_schema_hash,
      probability: body.probability,
      decision: body.decision,
      reason_codes: body.reason_codes,
      loan,
      application_source: "online-store",
      has_history: true,
    });
    expect(record!.principal_id).toMatch(/^env:[0-9a-f]{12}$/);
    expect(record!.application.AMT_INCOME_TOTAL).toBe(client.application.AMT_INCOME_TOTAL);
    expect(Date.parse(record!.decided_at)).toBeGreaterThan(Date.now() - 60_000);
    // No credential anywhere in it.
    expect(JSON.stringify(record)).not.toContain(apiKeys().all);
    // The vector alone reproduces the probability, with no online store.
    const scorer = await bundledScorer();
    const vector = decodeInputVector(record!.input_vector, record!.input_count);
    expect(vector).toHaveLength(bundledCard.features.length);
    const [again] = await scorer.scoreInputs(vector, 1, { reasons: true });
    expect(again!.probability).toBe(body.probability);
    expect(again!.reasonCodes).toEqual(body.reason_codes);
  });

  it("numbers batch items by their place in the request and records only the scored ones", async () => {
    const ids = [known[1]!.clientId, unknown[0]!.clientId, known[2]!.clientId];
    const res = await post("/v1/score/batch", { client_ids: ids });
    const body = (await res.json()) as { request_id: string };
    const records = await recordsOf(body.request_id, 2);
    expect(records.map((r) => [r.item, r.client_id])).toEqual([
      [0, ids[0]],
      [2, ids[2]],
    ]);
    expect(records.every((r) => r.endpoint === "/v1/score/batch" && r.loan === null)).toBe(true);
  });

  it("keeps the submitted application, and says when a client had no history", async () => {
    const applications = [known[3]!, unknown[1]!].map(
      (c): Record<string, unknown> => ({ ...c.application, SK_ID_CURR: c.clientId }),
    );
    const res = await post("/v1/applications/score", { applications });
    const body = (await res.json()) as { request_id: string; results: { probability: number }[] };
    const records = await recordsOf(body.request_id, 2);
    expect(records.map((r) => [r.application_source, r.has_history, r.feature_set_version === null])).toEqual(
      [
        ["submitted", true, false],
        ["submitted", false, true],
      ],
    );
    expect(records[1]!.application.AMT_CREDIT).toBe(applications[1]!.AMT_CREDIT);
    expect(records.map((r) => r.probability)).toEqual(body.results.map((r) => r.probability));
  });
});

describe("DECISION_RECORDS", () => {
  const refusing = {
    sendBatch: () => Promise.reject(new Error("Queue send failed: queue is over its backlog limit")),
  };

  it("required: answers 503 naming the setting when the queue refuses the record", async () => {
    const before = recordingFailures.decision;
    const res = await post(
      "/v1/score",
      { client_id: known[4]!.clientId },
      { ...env, DECISIONS: refusing, DECISION_RECORDS: "required" },
    );
    const problem = await expectProblem(res, 503);
    expect(problem.detail).toMatch(/DECISION_RECORDS=required/);
    expect(recordingFailures.decision).toBe(before + 1);
  });

  it("required: sends before answering", async () => {
    const sent: number[] = [];
    const queue = {
      sendBatch: async (messages: Iterable<unknown>) => {
        sent.push([...messages].length);
      },
    };
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request(
        `${BASE}/v1/score/batch`,
        request({ body: { client_ids: [known[5]!.clientId, known[6]!.clientId] }, token: apiKeys().all }),
      ),
      { ...env, DECISIONS: queue, DECISION_RECORDS: "required" },
      ctx,
    );
    expect(res.status).toBe(200);
    expect(sent).toEqual([2]);
    await waitOnExecutionContext(ctx);
  });

  it("best-effort: the records of concurrent requests share one Queue operation, none lost", async () => {
    const calls: string[][] = [];
    const queue = {
      sendBatch: async (messages: Iterable<{ body: string }>) => {
        calls.push([...messages].map((m) => JSON.parse(m.body).request_id));
      },
    };
    const ctxs = [0, 1, 2].map(() => createExecutionContext());
    const answers = await Promise.all(
      ctxs.map((ctx, i) =>
        worker.fetch(
          new Request(
            `${BASE}/v1/score`,
            request({ body: { client_id: known[9 + i]!.clientId }, token: apiKeys().all }),
          ),
          { ...env, DECISIONS: queue },
          ctx,
        ),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    await Promise.all(ctxs.map((ctx) => waitOnExecutionContext(ctx)));
    const ids = answers.map((r) => r.headers.get("X-Request-Id"));
    expect(calls).toHaveLength(1);
    expect([...calls[0]!].sort()).toEqual([...ids].sort());
  });

  it("best-effort (the default): answers, then sends after the response; a refusal is counted and logged", async () => {
    let sentBeforeAnswer = false;
    let answered = false;
    const queue = {
      sendBatch: async () => {
        sentBeforeAnswer = !answered;
        throw new Error("Queue send failed: simulated outage");
      },
    };
    const before = recordingFailures.decision;
    const logged: string[] = [];
    const original = console.log;
    console.log = (line: string) => logged.push(line);
    try {
      const ctx = createExecutionContext();
      const res = await worker.fetch(
        new Request(
          `${BASE}/v1/score`,
          request({ body: { client_id: known[7]!.clientId }, token: apiKeys().all }),
        ),
        { ...env, DECISIONS: queue },
        ctx,
      );
      answered = true;
      expect(res.status).toBe(200);
      await waitOnExecutionContext(ctx);
    } finally {
      console.log = original;
    }
    expect(sentBeforeAnswer).toBe(false);
    expect(recordingFailures.decision).toBe(before + 1);
    const line = logged.map((l) => JSON.parse(l)).find((l) => l.msg === "decision record not sent");
    expect(line).toMatchObject({
      level: "error",
      records: 1,
      error: expect.stringContaining("simulated outage"),
    });
  });

  it("refuses an unknown setting with 503 naming it", async () => {
    const res = await post(
      "/v1/score",
      { client_id: known[8]!.clientId },
      { ...env, DECISION_RECORDS: "sometimes" },
    );
    expect((await expectProblem(res, 503)).detail).toMatch(/DECISION_RECORDS is "sometimes"/);
  });
});

describe("the queue consumer", () => {
  const line = (requestId: string, item: number, day = "2026-11-20") => ({
    record_type: "shadow" as const,
    record_version: "dr-1" as const,
    request_id: requestId,
    item,
    decided_at: `${day}T10:00:00.000Z`,
    client_id: 100002,
    challenger_model_version: "m-test",
    probability: 0.1,
    decision: "review" as const,
  });
  const messages = (bodies: unknown[]) =>
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: Date.now(), attempts: 1, body }));

  it("writes one NDJSON object per day, idempotent on (request_id, item), and acks", async () => {
    const bodies = [line("r-1", 0), line("r-1", 1), line("r-1", 0), line("r-2", 0, "2026-11-21")];
    const batch = createMessageBatch(DECISIONS_QUEUE, messages(bodies));
    const ctx = createExecutionContext();
    await consumeRecords(batch, env.DECISIONS_BUCKET);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1", "m2", "m3"]);
    const objects = await ndjsonObjects(bodies.map((b) => RecordLineSchema.parse(b)));
    expect(objects.map((o) => [o.key.split("/")[1], o.count])).toEqual([
      ["dt=2026-11-20", 2],
      ["dt=2026-11-21", 1],
    ]);
    const stored = await env.DECISIONS_BUCKET.get(objects[0]!.key);
    expect(await stored!.text()).toBe(objects[0]!.body);
    // The same lines in another order (a redelivery) name the same object.
    const again = await ndjsonObjects([bodies[1], bodies[0]].map((b) => RecordLineSchema.parse(b)));
    expect(again[0]!.key).toBe(objects[0]!.key);
  });

  it("retries what R2 refused, and leaves what is no record to the dead-letter queue", async () => {
    const failing = { put: () => Promise.reject(new Error("R2 unavailable")) };
    const batch = createMessageBatch(DECISIONS_QUEUE, messages([line("r-3", 0), { not: "a record" }]));
    const ctx = createExecutionContext();
    await consumeRecords(batch, failing, () => {});
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m) => m.msgId).sort()).toEqual(["m0", "m1"]);
  });

  it("keeps dead-lettered non-records in R2 for a person, and writes dead-lettered records normally", async () => {
    const batch = createMessageBatch(
      DECISIONS_DEAD_LETTER_QUEUE,
      messages([line("r-4", 0), { not: "a record" }]),
    );
    const ctx = createExecutionContext();
    await consumeRecords(batch, env.DECISIONS_BUCKET, () => {});
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
    const kept = await env.DECISIONS_BUCKET.list({ prefix: "decisions-dead-letter/" });
    expect(kept.objects).toHaveLength(1);
    const text = await (await env.DECISIONS_BUCKET.get(kept.objects[0]!.key))!.text();
    expect(JSON.parse(text)).toMatchObject({ message_id: "m1", body: { not: "a record" } });
    expect((await allLines()).some((l) => (l as { request_id?: string }).request_id === "r-4")).toBe(true);
  });
});

describe("the challenger in shadow", () => {
  it("is scored after the response when CHALLENGER_SHADOW=on: its answer goes into a shadow line only", async () => {
    const { bundledChallenger, challengerCard } = await import(
      "../../worker/inference/bundled-challenger.ts"
    );
    expect(challengerCard).not.toBeNull();
    const withChallenger = createApp({
      card: bundledCard,
      scorer: bundledScorer,
      challenger: bundledChallenger!,
    });
    const ctx = createExecutionContext();
    const res = await withChallenger.fetch(
      new Request(
        `${BASE}/v1/score/batch`,
        request({ body: { client_ids: [known[9]!.clientId, known[10]!.clientId] }, token: apiKeys().all }),
      ),
      { ...env, CHALLENGER_SHADOW: "on" },
      ctx,
    );
    const body = (await res.json()) as { request_id: string; results: Record<string, unknown>[] };
    expect(Object.keys(body.results[0]!).some((k) => k.includes("challenger"))).toBe(false);
    await waitOnExecutionContext(ctx);
    const challenger = await bundledChallenger!();
    for (let waited = 0; waited < 20_000; waited += 200) {
      const shadows = (await allLines()).filter(
        (l) =>
          (l as { record_type: string; request_id: string }).record_type === "shadow" &&
          (l as { request_id: string }).request_id === body.request_id,
      );
      if (shadows.length === 2) {
        // The challenger's own answer on the same stored rows, and a model of its own (not the champion's).
        const scores = await challenger.score(
          [known[9]!, known[10]!].map((c) => ({ application: c.application, history: historyOf(c) })),
          { reasons: false },
        );
        const lines = shadows.map((s) => ShadowRecordSchema.parse(s)).sort((a, b) => a.item - b.item);
        expect(lines.map((l) => [l.item, l.challenger_model_version, l.probability, l.decision])).toEqual(
          scores.map((s, i) => [i, challengerCard!.version, s.probability, s.decision]),
        );
        expect(lines[0]!.probability).not.toBe(body.results[0]!.probability);
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error("no shadow lines in R2 after 20 s");
  });

  it("refuses a challenger that reads other features than the champion", async () => {
    const { challengerMismatch } = await import("../../worker/inference/bundled-challenger.ts");
    expect(challengerMismatch({ ...bundledCard, version: "m-other" }, bundledCard)).toBeNull();
    expect(challengerMismatch(bundledCard, bundledCard)).toMatch(/is the champion itself/);
    expect(
      challengerMismatch({ ...bundledCard, version: "m-x", feature_schema_hash: "fs-x" }, bundledCard),
    ).toMatch(/retrain it on the current features/);
  });
});

describe("GET /v1/model", () => {
  it("lists the reason-code factors, every input in exactly one, the age-based one marked", async () => {
    const res = await worker.fetch(
      new Request(`${BASE}/v1/model`, request({ token: apiKeys().all })),
      env,
      createExecutionContext(),
    );
    const body = (await res.json()) as {
      reason_code_table_version: string;
      reason_factors: { code: string; age_based: boolean; features: string[]; statement: string }[];
    };
    expect(body.reason_code_table_version).toBe(bundledCard.reason_codes!.version);
    const inputs = body.reason_factors.flatMap((f) => f.features);
    expect(inputs.sort()).toEqual(bundledCard.features.map((f) => f.name).sort());
    expect(body.reason_factors.filter((f) => f.age_based).map((f) => f.code)).toEqual(["AGE"]);
    expect(inputs).not.toContain("CODE_GENDER");
  });
});
