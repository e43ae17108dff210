import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { LOCAL_D1_ENDPOINT_SCRIPT } from "../../../sync/target/local-d1-endpoint.ts";
import { openLocalD1Miniflare } from "../../../sync/target/local-d1-miniflare.ts";
import { checkStatement, type LimitViolation, type QueryBody } from "./d1-limits.ts";
import { FaultPlan } from "./faults.ts";
import { importStatements } from "./import-file.ts";

/**
 * A local stand-in for Cloudflare's D1 HTTP API, for one account and any number of databases:
 * - `POST /client/v4/accounts/{account}/d1/database/{id}/query` and `/raw`: bearer-token auth, `{sql, params}`
 *   or `{batch: [...]}` bodies (a batch is one transaction), D1's statement limits enforced, Cloudflare's
 *   response envelope with D1's `meta` (size_after included);
 * - `POST …/import`: D1's import API as wrangler drives it: `init` (MD5 etag) gives an upload URL, the SQL
 *   file is PUT there (the answer's ETag is its MD5), `ingest` starts it, `poll` with the bookmark until
 *   `complete`. An import blocks its database while it runs: queries to it wait, and are recorded as
 *   blocked. (It runs in batches of up to 1 MB, each a transaction, where D1 runs the file as one unit.)
 * - a configurable latency added to every call, and injected faults (before, after, or instead of running).
 * Each database is a real local D1 (Miniflare, persisted where the test says). Every request is recorded.
 * Loopback only.
 */

export interface D1HttpServerOptions {
  accountId: string;
  token: string;
  /** A wrangler state root (its D1 files in <root>/v3/d1) with the migrations applied. */
  persistRoot: string;
  /** Cloudflare database id -> the local id its SQLite file is keyed by (a copied local state's). */
  databases?: Readonly<Record<string, string>>;
  /** One database (the original form): its Cloudflare id and local id. */
  databaseId?: string;
  localDatabaseId?: string;
  /** Milliseconds added before answering every call (default 0): an ocean away, on loopback. */
  latencyMs?: number;
}

export type Endpoint = "query" | "raw" | "import" | "upload";

export interface RecordedRequest {
  endpoint: Endpoint;
  database: string;
  statements: { sql: string; sqlBytes: number; params: number }[];
  status: number;
  /** The import action, for import calls. */
  action?: string;
  /** It had to wait for an import running on its database. */
  blocked?: boolean;
}

export interface ImportRecord {
  id: string;
  database: string;
  statements: number;
  status: "active" | "complete" | "error";
  error?: string;
  startedAt: number;
  endedAt?: number;
}

export interface D1HttpServer {
  /** The API base, as CLOUDFLARE_API_BASE_URL: http://127.0.0.1:<port>/client/v4 */
  apiBase: string;
  faults: FaultPlan;
  requests: RecordedRequest[];
  imports: ImportRecord[];
  /** Milliseconds added before answering each call; may be changed while running. */
  latencyMs: number;
  /** Awaited before an import runs: a test holds imports here (e.g. to kill the client mid-import). */
  beforeImport: ((database: string) => Promise<void>) | null;
  /**
   * Called for every query request before it runs; a promise it returns holds the request until it
   * settles (a test interleaving two clients deterministically).
   */
  hold: ((request: { database: string; sqls: readonly string[] }) => Promise<void> | null) | null;
  close(): Promise<void>;
}

type Envelope = Record<string, unknown>;

const ok = (result: unknown): Envelope => ({ result, success: true, errors: [], messages: [] });
const failure = (code: number, message: string): Envelope => ({
  result: null,
  success: false,
  errors: [{ code, message }],
  messages: [],
});

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function send(
  response: ServerResponse,
  status: number,
  body: Envelope,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  response
    .writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(text),
      ...headers,
    })
    .end(text);
}

/** The largest batch of an import the stand-in runs in its local D1 at once. */
const IMPORT_BATCH_BYTES = 1_000_000;

/** One statement's answer from the endpoint Worker: /raw's shape. */
interface RawResult {
  readonly results?: { readonly columns?: string[]; readonly rows?: unknown[][] };
  readonly meta?: object;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startD1HttpServer(options: D1HttpServerOptions): Promise<D1HttpServer> {
  const databases: Record<string, string> = {
    ...(options.databaseId && options.localDatabaseId
      ? { [options.databaseId]: options.localDatabaseId }
      : {}),
    ...options.databases,
  };
  const ids = Object.keys(databases);
  // One Miniflare, one binding per database (binding names are positions: ids need not be identifiers).
  // Statements run inside workerd through the local target's endpoint Worker, a whole batch per
  // dispatchFetch: D1 bindings used from Node block this process on a synchronous round trip per prepare,
  // which made every database wait on one thread (D1's databases run independently of each other).
  const mf = openLocalD1Miniflare({
    persistRoot: options.persistRoot,
    databases: Object.fromEntries(ids.map((id, i) => [`D${i}`, databases[id]!])),
    script: LOCAL_D1_ENDPOINT_SCRIPT,
  });
  await mf.ready;
  const bindingOf = new Map(ids.map((id, i) => [id, `D${i}`]));

  /** Run statements in one database, one transaction for a batch: each result's columns and rows. */
  async function exec(database: string, queries: readonly QueryBody[]): Promise<RawResult[]> {
    const response = await mf.dispatchFetch(`http://d1.local/raw/${bindingOf.get(database)}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(
        queries.length === 1
          ? { sql: queries[0]!.sql, params: queries[0]!.params ?? [] }
          : { batch: queries },
      ),
    });
    const body = (await response.json()) as {
      result: RawResult[];
      success: boolean;
      errors: { message: string }[];
    };
    if (!body.success) throw new Error(body.errors[0]?.message ?? `local D1 answered ${response.status}`);
    return body.result;
  }
  const faults = new FaultPlan();
  const requests: RecordedRequest[] = [];
  const imports: ImportRecord[] = [];
  const uploads = new Map<string, { bytes: Buffer; md5: string }>();
  const running = new Map<string, Promise<void>>();
  const server: D1HttpServer = {
    apiBase: "",
    faults,
    requests,
    imports,
    latencyMs: options.latencyMs ?? 0,
    beforeImport: null,
    hold: null,
    close: async () => {},
  };
  const path = new RegExp(
    `^/client/v4/accounts/${options.accountId}/d1/database/([^/]+)/(query|raw|import)$`,
  );

  /** Rows as the endpoint returns them: objects for /query, columns + arrays for /raw; D1's meta kept. */
  async function run(database: string, queries: QueryBody[], endpoint: "query" | "raw"): Promise<unknown[]> {
    const results = await exec(database, queries);
    return results.map((r) => {
      const { columns = [], rows = [] } = r.results ?? {};
      const meta = { changed_db: false, changes: 0, duration: 0, rows_read: 0, rows_written: 0, ...r.meta };
      if (endpoint === "raw") return { results: { columns, rows }, success: true, meta };
      const objects = rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]])));
      return { results: objects, success: true, meta };
    });
  }

  async function query(
    request: IncomingMessage,
    response: ServerResponse,
    database: string,
    endpoint: "query" | "raw",
  ) {
    let queries: QueryBody[];
    try {
      const body = JSON.parse((await readBody(request)).toString("utf8")) as QueryBody & {
        batch?: QueryBody[];
      };
      queries = Array.isArray(body.batch) ? body.batch : [body];
    } catch {
      send(response, 400, failure(7400, "The request is malformed: invalid JSON"));
      return;
    }
    const record: RecordedRequest = {
      endpoint,
      database,
      statements: queries.map((q) => ({
        sql: String(q.sql),
        sqlBytes: Buffer.byteLength(String(q.sql)),
        params: q.params?.length ?? 0,
      })),
      status: 200,
    };
    requests.push(record);
    const sqls = queries.map((q) => String(q.sql));
    const held = server.hold?.({ database, sqls });
    if (held) await held;
    const fault = faults.take(sqls, database);
    const faultAnswer = () => {
      record.status = fault!.status;
      const headers: Record<string, string> =
        fault!.retryAfter === undefined ? {} : { "retry-after": String(fault!.retryAfter) };
      send(response, fault!.status, failure(fault!.code, fault!.message), headers);
    };
    if (fault && (fault.when ?? "before") === "before") return faultAnswer();
    const violation = queries.map(checkStatement).find((v): v is LimitViolation => v !== null);
    if (violation) {
      record.status = violation.status;
      send(response, violation.status, failure(violation.code, violation.message));
      return;
    }
    if (fault?.when === "drop") {
      const empty = queries.map(() => ({
        results: endpoint === "raw" ? { columns: [], rows: [] } : [],
        success: true,
        meta: {},
      }));
      send(response, 200, ok(empty));
      return;
    }
    // An import blocks its database: queries wait for it, as D1 makes them.
    const importing = running.get(database);
    if (importing) {
      record.blocked = true;
      await importing;
    }
    try {
      const result = await run(database, queries, endpoint);
      if (fault?.when === "after") return faultAnswer();
      send(response, 200, ok(result));
    } catch (error) {
      record.status = 400;
      const cause = (error as { cause?: Error }).cause ?? (error as Error);
      send(response, 400, failure(7500, cause.message));
    }
  }

  function startImport(database: string, bytes: Buffer): ImportRecord {
    const record: ImportRecord = {
      id: randomUUID(),
      database,
      statements: 0,
      status: "active",
      startedAt: Date.now(),
    };
    imports.push(record);
    const job = (async () => {
      await server.beforeImport?.(database);
      const statements = importStatements(bytes.toString("utf8"));
      record.statements = statements.length;
      const violation = statements.map((sql) => checkStatement({ sql })).find((v) => v !== null);
      if (violation) throw new Error(violation.message);
      // In batches of at most IMPORT_BATCH_BYTES, each one transaction. (D1 runs an import as one unit; the sync does not rely on that: its files are
      // upserts, and what a partial import left is found by the next run's resume index and verification.)
      let batch: string[] = [];
      let batchBytes = 0;
      const flush = async () => {
        if (batch.length > 0)
          await exec(
            database,
            batch.map((sql) => ({ sql })),
          );
        batch = [];
        batchBytes = 0;
      };
      for (const sql of statements) {
        if (batchBytes + sql.length > IMPORT_BATCH_BYTES) await flush();
        batch.push(sql);
        batchBytes += sql.length;
      }
      await flush();
    })().then(
      () => {
        record.status = "complete";
      },
      (error: unknown) => {
        record.status = "error";
        record.error = ((error as { cause?: Error }).cause ?? (error as Error)).message;
        if (process.env.D1_HTTP_SERVER_DEBUG)
          console.error(`import ${record.id} into ${database} failed:`, error);
      },
    );
    const done = job.finally(() => {
      record.endedAt = Date.now();
      if (running.get(database) === done) running.delete(database);
    });
    running.set(database, done);
    return record;
  }

  function importStatus(record: ImportRecord): Envelope {
    const base = { success: true, type: "import", at_bookmark: record.id, messages: [] as string[] };
    if (record.status === "active") return ok({ ...base, status: "active", messages: ["importing"] });
    if (record.status === "error")
      return ok({ ...base, success: false, status: "error", error: record.error });
    return ok({
      ...base,
      status: "complete",
      result: {
        num_queries: record.statements,
        final_bookmark: record.id,
        meta: { duration: (record.endedAt ?? Date.now()) - record.startedAt, rows_read: 0, rows_written: 0 },
      },
    });
  }

  async function importCall(
    request: IncomingMessage,
    response: ServerResponse,
    database: string,
    base: string,
  ) {
    let body: { action?: string; etag?: string; filename?: string; current_bookmark?: string };
    try {
      body = JSON.parse((await readBody(request)).toString("utf8"));
    } catch {
      send(response, 400, failure(7400, "The request is malformed: invalid JSON"));
      return;
    }
    const record: RecordedRequest = {
      endpoint: "import",
      database,
      statements: [],
      status: 200,
      action: String(body.action),
    };
    requests.push(record);
    const answer = (status: number, envelope: Envelope) => {
      record.status = status;
      send(response, status, envelope);
    };
    const fault = faults.take([`import:${body.action}`], database);
    if (fault && (fault.when ?? "before") === "before") {
      return answer(fault.status, failure(fault.code, fault.message));
    }
    if (body.action === "init") {
      if (!/^[0-9a-f]{32}$/.test(body.etag ?? ""))
        return answer(400, failure(7400, "init needs the file's MD5 as etag"));
      const token = randomUUID();
      return answer(200, ok({ upload_url: `${base}/__uploads/${token}`, filename: `${token}.sql` }));
    }
    if (body.action === "ingest") {
      const upload = uploads.get(String(body.filename).replace(/\.sql$/, ""));
      if (!upload) return answer(400, failure(7400, `no uploaded file ${body.filename}`));
      if (upload.md5 !== body.etag)
        return answer(400, failure(7400, "the etag does not match the uploaded file"));
      if (running.has(database))
        return answer(409, failure(7409, "an import is already running on this database"));
      const started = startImport(database, upload.bytes);
      // Like D1, answer after a short wait: a small file is often done by then.
      await Promise.race([running.get(database), sleep(50)]);
      return answer(200, importStatus(started));
    }
    if (body.action === "poll") {
      const found = imports.find((i) => i.id === body.current_bookmark && i.database === database);
      if (!found) return answer(400, failure(7400, `no import ${body.current_bookmark}`));
      return answer(200, importStatus(found));
    }
    return answer(400, failure(7400, `unknown import action ${body.action}`));
  }

  const http = createServer(async (request, response) => {
    await sleep(server.latencyMs);
    const url = new URL(request.url ?? "/", "http://localhost");
    const upload = /^\/__uploads\/([0-9a-f-]+)$/.exec(url.pathname);
    if (upload && request.method === "PUT") {
      // A presigned upload URL: no API token, as with R2.
      const bytes = await readBody(request);
      const md5 = createHash("md5").update(bytes).digest("hex");
      uploads.set(upload[1]!, { bytes, md5 });
      requests.push({ endpoint: "upload", database: "", statements: [], status: 200 });
      response.writeHead(200, { etag: `"${md5}"`, "content-length": 0 }).end();
      return;
    }
    const match = path.exec(url.pathname);
    if (request.method !== "POST" || !match || !bindingOf.has(match[1]!)) {
      send(response, 404, failure(7404, "not found"));
      return;
    }
    if (request.headers.authorization !== `Bearer ${options.token}`) {
      send(response, 401, failure(10000, "Authentication error"));
      return;
    }
    const [, database, endpoint] = match as unknown as [string, string, "query" | "raw" | "import"];
    if (endpoint === "import") await importCall(request, response, database, `http://127.0.0.1:${port}`);
    else await query(request, response, database, endpoint);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  server.apiBase = `http://127.0.0.1:${port}/client/v4`;
  server.close = async () => {
    await Promise.allSettled(running.values());
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await mf.dispose();
  };
  return server;
}
