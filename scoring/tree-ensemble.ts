/**
 * A tree ensemble in flat arrays, as the ONNX graph holds it, plus each node's cover (training hessian
 * sum) for TreeSHAP. Splits are "feature < threshold" (XGBoost's strict rule) in float32.
 */
export interface Tree {
  /** Split feature per node; -1 for a leaf. */
  readonly feature: Int32Array;
  readonly threshold: Float32Array;
  /** Child when feature < threshold. */
  readonly yes: Int32Array;
  /** Child otherwise. */
  readonly no: Int32Array;
  /** 1 when a missing value (NaN) follows `yes`. */
  readonly missingYes: Uint8Array;
  /** Leaf value (margin contribution); 0 on split nodes. */
  readonly value: Float64Array;
  readonly cover: Float64Array;
  /** Depth of the deepest leaf (root alone = 0). */
  readonly maxDepth: number;
}

export interface TreeEnsemble {
  readonly trees: readonly Tree[];
  /** Margin before any tree (logit of the base score). */
  readonly baseMargin: number;
  readonly featureCount: number;
}

export function isLeaf(tree: Tree, node: number): boolean {
  return tree.feature[node]! < 0;
}

/** The child a row goes to at a split node. */
export function nextNode(tree: Tree, node: number, x: ArrayLike<number>): number {
  const v = x[tree.feature[node]!]!;
  if (Number.isNaN(v)) return tree.missingYes[node] ? tree.yes[node]! : tree.no[node]!;
  return v < tree.threshold[node]! ? tree.yes[node]! : tree.no[node]!;
}

/** The raw margin of one row (the booster's output before the logistic link). */
export function predictMargin(ensemble: TreeEnsemble, x: ArrayLike<number>): number {
  let margin = ensemble.baseMargin;
  for (const tree of ensemble.trees) {
    let node = 0;
    while (!isLeaf(tree, node)) node = nextNode(tree, node, x);
    margin += tree.value[node]!;
  }
  return margin;
}

export function computeMaxDepth(yes: Int32Array, no: Int32Array, feature: Int32Array): number {
  let max = 0;
  const stack: [number, number][] = [[0, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (feature[node]! < 0) {
      max = Math.max(max, depth);
      continue;
    }
    stack.push([yes[node]!, depth + 1], [no[node]!, depth + 1]);
  }
  return max;
}
