import { DECISIONS_TABLE, quote } from "../decisions/pull/tables.ts";
import { UserError } from "../lib/errors.ts";
import type { ModelCard } from "../scoring/model-card.ts";
import type { Value, Warehouse } from "../warehouse/warehouse.ts";
import { backtestByMonth, type MonthBacktest, type OutcomeRow } from "./backtest.ts";
import { type ChallengerComparison, compareChallenger, type ShadowPair } from "./challenger.ts";
import { DriftAccumulator, type DriftResult } from "./drift.ts";
import { OUTCOMES_TABLE } from "./outcomes.ts";
import type { ShiftFlag } from "./psi.ts";
import { MONITOR_ALERT_EXIT_CODE, MONITORING_TRIGGERS } from "./triggers.ts";

/** Below this many decisions PSI mostly measures sampling noise; said in `warnings`. */
export const NOISY_PSI_DECISIONS = 1000;
/** The score distribution's name in `flags`. */
export const SCORE_FLAG_NAME = "score";

export interface MonitorOptions {
  since?: string;
  until?: string;
  /** The model whose decisions are compared with its baseline; default: the one with most decisions. */
  modelVersion?: string;
  pageRows?: number;
}

export interface DayRates {
  day: string;
  decisions: number;
  approve: number;
  review: number;
  decline: number;
  /** Share of the day's decisions for clients without any history. */
  without_history: number;
}

export interface MonitorReport {
  generated_at: string;
  window: { since: string | null; until: string | null };
  /** Decisions in the window (every model version). */
  decisions: number;
  model_version: string | null;
  /** Decisions of that model version: what the PSI figures are computed on. */
  model_decisions: number;
  other_model_versions: { model_version: string; decisions: number }[];
  triggers: typeof MONITORING_TRIGGERS;
  score_psi: number;
  score_flag: ShiftFlag;
  features: { name: string; psi: number; flag: ShiftFlag }[];
  /** Names (the score as "score", inputs by name) at or above psi_significant. */
  flags: string[];
  /** Names at or above psi_moderate and below psi_significant. */
  moderate: string[];
  rates: { approve: number; review: number; decline: number; by_day: DayRates[] };
  without_history: { decisions: number; share: number };
  /** `auc_floor`: the card's untouched-test AUC interval's lower bound, below which a month is flagged. */
  backtest: { decisions_with_outcomes: number; auc_floor: number | null; months: MonthBacktest[] } | null;
  challenger: ChallengerComparison[];
  alerts: string[];
  warnings: string[];
  exit_code: number;
}

/** What the page draws besides the report: bins of the score and of the most shifted inputs. */
export interface MonitorDetail {
  score_bins: DriftResult["score_bins"];
  top_features: { name: string; psi: number; edges: number[]; expected: number[]; actual: number[] }[];
}

const num = (v: Value | undefined) => Number(v ?? 0);

export async function runMonitor(
  warehouse: Warehouse,
  options: MonitorOptions,
  cardFor: (version: string) => ModelCard,
): Promise<{ report: MonitorReport; detail: MonitorDetail }> {
  if ((await warehouse.columns(DECISIONS_TABLE)).length === 0)
    throw new UserError(
      `${warehouse.location} has no table ${DECISIONS_TABLE}: run \`credit-edge decisions pull\` first`,
    );
  const conditions = [
    ...(options.since ? [`decided_at >= ${quote(options.since)}`] : []),
    ...(options.until ? [`decided_at < ${quote(options.until)}`] : []),
  ];
  const where = (extra: string[] = []) => {
    const all = [...conditions, ...extra];
    return all.length ? `WHERE ${all.join(" AND ")}` : "";
  };
  const warnings: string[] = [];
  const alerts: string[] = [];

  // Rates and history share by day, over every model version.
  const daily = await warehouse.query(
    `SELECT SUBSTR(decided_at, 1, 10) AS day, decision, has_history, COUNT(*) AS n FROM ${DECISIONS_TABLE} ${where()} GROUP BY 1, 2, 3 ORDER BY 1`,
  );
  const days = new Map<
    string,
    { n: number; approve: number; review: number; decline: number; noHistory: number }
  >();
  for (const [day, decision, hasHistory, n] of daily.rows) {
    const d = days.get(String(day)) ?? { n: 0, approve: 0, review: 0, decline: 0, noHistory: 0 };
    d.n += num(n);
    if (decision === "approve" || decision === "review" || decision === "decline") d[decision] += num(n);
    if (hasHistory === false || hasHistory === "false") d.noHistory += num(n);
    days.set(String(day), d);
  }
  const total = [...days.values()].reduce((s, d) => s + d.n, 0);
  const sum = (k: "approve" | "review" | "decline" | "noHistory") =>
    [...days.values()].reduce((s, d) => s + d[k], 0);
  const rate = (k: "approve" | "review" | "decline") => (total ? sum(k) / total : 0);

  const versions = (
    await warehouse.query(
      `SELECT model_version, COUNT(*) AS n FROM ${DECISIONS_TABLE} ${where()} GROUP BY model_version ORDER BY n DESC, model_version`,
    )
  ).rows.map(([v, n]) => ({ model_version: String(v), decisions: num(n) }));
  const version = options.modelVersion ?? versions[0]?.model_version ?? null;
  if (options.modelVersion && !versions.some((v) => v.model_version === options.modelVersion))
    warnings.push(`no decisions of model ${options.modelVersion} in the window`);

  let drift: DriftResult | null = null;
  if (version && versions.some((v) => v.model_version === version)) {
    const card = cardFor(version);
    if (!card.baseline)
      throw new UserError(
        `the model card of ${version} has no training baseline: retrain it with this version of credit-edge`,
      );
    const accumulator = new DriftAccumulator(card.baseline);
    for await (const page of warehouse.scan(
      `SELECT probability, input_vector, input_count FROM ${DECISIONS_TABLE} ${where([`model_version = ${quote(version)}`])}`,
      options.pageRows ?? 4096,
    )) {
      for (const [probability, vector, count] of page.rows) {
        if (num(count) !== accumulator.width)
          throw new Error(`a decision of ${version} has ${count} inputs, its baseline ${accumulator.width}`);
        accumulator.add(num(probability), Buffer.from(String(vector), "base64"));
      }
    }
    drift = accumulator.result();
  }
  const modelDecisions = drift?.decisions ?? 0;
  if (modelDecisions > 0 && modelDecisions < NOISY_PSI_DECISIONS)
    warnings.push(
      `${modelDecisions} decisions: PSI over fewer than ${NOISY_PSI_DECISIONS} mostly measures sampling noise (about bins/decisions)`,
    );
  const features = (drift?.features ?? [])
    .map((f) => ({ name: f.name, psi: f.psi, flag: f.flag }))
    .sort((a, b) => b.psi - a.psi);
  const named = [...(drift ? [{ name: SCORE_FLAG_NAME, flag: drift.score_flag }] : []), ...features];
  const flags = named.filter((f) => f.flag === "significant").map((f) => f.name);
  const moderate = named.filter((f) => f.flag === "moderate").map((f) => f.name);
  if (flags.length) alerts.push(`PSI >= ${MONITORING_TRIGGERS.psi_significant}: ${flags.join(", ")}`);

  // Outcomes: back-testing by month, and the challenger's AUC on the same decisions.
  const hasOutcomes = (await warehouse.columns(OUTCOMES_TABLE)).length > 0;
  const outcomeJoin = hasOutcomes
    ? `LEFT JOIN ${OUTCOMES_TABLE} AS o ON o.SK_ID_CURR = d.client_id AND (o.as_of IS NULL OR d.decided_at <= o.as_of)`
    : "";
  const target = hasOutcomes ? "o.TARGET" : "CAST(NULL AS INT64)";
  const dWhere = (extra: string[]) => where(extra).replaceAll("decided_at", "d.decided_at");
  let backtest: MonitorReport["backtest"] = null;
  if (hasOutcomes) {
    const rows: OutcomeRow[] = [];
    for await (const page of warehouse.scan(
      `SELECT SUBSTR(d.decided_at, 1, 7) AS month, d.probability, o.TARGET FROM ${DECISIONS_TABLE} AS d ${outcomeJoin} ${dWhere(["o.TARGET IS NOT NULL"])}`,
      50_000,
    ))
      for (const [month, p, y] of page.rows)
        rows.push({ month: String(month), probability: num(p), target: num(y) });
    const aucFloor = version ? untouchedAucLower(cardFor(version)) : null;
    const months = backtestByMonth(rows, aucFloor);
    backtest = { decisions_with_outcomes: rows.length, auc_floor: aucFloor, months };
    for (const m of months) {
      if (m.ece_alert)
        alerts.push(`${m.month}: ECE ${m.ece.toFixed(4)} above ${MONITORING_TRIGGERS.ece_alert}`);
      if (m.auc_alert)
        alerts.push(
          `${m.month}: AUC ${m.auc!.toFixed(4)} below ${aucFloor!.toFixed(4)}, the lower bound of the model card's untouched-test 95% interval`,
        );
    }
  }

  const pairs = new Map<string, ShadowPair[]>();
  for await (const page of warehouse.scan(
    `SELECT d.request_id, d.item, d.client_id, d.decision, d.challenger_decision, d.probability, d.challenger_probability, d.challenger_model_version, ${target} AS target FROM ${DECISIONS_TABLE} AS d ${outcomeJoin} ${dWhere(["d.challenger_probability IS NOT NULL"])}`,
    50_000,
  ))
    for (const r of page.rows) {
      const list = pairs.get(String(r[7])) ?? [];
      list.push({
        request_id: String(r[0]),
        item: num(r[1]),
        client_id: num(r[2]),
        champion_decision: String(r[3]),
        challenger_decision: String(r[4]),
        champion_probability: num(r[5]),
        challenger_probability: num(r[6]),
        target: r[8] === null ? null : num(r[8]),
      });
      pairs.set(String(r[7]), list);
    }

  const report: MonitorReport = {
    generated_at: new Date().toISOString(),
    window: { since: options.since ?? null, until: options.until ?? null },
    decisions: total,
    model_version: version,
    model_decisions: modelDecisions,
    other_model_versions: versions.filter((v) => v.model_version !== version),
    triggers: MONITORING_TRIGGERS,
    score_psi: drift?.score_psi ?? 0,
    score_flag: drift?.score_flag ?? "stable",
    features,
    flags,
    moderate,
    rates: {
      approve: rate("approve"),
      review: rate("review"),
      decline: rate("decline"),
      by_day: [...days.entries()].map(([day, d]) => ({
        day,
        decisions: d.n,
        approve: d.approve / d.n,
        review: d.review / d.n,
        decline: d.decline / d.n,
        without_history: d.noHistory / d.n,
      })),
    },
    without_history: { decisions: sum("noHistory"), share: total ? sum("noHistory") / total : 0 },
    backtest,
    challenger: [...pairs.entries()].map(([v, list]) => compareChallenger(v, list)),
    alerts,
    warnings: total === 0 ? ["no decisions in the window", ...warnings] : warnings,
    exit_code: alerts.length ? MONITOR_ALERT_EXIT_CODE : 0,
  };
  const byName = new Map((drift?.features ?? []).map((f) => [f.name, f]));
  const baselineInputs = new Map(
    (version && drift ? cardFor(version).baseline!.inputs : []).map((i) => [i.name, i]),
  );
  return {
    report,
    detail: {
      score_bins: drift?.score_bins ?? { edges: [], expected: [], actual: [] },
      top_features: features.slice(0, 12).map((f) => ({
        name: f.name,
        psi: f.psi,
        edges: baselineInputs.get(f.name)?.edges ?? [],
        expected: byName.get(f.name)!.expected,
        actual: byName.get(f.name)!.actual,
      })),
    },
  };
}

/** The card's untouched-test AUC interval's lower bound (null for a card from before the untouched split). */
function untouchedAucLower(card: ModelCard): number | null {
  type WithValidation = { validation?: { untouched_test?: { metrics?: { auc?: { lower?: unknown } } } } };
  const lower = (card as ModelCard & WithValidation).validation?.untouched_test?.metrics?.auc?.lower;
  return typeof lower === "number" ? lower : null;
}
