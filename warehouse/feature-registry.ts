import { APPLICATION_FEATURE_DEFINITIONS } from "../features/application/features.ts";
import { buildRegistry, type FeatureDefinition, type FeatureRegistry } from "../features/registry.ts";
import { UserError } from "../lib/errors.ts";
import { CLIENT_FEATURES_TABLE, type FeatureSqlFile } from "./feature-sql.ts";
import type { NewColumn, Warehouse } from "./warehouse.ts";

/** Where the registry lives: a warehouse table, so every consumer (train, sync) reads the same one. */
export const FEATURE_REGISTRY_TABLE = "feature_registry";

/**
 * The registry of the client feature table as built: application features (from TypeScript) followed by
 * the history columns of `client_features` in table order, described by their SQL comments.
 */
export async function registryFromWarehouse(
  warehouse: Warehouse,
  files: readonly FeatureSqlFile[],
): Promise<FeatureRegistry> {
  const columns = await warehouse.columns(CLIENT_FEATURES_TABLE);
  if (columns.length === 0) {
    throw new UserError(
      `table ${CLIENT_FEATURES_TABLE} is missing in ${warehouse.location}: run \`credit-edge features\``,
    );
  }
  const history: FeatureDefinition[] = [];
  for (const column of columns) {
    if (column.name.toUpperCase() === "SK_ID_CURR") continue;
    const name = column.name.toLowerCase();
    const file = files.find((f) => f.descriptions.has(name));
    if (!file)
      throw new Error(`history feature ${name} has no "-- description" comment in any feature SQL file`);
    if (column.kind !== "int" && column.kind !== "float") {
      throw new Error(`history feature ${name} is ${column.type}; history features must be numeric`);
    }
    history.push({
      name,
      kind: "numeric",
      group: "history",
      source: file.sources,
      description: file.descriptions.get(name)!,
    });
  }
  return buildRegistry([...APPLICATION_FEATURE_DEFINITIONS, ...history]);
}

const REGISTRY_COLUMNS: readonly NewColumn[] = [
  { name: "position", kind: "int" },
  { name: "name", kind: "text" },
  { name: "kind", kind: "text" },
  { name: "feature_group", kind: "text" },
  { name: "source", kind: "text" },
  { name: "description", kind: "text" },
  { name: "vocabulary", kind: "text" },
  { name: "is_protected", kind: "bool" },
  { name: "schema_hash", kind: "text" },
  { name: "built_at", kind: "text" },
];

export async function saveRegistry(
  warehouse: Warehouse,
  registry: FeatureRegistry,
  builtAt: Date,
): Promise<void> {
  const rows = registry.features.map((f, position) => [
    position,
    f.name,
    f.kind,
    f.group,
    f.source,
    f.description,
    f.vocabulary ? JSON.stringify(f.vocabulary) : null,
    f.protected === true,
    registry.schemaHash,
    builtAt.toISOString(),
  ]);
  await warehouse.writeTable(FEATURE_REGISTRY_TABLE, REGISTRY_COLUMNS, rows);
}

/** Read the registry back, checking its stored hash against the one its definitions give. */
export async function loadRegistry(warehouse: Warehouse): Promise<FeatureRegistry & { builtAt: string }> {
  const columns = await warehouse.columns(FEATURE_REGISTRY_TABLE);
  if (columns.length === 0) {
    throw new UserError(`no feature registry in ${warehouse.location}: run \`credit-edge features\` first`);
  }
  const page = await warehouse.query(
    `SELECT name, kind, feature_group, source, description, vocabulary, is_protected, schema_hash, built_at FROM ${FEATURE_REGISTRY_TABLE} ORDER BY position`,
  );
  const features: FeatureDefinition[] = page.rows.map(
    ([name, kind, group, source, description, vocabulary, prot]) => ({
      name: String(name),
      kind: kind === "categorical" ? "categorical" : "numeric",
      group: group === "application" ? "application" : "history",
      source: String(source),
      description: String(description),
      ...(typeof vocabulary === "string" ? { vocabulary: JSON.parse(vocabulary) as string[] } : {}),
      ...(prot === true ? { protected: true } : {}),
    }),
  );
  const registry = await buildRegistry(features);
  const stored = page.rows[0]?.[7];
  if (stored !== registry.schemaHash) {
    throw new UserError(
      `feature registry in ${warehouse.location} is inconsistent (stored hash ${String(stored)}, computed ${registry.schemaHash}): re-run \`credit-edge features\``,
    );
  }
  return { ...registry, builtAt: String(page.rows[0]?.[8]) };
}
