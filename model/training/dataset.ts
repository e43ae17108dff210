import { createHash } from "node:crypto";
import { APPLICATION_FEATURE_DEFINITIONS, applicationFeatures } from "../../features/application/features.ts";
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
  /** For fairness slices: CODE_GENDER and age in years. */
  readonly gender: (string | null)[];
  readonly ageYears: Float64Array;
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
  return { rows, features, layout, X, y, ids, historyInputs, credit, gender, ageYears, fingerprint };
}
