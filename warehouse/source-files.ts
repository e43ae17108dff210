import { createReadStream, existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { createGunzip } from "node:zlib";
import { parse } from "csv-parse/sync";
import { UserError } from "../lib/errors.ts";
import type { TableSpec } from "./tables.ts";
import type { SourceFile } from "./warehouse.ts";

/** Read the first line of a CSV (plain or gzip) without reading the rest. */
async function readHeaderLine(path: string): Promise<string> {
  const raw = createReadStream(path, { highWaterMark: 64 * 1024 });
  const stream = path.endsWith(".gz") ? raw.pipe(createGunzip()) : raw;
  let text = "";
  try {
    for await (const chunk of stream) {
      text += (chunk as Buffer).toString("utf8");
      const end = text.indexOf("\n");
      if (end >= 0) return text.slice(0, end).replace(/\r$/, "");
      if (text.length > 1_000_000) break;
    }
  } catch (error) {
    throw new UserError(`${path}: cannot read the file (${(error as Error).message})`);
  } finally {
    raw.destroy();
  }
  if (text.length > 0 && text.length <= 1_000_000) return text.replace(/\r$/, "");
  throw new UserError(`${path}: line 1: no CSV header line found`);
}

export async function readCsvHeader(path: string): Promise<string[]> {
  const line = await readHeaderLine(path);
  let fields: string[];
  try {
    [fields = []] = parse(line, { relax_column_count: true, bom: true }) as string[][];
  } catch (error) {
    throw new UserError(`${path}: line 1: malformed CSV header (${(error as Error).message})`);
  }
  return fields.map((f) => f.trim());
}

function findFile(dataDir: string, stems: readonly string[]): string | undefined {
  for (const stem of stems) {
    for (const ext of [".csv", ".csv.gz"]) {
      const candidate = join(dataDir, stem + ext);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * Find and check the files of one table in `dataDir`: every required source present, every column of the
 * spec in the header (except those a source may lack). Extra columns are fine and ignored.
 */
export async function resolveSourceFiles(dataDir: string, spec: TableSpec): Promise<SourceFile[]> {
  const dir = resolve(dataDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(`data directory not found: ${dir}`);
  }
  const files: SourceFile[] = [];
  for (const source of spec.sources) {
    const path = findFile(dir, source.stems);
    if (!path) {
      if (source.optional) continue;
      const names = source.stems.flatMap((s) => [`${s}.csv`, `${s}.csv.gz`]).join(", ");
      throw new UserError(`table ${spec.name}: no file in ${dir} (looked for ${names})`);
    }
    const header = await readCsvHeader(path);
    const present = new Set(header);
    const optional = new Set(source.optionalColumns ?? []);
    const missing = spec.columns.map(([name]) => name).filter((name) => !present.has(name));
    const missingRequired = missing.filter((name) => !optional.has(name));
    if (missingRequired.length > 0) {
      throw new UserError(
        `${path}: line 1: header lacks column${missingRequired.length > 1 ? "s" : ""} ${missingRequired.join(", ")} required by table ${spec.name}`,
      );
    }
    files.push({ path, bytes: statSync(path).size, header, missingOptional: missing });
  }
  return files;
}
