/**
 * The Worker the local target runs in Miniflare beside the D1 bindings: it answers the D1 HTTP API's /raw
 * shape (see d1-client.ts) at /raw/<binding>, one path per database of the layout, so local and remote
 * syncs share one client. Why not the binding from Node
 * (getPlatformProxy's env.DB)? Every statement then crosses the Node <-> workerd proxy on its own and BLOB
 * parameters travel as arrays of numbers: measured 4-6x slower than posting whole batches here.
 *
 * One statement runs with .raw() (arrays, exact column order); a batch with db.batch() (one transaction,
 * rows as objects, turned back into arrays: statements of a batch must not repeat a column name).
 * "database is locked" (another process, e.g. a second sync or \`wrangler dev\`, holds SQLite's write lock;
 * workerd reports it as an internal error of the D1 object) answers 503: transient, so the client retries
 * it like any busy server, as it would D1's own 5xx.
 */
export const LOCAL_D1_ENDPOINT_SCRIPT = `
const envelope = (result) => Response.json({ result, success: true, errors: [], messages: [] });
const failure = (status, code, message) =>
  Response.json({ result: [], success: false, errors: [{ code, message }], messages: [] }, { status });

function fromObjects(result) {
  const rows = result.results ?? [];
  const columns = rows.length > 0 ? Object.keys(rows[0]) : [];
  return { results: { columns, rows: rows.map((row) => columns.map((c) => row[c])) }, success: true, meta: result.meta };
}

export default {
  async fetch(request, env) {
    const binding = new URL(request.url).pathname.split("/")[2] || "DB";
    const db = env[binding];
    if (!db || typeof db.prepare !== "function") return failure(404, 7404, "no database " + binding);
    let body;
    try {
      body = await request.json();
    } catch {
      return failure(400, 7400, "the request body is not JSON");
    }
    const queries = Array.isArray(body.batch) ? body.batch : [{ sql: body.sql, params: body.params }];
    try {
      const statements = queries.map((q) => db.prepare(q.sql).bind(...(q.params ?? [])));
      if (statements.length === 1) {
        const [columns = [], ...rows] = await statements[0].raw({ columnNames: true });
        return envelope([{ results: { columns, rows }, success: true, meta: {} }]);
      }
      return envelope((await db.batch(statements)).map(fromObjects));
    } catch (error) {
      const message = String(error?.cause?.message ?? error?.message ?? error);
      const busy = /SQLITE_BUSY|database is locked|internal error/.test(message);
      return failure(busy ? 503 : 400, 7500, message);
    }
  },
};
`;
