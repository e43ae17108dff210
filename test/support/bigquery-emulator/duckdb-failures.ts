import { ApiFailure, invalid, invalidQuery, notFound } from "./api-failure.ts";
import { type FieldSchema, standardTypeName } from "./bigquery-types.ts";

const READ_ERROR = "Error while reading data, error message: ";

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** DuckDB prefixes its messages with the error class ("Binder Error: "); BigQuery's have no such prefix. */
function firstLine(message: string): string {
  return (message.split("\n")[0] ?? message).replace(/^[A-Za-z ]*Error: /, "");
}

export interface QueryContext {
  projectId: string;
  datasetId?: string;
  location: string;
}

/** A DuckDB error of a query job, in BigQuery's words: notFound for a missing table, else invalidQuery. */
export function queryFailure(error: unknown, context: QueryContext): ApiFailure {
  if (error instanceof ApiFailure) return error;
  const message = messageOf(error);
  const missingTable = /Table with name (\S+) does not exist/.exec(message)?.[1];
  if (missingTable) {
    if (!context.datasetId) {
      return invalidQuery(`Table "${missingTable}" must be qualified with a dataset (e.g. dataset.table).`);
    }
    return notFound(
      `Table ${context.projectId}:${context.datasetId}.${missingTable} was not found in location ${context.location}`,
    );
  }
  if (/^Parser Error/.test(message)) return invalidQuery(`Syntax error: ${firstLine(message)}`);
  const unknownColumn = /Referenced column "(.+?)" not found/.exec(message)?.[1];
  if (unknownColumn) return invalidQuery(`Unrecognized name: ${unknownColumn}`);
  return invalidQuery(firstLine(message));
}

/** BigQuery's wording for the ways DuckDB's strict CSV reader rejects a file, keeping DuckDB's line. */
function csvDetail(message: string, fields: readonly FieldSchema[], line: string): string {
  const conversion = /Error when converting column "(.+?)"\. Could not convert string "(.*?)" to/.exec(
    message,
  );
  if (conversion) {
    const [, column = "", value = ""] = conversion;
    const position = fields.findIndex((f) => f.name === column);
    const type = standardTypeName(fields[position]?.type ?? "STRING");
    return `Could not parse '${value}' as ${type} for field ${column} (position ${position}) starting at line ${line} with message 'Unable to parse'`;
  }
  if (/unterminated quote/i.test(message)) {
    return `Error detected while parsing row starting at line: ${line}. Error: Missing close double quote (") character.`;
  }
  const columns = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  if (columns) {
    const expected = Number(columns[1]);
    const found = Number(columns[2]);
    return found < expected
      ? `CSV table references column position ${found}, but line ${line} contains only ${found} columns.`
      : `Too many values in row starting at line: ${line}. Found ${found} column(s) while expected ${expected}.`;
  }
  return `${firstLine(message)} (line ${line})`;
}

/**
 * A failed load, shaped like BigQuery's: reason "invalid", the specific error (naming the line) as the
 * errorResult, and BigQuery's "too many errors, giving up" summary beside it in errors[].
 */
export function csvFailure(
  error: unknown,
  fields: readonly FieldSchema[],
  skipLeadingRows: number,
): ApiFailure {
  if (error instanceof ApiFailure) return error;
  const message = messageOf(error);
  const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
  if (!line) return invalid(`${READ_ERROR}${firstLine(message)}`);
  const detail = `${READ_ERROR}${csvDetail(message, fields, line)}`;
  const rows = Math.max(Number(line) - skipLeadingRows, 1);
  const summary = `${READ_ERROR}CSV processing encountered too many errors, giving up. Rows: ${rows}; errors: 1; max bad: 0; error percent: 0`;
  return new ApiFailure(400, "invalid", detail, [{ reason: "invalid", message: summary }]);
}

/** A failed newline-delimited JSON load, in BigQuery's wording. */
export function jsonFailure(error: unknown): ApiFailure {
  if (error instanceof ApiFailure) return error;
  return invalid(`${READ_ERROR}JSON parsing error: ${firstLine(messageOf(error))}`);
}
