import { chartJsSource } from "../model/report/render-report.ts";
import type { MonitorDetail, MonitorReport } from "./monitor.ts";

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** The charts, drawn from the embedded data; each registers itself for the page test (as report.html). */
const RENDER_SCRIPT = `
const { report, detail } = JSON.parse(document.getElementById("monitor-data").textContent);
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
window.renderedCharts = [];
function chart(id, config) {
  const el = document.getElementById(id);
  if (!el) return;
  new Chart(el, config);
  window.renderedCharts.push(id);
}
const moderate = report.triggers.psi_moderate, significant = report.triggers.psi_significant;
const binLabels = (edges) => [...edges.map((e, i) => (i === 0 ? "< " : "< ") + e), ">= " + (edges.at(-1) ?? "")];
chart("score", { type: "bar", data: { labels: binLabels(detail.score_bins.edges), datasets: [
  { label: "training baseline", data: detail.score_bins.expected, backgroundColor: "rgba(31,119,180,0.6)" },
  { label: "decisions", data: detail.score_bins.actual, backgroundColor: "rgba(255,127,14,0.6)" },
] }, options: { scales: { x: { title: { display: true, text: "probability of default (baseline deciles)" } }, y: { title: { display: true, text: "share" } } } } });
const topFeatures = report.features.slice(0, 30);
chart("csi", { type: "bar", data: { labels: topFeatures.map((f) => f.name), datasets: [
  { label: "PSI (CSI)", data: topFeatures.map((f) => f.psi), backgroundColor: topFeatures.map((f) => f.psi >= significant ? "#d62728" : f.psi >= moderate ? "#ff7f0e" : "#2ca02c") },
] }, options: { indexAxis: "y", scales: { x: { title: { display: true, text: "PSI; flagged at " + moderate + " and " + significant } } } } });
const days = report.rates.by_day;
chart("rates", { type: "line", data: { labels: days.map((d) => d.day), datasets: [
  { label: "approve", data: days.map((d) => d.approve), borderColor: "#2ca02c", backgroundColor: "#2ca02c" },
  { label: "review", data: days.map((d) => d.review), borderColor: "#ff7f0e", backgroundColor: "#ff7f0e" },
  { label: "decline", data: days.map((d) => d.decline), borderColor: "#d62728", backgroundColor: "#d62728" },
] }, options: { scales: { y: { min: 0, max: 1, title: { display: true, text: "share of decisions" } } } } });
chart("history", { type: "line", data: { labels: days.map((d) => d.day), datasets: [
  { label: "clients without history", data: days.map((d) => d.without_history), borderColor: "#9467bd", backgroundColor: "#9467bd" },
] }, options: { scales: { y: { min: 0, max: 1 } } } });
if (report.backtest && report.backtest.months.length) {
  const months = report.backtest.months;
  chart("backtest", { type: "line", data: { labels: months.map((m) => m.month), datasets: [
    { label: "AUC", data: months.map((m) => m.auc), borderColor: "#1f77b4", backgroundColor: "#1f77b4" },
    { label: "ECE", data: months.map((m) => m.ece), borderColor: "#d62728", backgroundColor: "#d62728" },
  ] }, options: { scales: { y: { min: 0, max: 1 } } } });
  chart("deciles", { type: "scatter", data: { datasets: months.map((m, i) => ({
    label: m.month, showLine: true, data: m.deciles.map((d) => ({ x: d.mean_predicted, y: d.observed_rate })),
    borderColor: "hsl(" + (i * 67) % 360 + ",60%,45%)", backgroundColor: "hsl(" + (i * 67) % 360 + ",60%,45%)",
  })) }, options: { scales: { x: { type: "linear", title: { display: true, text: "mean predicted (decile)" } }, y: { title: { display: true, text: "observed default rate" } } } } });
}
if (report.challenger.length) {
  chart("challenger", { type: "bar", data: { labels: report.challenger.map((c) => c.challenger_model_version), datasets: [
    { label: "agreement rate", data: report.challenger.map((c) => c.agreement_rate), backgroundColor: "#17becf" },
    { label: "approved by champion, declined by challenger (share)", data: report.challenger.map((c) => c.swap_set.approved_by_champion_declined_by_challenger / Math.max(c.decisions, 1)), backgroundColor: "#d62728" },
    { label: "declined by champion, approved by challenger (share)", data: report.challenger.map((c) => c.swap_set.declined_by_champion_approved_by_challenger / Math.max(c.decisions, 1)), backgroundColor: "#2ca02c" },
  ] }, options: { scales: { y: { min: 0, max: 1 } } } });
}
document.body.dataset.rendered = String(window.renderedCharts.length);
`;

/** A self-contained page (Chart.js inlined, no network): drift, rates, back-testing, the challenger. */
export function renderMonitor(report: MonitorReport, detail: MonitorDetail): string {
  const panel = (id: string, title: string, note: string, height = 320) =>
    `<section><h2>${title}</h2><p>${note}</p><div style="height:${height}px"><canvas id="${id}" data-chart></canvas></div></section>`;
  const list = (items: string[]) => (items.length ? items.map(escapeHtml).join(", ") : "none");
  const backtest = report.backtest?.months.length
    ? `<div class="grid">${panel("backtest", "Back-testing by month", `AUC and expected calibration error on ${report.backtest.decisions_with_outcomes} decisions with realised outcomes${report.backtest.auc_floor === null ? "" : `; an AUC below ${report.backtest.auc_floor.toFixed(4)} (the model card's untouched-test interval) is flagged`}.`)}${panel("deciles", "Observed vs predicted by decile", "Per month: mean predicted probability of each decile against its observed default rate.")}</div>`
    : "<p>No outcomes loaded (<code>credit-edge outcomes load --input FILE.csv</code>): no back-testing.</p>";
  const challenger = report.challenger.length
    ? `${panel("challenger", "Champion and challenger", "On the same decisions: how often they agree, and the swap set.")}<table><tr><th>challenger</th><th>decisions</th><th>agreement</th><th>swap set (approve→decline / decline→approve)</th><th>AUC champion / challenger</th></tr>${report.challenger
        .map(
          (c) =>
            `<tr><td>${escapeHtml(c.challenger_model_version)}</td><td>${c.decisions}</td><td>${pct(c.agreement_rate)}</td><td>${c.swap_set.approved_by_champion_declined_by_challenger} / ${c.swap_set.declined_by_champion_approved_by_challenger}</td><td>${c.champion_auc?.toFixed(4) ?? "n/a"} / ${c.challenger_auc?.toFixed(4) ?? "n/a"} (${c.with_outcomes} with outcomes)</td></tr>`,
        )
        .join("")}</table>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>credit-edge monitor ${escapeHtml(report.generated_at)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
section{margin:2rem 0}h2{font-size:1.1rem;margin-bottom:.3rem}p{margin:.2rem 0 .6rem;color:#555}
table{border-collapse:collapse;margin:.6rem 0}td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:right}th{background:#f5f5f5}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:1.5rem}.alert{color:#b00;font-weight:600}
</style></head><body>
<h1>credit-edge monitoring</h1>
<p>${report.decisions} decisions ${report.window.since ? `from ${escapeHtml(report.window.since)} ` : ""}${report.window.until ? `until ${escapeHtml(report.window.until)} ` : ""}· model <code>${escapeHtml(report.model_version ?? "none")}</code> (${report.model_decisions} decisions) · generated ${escapeHtml(report.generated_at)}</p>
<table><tr><th>score PSI</th><td>${report.score_psi.toFixed(4)} (${report.score_flag})</td><th>approve / review / decline</th><td>${pct(report.rates.approve)} / ${pct(report.rates.review)} / ${pct(report.rates.decline)}</td></tr>
<tr><th>flags (PSI ≥ ${report.triggers.psi_significant})</th><td class="${report.flags.length ? "alert" : ""}">${list(report.flags)}</td><th>moderate (≥ ${report.triggers.psi_moderate})</th><td>${list(report.moderate)}</td></tr>
<tr><th>clients without history</th><td>${pct(report.without_history.share)}</td><th>alerts</th><td class="${report.alerts.length ? "alert" : ""}">${list(report.alerts)}</td></tr></table>
${report.warnings.length ? `<p>${report.warnings.map(escapeHtml).join("<br>")}</p>` : ""}
<div class="grid">
${panel("score", "Score distribution", "Share of decisions per decile of the training baseline's probabilities.")}
${panel("csi", "Input stability (CSI), top 30", "PSI of each model input against its training baseline (missing values are their own bin).", 640)}
</div>
<div class="grid">
${panel("rates", "Decisions over time", "Approve, review and decline rates per day.")}
${panel("history", "Clients without history", "Share of each day's decisions scored by the application-only model.")}
</div>
${backtest}
${challenger}
<script id="monitor-data" type="application/json">${JSON.stringify({ report, detail }).replaceAll("<", "\\u003c")}</script>
<script>${chartJsSource()}</script>
<script>${RENDER_SCRIPT}</script>
</body></html>
`;
}
