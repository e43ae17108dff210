import type { HistoryLookup } from "./history-lookup.ts";

/**
 * One warehouse query at a time, and every chunk that asked while it ran served by the next one together:
 * a query over a wide feature table has a large fixed cost (~60 ms in DuckDB for 651 columns), so chunks
 * waiting in line share it instead of paying it each.
 */
export class CoalescedLookups {
  private waiting: {
    ids: Float64Array;
    resolve: (m: Map<number, Float64Array>) => void;
    reject: (e: unknown) => void;
  }[] = [];
  private running = false;

  constructor(private readonly lookup: HistoryLookup | undefined) {}

  fetch(ids: Float64Array): Promise<Map<number, Float64Array>> {
    const lookup = this.lookup;
    // A chunk of new applicants only never waits behind another chunk's query.
    if (!lookup || !ids.some((id) => lookup.mayHold(id))) return Promise.resolve(new Map());
    return new Promise((resolve, reject) => {
      this.waiting.push({ ids, resolve, reject });
      if (!this.running) void this.next();
    });
  }

  private async next(): Promise<void> {
    this.running = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        const found = await this.lookup!.fetch(batch.flatMap((b) => Array.from(b.ids)));
        for (const b of batch) b.resolve(found);
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    this.running = false;
  }
}
