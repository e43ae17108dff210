import type { ClientIndex } from "../store/client-index.ts";
import { copyStatement } from "../store/vector-statements.ts";
import { UNCHANGED } from "./source-pass.ts";
import type { SyncIo } from "./sync-types.ts";
import type { VectorWriter } from "./vector-writer.ts";

/** Base rows per copy statement, and copy statements per request: bounded transactions in D1. */
const COPY_RANGE_ROWS = 2_000;
const COPIES_PER_REQUEST = 10;

/**
 * Copy the base version's unchanged clients into the new one: each run of consecutive unchanged clients
 * (in id order) is one INSERT ... SELECT inside D1, so only changed clients ever cross the network.
 * Returns how many rows were copied.
 */
export async function copyUnchanged(
  base: ClientIndex,
  baseState: Uint8Array,
  fromId: number,
  toId: number,
  writer: VectorWriter,
  io: SyncIo,
): Promise<number> {
  const unchanged = baseState.reduce((n, s) => n + (s === UNCHANGED ? 1 : 0), 0);
  const bar = io.progress({ label: "copy unchanged", total: unchanged, unit: "clients" });
  let copied = 0;
  let statements = 0;
  let start = -1;
  const emit = async (end: number) => {
    if (start < 0) return;
    const rows = end - start + 1;
    await writer.add(copyStatement(fromId, toId, base.ids[start]!, base.ids[end]!, rows));
    copied += rows;
    start = -1;
    if (++statements % COPIES_PER_REQUEST === 0) await writer.flush();
    bar.update(copied);
  };
  try {
    for (let i = 0; i < base.size; i++) {
      // A gone or changed client ends the run: a range must hold nothing but rows to copy.
      if (baseState[i] !== UNCHANGED) {
        await emit(i - 1);
        continue;
      }
      if (start < 0) start = i;
      if (i - start + 1 === COPY_RANGE_ROWS) await emit(i);
    }
    await emit(base.size - 1);
    await writer.drain();
  } catch (error) {
    await writer.settle();
    throw error;
  } finally {
    bar.stop();
  }
  return copied;
}
