import type { ValidatorSections } from "../card/sections.ts";
import type { Estimate } from "../evaluation/bootstrap.ts";
import type { SegmentResult } from "../evaluation/held-out.ts";
import type { AdverseImpact } from "../fair-lending/adverse-impact.ts";
import type { GroupingResult } from "../fair-lending/fairness-analysis.ts";

/** The model card's validator sections as HTML for report.html (tables; two charts drawn by the page). */

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : "n/a");
const money = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString("en-US") : "n/a");
const num = (v: number | null | undefined, digits = 4) =>
  v === null || v === undefined || !Number.isFinite(v) ? "n/a" : v.toFixed(digits);
const est = (e: Estimate | null, digits = 4) =>
  e ? `${num(e.value, digits)} <small>[${num(e.lower, digits)}, ${num(e.upper, digits)}]</small>` : "n/a";
const list = (items: readonly string[]) =>
  `<ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join("")}</ul>`;

function table(caption: string, head: string[], rows: string[][]): string {
  return `<table><caption>${escapeHtml(caption)}</caption><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`)
    .join("")}</table>`;
}

function segments(caption: string, results: SegmentResult[]): string {
  return table(
    caption,
    ["segment", "clients", "defaults", "AUC [95%]", "mean predicted", "observed"],
    results.map((s) => [
      escapeHtml(s.segment),
      String(s.count),
      String(s.defaults),
      est(s.auc, 3),
      pct(s.mean_predicted),
      pct(s.observed_default_rate),
    ]),
  );
}

function adverse(caption: string, grouping: GroupingResult): string {
  const row = (a: AdverseImpact) => [
    escapeHtml(a.group),
    String(a.count),
    pct(a.approval_rate),
    `${num(a.ratio, 3)} <small>[${num(a.lower, 3)}, ${num(a.upper, 3)}]</small>`,
    a.flagged ? "<strong>below 0.8</strong>" : "",
  ];
  const slices = new Map(grouping.slices.map((s) => [s.group, s]));
  return table(
    `${caption} (${grouping.attribute})`,
    [
      "group",
      "clients",
      "approved",
      "adverse-impact ratio [95%]",
      "flag",
      "AUC",
      "mean predicted",
      "observed",
    ],
    grouping.adverse_impact.map((a) => {
      const s = slices.get(a.group);
      return [
        ...row(a),
        s?.auc === null || s?.auc === undefined ? "n/a" : s.auc.toFixed(3),
        pct(s?.mean_predicted ?? Number.NaN),
        pct(s?.observed_default_rate ?? Number.NaN),
      ];
    }),
  );
}

export function validationSections(card: ValidatorSections): string {
  const v = card.validation;
  const t = v.untouched_test;
  const m = t.metrics;
  const cv = v.cross_validation;
  const parts: string[] = [];

  parts.push(`<section id="intended-use"><h2>Intended use, scope and limitations</h2><p>${escapeHtml(card.intended_use.purpose)}</p>
<p><strong>Users:</strong> ${escapeHtml(card.intended_use.users)}</p>
<h3>In scope</h3>${list(card.intended_use.scope)}<h3>Out of scope</h3>${list(card.intended_use.out_of_scope)}<h3>Limitations</h3>${list(card.intended_use.limitations)}</section>`);

  parts.push(`<section id="target"><h2>Target and population</h2><p>${escapeHtml(card.target.definition)}</p><p>${escapeHtml(card.target.population)}</p>
${table(
  `Coverage of the training data (${card.target.training_rows} clients)`,
  ["table", "rows of training clients", "clients with rows", "share"],
  card.target.coverage.map((c) => [escapeHtml(c.table), money(c.rows), money(c.clients), pct(c.share)]),
)}</section>`);

  parts.push(`<section id="untouched-test"><h2>Untouched test part</h2>
<p>${t.rows} clients (${t.positives} defaults), a stratified ${pct(t.fraction)} split off with seed ${t.seed} before anything was fitted or chosen; ${escapeHtml(t.model)}. 95% bootstrap intervals (${escapeHtml("resampling within the classes")}).</p>
${table(
  "Untouched test results",
  ["", "as served", "history masked (new applicants)"],
  [
    ["AUC", est(m.auc), est(t.metrics_history_masked.auc)],
    ["Gini", est(m.gini), est(t.metrics_history_masked.gini)],
    ["KS", est(m.ks), est(t.metrics_history_masked.ks)],
    ["Brier score", est(m.brier), est(t.metrics_history_masked.brier)],
    ["ECE", est(m.ece), est(t.metrics_history_masked.ece)],
    ["log loss", num(m.log_loss), num(t.metrics_history_masked.log_loss)],
  ],
)}
<p>Clients without any history source: ${t.zero_history.count} (${t.zero_history.defaults} defaults), AUC ${est(t.zero_history.auc, 3)}. Cox recalibration test: slope ${num(t.recalibration_test.slope, 3)}, intercept ${num(t.recalibration_test.intercept, 3)}, p = ${num(t.recalibration_test.p_value, 3)}${t.recalibration_test.drifts ? " (miscalibrated)" : " (calibrated)"}.</p>
${table(
  "Observed against predicted by decile (untouched part)",
  ["decile", "clients", "mean predicted", "observed"],
  m.deciles.map((d, i) => [String(i + 1), String(d.count), pct(d.meanPredicted), pct(d.observedRate)]),
)}
<div class="grid"><section><h3>ROC, untouched part</h3><div style="height:300px"><canvas id="roc-untouched" data-chart></canvas></div></section>
<section><h3>Calibration, untouched part</h3><div style="height:300px"><canvas id="calibration-untouched" data-chart></canvas></div></section></div>
</section>`);

  parts.push(`<section id="cross-validation"><h2>Cross-validation of the development part</h2>
${table(
  `${cv.rows} development rows`,
  ["", "value"],
  [
    [
      "CV AUC, mean of folds (per seed)",
      `${num(cv.cv_auc.mean)} (${cv.cv_auc.per_seed.map((x) => num(x)).join(" / ")})`,
    ],
    ["CV AUC pooled, DeLong 95%", est(cv.cv_auc_pooled)],
    ["CV AUC history masked pooled, DeLong 95%", est(cv.cv_auc_no_history_pooled)],
    [
      `clients without any history source (${cv.zero_history.rows}, ${cv.zero_history.defaults} defaults): AUC no-history ensemble / main ensemble`,
      `${num(cv.zero_history.auc, 3)} / ${num(cv.zero_history.auc_main_ensemble, 3)}`,
    ],
  ],
)}
<h3>Tuning protocol</h3>${list(v.tuning_protocol)}
<h3>Served model</h3><p>${v.served_model.refit_on_all_rows ? `Refit on all ${v.served_model.rows} labelled rows` : `The model trained on the ${v.served_model.rows} development rows`} with the same configuration: ${v.served_model.trees.main} trees (main) and ${v.served_model.trees.no_history} (no history), by the rule: ${escapeHtml(v.served_model.tree_count_rule)}.</p>
${table(
  "Served calibration: the CV calibration checked on fold models trained as served",
  [
    "ensemble",
    "CV calibration (slope, intercept)",
    "ECE / Brier with it",
    "Cox test p",
    "refit calibration",
    "ECE / Brier with it (cross-fitted)",
    "served",
  ],
  (["main", "no_history"] as const).map((k) => {
    const c = v.calibration[k];
    return [
      k === "main" ? "main" : "no history",
      `${num(c.cv_calibration.slope, 3)}, ${num(c.cv_calibration.intercept, 3)}`,
      `${num(c.with_cv_calibration.ece)} / ${num(c.with_cv_calibration.brier)}`,
      num(c.with_cv_calibration.test.p_value, 3),
      `${num(c.refit_calibration.slope, 3)}, ${num(c.refit_calibration.intercept, 3)}`,
      `${num(c.with_refit_calibration.ece)} / ${num(c.with_refit_calibration.brier)}`,
      c.served === "refit_calibration" ? "refit (drift)" : "CV (no drift)",
    ];
  }),
)}
${table(
  "Served-like fold models: observed against predicted by decile, main ensemble",
  ["decile", "with CV calibration: predicted", "observed", "with refit calibration: predicted", "observed"],
  v.calibration.main.with_cv_calibration.deciles.map((d, i) => {
    const r = v.calibration.main.with_refit_calibration.deciles[i];
    return [
      String(i + 1),
      pct(d.meanPredicted),
      pct(d.observedRate),
      pct(r?.meanPredicted ?? Number.NaN),
      pct(r?.observedRate ?? Number.NaN),
    ];
  }),
)}
</section>`);

  const s = card.segments;
  parts.push(`<section id="segments"><h2>Segments (${escapeHtml(s.sample)})</h2><div class="grid">
<section>${segments("By contract type", s.contract_type)}</section><section>${segments("By income type", s.income_type)}</section></div>
${segments("By history", s.history)}</section>`);

  const b = card.benchmark;
  parts.push(`<section id="benchmark"><h2>Benchmark: ${escapeHtml(b.model)}</h2><p>${escapeHtml(b.library)}; the same development folds, Platt calibration on its out-of-fold margins, the same untouched part.</p>
${table(
  "Benchmark against the served GBDT",
  ["", "scorecard", "GBDT"],
  [
    ["CV AUC (mean of folds)", num(b.cv_auc), num(cv.cv_auc.mean)],
    ["CV AUC pooled, DeLong 95%", est(b.cv_auc_pooled), est(cv.cv_auc_pooled)],
    ["untouched AUC [95%]", est(b.untouched_test.auc), est(b.gbdt_untouched_auc)],
    [
      "untouched Brier / ECE",
      `${num(b.untouched_test.brier.value)} / ${num(b.untouched_test.ece.value)}`,
      `${num(m.brier.value)} / ${num(m.ece.value)}`,
    ],
  ],
)}</section>`);

  const r = card.routing;
  parts.push(`<section id="routing"><h2>Routing between the two ensembles</h2><p>${escapeHtml(r.rule)}.</p>
<p>Training clients: ${r.main_ensemble} (${pct(r.share_main)}) to the main ensemble, ${r.no_history_ensemble} (${pct(r.share_no_history)}) to the no-history ensemble.</p></section>`);

  const f = card.fair_lending;
  const age = f.age_rule;
  const proxy =
    "candidates" in f.proxy_review
      ? `<p>${escapeHtml(f.proxy_review.rule)}</p>${table(
          "Proxy review (development part)",
          [
            "input",
            "stands in for",
            "training rows",
            "CV AUC with / without",
            "lowest ratio with / without",
            "decision",
            "why",
          ],
          f.proxy_review.candidates.map((c) => [
            `${escapeHtml(c.input)}${c.value ? ` = "${escapeHtml(c.value)}"` : ""}`,
            escapeHtml(c.stands_in_for),
            String(c.training_rows),
            c.auc_with === undefined ? "n/a" : `${num(c.auc_with)} / ${num(c.auc_without)}`,
            c.lowest_ratio_with === undefined
              ? "n/a"
              : `${num(c.lowest_ratio_with, 3)} / ${num(c.lowest_ratio_without, 3)}`,
            `${c.decision}${c.applied ? "" : " (not applied yet)"}`,
            escapeHtml(c.reason),
          ]),
        )}`
      : `<p>${escapeHtml(f.proxy_review.skipped)}</p>`;
  parts.push(`<section id="fair-lending"><h2>Fair lending</h2>
<h3>Applicants aged ${age.elderly_threshold_years} or over</h3><p>${escapeHtml(age.regulation)}. Rule: ${escapeHtml(age.rule)}.</p>${list(age.enforcement)}
<p>Age-derived inputs: ${age.age_based_inputs.map((n) => `<code>${escapeHtml(n)}</code>`).join(", ")}. Served trees: ${age.served_trees.main.ageTrees} age trees in the main ensemble${age.served_trees.no_history ? `, ${age.served_trees.no_history.ageTrees} in the no-history one` : ""}, ${age.served_trees.main.violations + (age.served_trees.no_history?.violations ?? 0)} violations, ${age.served_trees.main.mixedTrees + (age.served_trees.no_history?.mixedTrees ?? 0)} mixed trees. Largest summed age contribution over the ${age.training_elderly_rows} training applicants aged ${age.elderly_threshold_years}+: ${num(age.max_age_contribution_elderly, 6)} (log-odds).</p>
<p>${escapeHtml(f.approval)}.</p>${list(f.findings)}
<div class="grid"><section>${adverse("Untouched part: by sex", f.untouched_test.sex)}</section><section>${adverse("Untouched part: by marital status", f.untouched_test.marital_status)}</section></div>
${adverse("Untouched part: by age band", f.untouched_test.age_band)}
<div class="grid"><section>${adverse("Development out of fold: by sex", f.development_out_of_fold.sex)}</section><section>${adverse("Development out of fold: by marital status", f.development_out_of_fold.marital_status)}</section></div>
${adverse("Development out of fold: by age band", f.development_out_of_fold.age_band)}
${proxy}</section>`);

  const p = card.policy_evaluation;
  const na = p.no_history_segment.new_applicants;
  const zh = p.no_history_segment.zero_history_clients;
  parts.push(`<section id="profit"><h2>Profit and policy</h2>
${table(
  "Profit of the policy",
  ["", "profit"],
  [
    ["cross-fitted (thresholds chosen on other folds): the honest figure", money(p.profit_cross_fitted)],
    ["in-sample (thresholds chosen and scored on the same out-of-fold rows)", money(p.profit_in_sample)],
    ["untouched part, served thresholds", money(p.profit_untouched_test)],
  ],
)}
${table(
  "The no-history ensemble's clients",
  [
    "segment",
    "clients",
    "approve / review / decline (shared thresholds)",
    "profit (shared)",
    "own thresholds",
    "cross-fitted profit shared / own",
  ],
  [
    [
      "new applicants (every development row, history blanked)",
      String(na.rows),
      `${pct(na.shared.approval_rate)} / ${pct(na.shared.review_rate)} / ${pct(na.shared.decline_rate)}`,
      money(na.shared.profit),
      na.own_thresholds
        ? `${num(na.own_thresholds.approve_below)} / ${num(na.own_thresholds.decline_from)}`
        : "n/a",
      `${money(na.profit_cross_fitted_shared ?? Number.NaN)} / ${money(na.profit_cross_fitted_own ?? Number.NaN)}`,
    ],
    [
      "clients without any history source",
      String(zh.rows),
      `${pct(zh.shared.approval_rate)} / ${pct(zh.shared.review_rate)} / ${pct(zh.shared.decline_rate)}`,
      money(zh.shared.profit),
      "too few to tune",
      "",
    ],
  ],
)}<p>${escapeHtml(na.decision ?? "")}.</p>
${table(
  "Cost sensitivity (development out of fold)",
  [
    "parameter",
    "value",
    "approve below",
    "decline from",
    "approve / review / decline",
    "profit in-sample",
    "cross-fitted",
    "served thresholds",
    "approve all",
  ],
  card.cost_sensitivity.rows.map((c) => [
    escapeHtml(c.parameter),
    String(c.value),
    num(c.approve_below),
    num(c.decline_from),
    `${pct(c.approval_rate)} / ${pct(c.review_rate)} / ${pct(c.decline_rate)}`,
    money(c.profit_in_sample),
    money(c.profit_cross_fitted),
    money(c.profit_served_thresholds),
    money(c.approve_all_profit),
  ]),
)}<p>${escapeHtml(card.cost_sensitivity.description)}.</p></section>`);

  parts.push(
    `<section id="monitoring"><h2>Monitoring triggers</h2>${list(card.monitoring.description)}</section>`,
  );
  return parts.join("\n");
}

/** Chart.js code for the two untouched-part charts (appended to the report's render script). */
export const VALIDATION_CHARTS = `
chart("roc-untouched", { type: "scatter", data: { datasets: [
  line("untouched part", xy(data.rocUntouched), "#1f77b4"),
  line("chance", [{ x: 0, y: 0 }, { x: 1, y: 1 }], "#999", { borderDash: [4, 4] }),
] }, options: { scales: axes("false positive rate", "true positive rate", { x: { min: 0, max: 1 }, y: { min: 0, max: 1 } }) } });
const calUMax = Math.max(...data.calibrationUntouched.map((b) => Math.max(b.meanPredicted, b.observedRate))) * 1.1;
chart("calibration-untouched", { type: "scatter", data: { datasets: [
  line("observed default rate", data.calibrationUntouched.map((b) => ({ x: b.meanPredicted, y: b.observedRate })), "#d62728", { pointRadius: 4 }),
  line("perfect calibration", [{ x: 0, y: 0 }, { x: calUMax, y: calUMax }], "#999", { borderDash: [4, 4] }),
] }, options: { scales: axes("mean predicted probability (decile)", "observed default rate", { x: { min: 0, max: calUMax }, y: { min: 0, max: calUMax } }) } });
`;
