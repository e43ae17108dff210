import type { Booster } from "../xgboost/booster.ts";
import type { XGBoostJsonTree } from "../xgboost/ensemble-from-json.ts";
import { type AgeRule, elderlyCap, type RuleTree, treeKind } from "./age-rule.ts";

type JsonTree = XGBoostJsonTree;

type JsonModel = { learner: { gradient_booster: { model: { trees: JsonTree[] } } } };

function ruleTree(t: JsonTree): RuleTree {
  return {
    left: t.left_children,
    right: t.right_children,
    feature: t.split_indices,
    missingLeft: t.default_left,
    // XGBoost prints its float32 numbers shortest-round-trip: fround recovers the stored values (the ones
    // the ONNX graph and TreeSHAP use; the printed decimal itself is not).
    cover: t.sum_hessian.map(Math.fround),
    value: t.split_conditions.map(Math.fround),
  };
}

export interface CappingStats {
  /** Trees that split on age-derived inputs (only: a mixed tree is an error). */
  ageTrees: number;
  /** Of those, trees whose elderly-reachable leaves were capped. */
  cappedTrees: number;
}

/**
 * Applies the age rule (age-rule.ts) while a booster trains: after each round, the new tree is read; an age
 * tree that would push an elderly applicant's risk up gets its elderly-reachable leaves capped in the
 * booster itself, before the next round fits the residuals.
 */
export class AgeCapper {
  readonly stats: CappingStats = { ageTrees: 0, cappedTrees: 0 };

  constructor(private readonly rule: AgeRule) {}

  afterRound(booster: Booster, round: number): void {
    const single = booster.sliceRange(round, round + 1);
    let tree: JsonTree;
    try {
      tree = (JSON.parse(single.toJson()) as JsonModel).learner.gradient_booster.model.trees[0]!;
    } finally {
      single.dispose();
    }
    const rt = ruleTree(tree);
    const kind = treeKind(rt, this.rule);
    if (kind === "mixed")
      throw new Error(`round ${round}: a tree mixes age-derived and other inputs despite the constraints`);
    if (kind === "other") return;
    this.stats.ageTrees++;
    const cap = elderlyCap(rt);
    if (cap === null) return;
    this.stats.cappedTrees++;
    booster.loadJson(withLeaves(booster.toJson(), round, cap.nodes, cap.value));
  }
}

/** A float as XGBoost's JSON reader takes it: with a fraction or exponent (it refuses "0" for a float). */
const floatLiteral = (v: number) => {
  const text = String(v);
  return /[.eE]/.test(text) ? text : `${text}.0`;
};

/**
 * The model JSON with tree `index`'s leaves `nodes` set to `value` (split_conditions and base_weights),
 * edited in the text: a parse and re-serialise would turn XGBoost's floats like 1.0 into integers.
 */
export function withLeaves(json: string, index: number, nodes: readonly number[], value: number): string {
  const treesAt = json.indexOf('"trees":[');
  if (treesAt < 0) throw new Error("XGBoost model JSON has no trees");
  // The index-th object of the trees array (tree objects hold no strings with brackets).
  let depth = 0;
  let count = -1;
  let start = -1;
  let end = -1;
  for (let i = treesAt + '"trees":['.length; i < json.length; i++) {
    const ch = json[i];
    if (ch === "{" || ch === "[") {
      if (depth === 0 && ch === "{" && ++count === index) start = i;
      depth++;
    } else if (ch === "}" || ch === "]") {
      if (depth === 0) break;
      depth--;
      if (depth === 0 && start >= 0) {
        end = i + 1;
        break;
      }
    }
  }
  if (start < 0 || end < 0) throw new Error(`XGBoost model JSON has no tree ${index}`);
  let tree = json.slice(start, end);
  for (const field of ["split_conditions", "base_weights"]) {
    const key = `"${field}":[`;
    const from = tree.indexOf(key) + key.length;
    const to = tree.indexOf("]", from);
    if (from < key.length || to < 0) throw new Error(`tree ${index} has no ${field}`);
    const values = tree.slice(from, to).split(",");
    for (const node of nodes) {
      if (node >= values.length) throw new Error(`tree ${index} has no node ${node}`);
      values[node] = floatLiteral(value);
    }
    tree = tree.slice(0, from) + values.join(",") + tree.slice(to);
  }
  return json.slice(0, start) + tree + json.slice(end);
}
