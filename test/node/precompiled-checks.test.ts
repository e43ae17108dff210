import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RecordLineSchema } from "../../decisions/record/schema.ts";
import { check as checkRecordLine } from "../../decisions/worker/record-line.check.js";
import { APPLICATION_COLUMNS } from "../../features/application/columns.ts";
import { PROJECT_ROOT } from "../../lib/paths.ts";
import { readArtifacts } from "../../model/offline-scoring/load-scorer.ts";
import { checkModuleSource } from "../../scripts/precompile-checks/check-source.ts";
import { PRECOMPILED_CHECKS } from "../../scripts/precompile-checks/checks.ts";
import { check } from "../../worker/api/precompiled/applications-request.check.js";
import { ApplicationsScoreRequestSchema } from "../../worker/api/schemas.ts";
import { sampleRecords } from "../support/decisions/sample-records.ts";
import { sampleClients } from "../support/sample-inputs.ts";

// The Worker validates large bodies with a check ajv compiled from the zod schema, and asks zod only about
// what the check refuses. So the check must never accept a body zod refuses.

const zodAccepts = (body: unknown) => ApplicationsScoreRequestSchema.safeParse(body).success;

describe("precompiled request checks", () => {
  it("are committed as their zod schemas generate them (npm run validators)", () => {
    for (const { path, schema } of PRECOMPILED_CHECKS)
      expect(readFileSync(join(PROJECT_ROOT, path), "utf8"), path).toBe(checkModuleSource(schema));
  });

  it("accept the sample's applications, as zod does", async () => {
    const clients = await sampleClients(readArtifacts().card.packed_history_features, 300);
    for (let start = 0; start < clients.length; start += 100) {
      const body = JSON.parse(
        JSON.stringify({
          applications: clients
            .slice(start, start + 100)
            .map((c) => ({ SK_ID_CURR: c.clientId, ...c.application })),
        }),
      );
      expect(check(body)).toBe(true);
      expect(zodAccepts(body)).toBe(true);
    }
  }, 120_000);

  it("accept nothing zod refuses: every column with every awkward value, and the body's own limits", () => {
    const awkward: unknown[] = [
      null,
      "",
      "Cash loans",
      "x".repeat(100),
      "x".repeat(101),
      "é".repeat(100),
      "😀".repeat(50), // 100 UTF-16 units: zod's max(100) counts units, as String#length does
      "😀".repeat(51),
      0,
      1.5,
      -3,
      1e15,
      -1e15,
      1e15 + 2,
      1e308,
      true,
      [],
      {},
      [1],
    ];
    let agreedAccepts = 0;
    for (const column of ["SK_ID_CURR", ...APPLICATION_COLUMNS.map((c) => c.name)]) {
      for (const value of awkward) {
        const body = { applications: [{ SK_ID_CURR: 100002, [column]: value }] };
        const accepted = check(body);
        if (accepted) expect(zodAccepts(body), `${column} = ${JSON.stringify(value)}`).toBe(true);
        if (accepted) agreedAccepts++;
      }
    }
    expect(agreedAccepts).toBeGreaterThan(APPLICATION_COLUMNS.length * 3);
    const bodies: unknown[] = [
      {},
      { applications: [] },
      { applications: Array.from({ length: 101 }, (_, i) => ({ SK_ID_CURR: i + 1 })) },
      { applications: [{}] },
      { applications: [{ SK_ID_CURR: 0 }] },
      { applications: [{ SK_ID_CURR: 2 ** 53 }] },
      { applications: [null] },
      { applications: "all" },
      [],
      null,
    ];
    for (const body of bodies) {
      expect(check(body), JSON.stringify(body).slice(0, 80)).toBe(false);
      expect(zodAccepts(body)).toBe(false);
    }
    // What zod accepts, the check accepts too where it is no stricter by design (unknown keys, TARGET).
    expect(check({ applications: [{ SK_ID_CURR: 7, TARGET: 1, SOMETHING_ELSE: "x" }] })).toBe(true);
  });

  it("accept decision and shadow records as zod does, and no record zod refuses", {
    timeout: 300_000,
  }, async () => {
    const decisions = await sampleRecords({ count: 20 });
    const shadows = decisions.slice(0, 3).map((d) => ({
      record_type: "shadow",
      record_version: d.record_version,
      request_id: d.request_id,
      item: d.item,
      decided_at: d.decided_at,
      client_id: d.client_id,
      challenger_model_version: "m-challenger",
      probability: d.probability,
      decision: d.decision,
    }));
    const records: unknown[] = [...decisions, ...shadows];
    const zodAcceptsLine = (line: unknown) => RecordLineSchema.safeParse(line).success;
    for (const record of records) {
      const line = JSON.parse(JSON.stringify(record));
      expect(checkRecordLine(line)).toBe(true);
      expect(zodAcceptsLine(line)).toBe(true);
      // Each field, spoiled in turn: whatever the check still accepts, zod accepts too.
      let refused = 0;
      for (const key of Object.keys(line))
        for (const value of [
          null,
          "",
          "x",
          -1,
          0.5,
          Number.POSITIVE_INFINITY,
          2 ** 53,
          true,
          [],
          {},
          "2026-13-01T00:00:00Z",
        ]) {
          const spoiled = { ...line, [key]: value };
          if (checkRecordLine(spoiled))
            expect(zodAcceptsLine(spoiled), `${key} = ${String(value)}`).toBe(true);
          else refused++;
        }
      expect(refused).toBeGreaterThan(Object.keys(line).length);
      const { probability: _, ...withoutProbability } = line as Record<string, unknown>;
      expect(checkRecordLine(withoutProbability)).toBe(false);
    }
  });
});
