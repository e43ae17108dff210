import { createReadStream, existsSync } from "node:fs";
import { createGunzip } from "node:zlib";
import { parse } from "csv-parse";
import { APPLICATION_COLUMNS, type ApplicationRecord } from "../../features/application/columns.ts";
import { UserError } from "../../lib/errors.ts";

export interface ApplicationRow {
  /** 1-based line of the CSV file the row came from. */
  line: number;
  clientId: number;
  record: ApplicationRecord;
}

const REQUIRED = ["SK_ID_CURR", ...APPLICATION_COLUMNS.map((c) => c.name)];

/**
 * Stream applications from a CSV in application_train/test layout (plain or .gz). TARGET and unknown
 * columns are ignored; a missing column or an unparsable value stops with the line and column named.
 */
export async function* readApplications(path: string, batchSize = 4096): AsyncGenerator<ApplicationRow[]> {
  if (!existsSync(path)) throw new UserError(`input file not found: ${path}`);
  const raw = createReadStream(path);
  const parser = parse({ bom: true, relax_column_count: false, skip_empty_lines: true, info: true });
  (path.endsWith(".gz") ? raw.pipe(createGunzip()) : raw).pipe(parser);
  let header: string[] | undefined;
  let layout: RowLayout | undefined;
  let batch: ApplicationRow[] = [];
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      if (!header) {
        header = record.map((h) => h.trim());
        const index = new Map(header.map((h, i) => [h, i]));
        const missing = REQUIRED.filter((c) => !index.has(c));
        if (missing.length)
          throw new UserError(
            `${path}: line 1: missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
          );
        layout = {
          id: index.get("SK_ID_CURR")!,
          columns: APPLICATION_COLUMNS.map((c) => index.get(c.name)!),
        };
        continue;
      }
      batch.push(parseRow(path, info.lines, record, layout!));
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    const e = error as { message: string; lines?: number };
    throw new UserError(`${path}: ${e.lines ? `line ${e.lines}: ` : ""}malformed CSV: ${e.message}`);
  } finally {
    raw.destroy();
  }
  if (!header) throw new UserError(`${path}: line 1: the file is empty`);
  if (batch.length) yield batch;
}

/** Where the id and each application column sit in the file's rows (resolved once, from the header). */
interface RowLayout {
  id: number;
  /** Cell position of each APPLICATION_COLUMNS entry, in that order. */
  columns: number[];
}

function parseRow(path: string, line: number, cells: string[], layout: RowLayout): ApplicationRow {
  const fail = (column: string, cell: string, expected: string): never => {
    throw new UserError(`${path}: line ${line}: column ${column}: "${cell}" is not ${expected}`);
  };
  const idCell = cells[layout.id]!.trim();
  const clientId = Number(idCell);
  if (!idCell || !Number.isSafeInteger(clientId) || clientId <= 0)
    fail("SK_ID_CURR", idCell, "a positive integer id");
  const record: Record<string, number | string | null> = {};
  for (let c = 0; c < APPLICATION_COLUMNS.length; c++) {
    const column = APPLICATION_COLUMNS[c]!;
    const cell = cells[layout.columns[c]!]!.trim();
    if (cell === "") {
      record[column.name] = null;
    } else if (column.kind === "text") {
      record[column.name] = cell;
    } else {
      const value = Number(cell);
      if (!Number.isFinite(value)) fail(column.name, cell, "a number");
      if (column.kind === "int" && !Number.isInteger(value)) fail(column.name, cell, "an integer");
      record[column.name] = value;
    }
  }
  return { line, clientId, record };
}
