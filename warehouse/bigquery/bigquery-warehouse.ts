import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import { Readable, type Writable } from "node:stream";
import type {
  BigQuery,
  Dataset,
  Job,
  JobLoadMetadata,
  JobMetadata,
  Query,
  QueryRowsResponse,
  TableField,
} from "@google-cloud/bigquery";
import { UserError } from "../../lib/errors.ts";
import type { ProgressFactory } from "../../lib/progress.ts";
import type { BigQuerySettings } from "../config.ts";
import { BIGQUERY_TYPES, type TableSpec } from "../tables.ts";
import type { ColumnInfo, NewColumn, RowPage, SourceFile, Value, Warehouse } from "../warehouse.ts";
import { createBigQueryClient } from "./client.ts";
import { apiErrorMessage, errorMessages, loadError, queryError, waitForJob } from "./jobs.ts";
import { kindOf, standardTypeName, toValue } from "./values.ts";

/** Page size for query(), which returns everything anyway. */
const QUERY_PAGE_ROWS = 10_000;

const isNotFound = (error: unknown) => (error as { code?: number }).code === 404;

/**
 * The staging schema of one file, in its header's order (BigQuery CSV loads are positional). Columns the
 * spec does not know load as STRING under a generated name: they are never selected, and the header's own
 * name might not be a valid BigQuery column name ("Unnamed: 0").
 */
function stagingFields(spec: TableSpec, header: readonly string[]): TableField[] {
  const kinds = new Map(spec.columns);
  const used = new Set<string>();
  return header.map((name, i) => {
    const kind = kinds.get(name);
    if (kind && !used.has(name)) {
      used.add(name);
      return { name, type: BIGQUERY_TYPES[kind], mode: "NULLABLE" };
    }
    return { name: `_unused_${i}`, type: "STRING", mode: "NULLABLE" };
  });
}

/**
 * The union of the staged files as the spec's columns in spec order. Names stay unquoted (plain
 * identifiers in the spec and in the generated staging names), as in the feature SQL.
 */
function unionSql(spec: TableSpec, files: readonly SourceFile[], staged: readonly string[]): string {
  return files
    .map((file, i) => {
      const missing = new Set(file.missingOptional);
      const select = spec.columns
        .map(([name, kind]) =>
          missing.has(name) ? `CAST(NULL AS ${BIGQUERY_TYPES[kind]}) AS ${name}` : name,
        )
        .join(", ");
      return `SELECT ${select} FROM ${staged[i]}`;
    })
    .join("\nUNION ALL\n");
}

/** Pipe a file into the client's upload stream; resolves with the load job once BigQuery has accepted it. */
function upload(source: Readable, sink: Writable, onBytes: (bytes: number) => void): Promise<Job> {
  return new Promise((resolve, reject) => {
    sink.on("progress", (event: { bytesWritten: number }) => onBytes(event.bytesWritten));
    sink.once("job", (job: Job | null) =>
      job ? resolve(job) : reject(new Error("the upload was answered without a job reference")),
    );
    sink.once("error", reject);
    source.once("error", (error) => {
      sink.destroy(error);
      reject(error);
    });
    source.pipe(sink);
  });
}

export class BigQueryWarehouse implements Warehouse {
  readonly kind = "bigquery";
  readonly location: string;
  private readonly dataset: Dataset;

  private constructor(
    private readonly client: BigQuery,
    private readonly settings: BigQuerySettings,
  ) {
    this.location = `${settings.projectId}.${settings.dataset}`;
    // With a location, upload jobs carry it too (query jobs get it from the client).
    this.dataset = client.dataset(settings.dataset, settings.location ? { location: settings.location } : {});
  }

  static async open(settings: BigQuerySettings): Promise<BigQueryWarehouse> {
    const warehouse = new BigQueryWarehouse(createBigQueryClient(settings), settings);
    try {
      const [exists] = await warehouse.dataset.exists();
      if (!exists) {
        // Another process may create it between the check and here: that is fine.
        await warehouse.dataset.create().catch((error: unknown) => {
          if ((error as { code?: number }).code !== 409) throw error;
        });
      }
    } catch (error) {
      throw new UserError(
        `cannot open the BigQuery warehouse ${warehouse.location}: ${apiErrorMessage(error)}`,
        1,
        { cause: error },
      );
    }
    return warehouse;
  }

  /** One file into its own staging table (replaced if it exists); throws a UserError naming the file. */
  private async loadFile(
    table: string,
    spec: TableSpec,
    file: SourceFile,
    onBytes: (bytes: number) => void,
    onState: (state: string) => void,
  ): Promise<void> {
    const metadata: JobLoadMetadata = {
      sourceFormat: "CSV",
      schema: { fields: stagingFields(spec, file.header) },
      skipLeadingRows: 1,
      fieldDelimiter: ",",
      quote: '"',
      // DuckDB's reader accepts newlines inside quoted fields; keep the two warehouses' inputs the same.
      allowQuotedNewlines: true,
      encoding: "UTF-8",
      maxBadRecords: 0,
      writeDisposition: "WRITE_TRUNCATE",
      createDisposition: "CREATE_IF_NEEDED",
    };
    try {
      // The upload stream (what table.load uses for a local path), used directly for its progress events.
      const sink = this.dataset.table(table).createWriteStream_(metadata);
      const job = await upload(createReadStream(file.path), sink, onBytes);
      const done = await waitForJob(job, onState);
      if (done.status?.errorResult) throw loadError(file.path, errorMessages(done.status), done.status);
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw loadError(file.path, [apiErrorMessage(error)], error);
    }
  }

  async loadTable(spec: TableSpec, files: readonly SourceFile[], progress: ProgressFactory): Promise<number> {
    const totalBytes = files.reduce((sum, f) => sum + f.bytes, 0);
    const bar = progress({ label: `ingest ${spec.name}`, total: totalBytes, unit: "bytes" });
    // Stage every file first, so a malformed one leaves the previous table intact; unique names keep
    // concurrent runs apart.
    const run = randomUUID().replaceAll("-", "").slice(0, 12);
    const staged = files.map((_, i) => `${spec.name}__loading_${run}_${i}`);
    try {
      let doneBytes = 0;
      for (const [i, file] of files.entries()) {
        const name = basename(file.path);
        bar.status(`${name}: uploading`);
        await this.loadFile(
          staged[i] ?? "",
          spec,
          file,
          (bytes) => bar.update(doneBytes + Math.min(bytes, file.bytes)),
          (state) => bar.status(`${name}: load job ${state}`),
        );
        doneBytes += file.bytes;
        bar.update(doneBytes);
      }
      bar.status(`writing ${spec.name}`);
      await this.runQueryInto(spec.name, unionSql(spec, files, staged));
      const [metadata] = await this.dataset.table(spec.name).getMetadata();
      return Number(metadata.numRows ?? 0);
    } finally {
      await Promise.all(
        staged.map((name) =>
          this.dataset
            .table(name)
            .delete()
            .catch(() => {}),
        ),
      );
      bar.stop();
    }
  }

  private queryOptions(sql: string): Query {
    return {
      query: sql,
      useLegacySql: false,
      // Table names in the SQL are unqualified: they resolve in the warehouse's dataset.
      defaultDataset: { projectId: this.settings.projectId, datasetId: this.settings.dataset },
    };
  }

  private async runQueryInto(name: string, sql: string): Promise<void> {
    let done: JobMetadata;
    try {
      const [job] = await this.client.createQueryJob({
        ...this.queryOptions(sql),
        destination: this.dataset.table(name),
        writeDisposition: "WRITE_TRUNCATE",
        createDisposition: "CREATE_IF_NEEDED",
      });
      done = await waitForJob(job);
    } catch (error) {
      throw queryError(`creating table ${name}`, [apiErrorMessage(error)], error);
    }
    if (done.status?.errorResult)
      throw queryError(`creating table ${name}`, errorMessages(done.status), done.status);
  }

  async createTableAs(name: string, selectSql: string): Promise<void> {
    await this.runQueryInto(name, selectSql);
  }

  async writeTable(
    name: string,
    columns: readonly NewColumn[],
    rows: readonly (readonly Value[])[],
  ): Promise<void> {
    const types = { int: "INT64", float: "FLOAT64", text: "STRING", bool: "BOOL" } as const;
    if (rows.length === 0) {
      // An empty upload never starts the request: create the empty table with a query instead.
      const select = columns.map((c) => `CAST(NULL AS ${types[c.kind]}) AS ${c.name}`).join(", ");
      await this.runQueryInto(name, `SELECT ${select} LIMIT 0`);
      return;
    }
    // Newline-delimited JSON keeps NULL, "" and booleans apart without CSV quoting rules; a load job with
    // WRITE_TRUNCATE replaces the table in one step, and leaves it as it was if the load fails.
    const lines = rows.map((row) =>
      JSON.stringify(Object.fromEntries(columns.map((c, i) => [c.name, row[i] ?? null]))),
    );
    const metadata: JobLoadMetadata = {
      sourceFormat: "NEWLINE_DELIMITED_JSON",
      schema: { fields: columns.map((c) => ({ name: c.name, type: types[c.kind], mode: "NULLABLE" })) },
      writeDisposition: "WRITE_TRUNCATE",
      createDisposition: "CREATE_IF_NEEDED",
    };
    let done: JobMetadata;
    try {
      const sink = this.dataset.table(name).createWriteStream_(metadata);
      const job = await upload(Readable.from([Buffer.from(`${lines.join("\n")}\n`)]), sink, () => {});
      done = await waitForJob(job);
    } catch (error) {
      throw queryError(`writing table ${name}`, [apiErrorMessage(error)], error);
    }
    if (done.status?.errorResult) {
      throw queryError(`writing table ${name}`, errorMessages(done.status), done.status);
    }
  }

  /** Every page of a query's result (empty ones included), read with getQueryResults one page at a time. */
  private async *pages(sql: string, pageSize: number): AsyncGenerator<RowPage> {
    let job: Job;
    try {
      [job] = await this.client.createQueryJob(this.queryOptions(sql));
    } catch (error) {
      throw queryError("query", [apiErrorMessage(error)], error);
    }
    let pageToken: string | undefined;
    for (;;) {
      let response: QueryRowsResponse;
      try {
        response = await job.getQueryResults({
          maxResults: pageSize,
          autoPaginate: false,
          // Plain numbers for INT64, not BigQueryInt wrappers (ids fit in 2^53, see warehouse.ts).
          wrapIntegers: false,
          ...(pageToken ? { pageToken } : {}),
        });
      } catch (error) {
        throw queryError("query", [apiErrorMessage(error)], error);
      }
      const [rows, , result] = response;
      // Not done within the server-side wait (about 10 s): ask again.
      if (!result || result.jobComplete === false) continue;
      const columns = (result.schema?.fields ?? []).map((f) => f.name ?? "");
      const values = rows.map((row: Record<string, unknown>) => columns.map((c): Value => toValue(row[c])));
      yield { columns, rows: values };
      pageToken = result.pageToken ?? undefined;
      if (!pageToken) return;
    }
  }

  async query(sql: string): Promise<RowPage> {
    let columns: readonly string[] = [];
    const rows: (readonly Value[])[] = [];
    for await (const page of this.pages(sql, QUERY_PAGE_ROWS)) {
      columns = page.columns;
      rows.push(...page.rows);
    }
    return { columns, rows };
  }

  async *scan(sql: string, pageSize: number): AsyncIterable<RowPage> {
    for await (const page of this.pages(sql, pageSize)) {
      if (page.rows.length > 0) yield page;
    }
  }

  async columns(table: string): Promise<readonly ColumnInfo[]> {
    let fields: TableField[];
    try {
      const [metadata] = await this.dataset.table(table).getMetadata();
      fields = metadata.schema?.fields ?? [];
    } catch (error) {
      if (isNotFound(error)) return [];
      throw new UserError(`BigQuery: cannot read table ${table}: ${apiErrorMessage(error)}`, 1, {
        cause: error,
      });
    }
    return fields.map((field) => {
      const type = standardTypeName(field.type ?? "STRING");
      return { name: field.name ?? "", type, kind: kindOf(type) };
    });
  }

  async close(): Promise<void> {
    // The client holds no connection of its own: requests use Node's pooled HTTP agents.
  }
}
