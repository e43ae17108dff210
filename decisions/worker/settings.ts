/**
 * DECISION_RECORDS: what the Worker does when the queue refuses a decision record.
 * - `required`: the record is sent before the answer, and a refusal answers 503: no decision leaves
 *   without its record (production).
 * - `best-effort` (the default for local dev): the record is sent after the answer (waitUntil); a refusal
 *   is counted and logged, the caller still gets the decision.
 */
export const RECORDING_MODES = ["required", "best-effort"] as const;
export type RecordingMode = (typeof RECORDING_MODES)[number];

export const DEFAULT_RECORDING_MODE: RecordingMode = "best-effort";

export class RecordingSettingError extends Error {
  override readonly name = "RecordingSettingError";
}

export function recordingMode(value: string | undefined): RecordingMode {
  const mode = value?.trim() || DEFAULT_RECORDING_MODE;
  if ((RECORDING_MODES as readonly string[]).includes(mode)) return mode as RecordingMode;
  throw new RecordingSettingError(
    `DECISION_RECORDS is "${value}": set it to ${RECORDING_MODES.join(" or ")} (wrangler.toml [vars])`,
  );
}
