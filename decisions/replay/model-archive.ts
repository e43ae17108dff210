import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../lib/errors.ts";
import { ARTIFACTS_DIR, PROJECT_ROOT } from "../../lib/paths.ts";
import { loadServingModel, readArtifacts } from "../../model/offline-scoring/load-scorer.ts";
import type { ModelCard } from "../../scoring/model-card.ts";
import { ModelExplainer } from "../../scoring/model-explainer.ts";
import { readOnnxModel } from "../../scoring/onnx-model.ts";
import { Scorer } from "../../scoring/scorer.ts";

/** The challenger's artifacts (see README "A challenger in shadow"). */
export const CHALLENGER_DIR = join(PROJECT_ROOT, "model", "challenger");
/** Earlier models, one folder per version (model/archive/<version>/model.json + model.onnx). */
export const ARCHIVE_DIR = join(PROJECT_ROOT, "model", "archive");

/** Every folder that may hold a model's artifacts: the served one, the challenger, the archive, extras. */
export function modelFolders(extra: readonly string[] = []): string[] {
  const archived = existsSync(ARCHIVE_DIR)
    ? readdirSync(ARCHIVE_DIR, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => join(ARCHIVE_DIR, d.name))
    : [];
  return [...extra, ARTIFACTS_DIR, CHALLENGER_DIR, ...archived].filter((dir) =>
    existsSync(join(dir, "model.json")),
  );
}

function versionIn(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** The model card of a version, from whichever folder holds it. */
export function cardForVersion(version: string, extra: readonly string[] = []): ModelCard {
  const folders = modelFolders(extra);
  const dir = folders.find((d) => versionIn(d) === version);
  if (!dir)
    throw new UserError(
      `the model card of ${version} is in none of ${folders.map((f) => f.replace(`${PROJECT_ROOT}/`, "")).join(", ") || "the model folders"}: put it into model/archive/${version}/ or pass --models DIR`,
    );
  return readArtifacts(dir).card;
}

/** The Scorer (with TreeSHAP) of a model version, from whichever folder holds that version's artifact. */
export async function scorerForVersion(version: string, extra: readonly string[] = []): Promise<Scorer> {
  const folders = modelFolders(extra);
  const dir = folders.find((d) => versionIn(d) === version);
  if (!dir)
    throw new UserError(
      `the artifact of model ${version} is in none of ${folders.map((f) => f.replace(`${PROJECT_ROOT}/`, "")).join(", ") || "the model folders"}: put its model.json and model.onnx into model/archive/${version}/ (e.g. from git history) or pass --models DIR`,
    );
  const { card, onnx } = readArtifacts(dir);
  return new Scorer(card, await loadServingModel(onnx), new ModelExplainer(readOnnxModel(onnx)));
}
