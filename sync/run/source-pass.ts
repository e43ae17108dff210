import type { SnapshotSource } from "../source/snapshot-source.ts";
import type { VectorRow } from "../source/vector-row.ts";
import { Checksum } from "../store/checksum.ts";
import type { ClientIndex } from "../store/client-index.ts";
import { insertStatements } from "../store/vector-statements.ts";
import type { D1Limits } from "../target/d1-limits.ts";
import type { SyncIo } from "./sync-types.ts";
import type { VectorWriter } from "./vector-writer.ts";

/** What became of a base version's client in an incremental run. */
export const GONE = 0;
export const UNCHANGED = 1;
export const CHANGED = 2;

export interface SourcePass {
  /** Over every source row: what the stored version must add up to. */
  readonly checksum: Checksum;
  /** Rows inserted by this run. */
  readonly written: number;
  /** Incremental: base clients whose row changed, source clients not in the base. */
  readonly updated: number;
  readonly added: number;
  /** Incremental: GONE / UNCHANGED / CHANGED per base client, in the base index's order. */
  readonly baseState: Uint8Array | null;
}

export interface SourcePassOptions {
  readonly source: SnapshotSource;
  readonly pageSize: number;
  /** Rows the version already has (a resumed run): not written again. */
  readonly present: ClientIndex;
  /** Incremental: the active version, whose unchanged rows are copied rather than written. */
  readonly base: ClientIndex | null;
  readonly writer: VectorWriter;
  readonly limits: D1Limits;
  /** The version to write into, created on first need (an incremental run may need none). */
  readonly versionId: () => Promise<number>;
  /** Throws to stop the run (lost lease, interrupt). */
  readonly checkpoint: () => void;
  readonly io: SyncIo;
  readonly label: string;
}

/**
 * Read every source row once: add it to the checksum, and write it unless the version has it already or
 * (incremental) the base version holds the same row. Pages become write requests as they come, so reading
 * overlaps writing.
 */
export async function runSourcePass(options: SourcePassOptions): Promise<SourcePass> {
  const { source, present, base, writer } = options;
  const checksum = new Checksum();
  const baseState = base ? new Uint8Array(base.size) : null;
  let updated = 0;
  let added = 0;
  let written = 0;
  let processed = 0;
  const bar = options.io.progress({ label: options.label, total: source.stats.clients, unit: "clients" });
  try {
    for await (const page of source.rows(options.pageSize)) {
      options.checkpoint();
      const fresh: VectorRow[] = [];
      for (const row of page) {
        checksum.add(row);
        if (base && baseState) {
          const i = base.indexOf(row.clientId);
          if (i >= 0 && base.hashHi[i] === row.hashHi && base.hashLo[i] === row.hashLo) {
            baseState[i] = UNCHANGED;
            continue;
          }
          if (i >= 0) {
            baseState[i] = CHANGED;
            updated++;
          } else added++;
        }
        if (!present.has(row.clientId)) fresh.push(row);
      }
      if (fresh.length > 0) {
        const id = await options.versionId();
        for (const statement of insertStatements(id, fresh, options.limits)) await writer.add(statement);
        await writer.flush();
        written += fresh.length;
      }
      processed += page.length;
      bar.update(processed);
    }
    await writer.drain();
  } catch (error) {
    await writer.settle();
    throw error;
  } finally {
    bar.stop();
  }
  return { checksum, written, updated, added, baseState };
}
