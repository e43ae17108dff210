import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { DUCKDB_BIGQUERY_COMPAT, DUCKDB_BIGQUERY_TYPES } from "../../../warehouse/duckdb/compat.ts";
import { duplicate, invalid, notFound } from "./api-failure.ts";
import { duckTypeForLoad, type FieldSchema, restTypeOf, restValue } from "./bigquery-types.ts";
import { csvFailure, jsonFailure, queryFailure } from "./duckdb-failures.ts";

/**
 * The emulator's storage: one in-memory DuckDB, one attached catalog per project and one schema per
 * dataset, so `project.dataset.table` maps onto DuckDB's `catalog.schema.table` and a query job's default
 * dataset is simply `USE catalog.schema`.
 */

export interface TableRef {
  projectId: string;
  datasetId: string;
  tableId: string;
}

export interface DatasetMeta {
  location: string;
  creationTime: number;
}

export type WriteDisposition = "WRITE_TRUNCATE" | "WRITE_APPEND" | "WRITE_EMPTY";
export type CreateDisposition = "CREATE_IF_NEEDED" | "CREATE_NEVER";

export interface QueryRun {
  projectId: string;
  location: string;
  sql: string;
  defaultDataset?: { projectId: string; datasetId: string };
  /** Where a SELECT's rows go; anonymous results use a hidden dataset, as BigQuery does. */
  destination: TableRef;
  writeDisposition: WriteDisposition;
  createDisposition: CreateDisposition;
}

export interface QueryOutcome {
  statementType: string;
  /** The table holding the result rows (SELECT only). */
  resultTable?: TableRef;
  affectedRows?: number;
}

export interface CsvFormat {
  sourceFormat: "CSV";
  skipLeadingRows: number;
  delimiter: string;
  quote: string;
  nullMarker?: string;
  allowJaggedRows: boolean;
}

export interface FileLoad {
  path: string;
  gzip: boolean;
  format: CsvFormat | { sourceFormat: "NEWLINE_DELIMITED_JSON" };
  destination: TableRef;
  /** The job's schema; without one the existing table's is used. */
  fields?: readonly FieldSchema[];
  writeDisposition: WriteDisposition;
  createDisposition: CreateDisposition;
}

export interface RowsPage {
  fields: FieldSchema[];
  totalRows: number;
  rows: (string | null)[][];
  /** The rowid to continue from, when rows remain. */
  nextRowId?: number;
}

export const ANONYMOUS_DATASET = "_emulator_anonymous";

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
const qualified = (ref: TableRef) => `${ident(ref.projectId)}.${ident(ref.datasetId)}.${ident(ref.tableId)}`;
export const tableName = (ref: TableRef) => `${ref.projectId}:${ref.datasetId}.${ref.tableId}`;

/** BigQuery's statementType for a query's first keyword(s). */
function statementTypeOf(sql: string): string {
  const text = sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, " ").trim();
  const words = text.split(/\s+/, 4).map((w) => w.toUpperCase().replace(/\W+$/, ""));
  const [first = "", second = "", third = ""] = words;
  if (first === "SELECT" || first === "WITH" || first.startsWith("(")) return "SELECT";
  if (first === "CREATE" || first === "DROP") {
    const object = second === "OR" ? words[3] : second === "TEMP" || second === "TEMPORARY" ? third : second;
    return `${first}_${object ?? "TABLE"}`;
  }
  return first;
}

/** The DuckDB reader for an uploaded file, typed by the job's schema (no sniffing, strict CSV). */
function readerSql(load: FileLoad, fields: readonly FieldSchema[]): string {
  const columns = `{${fields.map((f) => `${literal(f.name)}: ${literal(duckTypeForLoad(f))}`).join(", ")}}`;
  // Uploads are stored without an extension, so DuckDB's detection by name says "not compressed".
  const compression = load.gzip ? ", compression = 'gzip'" : "";
  const format = load.format;
  if (format.sourceFormat === "NEWLINE_DELIMITED_JSON") {
    return `SELECT * FROM read_json(${literal(load.path)}, format = 'newline_delimited', columns = ${columns}${compression})`;
  }
  const options = [
    "auto_detect = false",
    "header = false",
    `skip = ${format.skipLeadingRows}`,
    `delim = ${literal(format.delimiter)}`,
    `quote = ${literal(format.quote)}`,
    `escape = ${literal(format.quote)}`,
    "strict_mode = true",
    `columns = ${columns}`,
    ...(format.nullMarker !== undefined ? [`nullstr = ${literal(format.nullMarker)}`] : []),
    ...(format.allowJaggedRows ? ["null_padding = true"] : []),
  ];
  return `SELECT * FROM read_csv(${literal(load.path)}, ${options.join(", ")}${compression})`;
}

export class DuckStore {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly attached = new Set<string>();
  private readonly datasets = new Map<string, DatasetMeta>();
  private readonly anonymousTables: TableRef[] = [];

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(): Promise<DuckStore> {
    const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
    const connection = await instance.connect();
    // Temp macros live in the temp catalog, which every catalog's queries see.
    for (const statement of DUCKDB_BIGQUERY_COMPAT) await connection.run(statement);
    return new DuckStore(instance, connection);
  }

  /** One operation at a time on the one connection: a USE and the statement after it must not interleave. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => {});
    return result;
  }

  private async attach(projectId: string): Promise<void> {
    if (this.attached.has(projectId)) return;
    await this.connection.run(`ATTACH ':memory:' AS ${ident(projectId)}`);
    this.attached.add(projectId);
  }

  private async count(sql: string): Promise<number> {
    const result = await this.connection.runAndReadAll(sql);
    return Number(result.getRows()[0]?.[0] ?? 0);
  }

  private async schemaExists(projectId: string, datasetId: string): Promise<boolean> {
    await this.attach(projectId);
    return (
      (await this.count(
        `SELECT count(*) FROM duckdb_schemas() WHERE database_name = ${literal(projectId)} AND schema_name = ${literal(datasetId)}`,
      )) > 0
    );
  }

  private async tableExists(ref: TableRef): Promise<boolean> {
    await this.attach(ref.projectId);
    return (
      (await this.count(
        `SELECT count(*) FROM duckdb_tables() WHERE database_name = ${literal(ref.projectId)} AND schema_name = ${literal(ref.datasetId)} AND table_name = ${literal(ref.tableId)}`,
      )) > 0
    );
  }

  private async requireDataset(projectId: string, datasetId: string, location?: string): Promise<void> {
    if (await this.schemaExists(projectId, datasetId)) return;
    throw notFound(
      `Dataset ${projectId}:${datasetId}${location ? ` was not found in location ${location}` : ""}`,
    );
  }

  private async createSchema(projectId: string, datasetId: string): Promise<void> {
    const schema = `${ident(projectId)}.${ident(datasetId)}`;
    await this.connection.run(`CREATE SCHEMA ${schema}`);
    // Type aliases are schema-scoped, and a query job resolves names in its default dataset's schema.
    for (const [alias, type] of Object.entries(DUCKDB_BIGQUERY_TYPES)) {
      await this.connection.run(`CREATE TYPE ${schema}.${ident(alias)} AS ${type}`);
    }
  }

  private async fieldsOf(ref: TableRef): Promise<FieldSchema[]> {
    const result = await this.connection.runAndReadAll(`SELECT * FROM ${qualified(ref)} LIMIT 0`);
    return result
      .columnNames()
      .map((name, i) => ({ name, type: restTypeOf(result.columnType(i)), mode: "NULLABLE" }));
  }

  datasetMeta(projectId: string, datasetId: string): DatasetMeta | undefined {
    return this.datasets.get(`${projectId}:${datasetId}`);
  }

  hasDataset(projectId: string, datasetId: string): Promise<boolean> {
    return this.exclusive(() => this.schemaExists(projectId, datasetId));
  }

  /** Creates the dataset; false if it already existed. */
  createDataset(projectId: string, datasetId: string, location: string): Promise<boolean> {
    return this.exclusive(async () => {
      if (await this.schemaExists(projectId, datasetId)) return false;
      await this.createSchema(projectId, datasetId);
      this.datasets.set(`${projectId}:${datasetId}`, { location, creationTime: Date.now() });
      return true;
    });
  }

  deleteDataset(projectId: string, datasetId: string, deleteContents: boolean): Promise<void> {
    return this.exclusive(async () => {
      await this.requireDataset(projectId, datasetId);
      const tables = await this.count(
        `SELECT count(*) FROM duckdb_tables() WHERE database_name = ${literal(projectId)} AND schema_name = ${literal(datasetId)}`,
      );
      if (tables > 0 && !deleteContents) {
        throw invalid(`Dataset ${projectId}:${datasetId} is still in use`);
      }
      await this.connection.run(`DROP SCHEMA ${ident(projectId)}.${ident(datasetId)} CASCADE`);
      this.datasets.delete(`${projectId}:${datasetId}`);
    });
  }

  tableInfo(ref: TableRef): Promise<{ fields: FieldSchema[]; numRows: number } | undefined> {
    return this.exclusive(async () => {
      if (!(await this.tableExists(ref))) return undefined;
      return {
        fields: await this.fieldsOf(ref),
        numRows: await this.count(`SELECT count(*) FROM ${qualified(ref)}`),
      };
    });
  }

  /** Drops the table; false if there was none. */
  deleteTable(ref: TableRef): Promise<boolean> {
    return this.exclusive(async () => {
      if (!(await this.tableExists(ref))) return false;
      await this.connection.run(`DROP TABLE ${qualified(ref)}`);
      return true;
    });
  }

  /** Checks the dispositions against the destination; true if the table exists. */
  private async prepareDestination(
    ref: TableRef,
    writeDisposition: WriteDisposition,
    createDisposition: CreateDisposition,
  ): Promise<boolean> {
    const exists = await this.tableExists(ref);
    if (!exists && createDisposition === "CREATE_NEVER") throw notFound(`Table ${tableName(ref)}`);
    if (
      exists &&
      writeDisposition === "WRITE_EMPTY" &&
      (await this.count(`SELECT count(*) FROM ${qualified(ref)}`)) > 0
    ) {
      throw duplicate(`Table ${tableName(ref)}`);
    }
    return exists;
  }

  runQuery(run: QueryRun): Promise<QueryOutcome> {
    return this.exclusive(async () => {
      const context = {
        projectId: run.defaultDataset?.projectId ?? run.projectId,
        datasetId: run.defaultDataset?.datasetId,
        location: run.location,
      };
      try {
        await this.attach(run.projectId);
        if (run.defaultDataset) {
          await this.requireDataset(run.defaultDataset.projectId, run.defaultDataset.datasetId, run.location);
          await this.connection.run(
            `USE ${ident(run.defaultDataset.projectId)}.${ident(run.defaultDataset.datasetId)}`,
          );
        }
        const statementType = statementTypeOf(run.sql);
        const sql = run.sql.replace(/[\s;]+$/, "");
        if (statementType !== "SELECT") {
          const result = await this.connection.run(sql);
          return { statementType, affectedRows: result.rowsChanged };
        }
        const dest = run.destination;
        if (dest.datasetId === ANONYMOUS_DATASET) {
          if (!(await this.schemaExists(dest.projectId, dest.datasetId)))
            await this.createSchema(dest.projectId, dest.datasetId);
          await this.rememberAnonymous(dest);
        } else {
          await this.requireDataset(dest.projectId, dest.datasetId, run.location);
        }
        const exists = await this.prepareDestination(dest, run.writeDisposition, run.createDisposition);
        // The newline keeps a trailing `-- comment` in the SQL from swallowing anything after it.
        if (exists && run.writeDisposition === "WRITE_APPEND") {
          await this.connection.run(`INSERT INTO ${qualified(dest)}\n${sql}\n`);
        } else {
          await this.connection.run(`CREATE OR REPLACE TABLE ${qualified(dest)} AS\n${sql}\n`);
        }
        return { statementType, resultTable: dest };
      } catch (error) {
        throw queryFailure(error, context);
      } finally {
        await this.connection.run("USE memory.main");
      }
    });
  }

  /** Anonymous result tables are kept for a while (BigQuery keeps them a day); the oldest go first. */
  private async rememberAnonymous(ref: TableRef): Promise<void> {
    this.anonymousTables.push(ref);
    while (this.anonymousTables.length > 200) {
      const old = this.anonymousTables.shift();
      if (old) await this.connection.run(`DROP TABLE IF EXISTS ${qualified(old)}`);
    }
  }

  loadFile(load: FileLoad): Promise<number> {
    return this.exclusive(async () => {
      const dest = load.destination;
      await this.requireDataset(dest.projectId, dest.datasetId);
      const exists = await this.prepareDestination(dest, load.writeDisposition, load.createDisposition);
      const fields = load.fields ?? (exists ? await this.fieldsOf(dest) : undefined);
      if (!fields || fields.length === 0) throw invalid("No schema specified on job or table.");
      const names = new Set<string>();
      for (const field of fields) {
        if (names.has(field.name.toLowerCase()))
          throw invalid(`Duplicate column names in the schema: ${field.name}`);
        names.add(field.name.toLowerCase());
      }
      const reader = readerSql(load, fields);
      try {
        if (exists && load.writeDisposition === "WRITE_APPEND") {
          const existing = await this.fieldsOf(dest);
          if (existing.length !== fields.length)
            throw invalid(`Provided Schema does not match Table ${tableName(dest)}.`);
          const result = await this.connection.run(`INSERT INTO ${qualified(dest)} ${reader}`);
          return result.rowsChanged;
        }
        // One statement: if the file is malformed, the previous table stays as it was.
        await this.connection.run(`CREATE OR REPLACE TABLE ${qualified(dest)} AS ${reader}`);
        return await this.count(`SELECT count(*) FROM ${qualified(dest)}`);
      } catch (error) {
        if (load.format.sourceFormat === "CSV") throw csvFailure(error, fields, load.format.skipLeadingRows);
        throw jsonFailure(error);
      }
    });
  }

  /**
   * One page of a table in storage order, from a rowid (page tokens) or a row offset (startIndex).
   * Query results are written by CREATE TABLE AS, which keeps the query's ORDER BY as rowid order.
   */
  readRows(
    ref: TableRef,
    from: { rowId: number } | { index: number },
    maxResults: number,
    useInt64Timestamp: boolean,
  ): Promise<RowsPage> {
    return this.exclusive(async () => {
      if (!(await this.tableExists(ref))) throw notFound(`Table ${tableName(ref)}`);
      const fields = await this.fieldsOf(ref);
      const totalRows = await this.count(`SELECT count(*) FROM ${qualified(ref)}`);
      const where = "rowId" in from ? `WHERE rowid >= ${from.rowId}` : "";
      const offset = "index" in from ? `OFFSET ${from.index}` : "";
      const result = await this.connection.runAndReadAll(
        `SELECT rowid, * FROM ${qualified(ref)} ${where} ORDER BY rowid LIMIT ${maxResults + 1} ${offset}`,
      );
      const all = result.getRows();
      const more = all.length > maxResults;
      const rows = all
        .slice(0, maxResults)
        .map((row) => row.slice(1).map((v) => restValue(v, useInt64Timestamp)));
      return { fields, totalRows, rows, ...(more ? { nextRowId: Number(all[maxResults]?.[0]) } : {}) };
    });
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
