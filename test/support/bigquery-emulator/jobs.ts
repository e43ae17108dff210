import { randomBytes, randomUUID } from "node:crypto";
import {
  type ApiFailure,
  asApiFailure,
  duplicate,
  errorProto,
  invalid,
  notFound,
  notImplemented,
} from "./api-failure.ts";
import type { FieldSchema } from "./bigquery-types.ts";
import {
  ANONYMOUS_DATASET,
  type CreateDisposition,
  type DuckStore,
  type FileLoad,
  type TableRef,
  type WriteDisposition,
} from "./duckdb-store.ts";
import { type PageParams, pageFields, pageSize, pageStart } from "./paging.ts";

type Json = Record<string, unknown>;

export interface Upload {
  path: string;
  bytes: number;
  gzip: boolean;
}

interface JobRecord {
  reference: { projectId: string; jobId: string; location: string };
  /** The configuration as the API echoes it back: the request's, with defaults filled in. */
  configuration: Json;
  creationTime: number;
  endTime: number;
  failure?: ApiFailure;
  /** The type-specific statistics (`query` / `load`) reported once the job is DONE. */
  statistics: Json;
  resultTable?: TableRef;
  affectedRows?: number;
  /** How often jobs.get and getQueryResults have looked at the job, for the "still running" answers. */
  reads: { get: number; results: number };
}

const WRITE_DISPOSITIONS = ["WRITE_TRUNCATE", "WRITE_APPEND", "WRITE_EMPTY"];
const CREATE_DISPOSITIONS = ["CREATE_IF_NEEDED", "CREATE_NEVER"];

const etag = () => randomBytes(12).toString("base64");

function oneOf<T extends string>(value: unknown, allowed: readonly string[], fallback: T, name: string): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value === "string" && allowed.includes(value)) return value as T;
  throw invalid(`Invalid value for ${name}: ${String(value)}`);
}

function tableRef(value: unknown, projectId: string, name: string): TableRef {
  const ref = (value ?? {}) as Partial<TableRef>;
  if (!ref.datasetId || !ref.tableId) throw invalid(`Required parameter is missing: ${name}`);
  return { projectId: ref.projectId ?? projectId, datasetId: ref.datasetId, tableId: ref.tableId };
}

function fieldDelimiter(value: unknown): string {
  if (value === undefined || value === null || value === "") return ",";
  if (value === "\\t" || String(value).toLowerCase() === "tab") return "\t";
  return String(value);
}

/** The reader options of a load job's sourceFormat: CSV, or newline-delimited JSON. */
function loadFormat(sourceFormat: string, config: Json): FileLoad["format"] {
  if (sourceFormat === "NEWLINE_DELIMITED_JSON") return { sourceFormat };
  if (sourceFormat !== "CSV")
    throw notImplemented(`sourceFormat ${sourceFormat} (the emulator loads CSV and JSON)`);
  const skipLeadingRows = Number(config.skipLeadingRows ?? 0);
  if (!Number.isInteger(skipLeadingRows) || skipLeadingRows < 0) {
    throw invalid(`Invalid value for skipLeadingRows: ${String(config.skipLeadingRows)}`);
  }
  return {
    sourceFormat,
    skipLeadingRows,
    delimiter: fieldDelimiter(config.fieldDelimiter),
    quote: config.quote === undefined || config.quote === null ? '"' : String(config.quote),
    ...(typeof config.nullMarker === "string" ? { nullMarker: config.nullMarker } : {}),
    allowJaggedRows: config.allowJaggedRows === true,
  };
}

/**
 * Jobs run to completion inside jobs.insert (DuckDB is quick), but the API is asynchronous, so a job
 * reports RUNNING to its first `pendingPolls` jobs.get calls and its first `pendingPolls` getQueryResults
 * calls: clients must poll as they would against BigQuery.
 */
export class JobRunner {
  private readonly jobs = new Map<string, JobRecord>();
  selfLinkBase = "";

  constructor(
    private readonly store: DuckStore,
    private readonly pendingPolls: number,
  ) {}

  /** jobs.insert, for a query job or (with the uploaded data) a load job. */
  async insert(projectId: string, body: Json, upload?: Upload): Promise<Json> {
    const job = await this.run(projectId, body, upload);
    return this.resource(job, this.pendingPolls === 0);
  }

  /** jobs.get */
  get(projectId: string, jobId: string, location: string | null): Json {
    const job = this.find(projectId, jobId, location);
    return this.resource(job, this.observe(job, "get"));
  }

  /** jobs.cancel: every job is already finished, so this only reports it. */
  cancel(projectId: string, jobId: string, location: string | null): Json {
    const job = this.find(projectId, jobId, location);
    return { kind: "bigquery#jobCancelResponse", job: this.resource(job, true) };
  }

  /** jobs.getQueryResults */
  async queryResults(
    projectId: string,
    jobId: string,
    location: string | null,
    params: PageParams,
    useInt64Timestamp: boolean,
    kind = "bigquery#getQueryResultsResponse",
  ): Promise<Json> {
    const job = this.find(projectId, jobId, location);
    if (!job.configuration.query) throw invalid(`Job ${this.jobName(job)} is not a query job`);
    const base = { kind, etag: etag(), jobReference: job.reference };
    if (!this.observe(job, "results")) return { ...base, jobComplete: false };
    // A failed query answers getQueryResults with its error, as BigQuery does.
    if (job.failure) throw job.failure;
    const totals = { totalBytesProcessed: "0", jobComplete: true, cacheHit: false };
    if (!job.resultTable) {
      return {
        ...base,
        totalRows: "0",
        ...totals,
        ...(job.affectedRows !== undefined ? { numDmlAffectedRows: String(job.affectedRows) } : {}),
      };
    }
    const table = job.resultTable;
    const page = await this.store.readRows(
      table,
      pageStart(params, table),
      pageSize(params),
      useInt64Timestamp,
    );
    return { ...base, schema: { fields: page.fields }, ...pageFields(page, table), ...totals };
  }

  /** jobs.query: a query job and its first page in one call. */
  async query(projectId: string, body: Json, useInt64Timestamp: boolean): Promise<Json> {
    if (typeof body.query !== "string") throw invalid("Required parameter is missing: query");
    const { query, useLegacySql, defaultDataset, location, maxResults } = body;
    const job = await this.run(projectId, {
      jobReference: { projectId, jobId: `job_${randomUUID().replaceAll("-", "")}`, location },
      configuration: { query: { query, useLegacySql, defaultDataset } },
    });
    const params = { maxResults: maxResults === undefined ? null : String(maxResults) };
    return this.queryResults(
      projectId,
      job.reference.jobId,
      null,
      params,
      useInt64Timestamp,
      "bigquery#queryResponse",
    );
  }

  private find(projectId: string, jobId: string, location: string | null): JobRecord {
    const job = this.jobs.get(`${projectId}:${jobId}`);
    // Jobs live in a location: asking in another one does not find them.
    if (!job || (location && location.toUpperCase() !== job.reference.location.toUpperCase())) {
      throw notFound(`Job ${projectId}:${location ?? "US"}.${jobId}`);
    }
    return job;
  }

  private observe(job: JobRecord, call: "get" | "results"): boolean {
    if (job.reads[call] >= this.pendingPolls) return true;
    job.reads[call] += 1;
    return false;
  }

  private jobName(job: JobRecord): string {
    return `${job.reference.projectId}:${job.reference.location}.${job.reference.jobId}`;
  }

  private locationFor(
    projectId: string,
    requested: unknown,
    dataset?: { projectId?: string; datasetId?: string },
  ) {
    if (typeof requested === "string" && requested) return requested;
    const meta = dataset?.datasetId
      ? this.store.datasetMeta(dataset.projectId ?? projectId, dataset.datasetId)
      : undefined;
    return meta?.location ?? "US";
  }

  private async run(projectId: string, body: Json, upload?: Upload): Promise<JobRecord> {
    const requested = (body.jobReference ?? {}) as { jobId?: string; location?: string };
    const jobId = requested.jobId ?? `job_${randomUUID().replaceAll("-", "")}`;
    const configuration = (body.configuration ?? {}) as Json;
    const query = configuration.query as Json | undefined;
    const load = configuration.load as Json | undefined;
    const dataset = (query?.defaultDataset ?? query?.destinationTable ?? load?.destinationTable) as
      | { projectId?: string; datasetId?: string }
      | undefined;
    const location = this.locationFor(projectId, requested.location, dataset);
    if (this.jobs.has(`${projectId}:${jobId}`)) throw duplicate(`Job ${projectId}:${location}.${jobId}`);
    const job: JobRecord = {
      reference: { projectId, jobId, location },
      configuration: {},
      creationTime: Date.now(),
      endTime: 0,
      statistics: {},
      reads: { get: 0, results: 0 },
    };
    if (query) await this.runQuery(job, query);
    else if (load) await this.runLoad(job, load, upload);
    else if (configuration.copy || configuration.extract)
      throw notImplemented("copy and extract jobs (emulator)");
    else throw invalid("Required parameter is missing: configuration");
    job.endTime = Date.now();
    this.jobs.set(`${projectId}:${jobId}`, job);
    return job;
  }

  private async runQuery(job: JobRecord, config: Json): Promise<void> {
    const { projectId, jobId, location } = job.reference;
    if (typeof config.query !== "string" || !config.query.trim())
      throw invalid("Required parameter is missing: query");
    if (config.useLegacySql === true)
      throw notImplemented("legacy SQL (the emulator runs standard SQL only)");
    if (Array.isArray(config.queryParameters) && config.queryParameters.length > 0) {
      throw notImplemented("query parameters (emulator)");
    }
    const explicit = config.destinationTable !== undefined;
    const destination = explicit
      ? tableRef(config.destinationTable, projectId, "destinationTable")
      : { projectId, datasetId: ANONYMOUS_DATASET, tableId: `anon_${jobId.replace(/\W/g, "")}` };
    const writeDisposition = oneOf<WriteDisposition>(
      config.writeDisposition,
      WRITE_DISPOSITIONS,
      explicit ? "WRITE_EMPTY" : "WRITE_TRUNCATE",
      "writeDisposition",
    );
    const createDisposition = oneOf<CreateDisposition>(
      config.createDisposition,
      CREATE_DISPOSITIONS,
      "CREATE_IF_NEEDED",
      "createDisposition",
    );
    const defaultDataset = config.defaultDataset as { projectId?: string; datasetId?: string } | undefined;
    job.configuration = {
      query: {
        ...config,
        destinationTable: destination,
        writeDisposition,
        createDisposition,
        priority: config.priority ?? "INTERACTIVE",
        useLegacySql: false,
      },
      jobType: "QUERY",
    };
    try {
      const outcome = await this.store.runQuery({
        projectId,
        location,
        sql: config.query,
        ...(defaultDataset?.datasetId
          ? {
              defaultDataset: {
                projectId: defaultDataset.projectId ?? projectId,
                datasetId: defaultDataset.datasetId,
              },
            }
          : {}),
        destination,
        writeDisposition,
        createDisposition,
      });
      if (outcome.resultTable) job.resultTable = outcome.resultTable;
      if (outcome.affectedRows !== undefined) job.affectedRows = outcome.affectedRows;
      job.statistics = {
        totalBytesProcessed: "0",
        query: {
          totalBytesProcessed: "0",
          totalBytesBilled: "0",
          billingTier: 1,
          cacheHit: false,
          statementType: outcome.statementType,
          totalSlotMs: "0",
          ...(outcome.affectedRows !== undefined ? { numDmlAffectedRows: String(outcome.affectedRows) } : {}),
        },
      };
    } catch (error) {
      job.failure = asApiFailure(error);
    }
  }

  private async runLoad(job: JobRecord, config: Json, upload?: Upload): Promise<void> {
    if (!upload) throw notImplemented("load jobs from sourceUris (the emulator loads uploaded data only)");
    const destination = tableRef(config.destinationTable, job.reference.projectId, "destinationTable");
    const sourceFormat = String(config.sourceFormat ?? "CSV").toUpperCase();
    if (config.autodetect === true) throw notImplemented("schema autodetection (emulator)");
    const schema = config.schema as { fields?: Partial<FieldSchema>[] } | undefined;
    const fields = schema?.fields?.map((f) => ({
      name: String(f.name),
      type: String(f.type ?? "STRING").toUpperCase(),
      mode: String(f.mode ?? "NULLABLE").toUpperCase(),
    }));
    const format = loadFormat(sourceFormat, config);
    const writeDisposition = oneOf<WriteDisposition>(
      config.writeDisposition,
      WRITE_DISPOSITIONS,
      "WRITE_APPEND",
      "writeDisposition",
    );
    const createDisposition = oneOf<CreateDisposition>(
      config.createDisposition,
      CREATE_DISPOSITIONS,
      "CREATE_IF_NEEDED",
      "createDisposition",
    );
    job.configuration = {
      load: { ...config, sourceFormat, writeDisposition, createDisposition },
      jobType: "LOAD",
    };
    const inputStats = { inputFiles: "1", inputFileBytes: String(upload.bytes) };
    try {
      const rows = await this.store.loadFile({
        path: upload.path,
        gzip: upload.gzip,
        destination,
        ...(fields ? { fields } : {}),
        format,
        writeDisposition,
        createDisposition,
      });
      job.statistics = {
        load: { ...inputStats, outputRows: String(rows), outputBytes: "0", badRecords: "0" },
      };
    } catch (error) {
      job.failure = asApiFailure(error);
      job.statistics = { load: inputStats };
    }
  }

  private resource(job: JobRecord, done: boolean): Json {
    const { projectId, jobId, location } = job.reference;
    const failure = job.failure;
    const statistics = {
      creationTime: String(job.creationTime),
      startTime: String(job.creationTime),
      ...(done ? { endTime: String(job.endTime), ...job.statistics } : {}),
    };
    const status = !done
      ? { state: "RUNNING" }
      : failure
        ? {
            errorResult: errorProto(failure),
            errors: [errorProto(failure), ...failure.details],
            state: "DONE",
          }
        : { state: "DONE" };
    return {
      kind: "bigquery#job",
      etag: etag(),
      id: `${projectId}:${location}.${jobId}`,
      selfLink: `${this.selfLinkBase}/bigquery/v2/projects/${projectId}/jobs/${jobId}?location=${location}`,
      user_email: "emulator@localhost",
      configuration: job.configuration,
      jobReference: job.reference,
      statistics,
      status,
      principal_subject: "user:emulator@localhost",
    };
  }
}
