import Papa from "papaparse";
import {
  APPLICATION_COLUMNS,
  type ApplicationRecord,
  type ApplicationValues,
} from "../../features/application/columns.ts";
import { UserError } from "../../lib/errors.ts";
import type { CsvChunk } from "./csv-chunks.ts";

/** One parsed row: the application's values in APPLICATION_COLUMNS order (what scoring reads by position). */
export interface ParsedApplication {
  /** 1-based line of the CSV file the row came from. */
  line: number;
  clientId: number;
  values: ApplicationValues;
}

/** The same with the application as a record, column name to value (for callers that read by name). */
export interface ApplicationRow {
  line: number;
  clientId: number;
  record: ApplicationRecord;
}

/** Where the id and each application column sit in the file's rows (resolved once, from the header). */
export interface RowLayout {
  id: number;
  /** Cell position of each APPLICATION_COLUMNS entry, in that order. */
  columns: number[];
  /** Cells per row. */
  width: number;
}

const REQUIRED = ["SK_ID_CURR", ...APPLICATION_COLUMNS.map((c) => c.name)];

/** The header row: every application column must be there; TARGET and unknown columns are ignored. */
export function applicationLayout(path: string, headerText: string): RowLayout {
  const header = (Papa.parse<string[]>(headerText).data[0] ?? []).map((h) => h.trim());
  if (header.length === 0 || (header.length === 1 && header[0] === ""))
    throw new UserError(`${path}: line 1: the file is empty`);
  const index = new Map(header.map((h, i) => [h, i]));
  const missing = REQUIRED.filter((c) => !index.has(c));
  if (missing.length)
    throw new UserError(
      `${path}: line 1: missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
    );
  return {
    id: index.get("SK_ID_CURR")!,
    columns: APPLICATION_COLUMNS.map((c) => index.get(c.name)!),
    width: header.length,
  };
}

function fail(path: string, line: number, column: string, cell: string, expected: string): never {
  throw new UserError(`${path}: line ${line}: column ${column}: "${cell}" is not ${expected}`);
}

function parseRow(path: string, line: number, cells: string[], layout: RowLayout): ParsedApplication {
  const idCell = cells[layout.id]!.trim();
  const clientId = Number(idCell);
  if (!idCell || !Number.isSafeInteger(clientId) || clientId <= 0)
    fail(path, line, "SK_ID_CURR", idCell, "a positive integer id");
  const values = new Array<number | string | null>(APPLICATION_COLUMNS.length);
  for (let c = 0; c < APPLICATION_COLUMNS.length; c++) {
    const column = APPLICATION_COLUMNS[c]!;
    const cell = cells[layout.columns[c]!]!.trim();
    if (cell === "") {
      values[c] = null;
    } else if (column.kind === "text") {
      values[c] = cell;
    } else {
      const value = Number(cell);
      if (!Number.isFinite(value)) fail(path, line, column.name, cell, "a number");
      if (column.kind === "int" && !Number.isInteger(value))
        fail(path, line, column.name, cell, "an integer");
      values[c] = value;
    }
  }
  return { line, clientId, values };
}

/** A parsed row with its application as a record (every column present, null when empty). */
export function withRecord(row: ParsedApplication): ApplicationRow {
  const record: Record<string, number | string | null | undefined> = {};
  APPLICATION_COLUMNS.forEach((c, i) => {
    record[c.name] = row.values[i];
  });
  return { line: row.line, clientId: row.clientId, record };
}

/**
 * The applications of one chunk of whole rows (csv-chunks.ts), parsed with Papa Parse: a row with the wrong
 * number of cells, a bad id or an unparsable value stops with the file's line and column named.
 */
export function parseApplicationChunk(path: string, chunk: CsvChunk, layout: RowLayout): ParsedApplication[] {
  const parsed = Papa.parse<string[]>(chunk.text, { skipEmptyLines: false });
  // Row i is line firstLine + i unless a quoted field spans lines: then there are fewer rows than lines,
  // and the breaks inside fields are counted. (Quotes alone, as in "Spouse, partner", break no line.)
  let breaks = 0;
  for (let k = chunk.text.indexOf("\n"); k !== -1; k = chunk.text.indexOf("\n", k + 1)) breaks++;
  const multiline = parsed.data.length !== breaks + 1;
  const rows: ParsedApplication[] = [];
  let line = chunk.firstLine;
  const lineOf = new Int32Array(parsed.data.length);
  parsed.data.forEach((cells, i) => {
    lineOf[i] = line;
    line += 1;
    if (multiline)
      for (const cell of cells)
        for (let k = cell.indexOf("\n"); k !== -1; k = cell.indexOf("\n", k + 1)) line++;
  });
  const error = parsed.errors.find((e) => e.type !== "Delimiter");
  if (error) {
    const at = error.row !== undefined && error.row < lineOf.length ? `line ${lineOf[error.row]}: ` : "";
    throw new UserError(`${path}: ${at}malformed CSV: ${error.message}`);
  }
  parsed.data.forEach((cells, i) => {
    if (cells.length === 1 && cells[0] === "") return; // an empty line (the file's last, typically)
    if (cells.length !== layout.width)
      throw new UserError(
        `${path}: line ${lineOf[i]}: malformed CSV: ${cells.length} cells where the header has ${layout.width}`,
      );
    rows.push(parseRow(path, lineOf[i]!, cells, layout));
  });
  return rows;
}
