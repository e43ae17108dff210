import Papa from "papaparse";
import { APPLICATION_COLUMNS, type ApplicationRecord } from "../../features/application/columns.ts";
import { UserError } from "../../lib/errors.ts";
import type { CsvChunk } from "./csv-chunks.ts";

export interface ApplicationRow {
  /** 1-based line of the CSV file the row came from. */
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

/**
 * Every application column, null: each row's record starts as a copy, so all records share one shape
 * (assigning ~120 keys one by one to an empty object leaves V8 a slow dictionary per row).
 */
const EMPTY_RECORD: Readonly<Record<string, number | string | null>> = Object.fromEntries(
  APPLICATION_COLUMNS.map((c) => [c.name, null]),
);

function fail(path: string, line: number, column: string, cell: string, expected: string): never {
  throw new UserError(`${path}: line ${line}: column ${column}: "${cell}" is not ${expected}`);
}

function parseRow(path: string, line: number, cells: string[], layout: RowLayout): ApplicationRow {
  const idCell = cells[layout.id]!.trim();
  const clientId = Number(idCell);
  if (!idCell || !Number.isSafeInteger(clientId) || clientId <= 0)
    fail(path, line, "SK_ID_CURR", idCell, "a positive integer id");
  const record: Record<string, number | string | null> = { ...EMPTY_RECORD };
  for (let c = 0; c < APPLICATION_COLUMNS.length; c++) {
    const column = APPLICATION_COLUMNS[c]!;
    const cell = cells[layout.columns[c]!]!.trim();
    if (cell === "") continue;
    if (column.kind === "text") {
      record[column.name] = cell;
    } else {
      const value = Number(cell);
      if (!Number.isFinite(value)) fail(path, line, column.name, cell, "a number");
      if (column.kind === "int" && !Number.isInteger(value))
        fail(path, line, column.name, cell, "an integer");
      record[column.name] = value;
    }
  }
  return { line, clientId, record };
}

/**
 * The applications of one chunk of whole rows (csv-chunks.ts), parsed with Papa Parse: a row with the wrong
 * number of cells, a bad id or an unparsable value stops with the file's line and column named.
 */
export function parseApplicationChunk(path: string, chunk: CsvChunk, layout: RowLayout): ApplicationRow[] {
  const parsed = Papa.parse<string[]>(chunk.text, { skipEmptyLines: false });
  // Row i is line firstLine + i unless a quoted field spans lines: then there are fewer rows than lines,
  // and the breaks inside fields are counted. (Quotes alone, as in "Spouse, partner", break no line.)
  let breaks = 0;
  for (let k = chunk.text.indexOf("\n"); k !== -1; k = chunk.text.indexOf("\n", k + 1)) breaks++;
  const multiline = parsed.data.length !== breaks + 1;
  const rows: ApplicationRow[] = [];
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
