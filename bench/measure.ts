/** Shared by the bench scripts: wall time and peak resident memory of this process (DuckDB included). */
export class PeakMemory {
  private peak = process.memoryUsage.rss();
  private readonly timer = setInterval(() => this.sample(), 50);

  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}

export const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
export const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
