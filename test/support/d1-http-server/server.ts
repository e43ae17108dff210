import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { openLocalD1Miniflare } from "../../../sync/target/local-d1-miniflare.ts";
import { D1_BINDING } from "../../../sync/target/wrangler-d1-config.ts";
import { checkStatement, type LimitViolation, type QueryBody } from "./d1-limits.ts";
import { FaultPlan } from "./faults.ts";

/**
 * A local stand-in for Cloudflare's D1 HTTP API: `POST /client/v4/accounts/{account}/d1/database/{id}/query`
 * and `/raw`, bearer-token auth, `{sql, params}` or `{batch: [...]}` bodies (a batch is one transaction),
 * D1's statement limits enforced, Cloudflare's response envelope. Backed by a real local D1 (Miniflare,
 * persisted where the test says). Faults can be injected; every request is recorded. Loopback only.
 */

export interface D1HttpServerOptions {
  accountId: string;
  databaseId: string;
  token: string;
  /** A wrangler state root (its D1 in <root>/v3/d1) with the migrations applied. */
  persistRoot: string;
  /** The D1 database id the state's SQLite file is keyed by (wrangler.toml's, for a copied local state). */
  localDatabaseId: string;
}

export interface RecordedRequest {
  endpoint: "query" | "raw";
  statements: { sql: string; sqlBytes: number; params: number }[];
  status: number;
}

export interface D1HttpServer {
  /** The API base, as CLOUDFLARE_API_BASE_URL: http://127.0.0.1:<port>/client/v4 */
  apiBase: string;
  faults: FaultPlan;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

type Envelope = Record<string, unknown>;

const ok = (result: unknown[]): Envelope => ({ result, success: true, errors: [], messages: [] });
const failure = (code: number, message: string): Envelope => ({
  result: [],
  success: false,
  errors: [{ code, message }],
  messages: [],
});

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
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

export async function startD1HttpServer(options: D1HttpServerOptions): Promise<D1HttpServer> {
  const mf = openLocalD1Miniflare({ persistRoot: options.persistRoot, databaseId: options.localDatabaseId });
  const db = await mf.getD1Database(D1_BINDING);
  const faults = new FaultPlan();
  const requests: RecordedRequest[] = [];
  const path = new RegExp(
    `^/client/v4/accounts/${options.accountId}/d1/database/${options.databaseId}/(query|raw)$`,
  );

  /** Rows as the endpoint returns them: objects for /query, columns + arrays for /raw. */
  async function run(queries: QueryBody[], endpoint: "query" | "raw"): Promise<unknown[]> {
    const statements = queries.map((q) => db.prepare(q.sql).bind(...(q.params ?? [])));
    const meta = { changed_db: false, changes: 0, duration: 0, rows_read: 0, rows_written: 0 };
    if (statements.length === 1 && endpoint === "raw") {
      const [columns = [], ...rows] = await statements[0]!.raw({ columnNames: true });
      return [{ results: { columns, rows }, success: true, meta }];
    }
    const results: { results?: unknown[]; meta?: object }[] = await db.batch(statements);
    return results.map((r) => {
      const rows = (r.results ?? []) as Record<string, unknown>[];
      if (endpoint === "query") return { results: rows, success: true, meta: { ...meta, ...r.meta } };
      const columns = rows.length > 0 ? Object.keys(rows[0]!) : [];
      return {
        results: { columns, rows: rows.map((row) => columns.map((c) => row[c])) },
        success: true,
        meta,
      };
    });
  }

  const server = createServer(async (request, response) => {
    const match = path.exec(new URL(request.url ?? "/", "http://localhost").pathname);
    if (request.method !== "POST" || !match) {
      send(response, 404, failure(7404, "not found"));
      return;
    }
    const endpoint = match[1] as "query" | "raw";
    if (request.headers.authorization !== `Bearer ${options.token}`) {
      send(response, 401, failure(10000, "Authentication error"));
      return;
    }
    let queries: QueryBody[];
    try {
      const body = JSON.parse(await readBody(request)) as QueryBody & { batch?: QueryBody[] };
      queries = Array.isArray(body.batch) ? body.batch : [body];
    } catch {
      send(response, 400, failure(7400, "The request is malformed: invalid JSON"));
      return;
    }
    const record: RecordedRequest = {
      endpoint,
      statements: queries.map((q) => ({
        sql: String(q.sql),
        sqlBytes: Buffer.byteLength(String(q.sql)),
        params: q.params?.length ?? 0,
      })),
      status: 200,
    };
    requests.push(record);
    const fault = faults.take(queries.map((q) => String(q.sql)));
    if (fault) {
      record.status = fault.status;
      const headers: Record<string, string> =
        fault.retryAfter === undefined ? {} : { "retry-after": String(fault.retryAfter) };
      send(response, fault.status, failure(fault.code, fault.message), headers);
      return;
    }
    const violation = queries.map(checkStatement).find((v): v is LimitViolation => v !== null);
    if (violation) {
      record.status = violation.status;
      send(response, violation.status, failure(violation.code, violation.message));
      return;
    }
    try {
      send(response, 200, ok(await run(queries, endpoint)));
    } catch (error) {
      record.status = 400;
      const cause = (error as { cause?: Error }).cause ?? (error as Error);
      send(response, 400, failure(7500, cause.message));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiBase: `http://127.0.0.1:${port}/client/v4`,
    faults,
    requests,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await mf.dispose();
    },
  };
}
