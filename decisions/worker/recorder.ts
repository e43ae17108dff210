import type { RecordLine } from "../record/schema.ts";
import { CoalescedSends } from "./coalesced-sends.ts";
import { type LineQueue, lineMessages, sendLines } from "./send-lines.ts";
import { recordingMode } from "./settings.ts";

/** What recording a request needs from the Worker: the queue binding, the setting, waitUntil, a log. */
export interface RecordingDeps {
  queue: LineQueue | undefined;
  /** DECISION_RECORDS. */
  setting: string | undefined;
  waitUntil: (work: Promise<unknown>) => void;
  log?: (entry: Record<string, unknown>) => void;
}

/** The queue refused a record while DECISION_RECORDS=required: the request must not be answered. */
export class DecisionRecordError extends Error {
  override readonly name = "DecisionRecordError";
}

/** Records (and challenger lines) this isolate failed to hand to the queue, since it started. */
export const recordingFailures = { decision: 0, shadow: 0 };

const defaultLog = (entry: Record<string, unknown>) => console.log(JSON.stringify(entry));

/**
 * How long best-effort recording waits before building and sending: long enough that the runtime has
 * flushed the response. Measured under wrangler dev (bench:decisions, interleaved A/B): a 0 ms timer ran
 * before the flush and added ~1.2-1.5 ms p50 to the answer; 5 ms added ~0.2 ms. waitUntil keeps the
 * isolate alive for it (up to 30 s after the response).
 */
export const RECORD_AFTER_RESPONSE_MS = 5;
const afterResponse = () => new Promise<void>((resolve) => setTimeout(resolve, RECORD_AFTER_RESPONSE_MS));

/**
 * How long a best-effort record may wait in this isolate for the records of other requests, to share one
 * Queue operation with them (coalesced-sends.ts); the answer has left already.
 */
export const RECORD_COALESCE_MS = 50;

/** The isolate's open batch of best-effort records. */
const coalesced = new CoalescedSends();

function queueOf(deps: RecordingDeps): LineQueue {
  if (!deps.queue)
    throw new Error("the DECISIONS queue binding is not configured (wrangler.toml [[queues.producers]])");
  return deps.queue;
}

/** Best-effort: hand the lines to the isolate's batch; a refusal is logged and counted for these lines. */
async function sendAfterResponse(deps: RecordingDeps, kind: "decision" | "shadow", lines: RecordLine[]) {
  try {
    const opened = coalesced.send(queueOf(deps), lineMessages(lines), RECORD_COALESCE_MS, (error) =>
      logFailure(deps, kind, lines, error),
    );
    if (opened) await opened;
  } catch (error) {
    logFailure(deps, kind, lines, error);
  }
}

function logFailure(
  deps: RecordingDeps,
  kind: "decision" | "shadow",
  lines: readonly RecordLine[],
  error: unknown,
): void {
  recordingFailures[kind] += lines.length;
  (deps.log ?? defaultLog)({
    level: "error",
    msg: kind === "decision" ? "decision record not sent" : "challenger record not sent",
    request_id: lines[0]?.request_id ?? null,
    records: lines.length,
    error: error instanceof Error ? error.message : String(error),
    failed_since_start: recordingFailures[kind],
  });
}

/**
 * Record a request's decisions. `required`: built and sent before returning (a refusal throws
 * DecisionRecordError); `best-effort`: built and sent after the response (waitUntil), a refusal counted
 * and logged. `shadow`, when given, scores the challenger and sends its lines after the response in
 * either mode: it never delays or changes the answer.
 */
export async function recordDecisions(
  deps: RecordingDeps,
  build: () => RecordLine[],
  shadow?: () => Promise<RecordLine[]>,
): Promise<void> {
  const mode = recordingMode(deps.setting);
  if (mode === "required") {
    const lines = build();
    try {
      await sendLines(queueOf(deps), lines);
    } catch (error) {
      logFailure(deps, "decision", lines, error);
      throw new DecisionRecordError(
        `the decision record could not be queued and DECISION_RECORDS=required: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  } else {
    deps.waitUntil(
      (async () => {
        await afterResponse();
        await sendAfterResponse(deps, "decision", build());
      })(),
    );
  }
  if (shadow)
    deps.waitUntil(
      (async () => {
        await afterResponse();
        let lines: RecordLine[];
        try {
          lines = await shadow();
        } catch (error) {
          logFailure(deps, "shadow", [], error);
          return;
        }
        await sendAfterResponse(deps, "shadow", lines);
      })(),
    );
}
