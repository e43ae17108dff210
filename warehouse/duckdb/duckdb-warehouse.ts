import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { UserError } from "../../lib/errors.ts";
import type { ProgressFactory } from "../../lib/progress.ts";
import { DUCKDB_TYPES, type TableSpec } from "../tables.ts";
import type { ColumnInfo, NewColumn, RowPage, SourceFile, Value, Warehouse } from "../warehouse.ts";
import { columnKindOf } from "./column-kind.ts";
import { DUCKDB_BIGQUERY_COMPAT, DUCKDB_BIGQUERY_TYPES } from "./compat.ts";
import { type DoubleVector, doubleVectorOf } from "./double-columns.ts";

export interface DuckDbOptions {
  /** Database file, or ":memory:". */
  path: string;
  /** DuckDB memory_limit, e.g. "3GB": keeps the full-size build inside its budget by spilling to disk. */
  memoryLimit?: string;
  threads?: number;
  /**
   * Open without the write lock: any number of read-only processes may share the file (never beside a
   * writer). The file must already hold the type aliases (a built warehouse does).
   */
  readOnly?: boolean;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteString = (text: string) => `'${text.replaceAll("'", "''")}'`;

function toValue(value: unknown): Value {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") return value;
  return String(value);
}

/** DuckDB's CSV errors already name the line; keep that and the one-line reason, prefixed by the file. */
function csvError(file: string, error: unknown): UserError {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message.split("\n").map((l) => l.trim());
  const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
  const reason =
    lines.find((l) =>
      /^(Error when converting|Value with|Expected Number of Columns|Could not convert|Invalid unicode)/.test(
        l,
      ),
    ) ??
    lines[0]?.replace(/^[A-Za-z ]*Error: /, "") ??
    message;
  return new UserError(`${file}: ${line ? `line ${line}: ` : ""}malformed CSV: ${reason}`, 1, {
    cause: error,
  });
}

export class DuckDbWarehouse implements Warehouse {
  readonly kind = "duckdb";

  private constructor(
    readonly location: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(options: DuckDbOptions): Promise<DuckDbWarehouse> {
    if (options.path !== ":memory:" && !options.readOnly)
      mkdirSync(dirname(options.path), { recursive: true });
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(options.path, {
        memory_limit: options.memoryLimit ?? "3GB",
        threads: String(options.threads ?? 2),
        // Loads and aggregates need no row order; dropping it lets DuckDB stream big tables in less memory.
        preserve_insertion_order: "false",
        ...(options.readOnly ? { access_mode: "READ_ONLY" } : {}),
      });
    } catch (error) {
      throw new UserError(`cannot open the DuckDB warehouse at ${options.path}: ${(error as Error).message}`);
    }
    const connection = await instance.connect();
    for (const statement of DUCKDB_BIGQUERY_COMPAT) await connection.run(statement);
    for (const [alias, type] of options.readOnly ? [] : Object.entries(DUCKDB_BIGQUERY_TYPES)) {
      const exists = await connection.runAndReadAll(
        `SELECT count(*) FROM duckdb_types() WHERE upper(type_name) = ${quoteString(alias)}`,
      );
      if (Number(exists.getRows()[0]?.[0]) === 0) await connection.run(`CREATE TYPE ${alias} AS ${type}`);
    }
    return new DuckDbWarehouse(options.path, instance, connection);
  }

  private fileSelect(spec: TableSpec, file: SourceFile): string {
    const kinds = new Map(spec.columns);
    // The header was read and checked already, so the dialect and columns are known: no sniffing, which
    // makes loads faster and errors point at the real offending line. Unknown extra columns load as text.
    const columns = file.header
      .map((name) => {
        const kind = kinds.get(name);
        return `${quoteString(name)}: ${quoteString(kind ? DUCKDB_TYPES[kind] : "VARCHAR")}`;
      })
      .join(", ");
    const missing = new Set(file.missingOptional);
    const select = spec.columns
      .map(([name, kind]) =>
        missing.has(name) ? `CAST(NULL AS ${DUCKDB_TYPES[kind]}) AS ${quoteIdent(name)}` : quoteIdent(name),
      )
      .join(", ");
    return `SELECT ${select} FROM read_csv(${quoteString(file.path)}, auto_detect = false, header = true, delim = ',', quote = '"', escape = '"', strict_mode = true, columns = {${columns}})`;
  }

  async loadTable(spec: TableSpec, files: readonly SourceFile[], progress: ProgressFactory): Promise<number> {
    const totalBytes = files.reduce((sum, f) => sum + f.bytes, 0);
    const bar = progress({ label: `ingest ${spec.name}`, total: totalBytes, unit: "bytes" });
    const staged = `${spec.name}__loading`;
    try {
      // Load into a staging table first so a malformed file leaves the previous table intact.
      await this.connection.run(`DROP TABLE IF EXISTS ${quoteIdent(staged)}`);
      let doneBytes = 0;
      for (const [index, file] of files.entries()) {
        bar.status(file.path.split("/").pop() ?? file.path);
        const sql =
          index === 0
            ? `CREATE TABLE ${quoteIdent(staged)} AS ${this.fileSelect(spec, file)}`
            : `INSERT INTO ${quoteIdent(staged)} ${this.fileSelect(spec, file)}`;
        const poll = setInterval(() => {
          const pct = this.connection.progress.percentage;
          if (pct > 0) bar.update(doneBytes + Math.round((file.bytes * Math.min(pct, 100)) / 100));
        }, 250);
        try {
          await this.connection.run(sql);
        } catch (error) {
          throw csvError(file.path, error);
        } finally {
          clearInterval(poll);
        }
        doneBytes += file.bytes;
        bar.update(doneBytes);
      }
      await this.connection.run("BEGIN TRANSACTION");
      await this.connection.run(`DROP TABLE IF EXISTS ${quoteIdent(spec.name)}`);
      await this.connection.run(`ALTER TABLE ${quoteIdent(staged)} RENAME TO ${quoteIdent(spec.name)}`);
      await this.connection.run("COMMIT");
      const count = await this.connection.runAndReadAll(`SELECT count(*) FROM ${quoteIdent(spec.name)}`);
      return Number(count.getRows()[0]?.[0] ?? 0);
    } catch (error) {
      await this.connection.run(`DROP TABLE IF EXISTS ${quoteIdent(staged)}`).catch(() => {});
      throw error;
    } finally {
      bar.stop();
    }
  }

  async createTableAs(name: string, selectSql: string): Promise<void> {
    await this.connection.run(`CREATE OR REPLACE TABLE ${quoteIdent(name)} AS ${selectSql}`);
  }

  async writeTable(
    name: string,
    columns: readonly NewColumn[],
    rows: readonly (readonly Value[])[],
  ): Promise<void> {
    const types = { int: "BIGINT", float: "DOUBLE", text: "VARCHAR", bool: "BOOLEAN" } as const;
    const staged = `${name}__writing`;
    await this.connection.run(
      `CREATE OR REPLACE TABLE ${quoteIdent(staged)} (${columns.map((c) => `${quoteIdent(c.name)} ${types[c.kind]}`).join(", ")})`,
    );
    const appender = await this.connection.createAppender(staged);
    for (const row of rows) {
      columns.forEach((column, i) => {
        const value = row[i] ?? null;
        if (value === null) appender.appendNull();
        else if (column.kind === "int") appender.appendBigInt(BigInt(value as number));
        else if (column.kind === "float") appender.appendDouble(value as number);
        else if (column.kind === "bool") appender.appendBoolean(value as boolean);
        else appender.appendVarchar(String(value));
      });
      appender.endRow();
    }
    appender.closeSync();
    await this.connection.run("BEGIN TRANSACTION");
    await this.connection.run(`DROP TABLE IF EXISTS ${quoteIdent(name)}`);
    await this.connection.run(`ALTER TABLE ${quoteIdent(staged)} RENAME TO ${quoteIdent(name)}`);
    await this.connection.run("COMMIT");
  }

  async query(sql: string): Promise<RowPage> {
    const result = await this.connection.runAndReadAll(sql);
    const rows = (await result.getRowsJS()).map((row) => row.map(toValue));
    return { columns: result.columnNames(), rows };
  }

  /**
   * A query whose every column is DOUBLE, chunk by chunk as DuckDB's own vectors (values and validity, no
   * copy: valid only until the next chunk is asked for): the fast path for wide numeric reads (offline
   * scoring's history lookup). On a connection of its own: a query run on the shared
   * one while this streams (a lookup started while the history is read whole) would end the stream early.
   */
  async *scanDoubleColumns(sql: string): AsyncIterable<{ rowCount: number; columns: DoubleVector[] }> {
    const connection = await this.instance.connect();
    try {
      const result = await connection.stream(sql);
      const count = result.columnCount;
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) return;
        yield {
          rowCount: chunk.rowCount,
          columns: Array.from({ length: count }, (_, c) => doubleVectorOf(chunk, c)),
        };
      }
    } finally {
      connection.closeSync();
    }
  }

  async *scan(sql: string, pageSize: number): AsyncIterable<RowPage> {
    const result = await this.connection.stream(sql);
    const columns = result.columnNames();
    let rows: Value[][] = [];
    for await (const chunkRows of result.yieldRowsJs()) {
      for (const row of chunkRows) rows.push(row.map(toValue));
      if (rows.length >= pageSize) {
        yield { columns, rows };
        rows = [];
      }
    }
    if (rows.length > 0) yield { columns, rows };
  }

  async columns(table: string): Promise<readonly ColumnInfo[]> {
    const exists = await this.connection.runAndReadAll(
      `SELECT count(*) FROM duckdb_tables() WHERE table_name = ${quoteString(table)}`,
    );
    if (Number(exists.getRows()[0]?.[0]) === 0) return [];
    const result = await this.connection.runAndReadAll(`SELECT * FROM ${quoteIdent(table)} LIMIT 0`);
    return result.columnNames().map((name, i) => {
      const type = result.columnType(i);
      return { name, type: type.toString(), kind: columnKindOf(type) };
    });
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
