import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ARTIFACTS_DIR } from "../../model/publish/write-artifacts.ts";
import { readOnnxModel } from "../../scoring/onnx-model.ts";
import { predictMargin, type Tree, type TreeEnsemble } from "../../scoring/tree-ensemble.ts";
import { TreeExplainer } from "../../scoring/treeshap.ts";

// TreeSHAP's two ways (decision-code tables for small trees, leaf tables for deep ones) must agree, and
// each must add up to the margin: checked on the committed model and on random deep trees.

/** A random full binary tree of the given depth over `features` features, covers consistent. */
function randomTree(seed: number, depth: number, features: number): Tree {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const n = 2 ** (depth + 1) - 1;
  const tree = {
    feature: new Int32Array(n).fill(-1),
    threshold: new Float32Array(n),
    yes: new Int32Array(n).fill(-1),
    no: new Int32Array(n).fill(-1),
    missingYes: new Uint8Array(n),
    value: new Float64Array(n),
    cover: new Float64Array(n),
    maxDepth: depth,
  };
  const build = (node: number, level: number, cover: number) => {
    tree.cover[node] = cover;
    if (level === depth) {
      tree.value[node] = rand() * 2 - 1;
      return;
    }
    tree.feature[node] = Math.floor(rand() * features);
    tree.threshold[node] = Math.fround(rand());
    tree.missingYes[node] = rand() < 0.5 ? 1 : 0;
    tree.yes[node] = 2 * node + 1;
    tree.no[node] = 2 * node + 2;
    const share = 0.2 + 0.6 * rand();
    build(2 * node + 1, level + 1, cover * share);
    build(2 * node + 2, level + 1, cover * (1 - share));
  };
  build(0, 0, 1000);
  return tree;
}

describe("TreeSHAP", () => {
  it("gives the same contributions both ways on the committed model", () => {
    const { ensemble } = readOnnxModel(new Uint8Array(readFileSync(join(ARTIFACTS_DIR, "model.onnx"))));
    const coded = new TreeExplainer(ensemble);
    const leaves = new TreeExplainer(ensemble, 0);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: -5, max: 5, noNaN: true }), fc.constant(Number.NaN)), {
          minLength: ensemble.featureCount,
          maxLength: ensemble.featureCount,
        }),
        (values) => {
          const x = Float32Array.from(values);
          const a = coded.explain(x).contributions;
          const b = leaves.explain(x).contributions;
          for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-9);
        },
      ),
      { numRuns: 30 },
    );
  });

  it("adds up to the margin on deep trees (leaf tables) and mixed ensembles", () => {
    const features = 12;
    const ensemble: TreeEnsemble = {
      trees: [
        randomTree(1, 5, features),
        randomTree(2, 2, features),
        randomTree(3, 4, features),
        randomTree(4, 3, features),
      ],
      baseMargin: -1.5,
      featureCount: features,
    };
    const explainer = new TreeExplainer(ensemble);
    const reference = new TreeExplainer(ensemble, 0);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.float({ min: 0, max: 1, noNaN: true }), fc.constant(Number.NaN)), {
          minLength: features,
          maxLength: features,
        }),
        (values) => {
          const x = Float32Array.from(values);
          const { contributions, expectedValue } = explainer.explain(x);
          const sum = contributions.reduce((s, c) => s + c, expectedValue);
          expect(Math.abs(sum - predictMargin(ensemble, x))).toBeLessThan(1e-9);
          const other = reference.explain(x).contributions;
          contributions.forEach((c, i) => {
            expect(Math.abs(c - other[i]!)).toBeLessThan(1e-9);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
