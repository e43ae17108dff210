import { invalid } from "./api-failure.ts";
import type { RowsPage, TableRef } from "./duckdb-store.ts";
import { tableName } from "./duckdb-store.ts";

/** Without maxResults BigQuery caps a page by size (about 10 MB); the emulator caps it by rows. */
export const DEFAULT_PAGE_ROWS = 100_000;

export interface PageParams {
  maxResults?: string | null;
  pageToken?: string | null;
  startIndex?: string | null;
}

/** Page tokens are opaque to clients; this one names the table and the rowid to continue from. */
export function encodePageToken(ref: TableRef, rowId: number): string {
  return Buffer.from(JSON.stringify([tableName(ref), rowId])).toString("base64url");
}

function decodePageToken(token: string, ref: TableRef): number {
  try {
    const [table, rowId] = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as [string, number];
    if (table === tableName(ref) && Number.isInteger(rowId) && rowId >= 0) return rowId;
  } catch {
    // fall through to the API's answer for a token it did not issue
  }
  throw invalid(`Invalid page token: ${token}`);
}

export function pageStart(params: PageParams, ref: TableRef): { rowId: number } | { index: number } {
  if (params.pageToken) return { rowId: decodePageToken(params.pageToken, ref) };
  if (params.startIndex) return { index: nonNegative(params.startIndex, "startIndex") };
  return { rowId: 0 };
}

export function pageSize(params: PageParams): number {
  return params.maxResults ? nonNegative(params.maxResults, "maxResults") : DEFAULT_PAGE_ROWS;
}

function nonNegative(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw invalid(`Invalid value for ${name}: ${text}`);
  return value;
}

/** The page's part of a getQueryResults / tabledata.list answer; `rows` is left out when there are none. */
export function pageFields(page: RowsPage, ref: TableRef) {
  return {
    totalRows: String(page.totalRows),
    ...(page.nextRowId !== undefined ? { pageToken: encodePageToken(ref, page.nextRowId) } : {}),
    ...(page.rows.length > 0 ? { rows: page.rows.map((row) => ({ f: row.map((v) => ({ v })) })) } : {}),
  };
}
