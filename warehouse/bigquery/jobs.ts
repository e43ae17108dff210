import { setTimeout as sleep } from "node:timers/promises";
import type { Job, JobMetadata } from "@google-cloud/bigquery";
import { UserError } from "../../lib/errors.ts";

interface ErrorLike {
  message?: string | null;
  reason?: string | null;
}

/**
 * Poll jobs.get until the job is DONE (jobs.get does not wait server-side), reporting each state seen.
 * Returns the final metadata; a failed job is DONE too, with `status.errorResult` set.
 */
export async function waitForJob(job: Job, onState?: (state: string) => void): Promise<JobMetadata> {
  let metadata: JobMetadata = job.metadata ?? {};
  let delayMs = 100;
  for (;;) {
    const state = metadata.status?.state ?? "PENDING";
    onState?.(state);
    if (state === "DONE") return metadata;
    await sleep(delayMs);
    delayMs = Math.min(delayMs * 1.5, 2000);
    [metadata] = await job.getMetadata();
  }
}

/** Every message a failed job or API call carries: errorResult first, then errors[] (which repeats it). */
export function errorMessages(source: {
  errorResult?: ErrorLike | null;
  errors?: ErrorLike[] | null;
}): string[] {
  const all = [source.errorResult, ...(source.errors ?? [])].map((e) => e?.message ?? "").filter(Boolean);
  return [...new Set(all)];
}

/** The message of an error thrown by the client (its ApiError lists the API's errors[]). */
export function apiErrorMessage(error: unknown): string {
  const errors = (error as { errors?: ErrorLike[] }).errors;
  const messages = Array.isArray(errors) ? errorMessages({ errors }) : [];
  if (messages.length > 0) return messages.join("; ");
  return error instanceof Error ? error.message : String(error);
}

/** A failed query job or query call as a UserError carrying BigQuery's own words. */
export function queryError(what: string, messages: readonly string[], cause?: unknown): UserError {
  return new UserError(`BigQuery: ${what} failed: ${messages.join("; ")}`, 1, { cause });
}

const READ_ERROR = /^Error while reading data, error message: /;

/**
 * A failed load as a UserError naming the file, like the DuckDB warehouse's: the line when BigQuery's message
 * gives one, then its most specific message (the errors[] entry about a row, not the "too many errors" summary).
 */
export function loadError(file: string, messages: readonly string[], cause?: unknown): UserError {
  const specific =
    messages.find((m) => /\bline:? \d+/i.test(m)) ??
    messages.find((m) => READ_ERROR.test(m) && !/too many errors/i.test(m)) ??
    messages[0] ??
    "the load job failed";
  const line = /\bline:? (\d+)/i.exec(specific)?.[1];
  const reason = specific.replace(READ_ERROR, "");
  const what = READ_ERROR.test(specific) ? "malformed CSV" : "BigQuery load failed";
  return new UserError(`${file}: ${line ? `line ${line}: ` : ""}${what}: ${reason}`, 1, { cause });
}
