import fc from "fast-check";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { APPLICATION_COLUMNS } from "../../features/application/columns.ts";
import { apiKeys, call, expectProblem, seedParityClients } from "./helpers.ts";

// Property-based fuzzing of request bodies: whatever a caller sends, the answer is never a 5xx, and every
// rejection is a well-formed problem. Bodies range from arbitrary JSON to near-valid requests with one
// field broken, to raw bytes and wrong content types.

const parity = inject("parity");
const known = parity.clients.slice(0, 5);
const RUNS = 120;

beforeAll(async () => {
  await seedParityClients(known);
});

const clientId = fc.oneof(
  fc.constantFrom(...known.map((c) => c.clientId)),
  fc.integer({ min: 1, max: 500_000 }),
  fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null), fc.boolean()),
);
const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(0, -1, 1e308, -1e308, 5e-324),
  fc.string({ maxLength: 5 }),
  fc.constant(null),
);
const loan = fc.oneof(
  fc.record({ amount: number, annuity: number, goods_price: number }, { requiredKeys: [] }),
  fc.anything(),
);
const scoreBody = fc.oneof(
  fc.record({ client_id: clientId, loan }, { requiredKeys: ["client_id"] }),
  fc.anything(),
);
const batchBody = fc.oneof(
  fc.record({ client_ids: fc.array(clientId, { maxLength: 120 }) }),
  fc.record({ client_ids: fc.anything() }),
  fc.anything(),
);
const columnValue = fc.oneof(
  number,
  fc.string({ maxLength: 120 }),
  fc.constantFrom("Cash loans", "M", "F", "XNA", "Working", "Y", "N"),
);
const application = fc.oneof(
  fc.record(
    {
      SK_ID_CURR: clientId,
      ...Object.fromEntries(APPLICATION_COLUMNS.slice(0, 40).map((c) => [c.name, columnValue])),
    },
    { requiredKeys: ["SK_ID_CURR"] },
  ),
  fc.constantFrom(...known.map((c) => ({ SK_ID_CURR: c.clientId, ...c.application }))),
  fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue()),
);
const applicationsBody = fc.oneof(
  fc.record({ applications: fc.array(application, { maxLength: 5 }) }),
  fc.record({ applications: fc.anything() }),
  fc.anything(),
);

/** A body as bytes on the wire: JSON mostly, sometimes cut short or not JSON at all. */
const wire = (body: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 6, arbitrary: body.map((b) => JSON.stringify(b) ?? "null") },
    { weight: 1, arbitrary: body.map((b) => (JSON.stringify(b) ?? "").slice(0, -1)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  );
const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant("application/json") },
  {
    weight: 1,
    arbitrary: fc.constantFrom("application/json; charset=utf-8", "text/plain", "application/xml", ""),
  },
);

async function expectNoServerError(path: string, body: string, type: string): Promise<void> {
  const headers: Record<string, string> = type ? { "Content-Type": type } : {};
  const res = await call(path, { method: "POST", body, headers, token: apiKeys().all });
  expect(res.status, `${path} ${type} ${body.slice(0, 200)}`).toBeLessThan(500);
  if (res.status >= 400) await expectProblem(res, res.status);
  else expect(res.status).toBe(200);
}

describe("fuzzed request bodies never cause a 5xx", () => {
  it.each([
    ["/v1/score", scoreBody],
    ["/v1/score/batch", batchBody],
    ["/v1/applications/score", applicationsBody],
  ] as const)("POST %s", async (path, body) => {
    await fc.assert(
      fc.asyncProperty(wire(body as fc.Arbitrary<unknown>), contentType, (text, type) =>
        expectNoServerError(path, text, type),
      ),
      { numRuns: RUNS },
    );
  });
});
