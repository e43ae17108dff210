import type { RecordLine } from "../record/schema.ts";
import { QUEUE_LIMITS } from "./queues.ts";

/** The part of a Queue binding the sender uses. */
export interface LineQueue {
  sendBatch(messages: Iterable<MessageSendRequest<RecordLine>>): Promise<unknown>;
}

/** Headroom for the queue's own per-message overhead in the batch size limit. */
const OVERHEAD_BYTES = 256;

/**
 * Send record lines, one message per line, in as few sendBatch calls as Cloudflare's limits allow
 * (100 messages, 256 KB per call; 128 KB per message). A line too large for one message is refused here,
 * by name, rather than by the queue.
 */
export async function sendLines(queue: LineQueue, lines: readonly RecordLine[]): Promise<void> {
  let batch: MessageSendRequest<RecordLine>[] = [];
  let bytes = 0;
  const calls: Promise<unknown>[] = [];
  const flush = () => {
    if (batch.length) calls.push(queue.sendBatch(batch));
    batch = [];
    bytes = 0;
  };
  for (const line of lines) {
    // UTF-8 bytes of the JSON body are at most 3 per UTF-16 unit; records are ASCII but for text values.
    const size = JSON.stringify(line).length + OVERHEAD_BYTES;
    if (size > QUEUE_LIMITS.messageBytes)
      throw new Error(
        `the ${line.record_type} record of item ${line.item} is ${size} bytes, over the queue's ${QUEUE_LIMITS.messageBytes}-byte message limit`,
      );
    if (batch.length === QUEUE_LIMITS.batchMessages || bytes + size > QUEUE_LIMITS.batchBytes) flush();
    batch.push({ body: line, contentType: "json" });
    bytes += size;
  }
  flush();
  await Promise.all(calls);
}
