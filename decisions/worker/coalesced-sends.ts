import { QUEUE_LIMITS } from "./queues.ts";
import { type LineMessage, type LineQueue, sendMessages } from "./send-lines.ts";

interface Batch {
  queue: LineQueue;
  messages: LineMessage[];
  bytes: number;
  /** Each member's own failure report: called (by the sending request) when the send is refused. */
  failures: ((error: unknown) => void)[];
}

/**
 * Best-effort records of concurrent requests sent to the queue together. The first request to record opens
 * a batch and sends it, from its own waitUntil, when its wait is over; requests recording meanwhile add
 * their lines (while they fit in one sendBatch: 100 messages, 256 KB) and are done. Under load one Queue
 * operation carries many records instead of one each: less work per request, fewer billed operations.
 *
 * Only the opening request waits, on its own timer and its own send. The Workers runtime cancels a
 * request that waits on another request's I/O (it cannot tell that from a hang), so no member ever awaits
 * a send another request makes: a refusal reaches each member through the report it left, which the
 * sending request calls. Lines are serialised (and size-checked) by the caller first, so one request's
 * oversized line fails only that request. `required` records do not come here: they are sent, and their
 * outcome known, before the answer.
 */
export class CoalescedSends {
  private open: Batch | undefined;

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
    const open = this.open;
    if (
      open &&
      open.queue === queue &&
      open.messages.length + messages.length <= QUEUE_LIMITS.batchMessages &&
      open.bytes + bytes <= QUEUE_LIMITS.batchBytes
    ) {
      open.messages.push(...messages);
      open.bytes += bytes;
      open.failures.push(onFailure);
      return undefined;
    }
    const batch: Batch = { queue, messages: [...messages], bytes, failures: [onFailure] };
    this.open = batch;
    return new Promise<void>((resolve) => setTimeout(resolve, waitMs)).then(async () => {
      if (this.open === batch) this.open = undefined;
      try {
        await sendMessages(batch.queue, batch.messages);
      } catch (error) {
        for (const report of batch.failures) report(error);
      }
    });
  }
}
