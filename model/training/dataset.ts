import { createHash } from "node:crypto";
import { APPLICATION_FEATURE_DEFINITIONS, applicationFeatures } from "../../features/application/features.ts";
import { WITHHELD_VALUES } from "../../features/application/withheld-values.ts";
import type { FeatureDefinition, FeatureRegistry } from "../../features/registry.ts";
import type { ProgressFactory } from "../../lib/progress.ts";
import { fillInputRow, type InputLayout, inputLayout } from "../../scoring/model-input.ts";
import {
  clientSnapshotSql,
  recordFromRow,
  SNAPSHOT_HISTORY_OFFSET,
} from "../../warehouse/client-snapshot.ts";
import { CLIENT_FEATURES_TABLE } from "../../warehouse/feature-sql.ts";
import type { Warehouse } from "../../warehouse/warehouse.ts";

/** The labelled clients as a dense float32 matrix in model input order, plus what evaluation needs. */
export interface TrainingSet {
  readonly rows: number;
  readonly features: readonly FeatureDefinition[];
  readonly layout: InputLayout;
  /** rows x features, row-major, NaN = missing. */
  readonly X: Float32Array;
  readonly y: Float32Array;
  readonly ids: Float64Array;
  /** Indices of history inputs: blanked to make the "no history" copy of a row. */
  readonly historyInputs: Int32Array;
  /** AMT_CREDIT, for the cost model. */
  readonly credit: Float64Array;
  /** For fairness slices: CODE_GENDER, NAME_FAMILY_STATUS (neither a model input) and age in years. */
  readonly gender: (string | null)[];
  readonly familyStatus: (string | null)[];
  readonly ageYears: Float64Array;
  /** Training rows per withheld category ("COLUMN=value"): what the proxy review reports for them. */
  readonly withheldCounts: Readonly<Record<string, number>>;
  readonly fingerprint: string;
}

/** The model's inputs: every registry feature, minus the protected ones unless they are wanted. */
export function modelInputs(registry: FeatureRegistry, excludeProtected: boolean): FeatureDefinition[] {
  return registry.features.filter((f) => !(excludeProtected && f.protected));
}

export async function loadTrainingSet(
  warehouse: Warehouse,
  registry: FeatureRegistry,
  excludeProtected: boolean,
  progress: ProgressFactory,
): Promise<TrainingSet> {
  const features = modelInputs(registry, excludeProtected);
  const historyNames = registry.features.filter((f) => f.group === "history").map((f) => f.name);
  const layout = inputLayout(
    features.map((f) => f.name),
    APPLICATION_FEATURE_DEFINITIONS.map((f) => f.name),
    historyNames,
  );
  const count = await warehouse.query(
    `SELECT COUNT(*) FROM applications a JOIN ${CLIENT_FEATURES_TABLE} f USING (SK_ID_CURR) WHERE a.TARGET IS NOT NULL`,
  );
  const rows = Number(count.rows[0]?.[0] ?? 0);
  const width = features.length;
  const X = new Float32Array(rows * width);
  const y = new Float32Array(rows);
  const ids = new Float64Array(rows);
  const credit = new Float64Array(rows);
  const ageYears = new Float64Array(rows);
  const gender: (string | null)[] = new Array(rows);
  const familyStatus: (string | null)[] = new Array(rows);
  const withheldCounts: Record<string, number> = {};
  const historyStart = SNAPSHOT_HISTORY_OFFSET;
  const history = new Float64Array(historyNames.length);
  const bar = progress({ label: "load training data", total: rows, unit: "rows" });
  let r = 0;
  for await (const page of warehouse.scan(
    clientSnapshotSql(historyNames, "WHERE a.TARGET IS NOT NULL"),
    4096,
  )) {
    for (const row of page.rows) {
      if (r >= rows) throw new Error("the training query returned more rows than it counted");
      const record = recordFromRow(row);
      for (let h = 0; h < historyNames.length; h++) {
        const v = row[historyStart + h];
        history[h] = typeof v === "number" ? v : Number.NaN;
      }
      fillInputRow(layout, applicationFeatures(record), history, X, r * width);
      ids[r] = Number(row[0]);
      y[r] = Number(row[1]);
      credit[r] = typeof record.AMT_CREDIT === "number" ? record.AMT_CREDIT : 0;
      ageYears[r] = typeof record.DAYS_BIRTH === "number" ? -record.DAYS_BIRTH / 365.25 : Number.NaN;
      gender[r] = typeof record.CODE_GENDER === "string" ? record.CODE_GENDER : null;
      familyStatus[r] = typeof record.NAME_FAMILY_STATUS === "string" ? record.NAME_FAMILY_STATUS : null;
      for (const [column, values] of Object.entries(WITHHELD_VALUES)) {
        const value = record[column];
        if (typeof value === "string" && values.includes(value))
          withheldCounts[`${column}=${value}`] = (withheldCounts[`${column}=${value}`] ?? 0) + 1;
      }
      r++;
    }
    bar.update(r);
  }
  bar.stop();
  if (r !== rows) throw new Error(`expected ${rows} training rows, read ${r}`);

  // One form per value (as the online store stores them): the warehouse's parallel sums land on 0 or -0
  // from build to build, and the fingerprint below must not change with them. XGBoost sees no difference.
  for (let i = 0; i < X.length; i++) if (X[i] === 0) X[i] = 0;
  const historyInputs = Int32Array.from(features.flatMap((f, i) => (f.group === "history" ? [i] : [])));
  const fingerprint = createHash("sha256")
    .update(JSON.stringify(features.map((f) => f.name)))
    .update(new Uint8Array(X.buffer))
    .update(new Uint8Array(y.buffer))
    .digest("hex")
    .slice(0, 16);
  return {
    rows,
    features,
    layout,
    X,
    y,
    ids,
    historyInputs,
    credit,
    gender,
    familyStatus,
    ageYears,
    withheldCounts,
    fingerprint,
  };
}

/** The given rows of a training set, as a training set of their own (the fingerprint is the parent's). */
export function subsetOf(set: TrainingSet, rows: readonly number[]): TrainingSet {
  const width = set.features.length;
  const X = new Float32Array(rows.length * width);
  rows.forEach((r, k) => {
    X.set(set.X.subarray(r * width, (r + 1) * width), k * width);
  });
  return {
    ...set,
    rows: rows.length,
    X,
    y: Float32Array.from(rows, (r) => set.y[r]!),
    ids: Float64Array.from(rows, (r) => set.ids[r]!),
    credit: Float64Array.from(rows, (r) => set.credit[r]!),
    gender: rows.map((r) => set.gender[r] ?? null),
    familyStatus: rows.map((r) => set.familyStatus[r] ?? null),
    ageYears: Float64Array.from(rows, (r) => set.ageYears[r]!),
  };
}

/** The training set with one input column changed (a proxy review's ablation): a copy. */
export function withColumn(set: TrainingSet, column: number, value: (v: number) => number): TrainingSet {
  const X = Float32Array.from(set.X);
  const width = set.features.length;
  for (let r = 0; r < set.rows; r++) X[r * width + column] = value(X[r * width + column]!);
  return { ...set, X };
}

/** The category of a categorical input for each row (null when missing or not categorical). */
export function categoryOf(set: TrainingSet, name: string): (string | null)[] {
  const column = set.features.findIndex((f) => f.name === name);
  const vocabulary = set.features[column]?.vocabulary;
  if (column < 0 || !vocabulary) throw new Error(`${name} is not a categorical model input`);
  const width = set.features.length;
  return Array.from({ length: set.rows }, (_, r) => {
    const code = set.X[r * width + column]!;
    return Number.isNaN(code) ? null : (vocabulary[code] ?? null);
  });
}
