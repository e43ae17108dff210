import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS_DIR, SAMPLE_DATA_DIR } from "../../lib/paths.ts";
import { loadScorer } from "../../model/offline-scoring/load-scorer.ts";
import { readApplications } from "../../model/offline-scoring/read-applications.ts";
import { decide } from "../../scoring/model-card.ts";
import { runCli } from "../support/run-cli.ts";
import { sampleClients } from "../support/sample-inputs.ts";
import { copySampleWarehouse } from "../support/sample-warehouse.ts";

let dir: string;
let env: Record<string, string>;
let header: string[];
let rows: string[][];

const csv = (cells: string[][]) =>
  `${cells.map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(",")).join("\n")}\n`;
const readOutput = (path: string) =>
  parse(readFileSync(path, "utf8"), { columns: true }) as Record<string, string>[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "score-test-"));
  // A copy: the command opens its warehouse for writing, which would lock out files running beside it.
  env = { CREDIT_EDGE_DUCKDB: await copySampleWarehouse(join(dir, "warehouse")) };
  const train = parse(
    gunzipSync(readFileSync(join(SAMPLE_DATA_DIR, "application_train.csv.gz"))),
  ) as string[][];
  header = train[0]!;
  // 300 labelled clients, in a shuffled order, plus 20 unknown to the warehouse (new applicants).
  const picked = train.slice(1, 301).reverse();
  const strangers = train.slice(301, 321).map((r, i) => [String(990_000 + i), ...r.slice(1)]);
  rows = [...picked, ...strangers];
  writeFileSync(join(dir, "in.csv"), csv([header, ...rows]));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("credit-edge score", () => {
  it("writes SK_ID_CURR,probability,decision for every row, in input order", async () => {
    const result = await runCli(
      ["score", "--input", join(dir, "in.csv"), "--output", join(dir, "out.csv")],
      env,
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/scored 320 rows \(300 with warehouse history\)/);
    const lines = readFileSync(join(dir, "out.csv"), "utf8").trim().split("\n");
    expect(lines[0]).toBe("SK_ID_CURR,probability,decision");
    const out = readOutput(join(dir, "out.csv"));
    expect(out.map((r) => r.SK_ID_CURR)).toEqual(rows.map((r) => r[0]));
  });

  it("scores with the Worker's model and features: history from the warehouse, none for strangers", async () => {
    const scorer = await loadScorer();
    const clients = new Map(
      (await sampleClients(scorer.card.packed_history_features)).map((c) => [c.clientId, c]),
    );
    const applications = [];
    for await (const batch of readApplications(join(dir, "in.csv"))) applications.push(...batch);
    const expected = await scorer.score(
      applications.map((a) => ({ application: a.record, history: clients.get(a.clientId)?.history ?? null })),
      { reasons: false },
    );
    const out = readOutput(join(dir, "out.csv"));
    out.forEach((row, i) => {
      expect(Number(row.probability)).toBeCloseTo(expected[i]!.probability, 9);
      expect(row.decision).toBe(decide(Number(row.probability), scorer.card.policy));
    });
    expect(expected.slice(300).every((s, i) => s.probability === Number(out[300 + i]!.probability))).toBe(
      true,
    );
  });

  it("ignores TARGET and unknown columns, and takes .gz input", async () => {
    const extra = [
      [...header, "NOTE"],
      ...rows.map((r) => [...r.slice(0, 1), r[1] === "1" ? "0" : "1", ...r.slice(2), "x"]),
    ];
    const path = join(dir, "extra.csv");
    writeFileSync(path, csv(extra));
    const { gzipSync } = await import("node:zlib");
    writeFileSync(`${path}.gz`, gzipSync(readFileSync(path)));
    for (const input of [path, `${path}.gz`]) {
      const result = await runCli(["score", "--input", input, "--output", join(dir, "extra-out.csv")], env);
      expect(result.code).toBe(0);
      expect(readFileSync(join(dir, "extra-out.csv"), "utf8")).toBe(
        readFileSync(join(dir, "out.csv"), "utf8"),
      );
    }
  });

  it("names the missing column and writes nothing", async () => {
    const without = header.indexOf("AMT_ANNUITY");
    writeFileSync(
      join(dir, "missing.csv"),
      csv([header, rows[0]!].map((r) => r.filter((_, i) => i !== without))),
    );
    const result = await runCli(
      ["score", "--input", join(dir, "missing.csv"), "--output", join(dir, "none.csv")],
      env,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/missing\.csv: line 1: missing column AMT_ANNUITY/);
    expect(existsSync(join(dir, "none.csv"))).toBe(false);
  });

  it("names the row and column of an unparsable value", async () => {
    const bad = rows.slice(0, 5).map((r) => [...r]);
    bad[3]![header.indexOf("AMT_CREDIT")] = "lots";
    writeFileSync(join(dir, "bad.csv"), csv([header, ...bad]));
    const result = await runCli(
      ["score", "--input", join(dir, "bad.csv"), "--output", join(dir, "none.csv")],
      env,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/bad\.csv: line 5: column AMT_CREDIT: "lots" is not a number/);
    expect(existsSync(join(dir, "none.csv"))).toBe(false);

    // A quoted text cell spanning two lines moves every later row one line down.
    bad[1]![header.indexOf("ORGANIZATION_TYPE")] = "Business\nEntity Type 3";
    writeFileSync(join(dir, "multiline.csv"), csv([header, ...bad]));
    const multiline = await runCli(
      ["score", "--input", join(dir, "multiline.csv"), "--output", join(dir, "none.csv")],
      env,
    );
    expect(multiline.stderr).toMatch(/multiline\.csv: line 6: column AMT_CREDIT: "lots" is not a number/);
  });

  it("keeps input order across many chunks and scoring threads, as one thread scores them", async () => {
    // ~3 MB: several chunks of whole rows, scored by two threads and written back in input order.
    const many = Array.from({ length: 6000 }, (_, i) => {
      const row = [...rows[i % rows.length]!];
      if (i >= rows.length) row[0] = String(800_000 + i);
      return row;
    });
    writeFileSync(join(dir, "many.csv"), csv([header, ...many]));
    const run = (threads: string, out: string) =>
      runCli(
        ["score", "--input", join(dir, "many.csv"), "--output", join(dir, out), "--threads", threads],
        env,
      );
    const [two, one] = [await run("2", "two.csv"), await run("1", "one.csv")];
    expect(two.code, two.stderr).toBe(0);
    expect(one.code, one.stderr).toBe(0);
    expect(two.stdout).toMatch(/scored 6,000 rows \(300 with warehouse history\)/);
    const out = readOutput(join(dir, "two.csv"));
    expect(out.map((r) => r.SK_ID_CURR)).toEqual(many.map((r) => r[0]));
    expect(readFileSync(join(dir, "two.csv"), "utf8")).toBe(readFileSync(join(dir, "one.csv"), "utf8"));

    // An error deep in the file names its line, whichever thread met it, and nothing is written.
    many[4999]![header.indexOf("AMT_CREDIT")] = "lots";
    writeFileSync(join(dir, "many-bad.csv"), csv([header, ...many]));
    const bad = await runCli(
      ["score", "--input", join(dir, "many-bad.csv"), "--output", join(dir, "none.csv")],
      env,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/many-bad\.csv: line 5001: column AMT_CREDIT: "lots" is not a number/);
    expect(existsSync(join(dir, "none.csv"))).toBe(false);
  });

  it("names a missing input file", async () => {
    const result = await runCli(
      ["score", "--input", join(dir, "nope.csv"), "--output", join(dir, "none.csv")],
      env,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/input file not found: .*nope\.csv/);
  });

  it("names a model its threads cannot load, writes nothing, and ends (an empty input too)", async () => {
    const model = join(dir, "broken-model");
    cpSync(ARTIFACTS_DIR, model, { recursive: true });
    const onnx = join(model, "model.onnx");
    writeFileSync(onnx, readFileSync(onnx).subarray(0, 1000)); // a graph cut short
    writeFileSync(join(dir, "header-only.csv"), `${header.join(",")}\n`);
    for (const input of ["in.csv", "header-only.csv"]) {
      const output = join(dir, `broken-${input}`);
      const result = await runCli(
        ["score", "--model", model, "--input", join(dir, input), "--output", output],
        env,
      );
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(
        /error: the model in .*broken-model cannot be loaded \(.+\): run `credit-edge train`/,
      );
      expect(result.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
      expect(existsSync(output)).toBe(false);
    }
  });
});
