import { contentKey, ndjsonObjects } from "../record/ndjson-objects.ts";
import {
  DEAD_LETTER_PREFIX,
  dayOf,
  partitionPrefix,
  type RecordLine,
  RecordLineSchema,
} from "../record/schema.ts";
import { DECISIONS_DEAD_LETTER_QUEUE } from "./queues.ts";
import { check as checkRecordLine } from "./record-line.check.js";

/** The part of an R2 binding the consumer writes with. */
export interface RecordBucket {
  put(
    key: string,
    value: string,
    options?: { httpMetadata?: { contentType?: string }; customMetadata?: Record<string, string> },
  ): Promise<unknown>;
}

const retryDelaySeconds = (attempts: number) => Math.min(300, 5 * 2 ** Math.max(0, attempts - 1));

type Log = (entry: Record<string, unknown>) => void;
const defaultLog: Log = (entry) => console.log(JSON.stringify(entry));

/**
 * The Worker's queue() handler for decision records. From the decisions queue: valid lines go to R2
 * (acked once written); a failed write is retried with backoff, and after the consumer's max_retries the
 * queue moves the messages to the dead-letter queue. From the dead-letter queue: valid lines are written
 * the same way (a second chance, later); anything that is not a record is kept under
 * decisions-dead-letter/ for a person, never dropped silently.
 */
export async function consumeRecords(
  batch: MessageBatch<unknown>,
  bucket: RecordBucket | undefined,
  log: Log = defaultLog,
): Promise<void> {
  const deadLetter = batch.queue === DECISIONS_DEAD_LETTER_QUEUE;
  if (!bucket) {
    log({
      level: "error",
      msg: "no DECISIONS_BUCKET binding: decision records not written",
      queue: batch.queue,
    });
    batch.retryAll({ delaySeconds: 60 });
    return;
  }
  const valid: { message: Message<unknown>; line: RecordLine; text: string }[] = [];
  const invalid: { message: Message<unknown>; error: string }[] = [];
  for (const message of batch.messages) {
    // The Worker sends each line as JSON text; a JSON body (older senders, tests) is taken as well.
    let body: unknown = message.body;
    if (typeof body === "string") {
      try {
        body = JSON.parse(body);
      } catch {
        invalid.push({ message, error: "not JSON" });
        continue;
      }
    }
    // Stored as sent (the Worker serialised it once), unless it is not one JSON line.
    const sent = typeof message.body === "string" && !/[\n\r]/.test(message.body) ? message.body : null;
    // The precompiled check accepts only lines zod accepts: zod runs for the rest, to say what is wrong.
    if (sent !== null && checkRecordLine(body)) {
      valid.push({ message, line: body as RecordLine, text: sent });
      continue;
    }
    const parsed = RecordLineSchema.safeParse(body);
    if (parsed.success) {
      const text = sent ?? JSON.stringify(parsed.data);
      valid.push({ message, line: parsed.data, text });
    } else
      invalid.push({
        message,
        error: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
      });
  }

  const objects = await ndjsonObjects(
    valid.map((v) => v.line),
    valid.map((v) => v.text),
  );
  const written = await Promise.allSettled(
    objects.map((o) =>
      bucket.put(o.key, o.body, {
        httpMetadata: { contentType: "application/x-ndjson" },
        customMetadata: { records: String(o.count) },
      }),
    ),
  );
  const failedDays = new Set<string>();
  written.forEach((result, i) => {
    if (result.status === "rejected") {
      failedDays.add(objects[i]!.key);
      log({
        level: "error",
        msg: "decision records not written to R2",
        key: objects[i]!.key,
        records: objects[i]!.count,
        error: String(result.reason),
      });
    }
  });
  const keyOfDay = new Map(objects.map((o) => [o.key.slice(0, o.key.lastIndexOf("/") + 1), o.key]));
  for (const { message, line } of valid) {
    const key = keyOfDay.get(partitionPrefix(dayOf(line.decided_at)))!;
    if (failedDays.has(key)) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    else message.ack();
  }

  if (invalid.length === 0) return;
  if (!deadLetter) {
    for (const { message, error } of invalid) {
      log({
        level: "error",
        msg: "not a decision record: left to the dead-letter queue",
        message_id: message.id,
        error,
      });
      message.retry();
    }
    return;
  }
  const day = new Date().toISOString().slice(0, 10);
  const body = invalid
    .map(({ message, error }) =>
      JSON.stringify({ message_id: message.id, attempts: message.attempts, error, body: message.body }),
    )
    .join("\n");
  const key = await contentKey(`${DEAD_LETTER_PREFIX}dt=${day}/`, invalid.map((i) => i.message.id).sort());
  try {
    await bucket.put(key, `${body}\n`, { httpMetadata: { contentType: "application/x-ndjson" } });
    log({ level: "error", msg: "dead-lettered messages kept in R2", key, messages: invalid.length });
    for (const { message } of invalid) message.ack();
  } catch (error) {
    log({ level: "error", msg: "dead-lettered messages not written", key, error: String(error) });
    for (const { message } of invalid) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
  }
}
