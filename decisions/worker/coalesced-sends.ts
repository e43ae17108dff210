import { QUEUE_LIMITS } from "./queues.ts";
import { type LineMessage, type LineQueue, sendMessages } from "./send-lines.ts";

interface Batch {
  queue: LineQueue;
  messages: LineMessage[];
  bytes: number;
  /** Each member's own failure report: called (by the sending request) when the send is refused. */
  failures: ((error: unknown) => void)[];
  /** When it stops taking members (the opener sends it then), on `clock.now()`'s scale. */
  closesAt: number;
  reported: boolean;
}

/** Time as the batches see it: injectable, so tests can stand in for a request the runtime killed. */
export interface Clock {
  now(): number;
  /** Resolves after `ms` (a timer of the calling request). */
  after(ms: number): Promise<void>;
}

const realClock: Clock = {
  now: () => Date.now(),
  after: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A batch still unsent this long after it closed: its opener ended without sending it (the runtime cancels
 * a request past its CPU limit, timers and all). Its members are told their records were not sent.
 */
export const STALE_BATCH_MS = 5_000;

/**
 * Best-effort records of concurrent requests sent to the queue together. The first request to record opens
 * a batch and sends it, from its own waitUntil, when its wait is over; requests recording meanwhile add
 * their lines (while they fit in one sendBatch: 100 messages, 256 KB) and are done. Under load one Queue
 * operation carries many records instead of one each: less work per request, fewer billed operations.
 *
 * Only the opening request waits, on its own timer and its own send. The Workers runtime cancels a
 * request that waits on another request's I/O (it cannot tell that from a hang), so no member ever awaits
 * a send another request makes: a refusal reaches each member through the report it left, which the
 * sending request calls. A batch takes members only until its wait is over, and one found unsent long
 * after that has its members told (STALE_BATCH_MS): a killed opener loses no record silently. Lines are
 * serialised (and size-checked) by the caller first, so one request's oversized line fails only that
 * request. `required` records do not come here: they are sent, and their outcome known, before the answer.
 */
export class CoalescedSends {
  private open: Batch | undefined;
  /** Batches opened and not yet sent: the open one, and any whose opener is still waiting or gone. */
  private readonly unsent = new Set<Batch>();

  constructor(private readonly clock: Clock = realClock) {}

  /**
   * Adds the messages to the open batch, or opens one. Returns the send of a batch this call opened, which
   * the caller must await (waitUntil) and which never rejects (refusals go to the reports); or undefined
   * when the lines joined a batch another request sends.
   */
  send(
    queue: LineQueue,
    messages: readonly LineMessage[],
    waitMs: number,
    onFailure: (error: unknown) => void,
  ): Promise<void> | undefined {
    if (messages.length === 0) return undefined;
    const bytes = messages.reduce((s, m) => s + m.bytes, 0);
    const now = this.clock.now();
    for (const batch of this.unsent) if (now > batch.closesAt + STALE_BATCH_MS) this.abandon(batch);
    const open = this.open;
    if (
      open &&
      now <= open.closesAt &&
      open.queue === queue &&
      open.messages.length + messages.length <= QUEUE_LIMITS.batchMessages &&
      open.bytes + bytes <= QUEUE_LIMITS.batchBytes
    ) {
      open.messages.push(...messages);
      open.bytes += bytes;
      open.failures.push(onFailure);
      return undefined;
    }
    const batch: Batch = {
      queue,
      messages: [...messages],
      bytes,
      failures: [onFailure],
      closesAt: now + waitMs,
      reported: false,
    };
    this.open = batch;
    this.unsent.add(batch);
    return this.clock.after(waitMs).then(async () => {
      if (this.open === batch) this.open = undefined;
      this.unsent.delete(batch);
      try {
        await sendMessages(batch.queue, batch.messages);
      } catch (error) {
        this.report(batch, error);
      }
    });
  }

  /** The opener is gone: nobody will send this batch. */
  private abandon(batch: Batch): void {
    if (this.open === batch) this.open = undefined;
    this.unsent.delete(batch);
    this.report(batch, new Error("the request that opened this batch of records ended before sending it"));
  }

  private report(batch: Batch, error: unknown): void {
    if (batch.reported) return;
    batch.reported = true;
    for (const report of batch.failures) report(error);
  }
}
