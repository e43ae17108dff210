import { ELDERLY_AGE_YEARS, ELDERLY_DAYS_BIRTH } from "../../features/application/elderly.ts";
import { ageBasedInputs, type FactorInput } from "../../features/reason-codes.ts";

export { ELDERLY_AGE_YEARS, ELDERLY_DAYS_BIRTH };

/**
 * Regulation B, 12 CFR 1002.6(b)(2): an applicant aged 62 or over may not be assigned a negative factor for
 * age. Here: for every such applicant, the summed TreeSHAP contribution of the age-derived inputs (the
 * reason-code table's age-based factor) is at most 0, i.e. never pushes the risk up.
 *
 * How it is enforced, keeping exact TreeSHAP and ONNX/booster parity (the served trees are the rule):
 * 1. The application features withhold an elderly applicant's age-derived inputs (all missing, and nobody
 *    else's ever are: features/application/elderly.ts).
 * 2. XGBoost's interaction constraints keep the age-derived inputs and the other inputs in separate trees,
 *    so a tree is either an "age tree" (splits on age-derived inputs only) or gives them nothing. By
 *    TreeSHAP's efficiency within one tree, an age tree's contributions sum to its leaf value minus its
 *    cover-weighted mean (the tree's expected value), and they all go to age-derived inputs.
 * 3. In an age tree an elderly applicant follows the missing-value direction at every split: one leaf,
 *    the "elderly leaf". After each boosting round, a new age tree whose elderly leaf is above the tree's
 *    expected value gets that leaf lowered to the point where it equals it (a fixed point: lowering the
 *    leaf lowers the mean too). Later rounds fit the residuals of the capped model.
 * So each age tree, hence their sum, contributes at most 0 for any elderly applicant.
 */
export interface AgeRule {
  /** Input columns of the age-derived inputs. */
  readonly ageInputs: readonly number[];
  readonly names: readonly string[];
}

export function ageRuleFor(inputs: readonly FactorInput[]): AgeRule {
  const names = ageBasedInputs(inputs);
  if (names.length === 0) throw new Error("the age rule needs the age-based inputs among the model inputs");
  const index = new Map(inputs.map((f, i) => [f.name, i]));
  return { ageInputs: names.map((n) => index.get(n)!), names };
}

/** XGBoost's `interaction_constraints`: the age-derived inputs in one set, every other input in the other. */
export function interactionConstraints(rule: AgeRule, width: number): string {
  const age = new Set(rule.ageInputs);
  const others = Array.from({ length: width }, (_, i) => i).filter((i) => !age.has(i));
  return JSON.stringify([[...rule.ageInputs], others]);
}

/** The parts of a tree the rule reads: XGBoost's JSON arrays or the ONNX reader's. */
export interface RuleTree {
  /** Child ids; -1 at a leaf. */
  readonly left: ArrayLike<number>;
  readonly right: ArrayLike<number>;
  /** Split feature (ignored at leaves). */
  readonly feature: ArrayLike<number>;
  /** 1 (or true) when a missing value goes left. */
  readonly missingLeft: ArrayLike<number | boolean>;
  readonly cover: ArrayLike<number>;
  /** Leaf values (read at leaves only). */
  readonly value: ArrayLike<number>;
}

export type TreeKind = "age" | "other" | "mixed";

export function treeKind(tree: RuleTree, rule: AgeRule): TreeKind {
  const age = new Set(rule.ageInputs);
  let ages = 0;
  let others = 0;
  for (let n = 0; n < tree.left.length; n++) {
    if (tree.left[n]! < 0) continue;
    if (age.has(tree.feature[n]!)) ages++;
    else others++;
  }
  if (ages === 0) return "other";
  return others === 0 ? "age" : "mixed";
}

/** The elderly leaf (every age-derived input missing) and its share of the tree's cover along the way. */
export function elderlyLeaf(tree: RuleTree): { node: number; weight: number } {
  let node = 0;
  let weight = 1;
  while (tree.left[node]! >= 0) {
    const next = Number(tree.missingLeft[node]) ? tree.left[node]! : tree.right[node]!;
    weight *= tree.cover[next]! / tree.cover[node]!;
    node = next;
  }
  return { node, weight };
}

/** The tree's expected value as TreeSHAP computes it (cover-weighted, recursively). */
export function expectedValue(tree: RuleTree, node = 0): number {
  const left = tree.left[node]!;
  if (left < 0) return tree.value[node]!;
  const right = tree.right[node]!;
  return (
    (expectedValue(tree, left) * tree.cover[left]! + expectedValue(tree, right) * tree.cover[right]!) /
    tree.cover[node]!
  );
}

/** What an age tree gives an elderly applicant above its expected value (the rule wants ≤ 0). */
export function elderlyExcess(tree: RuleTree): number {
  return tree.value[elderlyLeaf(tree).node]! - expectedValue(tree);
}

/** What the rule does to one age tree: set these leaves to this value. */
export interface LeafCap {
  readonly nodes: readonly number[];
  readonly value: number;
}

const nextDown32 = (v: number): number => {
  if (v === 0) return -1.401298464324817e-45;
  const f = new Float32Array([v]);
  const bits = new Int32Array(f.buffer);
  bits[0]! += v > 0 ? -1 : 1;
  return f[0]!;
};

/**
 * The cap for an age tree: the elderly leaf lowered to c = E(c), the tree's expected value with that leaf
 * at c, i.e. c = (E - w v) / (1 - w) for a leaf of value v and cover share w; as a float32 (how trees store
 * leaves), lowered until the tree obeys in float64 arithmetic. Null when the tree already obeys. When nearly
 * all of the tree's cover takes the elderly path, the capped tree would be constant, whose expected value
 * float32 covers cannot reproduce exactly: such a tree is zeroed (it then contributes exactly 0).
 */
export function elderlyCap(tree: RuleTree): LeafCap | null {
  if (elderlyExcess(tree) <= 0) return null;
  const { node, weight } = elderlyLeaf(tree);
  const value = tree.value[node]!;
  if (weight > 1 - 1e-6) {
    const leaves: number[] = [];
    for (let n = 0; n < tree.left.length; n++) if (tree.left[n]! < 0) leaves.push(n);
    return { nodes: leaves, value: 0 };
  }
  const cap = (expectedValue(tree) - weight * value) / (1 - weight);
  let c = Math.fround(cap);
  for (let attempt = 0; attempt < 64; attempt++) {
    if (c > cap) c = nextDown32(c);
    const values = Float64Array.from(tree.value);
    values[node] = c;
    if (elderlyExcess({ ...tree, value: values }) <= 0) return { nodes: [node], value: c };
    c = Math.fround(c - Math.max(Math.abs(c), 1e-6) * 1e-7 * 2 ** attempt);
  }
  throw new Error("could not find a cap for an age tree that keeps the age rule");
}

export interface AgeRuleCheck {
  ageTrees: number;
  /** Trees mixing age-derived and other inputs (must be 0). */
  mixedTrees: number;
  /** Age trees whose elderly leaf is above the tree's expected value (must be 0). */
  violations: number;
  /** The largest elderly excess over the age trees (≤ 0 when the rule holds). */
  maxExcess: number;
}

/** Check a whole ensemble against the rule: what training guarantees, verified on the exported trees. */
export function checkAgeRule(trees: readonly RuleTree[], rule: AgeRule): AgeRuleCheck {
  const out: AgeRuleCheck = {
    ageTrees: 0,
    mixedTrees: 0,
    violations: 0,
    maxExcess: Number.NEGATIVE_INFINITY,
  };
  for (const tree of trees) {
    const kind = treeKind(tree, rule);
    if (kind === "mixed") out.mixedTrees++;
    if (kind !== "age") continue;
    out.ageTrees++;
    const excess = elderlyExcess(tree);
    out.maxExcess = Math.max(out.maxExcess, excess);
    if (excess > 0) out.violations++;
  }
  return out;
}
