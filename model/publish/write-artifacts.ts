import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ModelCard } from "../../scoring/model-card.ts";
import { renderReport } from "../report/render-report.ts";
import type { TrainedModel } from "../training/train-model.ts";

import { BOOSTER_FILE, NO_HISTORY_BOOSTER_FILE } from "./artifact-files.ts";

export { BOOSTER_FILE, NO_HISTORY_BOOSTER_FILE };

import { ARTIFACTS_DIR } from "../../lib/paths.ts";

export { ARTIFACTS_DIR };

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

/** Write atomically: a reader (or a crash) never sees half a file. */
function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, data);
  renameSync(temp, path);
}

/**
 * Publish a trained model: model.onnx, booster.json (and booster-no-history.json), model.json (the card) and report.html. The version is a content
 * hash, and `created_at` is kept when the version is unchanged, so retraining on the same data, config
 * and seed rewrites identical files.
 */
export function writeArtifacts(trained: TrainedModel, dir = ARTIFACTS_DIR): ModelCard {
  mkdirSync(dir, { recursive: true });
  const body = { ...trained.card, onnx: { ...trained.card.onnx, sha256: sha256(trained.onnx) } };
  const version = `m-${sha256(JSON.stringify(body)).slice(0, 12)}`;
  const cardPath = join(dir, "model.json");
  const previous = existsSync(cardPath)
    ? (JSON.parse(readFileSync(cardPath, "utf8")) as Partial<ModelCard>)
    : {};
  const createdAt =
    previous.version === version && previous.created_at ? previous.created_at : new Date().toISOString();
  const card: ModelCard = { version, created_at: createdAt, ...body };
  writeFileAtomic(join(dir, "model.onnx"), trained.onnx);
  writeFileAtomic(join(dir, BOOSTER_FILE), trained.boosterJson);
  if (trained.noHistoryBoosterJson)
    writeFileAtomic(join(dir, NO_HISTORY_BOOSTER_FILE), trained.noHistoryBoosterJson);
  else rmSync(join(dir, NO_HISTORY_BOOSTER_FILE), { force: true });
  writeFileAtomic(join(dir, "report.html"), renderReport({ ...trained.card, ...card }, trained.report));
  // The card last: its presence with a new version means the other two are already in place.
  writeFileAtomic(cardPath, `${JSON.stringify(card, null, 2)}\n`);
  return card;
}
