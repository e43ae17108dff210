import { ShardLayoutError, shardLayoutOf } from "../../online-store/shard-layout.ts";

/** The D1 databases of the online store, from the Worker's bindings (online-store/shard-layout.ts). */
export interface ShardSet {
  readonly control: D1Database;
  readonly shards: readonly {
    readonly shard: number;
    readonly primary: D1Database;
    readonly standby: D1Database | null;
  }[];
  /** Shards have standbys: which database serves comes from the control database's shard_routes. */
  readonly standby: boolean;
}

const isD1 = (value: unknown): value is D1Database =>
  typeof value === "object" && value !== null && typeof (value as D1Database).prepare === "function";

const resolved = new WeakMap<object, ShardSet | ShardLayoutError>();

/**
 * The shard set the bindings describe: `DB`, `DB_SHARD_<k>`, `DB_SHARD_<k>_STANDBY`, as declared in
 * wrangler.toml, the layout's one place. Resolved once per env object. A layout that does not parse (a gap
 * in the shard numbers) is an error the caller reports (503, and /ready says why), never a guess: a wrong
 * shard count would look clients up in the wrong database.
 */
export function shardSetOf(env: object): ShardSet {
  let set = resolved.get(env);
  if (!set) {
    const bindings = env as Record<string, unknown>;
    try {
      const layout = shardLayoutOf(Object.keys(bindings).filter((k) => isD1(bindings[k])));
      const db = (name: string) => bindings[name] as D1Database;
      set = {
        control: db(layout.control),
        shards: layout.shards.map((s) => ({
          shard: s.shard,
          primary: db(s.primary),
          standby: s.standby ? db(s.standby) : null,
        })),
        standby: layout.standby,
      };
    } catch (error) {
      if (!(error instanceof ShardLayoutError)) throw error;
      set = error;
    }
    resolved.set(env, set);
  }
  if (set instanceof ShardLayoutError) throw set;
  return set;
}

/** A single database as a one-shard set (the default layout; tests and tools with one D1). */
export function singleDatabase(db: D1Database): ShardSet {
  return { control: db, shards: [{ shard: 0, primary: db, standby: null }], standby: false };
}
