import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

export const FEATURE_SQL_DIR = fileURLToPath(new URL("./sql/features", import.meta.url));

/** The client feature table: one row per application, every history feature. */
export const CLIENT_FEATURES_TABLE = "client_features";

export interface FeatureSqlFile {
  readonly path: string;
  /** The table it writes: the file name without its `NN_` prefix and `.sql`. */
  readonly table: string;
  readonly sql: string;
  /** Raw tables it reads, from its `-- source:` line. */
  readonly sources: string;
  /** Output column name to its `-- description` comment. */
  readonly descriptions: ReadonlyMap<string, string>;
}

const FILE_NAME = /^\d+_([a-z0-9_]+)\.sql$/;
// A select-list line: `<expr> AS name, -- description`. The last one for a name wins (the final SELECT).
const DESCRIBED_COLUMN = /\bAS\s+([A-Za-z_][A-Za-z0-9_]*)\s*,?\s*--\s*(.+?)\s*$/i;

export function parseFeatureSql(path: string): FeatureSqlFile {
  const name = basename(path);
  const match = FILE_NAME.exec(name);
  if (!match?.[1]) throw new Error(`${path}: feature SQL files are named NN_<table>.sql`);
  const sql = readFileSync(path, "utf8");
  const sources = /^--\s*source:\s*(.+)$/m.exec(sql)?.[1]?.trim() ?? "";
  const descriptions = new Map<string, string>();
  for (const line of sql.split("\n")) {
    const m = DESCRIBED_COLUMN.exec(line);
    if (m?.[1] && m[2]) descriptions.set(m[1].toLowerCase(), m[2]);
  }
  return { path, table: match[1], sql, sources, descriptions };
}

/** Every feature SQL file, in the order they run. */
export function featureSqlFiles(dir = FEATURE_SQL_DIR): FeatureSqlFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((f) => parseFeatureSql(join(dir, f)));
}
