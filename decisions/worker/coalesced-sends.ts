import { QUEUE_LIMITS } from "./queues.ts";
import { type LineMessage, type LineQueue, sendMessages } from "./send-lines.ts";

/** One request's lines in the open batch, and how it learns the outcome (made in its own request). */
interface Member {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Batch {
  queue: LineQueue;
  messages: LineMessage[];
  bytes: number;
  members: Member[];
  /** When its earliest timer fires (Date.now() scale). */
  deadline: number;
  sent: boolean;
}

/**
 * The records of concurrent requests sent to the queue together: a request's lines join the batch that is
 * open, which is sent when it is full (one sendBatch's 100 messages or 256 KB) or when its wait is over,
 * whichever comes first. Every request then awaits the send that carried its lines and learns its
 * outcome, so a refusal is still counted and logged per request and, with DECISION_RECORDS=required, still
 * refuses each answer whose record it lost. Under load one Queue operation carries many records instead of
 * one each: less work per request, fewer billed operations. Lines are serialised (and size-checked) by the
 * caller first, so one request's oversized line fails only that request.
 *
 * Each member's promise is made in its own request, and no timer is cleared from another request (a timer
 * that fires after its batch went finds nothing to do): requests share the batch, never each other's
 * promises or timers.
 */
export class CoalescedSends {
  private open: Batch | undefined;

  /**
   * `waitMs`: how long these lines may wait for company (0: only for requests already under way in this
   * isolate's event-loop turn). A batch goes when the earliest of its members' waits is over.
   */
  send(queue: LineQueue, messages: readonly LineMessage[], waitMs: number): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const bytes = messages.reduce((s, m) => s + m.bytes, 0);
    let batch = this.open;
    if (
      batch &&
      (batch.queue !== queue ||
        batch.messages.length + messages.length > QUEUE_LIMITS.batchMessages ||
        batch.bytes + bytes > QUEUE_LIMITS.batchBytes)
    ) {
      this.flush(batch);
      batch = undefined;
    }
    if (!batch) {
      batch = { queue, messages: [], bytes: 0, members: [], deadline: Number.POSITIVE_INFINITY, sent: false };
      this.open = batch;
    }
    const joined = batch;
    const outcome = new Promise<void>((resolve, reject) => joined.members.push({ resolve, reject }));
    joined.messages.push(...messages);
    joined.bytes += bytes;
    if (joined.messages.length >= QUEUE_LIMITS.batchMessages) this.flush(joined);
    else {
      // The earliest deadline wins: a later member never holds back one that may wait less.
      const deadline = Date.now() + waitMs;
      if (deadline < joined.deadline) {
        joined.deadline = deadline;
        setTimeout(() => this.flush(joined), waitMs);
      }
    }
    return outcome;
  }

  private flush(batch: Batch): void {
    if (batch.sent) return;
    batch.sent = true;
    if (this.open === batch) this.open = undefined;
    sendMessages(batch.queue, batch.messages).then(
      () => {
        for (const m of batch.members) m.resolve();
      },
      (error: unknown) => {
        for (const m of batch.members) m.reject(error);
      },
    );
  }
}
