import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ModelCard } from "../../scoring/model-card.ts";
import type { ValidatorSections } from "../card/sections.ts";
import type { ReportData } from "./report-data.ts";
import { VALIDATION_CHARTS, validationSections } from "./validation-report.ts";

/** Chart.js's UMD build, inlined so the report opens offline. */
export function chartJsSource(): string {
  // chart.js exports no subpath for its UMD build: find it beside the package's main entry.
  const main = createRequire(import.meta.url).resolve("chart.js");
  return readFileSync(join(dirname(main), "chart.umd.min.js"), "utf8");
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const money = (v: number) => Math.round(v).toLocaleString("en-US");

/** The charts, drawn in the page from the embedded data. Each chart registers itself for the page test. */
const RENDER_SCRIPT = `
const data = JSON.parse(document.getElementById("report-data").textContent);
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
window.renderedCharts = [];
function chart(id, config) {
  const c = new Chart(document.getElementById(id), config);
  window.renderedCharts.push(id);
  return c;
}
const xy = (points) => points.map((p) => ({ x: p.x, y: p.y }));
const line = (label, points, color, extra = {}) => ({ label, data: points, borderColor: color, backgroundColor: color, showLine: true, pointRadius: 0, borderWidth: 2, ...extra });
const axes = (x, y, extra = {}) => ({ x: { type: "linear", title: { display: true, text: x }, ...extra.x }, y: { title: { display: true, text: y }, ...extra.y } });

chart("roc", { type: "scatter", data: { datasets: [
  line("with history", xy(data.roc), "#1f77b4"),
  line("history masked", xy(data.rocNoHistory), "#ff7f0e"),
  line("chance", [{ x: 0, y: 0 }, { x: 1, y: 1 }], "#999", { borderDash: [4, 4] }),
] }, options: { scales: axes("false positive rate", "true positive rate", { x: { min: 0, max: 1 }, y: { min: 0, max: 1 } }) } });

chart("pr", { type: "scatter", data: { datasets: [line("precision-recall", xy(data.pr), "#2ca02c")] },
  options: { scales: axes("recall", "precision", { x: { min: 0, max: 1 }, y: { min: 0, max: 1 } }) } });

const calMax = Math.max(...data.calibration.map((b) => Math.max(b.meanPredicted, b.observedRate))) * 1.1;
chart("calibration", { type: "scatter", data: { datasets: [
  line("observed default rate", data.calibration.map((b) => ({ x: b.meanPredicted, y: b.observedRate })), "#d62728", { pointRadius: 4 }),
  line("perfect calibration", [{ x: 0, y: 0 }, { x: calMax, y: calMax }], "#999", { borderDash: [4, 4] }),
] }, options: { scales: axes("mean predicted probability (decile)", "observed default rate", { x: { min: 0, max: calMax }, y: { min: 0, max: calMax } }) } });

chart("distribution", { type: "bar", data: { labels: data.histograms.edges.map((e) => e.toFixed(3)), datasets: [
  { label: "repaid", data: data.histograms.repaid, backgroundColor: "rgba(31,119,180,0.6)" },
  { label: "defaulted", data: data.histograms.defaulted, backgroundColor: "rgba(214,39,40,0.6)" },
] }, options: { scales: { x: { title: { display: true, text: "calibrated probability of default" } }, y: { title: { display: true, text: "share of class" } } } } });

const pc = data.profitCurve;
const profitMax = Math.max(...pc.declineFromVaried, ...pc.approveBelowVaried);
const profitMin = Math.min(...pc.declineFromVaried, ...pc.approveBelowVaried);
chart("profit", { type: "scatter", data: { datasets: [
  line("moving the decline threshold", pc.thresholds.map((t, i) => ({ x: t, y: pc.declineFromVaried[i] })), "#9467bd"),
  line("moving the approve threshold", pc.thresholds.map((t, i) => ({ x: t, y: pc.approveBelowVaried[i] })), "#8c564b"),
  line("chosen approve threshold", [{ x: pc.chosen.approve_below, y: profitMin }, { x: pc.chosen.approve_below, y: profitMax }], "#2ca02c", { borderDash: [6, 3] }),
  line("chosen decline threshold", [{ x: pc.chosen.decline_from, y: profitMin }, { x: pc.chosen.decline_from, y: profitMax }], "#d62728", { borderDash: [6, 3] }),
] }, options: { scales: axes("threshold (calibrated probability)", "total profit (out-of-fold)") } });

chart("importance", { type: "bar", data: { labels: data.importance.map((f) => f.feature), datasets: [
  { label: "mean |contribution| (log-odds)", data: data.importance.map((f) => f.mean_abs_contribution), backgroundColor: "#17becf" },
] }, options: { indexAxis: "y", plugins: { tooltip: { callbacks: { afterLabel: (ctx) => data.importance[ctx.dataIndex].description } } } } });

if (data.factorImportance) chart("factor-importance", { type: "bar", data: { labels: data.factorImportance.map((f) => f.code + (f.age_based ? " (age-based)" : "")), datasets: [
  { label: "mean |summed contribution| (log-odds)", data: data.factorImportance.map((f) => f.mean_abs_contribution), backgroundColor: "#bcbd22" },
] }, options: { indexAxis: "y", plugins: { tooltip: { callbacks: { afterLabel: (ctx) => data.factorImportance[ctx.dataIndex].statement } } } } });

for (const [id, slices] of [["fairness-gender", data.fairness.byGender], ["fairness-age", data.fairness.byAge]]) {
  chart(id, { type: "bar", data: { labels: slices.map((s) => s.group + " (n=" + s.count + ")"), datasets: [
    { label: "AUC", data: slices.map((s) => s.auc), backgroundColor: "#1f77b4" },
    { label: "approval rate", data: slices.map((s) => s.approval_rate), backgroundColor: "#2ca02c" },
    { label: "mean predicted", data: slices.map((s) => s.mean_predicted), backgroundColor: "#ff7f0e" },
    { label: "observed default rate", data: slices.map((s) => s.observed_default_rate), backgroundColor: "#d62728" },
  ] }, options: { scales: { y: { min: 0, max: 1 } } } });
}
if (data.rocUntouched) {
${VALIDATION_CHARTS}
}
document.body.dataset.rendered = String(window.renderedCharts.length);
`;

function fairnessTable(title: string, slices: ReportData["fairness"]["byGender"]): string {
  const rows = slices
    .map(
      (s) =>
        `<tr><td>${escapeHtml(s.group)}</td><td>${s.count}</td><td>${s.auc === null ? "n/a" : s.auc.toFixed(3)}</td><td>${pct(s.approval_rate)}</td><td>${pct(s.mean_predicted)}</td><td>${pct(s.observed_default_rate)}</td></tr>`,
    )
    .join("");
  return `<table><caption>${escapeHtml(title)}</caption><tr><th>group</th><th>clients</th><th>AUC</th><th>approved</th><th>mean predicted</th><th>observed</th></tr>${rows}</table>`;
}

/** The headline: the untouched part's figures, ahead of the development ones. */
function headline(card: ModelCard & ValidatorSections): string {
  const t = card.validation.untouched_test;
  const e = (x: { value: number; lower: number; upper: number }) =>
    `${x.value.toFixed(4)} [${x.lower.toFixed(4)}, ${x.upper.toFixed(4)}]`;
  return `<table><caption>Untouched test part (${t.rows} clients, model trained without them; 95% intervals)</caption>
<tr><th>AUC</th><td>${e(t.metrics.auc)}</td><th>Gini / KS</th><td>${t.metrics.gini.value.toFixed(4)} / ${t.metrics.ks.value.toFixed(4)}</td></tr>
<tr><th>Brier score</th><td>${e(t.metrics.brier)}</td><th>ECE</th><td>${e(t.metrics.ece)}</td></tr>
<tr><th>profit, cross-fitted (development)</th><td>${money(card.policy_evaluation.profit_cross_fitted)}</td><th>profit, served thresholds (untouched part)</th><td>${money(card.policy_evaluation.profit_untouched_test)}</td></tr>
</table>`;
}

/** A self-contained HTML report (no network): metrics, the policy and eight charts. */
export function renderReport(card: ModelCard & Partial<ValidatorSections>, data: ReportData): string {
  const m = card.metrics;
  const outcome = m.policy_outcome as Record<string, number>;
  const panel = (id: string, title: string, note: string, height = 320) =>
    `<section><h2>${title}</h2><p>${note}</p><div style="height:${height}px"><canvas id="${id}" data-chart></canvas></div></section>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>credit-edge model ${escapeHtml(card.version)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
section{margin:2rem 0}h1{margin-bottom:.2rem}h2{font-size:1.1rem;margin-bottom:.3rem}h3{font-size:1rem;margin:.8rem 0 .3rem}small{color:#777}td:first-child{text-align:left}p{margin:.2rem 0 .6rem;color:#555}
table{border-collapse:collapse;margin:.6rem 0}td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:right}th{background:#f5f5f5}
caption{text-align:left;font-weight:600;padding:.3rem 0}.grid{display:grid;grid-template-columns:1fr 1fr;gap:1.5rem}
</style></head><body>
<h1>credit-edge default-risk model</h1>
<p>version <code>${escapeHtml(card.version)}</code> · created ${escapeHtml(card.created_at)} · ${escapeHtml(card.library.name)} ${escapeHtml(card.library.version)} · ${card.features.length} inputs · ${card.onnx.trees} trees · feature schema <code>${escapeHtml(card.feature_schema_hash)}</code></p>
${card.validation ? headline(card as ModelCard & ValidatorSections) : ""}
<table><caption>Development part, out of fold</caption>
<tr><th>CV AUC</th><td>${m.cv_auc.mean.toFixed(4)} ± ${m.cv_auc.sd.toFixed(4)}</td><th>CV AUC, history masked</th><td>${m.cv_auc_no_history.mean.toFixed(4)} ± ${m.cv_auc_no_history.sd.toFixed(4)}</td></tr>
<tr><th>Brier score</th><td>${m.brier.toFixed(4)}</td><th>Expected calibration error</th><td>${m.ece.toFixed(4)}</td></tr>
<tr><th>Training rows</th><td>${card.training_data.rows} (${card.training_data.positives} defaults)</td><th>Excluded attributes</th><td>${escapeHtml(card.excluded_attributes.join(", ") || "none")}</td></tr>
</table>
<table><caption>Decision policy</caption>
<tr><th>approve below</th><td>${card.policy.approve_below.toFixed(4)}</td><th>decline from</th><td>${card.policy.decline_from.toFixed(4)}</td></tr>
<tr><th>approved / reviewed / declined</th><td>${pct(outcome.approval_rate ?? 0)} / ${pct(outcome.review_rate ?? 0)} / ${pct(outcome.decline_rate ?? 0)}</td><th>profit cross-fitted (in-sample)</th><td>${money(outcome.profit_cross_fitted ?? 0)} (${money(outcome.profit ?? 0)})</td></tr>
<tr><th>approve-all profit</th><td>${money(outcome.approve_all_profit ?? 0)}</td><th>AMT_CREDIT of defaulters declined</th><td>${money(outcome.defaulted_credit_declined ?? 0)}</td></tr>
</table>
<div class="grid">
${panel("roc", "ROC curve", "Out-of-fold, with history and with every history feature masked (new applicants).")}
${panel("pr", "Precision-recall curve", "Out-of-fold calibrated probabilities.")}
${panel("calibration", "Calibration", "Deciles of predicted probability against the observed default rate.")}
${panel("distribution", "Score distributions", "Calibrated probability of default by actual outcome.")}
</div>
${panel("profit", "Profit curve", "Total out-of-fold profit as each threshold moves with the other fixed; dashed lines mark the chosen thresholds.")}
<div class="grid">
${panel("importance", "Top 30 features", "Mean absolute TreeSHAP contribution over the training rows, in calibrated log-odds.", 720)}
${
  data.factorImportance
    ? panel(
        "factor-importance",
        "Reason-code factors",
        `Mean absolute summed contribution of each factor's inputs (the adverse-action reasons, reason-code table ${escapeHtml(card.reason_codes?.version ?? "")}); age-based factors marked: ${escapeHtml(
          data.factorImportance
            .filter((f) => f.age_based)
            .map((f) => f.code)
            .join(", ") || "none",
        )}.`,
        720,
      )
    : ""
}
</div>
<div class="grid">
<section>${fairnessTable("By sex (CODE_GENDER, not a model input)", data.fairness.byGender)}</section>
<section>${fairnessTable("By age band", data.fairness.byAge)}</section>
</div>
<div class="grid">
${panel("fairness-gender", "Fairness by sex", "AUC, approval rate and calibration per group.")}
${panel("fairness-age", "Fairness by age band", "AUC, approval rate and calibration per group.")}
</div>
${card.validation ? validationSections(card as ModelCard & ValidatorSections) : ""}
<script id="report-data" type="application/json">${JSON.stringify(data).replaceAll("<", "\\u003c")}</script>
<script>${chartJsSource()}</script>
<script>${RENDER_SCRIPT}</script>
</body></html>
`;
}
