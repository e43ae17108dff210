import { describe, expect, it } from "vitest";
import { CoalescedSends } from "../../decisions/worker/coalesced-sends.ts";
import { QUEUE_LIMITS } from "../../decisions/worker/queues.ts";
import type { LineMessage, LineQueue } from "../../decisions/worker/send-lines.ts";

// The records of concurrent requests share Queue operations; each request still learns its own outcome.

const message = (body: string, bytes = 100): LineMessage => ({
  message: { body, contentType: "text" },
  bytes,
});

function recordingQueue(fail?: Error) {
  const calls: { at: number; bodies: string[] }[] = [];
  const queue: LineQueue = {
    sendBatch: async (messages) => {
      calls.push({ at: performance.now(), bodies: [...messages].map((m) => m.body) });
      if (fail) throw fail;
    },
  };
  return { queue, calls };
}

describe("coalesced record sends", () => {
  it("sends the lines of requests within one wait in one sendBatch, and every request learns it was sent", async () => {
    const sends = new CoalescedSends();
    const { queue, calls } = recordingQueue();
    const a = sends.send(queue, [message("a1"), message("a2")], 30);
    const b = sends.send(queue, [message("b1")], 30);
    expect(calls).toHaveLength(0);
    await Promise.all([a, b]);
    expect(calls.map((c) => c.bodies)).toEqual([["a1", "a2", "b1"]]);
  });

  it("never holds back lines that may not wait: a member with no wait sends the batch at once", async () => {
    const sends = new CoalescedSends();
    const { queue, calls } = recordingQueue();
    const started = performance.now();
    const slow = sends.send(queue, [message("best-effort")], 5_000);
    await sends.send(queue, [message("required")], 0);
    await slow;
    expect(calls.map((c) => c.bodies)).toEqual([["best-effort", "required"]]);
    expect(calls[0]!.at - started).toBeLessThan(4_000);
  });

  it("sends a batch as soon as it is full, within the queue's message and byte limits", async () => {
    const sends = new CoalescedSends();
    const { queue, calls } = recordingQueue();
    const full = Array.from({ length: QUEUE_LIMITS.batchMessages }, (_, i) => message(`m${i}`));
    const first = sends.send(queue, full, 60_000);
    expect(calls).toHaveLength(1);
    await first;
    // Two sends whose bytes together exceed one call's limit go in two calls.
    const half = Math.floor(QUEUE_LIMITS.batchBytes / 2) + 1;
    const x = sends.send(queue, [message("big1", half)], 10);
    const y = sends.send(queue, [message("big2", half)], 10);
    await Promise.all([x, y]);
    expect(calls.map((c) => c.bodies.length)).toEqual([QUEUE_LIMITS.batchMessages, 1, 1]);
  });

  it("tells every request in a refused batch, and keeps batches of different queues apart", async () => {
    const sends = new CoalescedSends();
    const refusing = recordingQueue(new Error("Queue send failed: backlog"));
    const working = recordingQueue();
    const a = sends.send(refusing.queue, [message("a")], 20);
    const b = sends.send(refusing.queue, [message("b")], 20);
    const c = sends.send(working.queue, [message("c")], 20);
    await expect(a).rejects.toThrow(/backlog/);
    await expect(b).rejects.toThrow(/backlog/);
    await c;
    expect(refusing.calls.map((x) => x.bodies)).toEqual([["a", "b"]]);
    expect(working.calls.map((x) => x.bodies)).toEqual([["c"]]);
  });
});
