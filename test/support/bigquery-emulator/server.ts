import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asApiFailure, duplicate, errorBody, invalid, notFound } from "./api-failure.ts";
import { DuckStore, type TableRef } from "./duckdb-store.ts";
import { JobRunner } from "./jobs.ts";
import { receiveMultipartUpload } from "./multipart-upload.ts";
import { pageFields, pageSize, pageStart } from "./paging.ts";

/**
 * A local stand-in for the BigQuery REST API v2, backed by DuckDB: the subset the warehouse's client
 * calls (datasets get/insert/delete, tables get/delete, tabledata.list, jobs insert/get/cancel/query,
 * getQueryResults, and multipart uploads for load jobs). Loopback only.
 */

export interface BigQueryEmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** How many jobs.get and getQueryResults calls see a job still running (default 1; 0 = done at once). */
  pendingPolls?: number;
  /** Called with every request ("GET /bigquery/v2/projects/..."), e.g. to see what a client sends. */
  onRequest?: (line: string) => void;
}

export interface BigQueryEmulator {
  /** The base URL to use as the client's apiEndpoint, e.g. http://127.0.0.1:9050 */
  url: string;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
type Handler = (match: string[], url: URL, request: IncomingMessage) => Promise<Json | undefined>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const SEGMENT = "([^/]+)";

async function readJson(request: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text.trim()) return {};
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw invalid("Invalid JSON payload received.");
  }
}

function send(response: ServerResponse, status: number, body?: Json): void {
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  response
    .writeHead(status, {
      "Content-Type": "application/json; charset=UTF-8",
      "Content-Length": Buffer.byteLength(text),
    })
    .end(text);
}

export async function startBigQueryEmulator(
  options: BigQueryEmulatorOptions = {},
): Promise<BigQueryEmulator> {
  const store = await DuckStore.open();
  const jobs = new JobRunner(store, options.pendingPolls ?? 1);
  const uploadDir = mkdtempSync(join(tmpdir(), "bigquery-emulator-"));
  let uploads = 0;

  const datasetResource = (projectId: string, datasetId: string): Json => {
    const meta = store.datasetMeta(projectId, datasetId);
    const created = String(meta?.creationTime ?? Date.now());
    return {
      kind: "bigquery#dataset",
      etag: Buffer.from(`${projectId}:${datasetId}:${created}`).toString("base64"),
      id: `${projectId}:${datasetId}`,
      selfLink: `${jobs.selfLinkBase}/bigquery/v2/projects/${projectId}/datasets/${datasetId}`,
      datasetReference: { datasetId, projectId },
      location: meta?.location ?? "US",
      creationTime: created,
      lastModifiedTime: created,
      type: "DEFAULT",
    };
  };

  const ref = ([projectId = "", datasetId = "", tableId = ""]: string[]): TableRef => ({
    projectId,
    datasetId,
    tableId,
  });
  const useInt64Timestamp = (url: URL) => url.searchParams.get("formatOptions.useInt64Timestamp") === "true";
  const pageParams = (url: URL) => ({
    maxResults: url.searchParams.get("maxResults"),
    pageToken: url.searchParams.get("pageToken"),
    startIndex: url.searchParams.get("startIndex"),
  });

  const routes: Route[] = [
    {
      method: "POST",
      pattern: new RegExp(`^/upload/bigquery/v2/projects/${SEGMENT}/jobs$`),
      handler: async ([projectId = ""], url, request) => {
        const uploadType = url.searchParams.get("uploadType");
        // The Node client uploads load-job data with uploadType=multipart (common's makeWritableStream).
        if (uploadType !== "multipart")
          throw invalid(`uploadType=${uploadType} is not supported by the emulator`);
        uploads += 1;
        const upload = await receiveMultipartUpload(request, join(uploadDir, `upload-${uploads}`));
        try {
          return await jobs.insert(projectId, upload.metadata, upload);
        } finally {
          rmSync(upload.path, { force: true });
        }
      },
    },
    {
      method: "POST",
      pattern: new RegExp(`^/projects/${SEGMENT}/datasets$`),
      handler: async ([projectId = ""], _url, request) => {
        const body = await readJson(request);
        const reference = (body.datasetReference ?? {}) as { datasetId?: string };
        const datasetId = reference.datasetId;
        if (!datasetId || !/^\w{1,1024}$/.test(datasetId)) {
          throw invalid(
            `Invalid dataset ID "${datasetId ?? ""}". Dataset IDs must be alphanumeric (plus underscores).`,
          );
        }
        const location = typeof body.location === "string" && body.location ? body.location : "US";
        if (!(await store.createDataset(projectId, datasetId, location))) {
          throw duplicate(`Dataset ${projectId}:${datasetId}`);
        }
        return datasetResource(projectId, datasetId);
      },
    },
    {
      method: "GET",
      pattern: new RegExp(`^/projects/${SEGMENT}/datasets/${SEGMENT}$`),
      handler: async ([projectId = "", datasetId = ""]) => {
        if (!(await store.hasDataset(projectId, datasetId)))
          throw notFound(`Dataset ${projectId}:${datasetId}`);
        return datasetResource(projectId, datasetId);
      },
    },
    {
      method: "DELETE",
      pattern: new RegExp(`^/projects/${SEGMENT}/datasets/${SEGMENT}$`),
      handler: async ([projectId = "", datasetId = ""], url) => {
        await store.deleteDataset(projectId, datasetId, url.searchParams.get("deleteContents") === "true");
        return undefined;
      },
    },
    {
      method: "GET",
      pattern: new RegExp(`^/projects/${SEGMENT}/datasets/${SEGMENT}/tables/${SEGMENT}$`),
      handler: async (match) => {
        const table = ref(match);
        const info = await store.tableInfo(table);
        if (!info) throw notFound(`Table ${table.projectId}:${table.datasetId}.${table.tableId}`);
        const meta = store.datasetMeta(table.projectId, table.datasetId);
        const created = String(meta?.creationTime ?? Date.now());
        return {
          kind: "bigquery#table",
          etag: Buffer.from(`${table.tableId}:${info.numRows}`).toString("base64"),
          id: `${table.projectId}:${table.datasetId}.${table.tableId}`,
          selfLink: `${jobs.selfLinkBase}/bigquery/v2/projects/${table.projectId}/datasets/${table.datasetId}/tables/${table.tableId}`,
          tableReference: table,
          schema: { fields: info.fields },
          numBytes: "0",
          numLongTermBytes: "0",
          numRows: String(info.numRows),
          creationTime: created,
          lastModifiedTime: String(Date.now()),
          type: "TABLE",
          location: meta?.location ?? "US",
        };
      },
    },
    {
      method: "DELETE",
      pattern: new RegExp(`^/projects/${SEGMENT}/datasets/${SEGMENT}/tables/${SEGMENT}$`),
      handler: async (match) => {
        const table = ref(match);
        if (!(await store.deleteTable(table))) {
          throw notFound(`Table ${table.projectId}:${table.datasetId}.${table.tableId}`);
        }
        return undefined;
      },
    },
    {
      method: "GET",
      pattern: new RegExp(`^/projects/${SEGMENT}/datasets/${SEGMENT}/tables/${SEGMENT}/data$`),
      handler: async (match, url) => {
        const table = ref(match);
        const params = pageParams(url);
        const page = await store.readRows(
          table,
          pageStart(params, table),
          pageSize(params),
          useInt64Timestamp(url),
        );
        return { kind: "bigquery#tableDataList", etag: "", ...pageFields(page, table) };
      },
    },
    {
      method: "POST",
      pattern: new RegExp(`^/projects/${SEGMENT}/jobs$`),
      handler: async ([projectId = ""], _url, request) => jobs.insert(projectId, await readJson(request)),
    },
    {
      method: "GET",
      pattern: new RegExp(`^/projects/${SEGMENT}/jobs/${SEGMENT}$`),
      handler: async ([projectId = "", jobId = ""], url) =>
        jobs.get(projectId, jobId, url.searchParams.get("location")),
    },
    {
      method: "POST",
      pattern: new RegExp(`^/projects/${SEGMENT}/jobs/${SEGMENT}/cancel$`),
      handler: async ([projectId = "", jobId = ""], url) =>
        jobs.cancel(projectId, jobId, url.searchParams.get("location")),
    },
    {
      method: "POST",
      pattern: new RegExp(`^/projects/${SEGMENT}/queries$`),
      handler: async ([projectId = ""], url, request) =>
        jobs.query(projectId, await readJson(request), useInt64Timestamp(url)),
    },
    {
      method: "GET",
      pattern: new RegExp(`^/projects/${SEGMENT}/queries/${SEGMENT}$`),
      handler: async ([projectId = "", jobId = ""], url) =>
        jobs.queryResults(
          projectId,
          jobId,
          url.searchParams.get("location"),
          pageParams(url),
          useInt64Timestamp(url),
        ),
    },
  ];

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    options.onRequest?.(`${request.method} ${url.pathname}${url.search}`);
    // With BIGQUERY_EMULATOR_HOST the client uses that URL as its base as-is, without /bigquery/v2.
    const path = decodeURIComponent(url.pathname).replace(/^\/bigquery\/v2(?=\/)/, "");
    try {
      for (const route of routes) {
        const match = route.method === request.method ? route.pattern.exec(path) : null;
        if (!match) continue;
        const body = await route.handler(match.slice(1), url, request);
        send(response, body === undefined ? 204 : 200, body);
        return;
      }
      throw notFound(`URL ${request.method} ${url.pathname} (not emulated)`);
    } catch (error) {
      const failure = asApiFailure(error);
      if (failure.httpStatus >= 500) console.error("bigquery-emulator:", error);
      // Drain an unread upload body so the client sees the answer rather than a reset connection.
      request.resume();
      send(response, failure.httpStatus, errorBody(failure));
    }
  };

  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  jobs.selfLinkBase = url;

  return {
    url,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
      rmSync(uploadDir, { recursive: true, force: true });
    },
  };
}
