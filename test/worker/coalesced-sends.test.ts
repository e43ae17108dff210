import { describe, expect, it } from "vitest";
import { CoalescedSends, STALE_BATCH_MS } from "../../decisions/worker/coalesced-sends.ts";
import { QUEUE_LIMITS } from "../../decisions/worker/queues.ts";
import type { LineMessage, LineQueue } from "../../decisions/worker/send-lines.ts";

// Best-effort records of concurrent requests share Queue operations: the request that opened a batch sends
// it and reports a refusal to every member; no member waits on another's send.

const message = (body: string, bytes = 100): LineMessage => ({
  message: { body, contentType: "text" },
  bytes,
});

function recordingQueue(fail?: Error) {
  const calls: string[][] = [];
  const queue: LineQueue = {
    sendBatch: async (messages) => {
      calls.push([...messages].map((m) => m.body));
      if (fail) throw fail;
    },
  };
  return { queue, calls };
}

const never = () => {
  throw new Error("no failure expected");
};

describe("coalesced record sends", () => {
  it("sends the lines of requests within one wait in one sendBatch, by the request that opened it", async () => {
    const sends = new CoalescedSends();
    const { queue, calls } = recordingQueue();
    const opened = sends.send(queue, [message("a1"), message("a2")], 20, never);
    expect(opened).toBeInstanceOf(Promise);
    // Joining requests are done at once: they wait on nobody's send.
    expect(sends.send(queue, [message("b1")], 20, never)).toBeUndefined();
    expect(calls).toHaveLength(0);
    await opened;
    expect(calls).toEqual([["a1", "a2", "b1"]]);
    // The batch is gone: the next lines open a new one.
    const next = sends.send(queue, [message("c1")], 0, never);
    expect(next).toBeInstanceOf(Promise);
    await next;
    expect(calls).toEqual([["a1", "a2", "b1"], ["c1"]]);
  });

  it("opens a new batch when the lines would not fit in one sendBatch (messages or bytes)", async () => {
    const sends = new CoalescedSends();
    const { queue, calls } = recordingQueue();
    const full = Array.from({ length: QUEUE_LIMITS.batchMessages }, (_, i) => message(`m${i}`));
    const first = sends.send(queue, full, 10, never);
    const second = sends.send(queue, [message("one more")], 10, never);
    expect(second).toBeInstanceOf(Promise);
    const half = Math.floor(QUEUE_LIMITS.batchBytes / 2) + 1;
    const third = sends.send(queue, [message("big", half)], 10, never);
    expect(third).toBeUndefined(); // joins "one more"
    const fourth = sends.send(queue, [message("big2", half)], 10, never);
    expect(fourth).toBeInstanceOf(Promise);
    await Promise.all([first, second, fourth]);
    expect(calls.map((c) => c.length)).toEqual([QUEUE_LIMITS.batchMessages, 2, 1]);
  });

  it("reports a refusal to every member, and keeps batches of different queues apart", async () => {
    const sends = new CoalescedSends();
    const refusing = recordingQueue(new Error("Queue send failed: backlog"));
    const working = recordingQueue();
    const reports: string[] = [];
    const report = (who: string) => (error: unknown) => reports.push(`${who}: ${(error as Error).message}`);
    const a = sends.send(refusing.queue, [message("a")], 10, report("a"));
    sends.send(refusing.queue, [message("b")], 10, report("b"));
    const c = sends.send(working.queue, [message("c")], 10, report("c"));
    await a; // never rejects: refusals go to the reports
    await c;
    expect(reports).toEqual(["a: Queue send failed: backlog", "b: Queue send failed: backlog"]);
    expect(refusing.calls).toEqual([["a", "b"]]);
    expect(working.calls).toEqual([["c"]]);
  });

  it("takes members only while its wait lasts, and tells them when its opener never sent it", async () => {
    let now = 1_000;
    // The opener's timer never fires: the runtime ended that request (past its CPU limit, say).
    const sends = new CoalescedSends({ now: () => now, after: () => new Promise(() => {}) });
    const { queue, calls } = recordingQueue();
    const reports: string[] = [];
    const report = (who: string) => (error: unknown) => reports.push(`${who}: ${(error as Error).message}`);
    expect(sends.send(queue, [message("opener")], 50, report("opener"))).toBeInstanceOf(Promise);
    now += 20;
    expect(sends.send(queue, [message("member")], 50, report("member"))).toBeUndefined();
    now += 100; // past the wait: a new batch, not the dead one
    expect(sends.send(queue, [message("later")], 50, report("later"))).toBeInstanceOf(Promise);
    expect(reports).toEqual([]);
    now += STALE_BATCH_MS + 1_000;
    sends.send(queue, [message("much later")], 50, report("much later"));
    // Both unsent batches are stale by now: each of their requests is told, once.
    expect(reports.map((r) => r.split(":")[0])).toEqual(["opener", "member", "later"]);
    expect(reports[0]).toMatch(/ended before sending it/);
    sends.send(queue, [message("again")], 50, report("again"));
    expect(reports).toHaveLength(3);
    expect(calls).toEqual([]);
  });
});
