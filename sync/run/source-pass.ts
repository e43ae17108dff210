import { shardOf } from "../../online-store/shard-layout.ts";
import type { SnapshotSource } from "../source/snapshot-source.ts";
import type { VectorRow } from "../source/vector-row.ts";
import { Checksum } from "../store/checksum.ts";
import type { ClientIndex } from "../store/client-index.ts";
import { deleteClientsStatement, insertStatements, type RowStatement } from "../store/vector-statements.ts";
import type { D1Limits } from "../target/d1-limits.ts";
import type { SyncIo } from "./sync-types.ts";

/** What became of a base version's client in an incremental run. */
export const GONE = 0;
export const UNCHANGED = 1;
export const CHANGED = 2;

/** Where a shard's row statements go: D1's query API (VectorWriter) or an import file (ImportWriter). */
export interface RowSink {
  /** Rows queued and not yet sent. */
  readonly pendingRows: number;
  add(statement: RowStatement): Promise<void>;
  /** A page boundary: send what is queued. */
  flush(): Promise<void>;
  /** Send the rest and wait for every request; throws the first failure. */
  drain(): Promise<void>;
  /** Wait for open requests without sending more (after a failure elsewhere). */
  settle(): Promise<void>;
}

/** One shard's side of the pass: what it has, what it is compared with, where its rows go. */
export interface ShardPass {
  readonly shard: number;
  /** Rows the version already has on this shard (a resumed run): written again only if they differ. */
  readonly present: ClientIndex;
  /** Incremental: this shard's rows of the active version, whose unchanged rows are copied. */
  readonly base: ClientIndex | null;
  readonly sink: RowSink;
}

export interface ShardPassResult {
  readonly shard: number;
  /** Over this shard's source rows: what its stored rows must add up to. */
  readonly checksum: Checksum;
  /** Rows this run wrote (inserted or rewritten), and present rows it deleted (gone from the source). */
  readonly written: number;
  readonly deleted: number;
  readonly updated: number;
  readonly added: number;
  /** Incremental: GONE / UNCHANGED / CHANGED per base client, in the base index's order. */
  readonly baseState: Uint8Array | null;
}

export interface SourcePass {
  /** Over every source row. */
  readonly checksum: Checksum;
  readonly shards: readonly ShardPassResult[];
  readonly written: number;
  readonly updated: number;
  readonly added: number;
}

export interface SourcePassOptions {
  readonly source: SnapshotSource;
  /** The source's pages, if already started (prefetch.ts); else `source.rows(pageSize)`. */
  readonly pages?: AsyncIterable<readonly VectorRow[]>;
  readonly pageSize: number;
  /** In shard order, one per shard of the layout. */
  readonly shards: readonly ShardPass[];
  readonly limits: D1Limits;
  /** The version to write into, created on first need (an incremental run may need none). */
  readonly versionId: () => Promise<number>;
  /** Throws to stop the run (lost lease, interrupt). */
  readonly checkpoint: () => void;
  readonly io: SyncIo;
  readonly label: string;
  /** Shown beside the bar: what runs alongside the pass (an incremental run's copy). */
  readonly status?: () => string;
}

interface ShardState {
  readonly pass: ShardPass;
  readonly checksum: Checksum;
  readonly seen: Uint8Array;
  readonly baseState: Uint8Array | null;
  fresh: VectorRow[];
  written: number;
  updated: number;
  added: number;
}

/**
 * Read every source row once: route it to its shard (shardOf), add it to that shard's checksum, and write it
 * unless the version holds the same row already or (incremental) the base version does. Present rows the
 * source lacks are deleted (a resumed run repairs what an earlier one left). Pages become write requests as
 * they come, so reading overlaps writing, on every shard at once.
 */
export async function runSourcePass(options: SourcePassOptions): Promise<SourcePass> {
  const { source } = options;
  const shardCount = options.shards.length;
  const total = new Checksum();
  const states: ShardState[] = options.shards.map((pass) => ({
    pass,
    checksum: new Checksum(),
    seen: new Uint8Array(pass.present.size),
    baseState: pass.base ? new Uint8Array(pass.base.size) : null,
    fresh: [],
    written: 0,
    updated: 0,
    added: 0,
  }));
  let processed = 0;
  const bar = options.io.progress({ label: options.label, total: source.stats.clients, unit: "clients" });
  const settleAll = () => Promise.all(states.map((s) => s.pass.sink.settle()));
  try {
    for await (const page of options.pages ?? source.rows(options.pageSize)) {
      options.checkpoint();
      for (const row of page) {
        total.add(row);
        const state = states[shardOf(row.clientId, shardCount)]!;
        state.checksum.add(row);
        const { base, present } = state.pass;
        if (base && state.baseState) {
          const i = base.indexOf(row.clientId);
          if (i >= 0 && base.hashHi[i] === row.hashHi && base.hashLo[i] === row.hashLo) {
            state.baseState[i] = UNCHANGED;
            const p = present.indexOf(row.clientId);
            if (p >= 0) state.seen[p] = 1;
            continue;
          }
          if (i >= 0) {
            state.baseState[i] = CHANGED;
            state.updated++;
          } else state.added++;
        }
        const p = present.indexOf(row.clientId);
        if (p >= 0) {
          state.seen[p] = 1;
          if (present.hashHi[p] === row.hashHi && present.hashLo[p] === row.hashLo) continue;
        }
        state.fresh.push(row);
      }
      for (const state of states) {
        if (state.fresh.length === 0) continue;
        const id = await options.versionId();
        const { sink } = state.pass;
        // At most a page's worth of rows per request: a shard with few rows per page (many shards, or an
        // incremental run's scattered changes) waits for more rather than sending a request per page.
        if (sink.pendingRows + state.fresh.length > options.pageSize) await sink.flush();
        for (const statement of insertStatements(id, state.fresh, options.limits)) await sink.add(statement);
        if (sink.pendingRows >= options.pageSize) await sink.flush();
        state.written += state.fresh.length;
        state.fresh = [];
      }
      processed += page.length;
      bar.update(processed);
      if (options.status) bar.status(options.status());
    }
    const deleted = await deleteGone(states, options);
    await Promise.all(states.map((s) => s.pass.sink.drain()));
    return {
      checksum: total,
      shards: states.map((s, i) => ({
        shard: s.pass.shard,
        checksum: s.checksum,
        written: s.written,
        deleted: deleted[i]!,
        updated: s.updated,
        added: s.added,
        baseState: s.baseState,
      })),
      written: states.reduce((n, s) => n + s.written, 0),
      updated: states.reduce((n, s) => n + s.updated, 0),
      added: states.reduce((n, s) => n + s.added, 0),
    };
  } catch (error) {
    await settleAll();
    throw error;
  } finally {
    bar.stop();
  }
}

/** Rows a resumed version holds for clients the source no longer has. */
async function deleteGone(states: readonly ShardState[], options: SourcePassOptions): Promise<number[]> {
  const counts: number[] = [];
  for (const state of states) {
    const { present } = state.pass;
    const gone: number[] = [];
    for (let i = 0; i < present.size; i++) if (state.seen[i] === 0) gone.push(present.ids[i]!);
    for (let start = 0; start < gone.length; start += 1000) {
      const id = await options.versionId();
      await state.pass.sink.add(deleteClientsStatement(id, gone.slice(start, start + 1000)));
    }
    counts.push(gone.length);
  }
  return counts;
}
