import { drizzle, type SqliteRemoteDatabase } from "drizzle-orm/sqlite-proxy";
import { type D1Client, toD1Param } from "./d1-client.ts";

/** drizzle over a D1 target: the schema-typed side of the sync (versions, lease, status). */
export type OnlineStoreDb = SqliteRemoteDatabase;

export function onlineStoreDb(client: D1Client): OnlineStoreDb {
  // drizzle's proxy driver wants rows as arrays, and a single row for "get".
  const shape = (rows: readonly (readonly unknown[])[], method: string) =>
    ({ rows: method === "get" ? rows[0] : rows }) as { rows: unknown[] };
  return drizzle(
    async (sql, params, method) => shape((await client.query(sql, params.map(toD1Param))).rows, method),
    async (queries) => {
      const results = await client.batch(
        queries.map((q) => ({ sql: q.sql, params: q.params.map(toD1Param) })),
      );
      return results.map((r, i) => shape(r.rows, queries[i]!.method));
    },
  );
}
