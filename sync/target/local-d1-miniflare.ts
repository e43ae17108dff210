import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { D1_BINDING } from "./wrangler-d1-config.ts";

const NOT_FOUND_WORKER = "export default { fetch() { return new Response(null, { status: 404 }); } };";

export interface LocalD1MiniflareOptions {
  /** wrangler's state root (`--persist-to`, default .wrangler/state): D1's SQLite files are in <root>/v3/d1. */
  persistRoot: string;
  /** The id wrangler's local mode keys the control database's SQLite file by (bound as DB). */
  databaseId?: string;
  /** Several databases: binding name -> local database id (every database of a sharded layout). */
  databases?: Readonly<Record<string, string>>;
  /** A modules-format Worker beside the bindings; by default one that answers 404. */
  script?: string;
}

/**
 * A Miniflare over the same SQLite files that `wrangler dev --local` serves, opened the way wrangler opens
 * them (persistence root <root>/v3, the D1 plugin's folder under it, one file per database id). The one
 * place the sync and the tests construct a Miniflare, so a change of miniflare's options (v5 moved to
 * `resourcePersistencePath` and a new option shape; `convertV4MiniflareOptions` keeps the flat one) is made
 * once. One Miniflare serves every database of a layout: one workerd, one file per shard.
 */
export function openLocalD1Miniflare(options: LocalD1MiniflareOptions): Miniflare {
  const databases = {
    ...(options.databaseId ? { [D1_BINDING]: options.databaseId } : {}),
    ...options.databases,
  };
  if (Object.keys(databases).length === 0) throw new Error("openLocalD1Miniflare: no database to open");
  return new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      script: options.script ?? NOT_FOUND_WORKER,
      d1Databases: databases,
      resourcePersistencePath: join(options.persistRoot, "v3"),
      telemetry: { enabled: false },
    }),
  );
}
