import { readFileSync } from "node:fs";
import { descendants } from "./process-memory.ts";

/** Linux's USER_HZ: /proc's CPU times are in these ticks. */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) so far of a process and its descendants, summed by command name (workerd,
 * wrangler's node threads show as their own names), from /proc/<pid>/stat.
 */
export function treeCpuByName(rootPid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const pid of [rootPid, ...descendants(rootPid)]) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      // After the name: state is field 3, utime field 14 and stime field 15 of the whole line.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
      byName.set(name, (byName.get(name) ?? 0) + seconds);
    } catch {
      // The process ended while we looked.
    }
  }
  return byName;
}

/** What a process tree spent between two readings, by name (names absent at the end count as 0). */
export function cpuSpent(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...after].map(([name, s]) => [name, s - (before.get(name) ?? 0)]));
}
