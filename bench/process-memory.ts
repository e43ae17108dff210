import { readdirSync, readFileSync } from "node:fs";

/** The parent of every live process, from /proc (Linux). */
function processParents(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command name (field 2) may contain spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  return parents;
}

function rss(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return Number(kb ?? 0) * 1024;
  } catch {
    return 0;
  }
}

export function descendants(rootPid: number): number[] {
  const parents = processParents();
  const found: number[] = [];
  const visit = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent !== pid) continue;
      found.push(child);
      visit(child);
    }
  };
  visit(rootPid);
  return found;
}

/** Resident memory of a process and its descendants (the sync CLI and its workerd), read from /proc. */
export function treeRss(rootPid: number): { root: number; children: number } {
  return { root: rss(rootPid), children: descendants(rootPid).reduce((n, pid) => n + rss(pid), 0) };
}

/** Resident memory of the descendants of `rootPid` named `name` (e.g. wrangler dev's workerd), or null if none. */
export function namedDescendantRss(rootPid: number, name: string): number | null {
  const named = descendants(rootPid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === name;
    } catch {
      return false;
    }
  });
  return named.length ? named.reduce((n, pid) => n + rss(pid), 0) : null;
}

export interface RssSample {
  readonly atMs: number;
  readonly root: number;
  readonly children: number;
}

/** Samples a process tree's RSS every `everyMs` until stopped. */
export class TreeRssSampler {
  readonly samples: RssSample[] = [];
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    everyMs = 250,
  ) {
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  private sample(): void {
    const { root, children } = treeRss(this.pid);
    if (root > 0) this.samples.push({ atMs: performance.now() - this.started, root, children });
  }

  stop(): RssSample[] {
    clearInterval(this.timer);
    return this.samples;
  }
}
