import type { Scorer } from "../../scoring/scorer.ts";
import { serviceUnavailable } from "../problem/api-error.ts";

/** Where routes get the isolate's Scorer: built on first use (see inference/bundled-model.ts). */
export type ScorerSource = () => Promise<Scorer>;

/** The Scorer, or 503 while it cannot be built (ORT backend failed, bad bundle): never a 500. */
export async function availableScorer(source: ScorerSource): Promise<Scorer> {
  try {
    return await source();
  } catch (error) {
    throw serviceUnavailable("the model is not loaded", error);
  }
}
