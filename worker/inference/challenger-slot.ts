// The challenger bundled with the Worker, or none. To bundle one: train it into model/challenger/
// (`credit-edge train --config model/config/challenger.config.json --out model/challenger`) and keep the two
// imports below; to bundle none, replace this file's body with `export const challengerArtifacts = null;`.
// README "A challenger in shadow" (how one is promoted, too).
import card from "../../model/challenger/model.json";
import onnx from "../../model/challenger/model.onnx";

export const challengerArtifacts: { card: unknown; onnx: ArrayBuffer } | null = { card, onnx };
