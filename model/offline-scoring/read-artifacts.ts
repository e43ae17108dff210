import { readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../lib/errors.ts";
import { ARTIFACTS_DIR } from "../../lib/paths.ts";
import type { ModelCard } from "../../scoring/model-card.ts";

export interface LoadedArtifacts {
  card: ModelCard;
  onnx: Uint8Array;
}

/** The published model card and ONNX graph, as files only (no runtime loaded: the CLI's main thread reads the card). */
export function readArtifacts(dir = ARTIFACTS_DIR): LoadedArtifacts {
  try {
    const card = JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as ModelCard;
    const onnx = new Uint8Array(readFileSync(join(dir, card.onnx.file)));
    return { card, onnx };
  } catch (error) {
    throw new UserError(`no usable model in ${dir} (${(error as Error).message}): run \`credit-edge train\``);
  }
}
