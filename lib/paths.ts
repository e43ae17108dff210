import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, whatever the working directory (npx may run from a sub-folder). */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** Local state: the DuckDB warehouse, step cache, synthetic data. Gitignored; CREDIT_EDGE_HOME moves it. */
export function stateDir(): string {
  return resolve(process.env.CREDIT_EDGE_HOME ?? join(PROJECT_ROOT, ".credit-edge"));
}

export const SAMPLE_DATA_DIR = join(PROJECT_ROOT, "data", "home-credit");

/** Where training publishes the model and serving reads it. */
export const ARTIFACTS_DIR = join(PROJECT_ROOT, "model", "artifacts");

export const DEFAULT_CONFIG_PATH = join(PROJECT_ROOT, "model", "config", "model.config.json");
