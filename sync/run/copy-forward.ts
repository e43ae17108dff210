import type { ClientIndex } from "../store/client-index.ts";
import { copyStatement, deleteClientsStatement } from "../store/vector-statements.ts";
import { GONE, UNCHANGED } from "./source-pass.ts";
import type { VectorWriter } from "./vector-writer.ts";

/** Base rows per copy statement, and copy statements per request: bounded transactions in D1. */
const COPY_RANGE_ROWS = 5_000;
const COPIES_PER_REQUEST = 4;
/** Ids per delete of clients the source no longer has. */
const DELETE_IDS = 1_000;

/**
 * Carry the base version's unchanged clients into the new one, inside D1, after the changed and added
 * clients were written: the base is copied in ranges of COPY_RANGE_ROWS consecutive clients (in id order),
 * each one INSERT ... SELECT that skips the rows the new version already has, so the changed clients keep
 * their new rows; then the clients the source no longer has are deleted from the new version. The number of
 * statements depends on the base's size only, not on how the changes are scattered (5 % changed clients
 * spread evenly made one statement per changed client when ranges stopped at each change). Returns how many
 * unchanged rows were carried forward.
 */
export async function copyUnchanged(
  base: ClientIndex,
  baseState: Uint8Array,
  fromId: number,
  toId: number,
  writer: VectorWriter,
  /** Called with the base rows each copy statement covered. */
  progress: (rows: number) => void,
): Promise<number> {
  const unchanged = baseState.reduce((n, s) => n + (s === UNCHANGED ? 1 : 0), 0);
  if (unchanged === 0 && !baseState.includes(GONE)) return 0;
  let statements = 0;
  try {
    for (let start = 0; start < base.size; start += COPY_RANGE_ROWS) {
      const end = Math.min(base.size, start + COPY_RANGE_ROWS) - 1;
      await writer.add(copyStatement(fromId, toId, base.ids[start]!, base.ids[end]!, end - start + 1));
      if (++statements % COPIES_PER_REQUEST === 0) await writer.flush();
      progress(end - start + 1);
    }
    // Every copy lands before the deletes run (requests may otherwise be in flight side by side).
    await writer.drain();
    // Copied with the rest: the clients gone from the source leave the new version again.
    const gone: number[] = [];
    for (let i = 0; i < base.size; i++) if (baseState[i] === GONE) gone.push(base.ids[i]!);
    for (let i = 0; i < gone.length; i += DELETE_IDS) {
      await writer.add(deleteClientsStatement(toId, gone.slice(i, i + DELETE_IDS)));
    }
    await writer.drain();
  } catch (error) {
    await writer.settle();
    throw error;
  }
  return unchanged;
}
