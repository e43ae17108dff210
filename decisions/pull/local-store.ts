import { join } from "node:path";
import { UserError } from "../../lib/errors.ts";
import { PROJECT_ROOT } from "../../lib/paths.ts";
import type { RecordStore, StoredObject } from "./record-store.ts";

/** The part of an R2 binding the reader uses (the platform proxy hands a full one). */
interface BucketBinding {
  list(options: { prefix: string; cursor?: string; startAfter?: string; limit?: number }): Promise<{
    objects: { key: string; size: number }[];
    truncated: boolean;
    cursor?: string;
  }>;
  get(key: string): Promise<{ text(): Promise<string> } | null>;
}

/**
 * The local R2 bucket `wrangler dev` writes (miniflare's state in .wrangler/state, or --persist-to), read
 * through wrangler's platform proxy: the same storage the running dev server uses, no file format guessed.
 */
export async function openLocalStore(persistTo?: string): Promise<RecordStore> {
  // wrangler announces .dev.vars on stdout at info level, which would corrupt `--json` output: warnings up.
  process.env.WRANGLER_LOG ??= "warn";
  const { getPlatformProxy } = await import("wrangler");
  const proxy = await getPlatformProxy<{ DECISIONS_BUCKET?: BucketBinding }>({
    configPath: join(PROJECT_ROOT, "wrangler.toml"),
    persist: persistTo ? { path: join(persistTo, "v3") } : true,
    remoteBindings: false,
  });
  const bucket = proxy.env.DECISIONS_BUCKET;
  if (!bucket) {
    await proxy.dispose();
    throw new UserError("wrangler.toml has no DECISIONS_BUCKET R2 binding ([[r2_buckets]])");
  }
  return {
    description: `local R2 (${persistTo ?? ".wrangler/state"})`,
    async *list(prefix: string, startAfter?: string): AsyncIterable<StoredObject> {
      let cursor: string | undefined;
      do {
        const page = await bucket.list({
          prefix,
          limit: 1000,
          ...(cursor ? { cursor } : startAfter ? { startAfter } : {}),
        });
        for (const o of page.objects) yield { key: o.key, size: o.size };
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
    },
    async text(key: string): Promise<string> {
      const object = await bucket.get(key);
      if (!object) throw new UserError(`local R2: object ${key} disappeared while pulling`);
      return object.text();
    },
    close: () => proxy.dispose(),
  };
}
