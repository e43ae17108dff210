import { dayOf, lineKey, partitionPrefix, type RecordLine } from "./schema.ts";

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

export async function contentKey(prefix: string, identities: readonly string[]): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(identities.join("\n")));
  return `${prefix}${hex(digest).slice(0, 32)}.ndjson`;
}

/**
 * One NDJSON object per UTC day of the batch's lines, named by a hash of the (line type, request_id, item)
 * it holds, lines sorted by that identity and each identity once. A batch delivered again writes the same
 * object with the same bytes: writing is idempotent on (request_id, item). A line that arrives in two
 * different batches (at-least-once delivery) is stored twice; `decisions pull` keeps one.
 */
export async function ndjsonObjects(
  lines: readonly RecordLine[],
  /** Each line as already serialised (the queue message's text), one JSON line each; else stringified here. */
  texts?: readonly string[],
): Promise<{ key: string; body: string; count: number }[]> {
  const byDay = new Map<string, Map<string, string>>();
  lines.forEach((line, i) => {
    const day = dayOf(line.decided_at);
    const lineMap = byDay.get(day) ?? new Map<string, string>();
    byDay.set(day, lineMap);
    const key = lineKey(line);
    if (!lineMap.has(key)) lineMap.set(key, texts?.[i] ?? JSON.stringify(line));
  });
  return Promise.all(
    [...byDay.entries()].map(async ([day, unique]) => {
      const keys = [...unique.keys()].sort();
      const body = keys.map((k) => unique.get(k)).join("\n");
      return { key: await contentKey(partitionPrefix(day), keys), body: `${body}\n`, count: keys.length };
    }),
  );
}
