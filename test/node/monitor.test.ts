/// <reference lib="dom" />
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendDecisions, decisionRow, ensureTables } from "../../decisions/pull/tables.ts";
import type { DecisionRecord } from "../../decisions/record/schema.ts";
import { ARTIFACTS_DIR } from "../../lib/paths.ts";
import type { MonitorReport } from "../../monitoring/monitor.ts";
import { MONITOR_ALERT_EXIT_CODE } from "../../monitoring/triggers.ts";
import { DuckDbWarehouse } from "../../warehouse/duckdb/duckdb-warehouse.ts";
import { launchChromium } from "../support/chromium.ts";
import { sampleRecords } from "../support/decisions/sample-records.ts";
import { runCli } from "../support/run-cli.ts";

// `credit-edge monitor` on decisions of the committed model: the sample's clients as scored (November),
// and the same clients with EXT_SOURCE_3 + 0.3 (December). Thresholds and exit code: monitoring/triggers.ts.

let home: string;
let env: Record<string, string>;
let plain: DecisionRecord[];

const november = (i: number) => new Date(Date.UTC(2026, 10, 1 + (i % 30), 9, 0, i % 60)).toISOString();
const december = (i: number) => new Date(Date.UTC(2026, 11, 1 + (i % 28), 9, 0, i % 60)).toISOString();

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "credit-edge-monitor-"));
  env = { CREDIT_EDGE_HOME: home, CREDIT_EDGE_DUCKDB: join(home, "warehouse.duckdb") };
  plain = await sampleRecords({ count: 6000, decidedAt: november });
  const shifted = await sampleRecords({
    count: 6000,
    decidedAt: december,
    transform: (c) => {
      const v = c.application.EXT_SOURCE_3;
      return typeof v === "number" ? { ...c, application: { ...c.application, EXT_SOURCE_3: v + 0.3 } } : c;
    },
  });
  const warehouse = await DuckDbWarehouse.open({ path: env.CREDIT_EDGE_DUCKDB! });
  try {
    await ensureTables(warehouse);
    const at = new Date().toISOString();
    await appendDecisions(
      warehouse,
      plain.map((r) => decisionRow(r, "test", at)),
    );
    await appendDecisions(
      warehouse,
      shifted.map((r) => decisionRow({ ...r, request_id: `shifted-${r.request_id}` }, "test", at)),
    );
    // A challenger that agrees on November's decisions but for the first 50, which it declines.
    await warehouse.query(
      "UPDATE decisions SET challenger_model_version = 'm-challenger', challenger_probability = probability, challenger_decision = CASE WHEN request_id < 'req-0000050' THEN 'decline' ELSE decision END WHERE decided_at < '2026-12-01'",
    );
  } finally {
    await warehouse.close();
  }
}, 240_000);

afterAll(() => rmSync(home, { recursive: true, force: true }));

async function monitor(out: string, ...args: string[]) {
  const run = await runCli(["monitor", "--out", join(home, out), "--json", ...args], env);
  if (!existsSync(join(home, out, "monitor.json"))) throw new Error(`monitor wrote nothing: ${run.stderr}`);
  const report = JSON.parse(readFileSync(join(home, out, "monitor.json"), "utf8")) as MonitorReport;
  expect(JSON.parse(run.stdout)).toEqual(report);
  return { code: run.code, stderr: run.stderr, report };
}

describe("credit-edge monitor", () => {
  it("raises no flag on unshifted decisions, and exits 0", async () => {
    const { code, report, stderr } = await monitor("plain", "--until", "2026-12-01");
    expect(code, stderr).toBe(0);
    expect(report.decisions).toBe(plain.length);
    expect(report.model_decisions).toBe(plain.length);
    expect(report.flags).toEqual([]);
    expect(report.score_flag).toBe("stable");
    expect(report.features.length).toBeGreaterThan(600);
    for (const f of report.features) {
      expect(f.flag).not.toBe("significant");
      expect(f.psi).toBeGreaterThanOrEqual(0);
    }
    const rates = report.rates.approve + report.rates.review + report.rates.decline;
    expect(rates).toBeCloseTo(1, 12);
    expect(report.rates.by_day).toHaveLength(30);
    expect(report.without_history.decisions).toBe(plain.filter((r) => !r.has_history).length);
    // The challenger's comparison: agreement, and the swap set it declines.
    expect(report.challenger).toHaveLength(1);
    const c = report.challenger[0]!;
    const approvedFirst50 = plain.slice(0, 50).filter((r) => r.decision === "approve").length;
    expect(c.swap_set.approved_by_champion_declined_by_challenger).toBe(approvedFirst50);
    expect(c.agreement_rate).toBeCloseTo(
      1 - plain.slice(0, 50).filter((r) => r.decision !== "decline").length / plain.length,
      12,
    );
  });

  it("flags EXT_SOURCE_3 + 0.3 and the inputs built on it, and exits 3", async () => {
    const { code, report } = await monitor("shifted", "--since", "2026-12-01");
    expect(code).toBe(MONITOR_ALERT_EXIT_CODE);
    expect(report.flags).toContain("EXT_SOURCE_3");
    // The score moves too (how far is the model's business, not the test's): more than unshifted.
    const { report: unshifted } = await monitor("plain-again", "--until", "2026-12-01");
    expect(report.score_psi).toBeGreaterThan(unshifted.score_psi);
    expect(report.features[0]!.psi).toBeGreaterThanOrEqual(0.25);
    // Only the external-score inputs moved: nothing unrelated is flagged.
    const unrelated = report.flags.filter((f) => f !== "score" && !/EXT_SOURCE|ext_source/.test(f));
    expect(unrelated).toEqual([]);
    expect(report.alerts[0]).toMatch(/^PSI >= 0.25: .*EXT_SOURCE_3/);
  });

  it("back-tests by month once outcomes are loaded", async () => {
    const labelled = plain.filter((r) => r.client_id < 400000).slice(0, 4000);
    const targets = await sampleRecordsTargets(labelled.map((r) => r.client_id));
    const csv = join(home, "outcomes.csv");
    writeFileSync(
      csv,
      `SK_ID_CURR,TARGET,as_of\n${[...targets].map(([id, y]) => `${id},${y},2027-06-30`).join("\n")}\n`,
    );
    const load = await runCli(["outcomes", "load", "--input", csv, "--json"], env);
    expect(load.code, load.stderr).toBe(0);
    expect(JSON.parse(load.stdout)).toEqual({ loaded: targets.size, total: targets.size });
    const { report } = await monitor("backtest", "--until", "2026-12-01");
    expect(report.backtest!.months.map((m) => m.month)).toEqual(["2026-11"]);
    const month = report.backtest!.months[0]!;
    expect(month.decisions).toBe(targets.size);
    expect(month.auc).toBeGreaterThan(0.7);
    expect(month.deciles).toHaveLength(10);
    expect(report.challenger[0]!.champion_auc).toBeCloseTo(report.challenger[0]!.challenger_auc!, 12);
    // The AUC trigger: the floor is the card's untouched-test interval's lower bound; these outcomes clear it.
    expect(report.backtest!.auc_floor).toBe(cardAucLower());
    expect(month.auc_alert).toBe(false);
    // Outcomes that contradict the scores (every label flipped) put the AUC far below it: alert, exit 3.
    writeFileSync(
      csv,
      `SK_ID_CURR,TARGET,as_of\n${[...targets].map(([id, y]) => `${id},${1 - y},2027-06-30`).join("\n")}\n`,
    );
    expect((await runCli(["outcomes", "load", "--input", csv], env)).code).toBe(0);
    const flipped = await monitor("backtest-flipped", "--until", "2026-12-01");
    expect(flipped.report.backtest!.months[0]!.auc).toBeLessThan(0.3);
    expect(flipped.report.backtest!.months[0]!.auc_alert).toBe(true);
    expect(
      flipped.report.alerts.some((a) => /^2026-11: AUC 0\.\d+ below 0\.\d+, the lower bound/.test(a)),
    ).toBe(true);
    expect(flipped.code).toBe(MONITOR_ALERT_EXIT_CODE);
    // Put the true outcomes back for what follows.
    writeFileSync(
      csv,
      `SK_ID_CURR,TARGET,as_of\n${[...targets].map(([id, y]) => `${id},${y},2027-06-30`).join("\n")}\n`,
    );
    expect((await runCli(["outcomes", "load", "--input", csv], env)).code).toBe(0);
    const bad = join(home, "bad.csv");
    writeFileSync(bad, "SK_ID_CURR,TARGET\n100002,1\n100003,yes\n");
    const refused = await runCli(["outcomes", "load", "--input", bad], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/bad\.csv: line 3: column TARGET: "yes" is not 0 or 1/);
  });

  it("writes a self-contained monitor.html whose charts render in headless Chromium", async () => {
    const { browser, close } = await launchChromium();
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on("request", (r) => {
        if (!r.url().startsWith("file:")) requests.push(r.url());
      });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(pathToFileURL(join(home, "backtest", "monitor.html")).href);
      await page.waitForSelector("body[data-rendered]");
      const canvases = await page.$$eval("canvas[data-chart]", (els) => els.map((e) => e.id));
      expect(canvases.sort()).toEqual([
        "backtest",
        "challenger",
        "csi",
        "deciles",
        "history",
        "rates",
        "score",
      ]);
      for (const id of canvases) {
        const drawn = await page.evaluate((chartId) => {
          const canvas = document.getElementById(chartId) as HTMLCanvasElement;
          const chart = (
            window as unknown as {
              Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: { data: unknown[] }[] } } };
            }
          ).Chart.getChart(canvas);
          const pixels = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
          return { points: chart.data.datasets.reduce((n, d) => n + d.data.length, 0), painted };
        }, id);
        expect(drawn.points, id).toBeGreaterThan(0);
        expect(drawn.painted, id).toBeGreaterThan(1000);
      }
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await close();
    }
  });
});

/** TARGET of these clients, from the sample's application_train (via the warehouse). */
async function sampleRecordsTargets(ids: number[]): Promise<Map<number, number>> {
  const { sampleWarehousePath } = await import("../support/sample-warehouse.ts");
  const { copyFileSync } = await import("node:fs");
  const copy = join(home, "sample.duckdb");
  copyFileSync(await sampleWarehousePath(), copy);
  const warehouse = await DuckDbWarehouse.open({ path: copy });
  try {
    const rows = await warehouse.query(
      `SELECT SK_ID_CURR, TARGET FROM applications WHERE TARGET IS NOT NULL AND SK_ID_CURR IN (${ids.join(",")})`,
    );
    return new Map(rows.rows.map((r) => [Number(r[0]), Number(r[1])]));
  } finally {
    await warehouse.close();
  }
}

/** The committed card's untouched-test AUC lower bound, read from model.json as a validator would. */
function cardAucLower(): number {
  const card = JSON.parse(readFileSync(join(ARTIFACTS_DIR, "model.json"), "utf8")) as {
    validation: { untouched_test: { metrics: { auc: { lower: number } } } };
  };
  return card.validation.untouched_test.metrics.auc.lower;
}
