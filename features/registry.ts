/**
 * The feature registry: every feature the system knows, in one order, with what a reader (and a declined
 * applicant) needs to understand it. Application features come from features/application, history
 * features from the warehouse's feature SQL; warehouse/feature-registry.ts assembles both.
 *
 * Pure and portable (Web Crypto only): the Worker and the Node side share it.
 */
export type FeatureKind = "numeric" | "categorical";

export interface FeatureDefinition {
  readonly name: string;
  readonly kind: FeatureKind;
  /** The raw table(s) it is computed from, e.g. "applications" or "bureau, bureau_balance". */
  readonly source: string;
  readonly description: string;
  /** Categorical features: the value encoded as code i is vocabulary[i]; others are missing. */
  readonly vocabulary?: readonly string[];
  /** A prohibited basis for credit decisions (ECOA / Reg B): kept for fairness reports, not model input. */
  readonly protected?: boolean;
  /** "application": computed per request by features/application; "history": precomputed, stored packed. */
  readonly group: "application" | "history";
}

export interface FeatureRegistry {
  /** Changes whenever a name, kind, source, vocabulary or the order changes (not descriptions). */
  readonly schemaHash: string;
  readonly features: readonly FeatureDefinition[];
}

/** The identity of a feature set: descriptions may be reworded without invalidating stored vectors. */
function schemaIdentity(features: readonly FeatureDefinition[]): string {
  return JSON.stringify(features.map((f) => [f.name, f.kind, f.group, f.source, f.vocabulary ?? null]));
}

export async function featureSchemaHash(features: readonly FeatureDefinition[]): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(schemaIdentity(features)));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `fs-${hex.slice(0, 16)}`;
}

export async function buildRegistry(features: readonly FeatureDefinition[]): Promise<FeatureRegistry> {
  const seen = new Set<string>();
  for (const f of features) {
    if (seen.has(f.name)) throw new Error(`feature ${f.name} is defined twice`);
    seen.add(f.name);
  }
  return { schemaHash: await featureSchemaHash(features), features };
}

export function historyFeatures(registry: FeatureRegistry): readonly FeatureDefinition[] {
  return registry.features.filter((f) => f.group === "history");
}
