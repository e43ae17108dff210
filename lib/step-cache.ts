import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Remembers the fingerprint of each step's inputs, so `npm start` can skip steps whose inputs did not
 * change. The state lives beside the data it describes (in the gitignored state folder).
 */
export class StepCache {
  private readonly state: Record<string, string>;

  constructor(private readonly path: string) {
    this.state = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Record<string, string>) : {};
  }

  isFresh(step: string, fingerprint: string): boolean {
    return this.state[step] === fingerprint;
  }

  record(step: string, fingerprint: string): void {
    this.state[step] = fingerprint;
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(this.path, `${JSON.stringify(this.state, null, 2)}\n`);
  }

  forget(step: string): void {
    delete this.state[step];
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(this.path, `${JSON.stringify(this.state, null, 2)}\n`);
  }
}

/** A fingerprint builder: file contents, folder listings (name, size, mtime) and plain values. */
export class Fingerprint {
  private readonly hash = createHash("sha256");

  files(paths: readonly string[]): this {
    for (const path of paths)
      this.hash.update(path).update(existsSync(path) ? readFileSync(path) : "missing");
    return this;
  }

  /** Source files under a folder, by content. */
  sources(dir: string, pattern: RegExp): this {
    const walk = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true })
        .sort((a, b) => a.name.localeCompare(b.name))
        .flatMap((e) =>
          e.isDirectory() ? walk(join(d, e.name)) : pattern.test(e.name) ? [join(d, e.name)] : [],
        );
    return this.files(walk(dir));
  }

  /** Large data files by name, size and modification time (reading gigabytes to hash them is not worth it). */
  listing(dir: string): this {
    if (!existsSync(dir)) return this.value(`${dir}: missing`);
    for (const name of readdirSync(dir).sort()) {
      const s = statSync(join(dir, name));
      this.hash.update(`${name}:${s.size}:${s.mtimeMs}`);
    }
    return this;
  }

  value(text: string): this {
    this.hash.update(text);
    return this;
  }

  digest(): string {
    return this.hash.digest("hex").slice(0, 16);
  }
}
