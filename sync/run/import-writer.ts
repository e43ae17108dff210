import { createHash, type Hash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RowStatement } from "../store/vector-statements.ts";
import type { D1Importer } from "../target/d1-import.ts";
import type { TargetDatabase } from "../target/d1-target.ts";
import type { RowSink } from "./source-pass.ts";

interface OpenFile {
  readonly path: string;
  readonly handle: FileHandle;
  readonly md5: Hash;
  bytes: number;
  rows: number;
}

export interface ImportWriterOptions {
  readonly importer: D1Importer;
  readonly database: TargetDatabase;
  /** Close a file and import it once it holds this many bytes. */
  readonly fileBytes: number;
  /** Called before each import starts: throws to stop (a lost lease, an interrupt). */
  readonly beforeImport: () => Promise<void>;
  readonly onImported?: (rows: number, bytes: number) => void;
}

/**
 * A shard's rows as SQL files for D1's import API: statements are appended to a temporary file (one per
 * line, with its MD5 kept as it grows); a file that reaches `fileBytes` is imported while the next one
 * fills. One import at a time per database, as D1 runs them; at most one file waits behind it, so a source
 * faster than the imports waits rather than filling the disk. Files are deleted once imported.
 */
export class ImportWriter implements RowSink {
  private readonly dir = mkdtempSync(join(tmpdir(), "credit-edge-import-"));
  private file: OpenFile | undefined;
  private count = 0;
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  private failure: unknown;
  private closed = false;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: ImportWriterOptions) {}

  /** Rows go to the file at once: nothing waits for a flush. */
  readonly pendingRows = 0;

  async add(statement: RowStatement): Promise<void> {
    this.rethrow();
    const file = this.file ?? (await this.openFile());
    const line = `${statement.sql};\n`;
    file.md5.update(line);
    await file.handle.write(line);
    file.bytes += Buffer.byteLength(line);
    file.rows += statement.rows;
    if (file.bytes >= this.options.fileBytes) await this.closeAndImport();
  }

  /** Files are cut by size, not by page. */
  async flush(): Promise<void> {
    this.rethrow();
  }

  async drain(): Promise<void> {
    try {
      if (this.file) await this.closeAndImport();
      await this.settled();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
    this.rethrow();
  }

  async settle(): Promise<void> {
    this.closed = true;
    if (this.file) {
      await this.file.handle.close();
      this.file = undefined;
    }
    await this.settled();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Until no import is running or queued (one queued while we waited is waited for too). */
  private async settled(): Promise<void> {
    for (;;) {
      const chain = this.chain;
      await chain.catch(() => {});
      if (chain === this.chain && this.pending === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  private async openFile(): Promise<OpenFile> {
    const path = join(this.dir, `${this.options.database.binding}-${++this.count}.sql`);
    this.file = { path, handle: await open(path, "w"), md5: createHash("md5"), bytes: 0, rows: 0 };
    return this.file;
  }

  private async closeAndImport(): Promise<void> {
    const file = this.file!;
    this.file = undefined;
    await file.handle.close();
    const md5 = file.md5.digest("hex");
    while (this.pending >= 2) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.rethrow();
    if (this.closed) {
      rmSync(file.path, { force: true });
      return;
    }
    this.pending++;
    const { importer, database } = this.options;
    this.chain = this.chain.then(async () => {
      try {
        if (this.failure !== undefined) return;
        await this.options.beforeImport();
        await importer.importFile(database.databaseId, database.client.description, {
          path: file.path,
          md5,
          bytes: file.bytes,
        });
        this.options.onImported?.(file.rows, file.bytes);
      } catch (error) {
        this.failure ??= error;
      } finally {
        rmSync(file.path, { force: true });
        this.pending--;
        this.waiting.shift()?.();
      }
    });
  }

  private rethrow(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
