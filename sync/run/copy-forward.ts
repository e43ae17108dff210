import type { ClientIndex } from "../store/client-index.ts";
import { copyStatement, deleteClientsStatement } from "../store/vector-statements.ts";
import { GONE, UNCHANGED } from "./source-pass.ts";
import type { VectorWriter } from "./vector-writer.ts";

/** Base rows per copy statement, and copy statements per request: bounded transactions in D1. */
const COPY_RANGE_ROWS = 5_000;
const COPIES_PER_REQUEST = 4;
/** Ids per delete of clients the source no longer has. */
const DELETE_IDS = 1_000;

export interface CopyForwardOptions {
  /** Per shard: the base version's rows there, and the writer the copy uses (its own, not the pass's). */
  readonly shards: readonly { readonly base: ClientIndex; readonly writer: VectorWriter }[];
  readonly fromId: number;
  /** Called with the base rows each copy statement covered. */
  readonly progress: (rows: number) => void;
}

/**
 * Carry an incremental run's base version into the new one inside D1, on every shard at once, while the
 * source pass is still writing the changed and added clients: the base is copied in ranges of
 * COPY_RANGE_ROWS consecutive clients (id order), each one INSERT ... SELECT that skips rows the new version
 * already has, and a changed client's row is an upsert. Whichever lands first, the new version ends with
 * the changed client's new row, so the copy need not wait for the pass to know what changed. Only once both
 * are done are the clients the source no longer has deleted again (finish). The number of statements
 * depends on the base's size only, not on how the changes are scattered.
 */
export class CopyForward {
  private running: Promise<void> | null = null;
  private failure: unknown;
  private stopped = false;

  constructor(private readonly options: CopyForwardOptions) {}

  get started(): boolean {
    return this.running !== null;
  }

  /** Start copying into version `toId` (once; later calls do nothing). Failures surface in finish. */
  start(toId: number): void {
    if (this.running) return;
    this.running = Promise.all(
      this.options.shards.map(({ base, writer }) => this.copyShard(base, writer, toId)),
    ).then(
      () => {},
      (error: unknown) => {
        this.failure ??= error;
      },
    );
  }

  /**
   * Start the copy if the pass never needed the version before, wait for it, then delete the clients gone
   * from the source. Returns, per shard, how many unchanged rows were carried forward.
   */
  async finish(toId: number, baseStates: readonly Uint8Array[]): Promise<number[]> {
    const needed = baseStates.some((s) => s.includes(UNCHANGED) || s.includes(GONE));
    if (needed) this.start(toId);
    await this.running;
    if (this.failure !== undefined) throw this.failure;
    return Promise.all(
      this.options.shards.map(async ({ base, writer }, i) => {
        const state = baseStates[i]!;
        const gone: number[] = [];
        for (let r = 0; r < base.size; r++) if (state[r] === GONE) gone.push(base.ids[r]!);
        try {
          for (let at = 0; at < gone.length; at += DELETE_IDS)
            await writer.add(deleteClientsStatement(toId, gone.slice(at, at + DELETE_IDS)));
          await writer.drain();
        } catch (error) {
          await writer.settle();
          throw error;
        }
        return state.reduce((n, s) => n + (s === UNCHANGED ? 1 : 0), 0);
      }),
    );
  }

  /** After a failure elsewhere: let open copy requests end, without sending more. */
  async settle(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.options.shards.map(({ writer }) => writer.settle()));
    await this.running;
  }

  private async copyShard(base: ClientIndex, writer: VectorWriter, toId: number): Promise<void> {
    const { fromId, progress } = this.options;
    let statements = 0;
    try {
      for (let start = 0; start < base.size; start += COPY_RANGE_ROWS) {
        if (this.stopped) return;
        const end = Math.min(base.size, start + COPY_RANGE_ROWS) - 1;
        await writer.add(copyStatement(fromId, toId, base.ids[start]!, base.ids[end]!, end - start + 1));
        if (++statements % COPIES_PER_REQUEST === 0) await writer.flush();
        progress(end - start + 1);
      }
      await writer.drain();
    } catch (error) {
      await writer.settle();
      throw error;
    }
  }
}
