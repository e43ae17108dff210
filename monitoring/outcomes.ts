import { createReadStream, existsSync } from "node:fs";
import { parse } from "csv-parse";
import { UserError } from "../lib/errors.ts";
import type { NewColumn, Value, Warehouse } from "../warehouse/warehouse.ts";

/** Realised outcomes for back-testing: one row per client (the latest load wins). */
export const OUTCOMES_TABLE = "outcomes";

const COLUMNS: NewColumn[] = [
  { name: "SK_ID_CURR", kind: "int" },
  { name: "TARGET", kind: "int" },
  { name: "as_of", kind: "text" },
  { name: "loaded_at", kind: "text" },
];

/** Read `SK_ID_CURR,TARGET[,as_of]` (header required); every bad cell stops with its line and column. */
export async function readOutcomes(path: string): Promise<Value[][]> {
  if (!existsSync(path)) throw new UserError(`outcomes file not found: ${path}`);
  const parser = createReadStream(path).pipe(
    parse({ bom: true, skip_empty_lines: true, info: true, trim: true }),
  );
  const rows: Value[][] = [];
  const loadedAt = new Date().toISOString();
  let header: string[] | undefined;
  const seen = new Map<number, number>();
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      if (!header) {
        header = record;
        for (const required of ["SK_ID_CURR", "TARGET"])
          if (!header.includes(required))
            throw new UserError(
              `${path}: line 1: missing column ${required} (expected SK_ID_CURR,TARGET[,as_of])`,
            );
        continue;
      }
      const cell = (name: string) => record[header!.indexOf(name)] ?? "";
      const fail = (column: string, expected: string): never => {
        throw new UserError(
          `${path}: line ${info.lines}: column ${column}: "${cell(column)}" is not ${expected}`,
        );
      };
      const id = Number(cell("SK_ID_CURR"));
      if (!Number.isSafeInteger(id) || id <= 0) fail("SK_ID_CURR", "a positive integer id");
      const target = cell("TARGET");
      if (target !== "0" && target !== "1") fail("TARGET", "0 or 1");
      let asOf: string | null = null;
      if (header.includes("as_of") && cell("as_of") !== "") {
        const t = Date.parse(cell("as_of"));
        if (Number.isNaN(t)) fail("as_of", "an ISO 8601 date or time");
        asOf = new Date(t).toISOString();
      }
      if (seen.has(id))
        throw new UserError(`${path}: line ${info.lines}: client ${id} is already on line ${seen.get(id)}`);
      seen.set(id, info.lines);
      rows.push([id, Number(target), asOf, loadedAt]);
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${path}: malformed CSV: ${(error as Error).message}`);
  }
  if (!header) throw new UserError(`${path}: line 1: the file is empty`);
  return rows;
}

/** Merge outcomes into the table: clients in the file replace their earlier rows. Returns the table's size. */
export async function loadOutcomes(warehouse: Warehouse, rows: readonly Value[][]): Promise<number> {
  if ((await warehouse.columns(OUTCOMES_TABLE)).length === 0)
    await warehouse.writeTable(OUTCOMES_TABLE, COLUMNS, []);
  const staging = `${OUTCOMES_TABLE}__loading`;
  await warehouse.writeTable(staging, COLUMNS, rows);
  await warehouse.query(
    `DELETE FROM ${OUTCOMES_TABLE} WHERE SK_ID_CURR IN (SELECT SK_ID_CURR FROM ${staging})`,
  );
  await warehouse.query(
    `INSERT INTO ${OUTCOMES_TABLE} (SK_ID_CURR, TARGET, as_of, loaded_at) SELECT SK_ID_CURR, TARGET, as_of, loaded_at FROM ${staging}`,
  );
  await warehouse.query(`DROP TABLE IF EXISTS ${staging}`);
  return Number((await warehouse.query(`SELECT COUNT(*) FROM ${OUTCOMES_TABLE}`)).rows[0]?.[0] ?? 0);
}
