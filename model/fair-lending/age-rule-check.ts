import { hasHistory, routingInput } from "../../scoring/history-routing.ts";
import type { TreeEnsemble } from "../../scoring/tree-ensemble.ts";
import { TreeExplainer } from "../../scoring/treeshap.ts";
import type { TrainingSet } from "../training/dataset.ts";
import { type AgeRuleCheck, ageRuleFor, checkAgeRule, ELDERLY_AGE_YEARS, type RuleTree } from "./age-rule.ts";

/** The ensemble's trees as the rule reads them (the ONNX/TreeSHAP form: `yes` is the left child). */
export function ruleTrees(ensemble: TreeEnsemble): RuleTree[] {
  return ensemble.trees.map((t) => ({
    left: t.yes,
    right: t.no,
    feature: t.feature,
    missingLeft: t.missingYes,
    cover: t.cover,
    value: t.value,
  }));
}

/** Summed age-derived TreeSHAP contributions (raw margin scale) of one row. */
export function ageContribution(
  explainer: TreeExplainer,
  row: ArrayLike<number>,
  ageInputs: readonly number[],
): number {
  const { contributions } = explainer.explain(row);
  return ageInputs.reduce((s, i) => s + contributions[i]!, 0);
}

/**
 * The age rule verified on the exported trees (structure) and on every training applicant aged 62 or
 * over (TreeSHAP, as served and with history blanked). Throws when it does not hold: a model that breaks
 * it is never published.
 */
export function verifyAgeRule(set: TrainingSet, main: TreeEnsemble, noHistory?: TreeEnsemble) {
  const rule = ageRuleFor(set.features);
  const trees: { main: AgeRuleCheck; no_history?: AgeRuleCheck } = {
    main: checkAgeRule(ruleTrees(main), rule),
  };
  if (noHistory) trees.no_history = checkAgeRule(ruleTrees(noHistory), rule);
  for (const [name, check] of Object.entries(trees))
    if (check.mixedTrees > 0 || check.violations > 0)
      throw new Error(`the ${name} ensemble breaks the age rule: ${JSON.stringify(check)}`);
  const mainExplainer = new TreeExplainer(main);
  const otherExplainer = noHistory ? new TreeExplainer(noHistory) : mainExplainer;
  const column = routingInput(set.features.map((f) => f.name));
  const width = set.features.length;
  const blanked = new Float32Array(width);
  let elderlyRows = 0;
  let maxContribution = Number.NEGATIVE_INFINITY;
  for (let r = 0; r < set.rows; r++) {
    if (!(set.ageYears[r]! >= ELDERLY_AGE_YEARS)) continue;
    elderlyRows++;
    const row = set.X.subarray(r * width, (r + 1) * width);
    const explainer = hasHistory(row, column) ? mainExplainer : otherExplainer;
    blanked.set(row);
    for (const h of set.historyInputs) blanked[h] = Number.NaN;
    maxContribution = Math.max(
      maxContribution,
      ageContribution(explainer, row, rule.ageInputs),
      ageContribution(otherExplainer, blanked, rule.ageInputs),
    );
  }
  if (maxContribution > 1e-12)
    throw new Error(
      `an applicant aged ${ELDERLY_AGE_YEARS}+ gets a positive age contribution: ${maxContribution}`,
    );
  return { names: rule.names, trees, elderlyRows, maxContribution };
}
