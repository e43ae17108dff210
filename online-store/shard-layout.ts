/**
 * The online store's shard layout: which D1 database holds which client, by binding name. One definition,
 * used by the sync (Node), the Worker and the CLI. The layout is configured in one place, the wrangler
 * config's `[[d1_databases]]`:
 *
 * - `DB` is the control database: API keys, the sync lease, and (with standbys) which database of each
 *   shard serves. With no shard bindings it is also the one shard, holding every client (the default).
 * - `DB_SHARD_0` … `DB_SHARD_<N-1>`: N shards; each holds the clients `shardOf` gives it, with its own copy
 *   of the feature-set tables, so one query on one shard answers a lookup.
 * - `DB_SHARD_<k>_STANDBY` (optional, for every shard or none): a second database per shard that bulk
 *   imports load while the other one serves; the sync flips a shard to it once every shard has verified.
 *
 * N is the number of `DB_SHARD_<k>` bindings. Changing it moves clients between shards: a full sync into
 * the new layout (README, "Shards").
 */

export const CONTROL_BINDING = "DB";

const SHARD_BINDING = /^DB_SHARD_(\d+)$/;
const STANDBY_BINDING = /^DB_SHARD_(\d+)_STANDBY$/;

export const shardBinding = (shard: number) => `DB_SHARD_${shard}`;
export const standbyBinding = (shard: number) => `DB_SHARD_${shard}_STANDBY`;

export interface ShardBindings {
  readonly shard: number;
  /** The shard's database: `DB` in the one-database layout. */
  readonly primary: string;
  /** The standby database bulk imports load, or null. */
  readonly standby: string | null;
}

export interface ShardLayout {
  readonly control: string;
  readonly shards: readonly ShardBindings[];
  /** Every shard has a standby database (bulk imports possible without blocking a serving one). */
  readonly standby: boolean;
}

export class ShardLayoutError extends Error {
  override readonly name = "ShardLayoutError";
}

/** The layout the declared D1 binding names describe; throws naming the binding at fault. */
export function shardLayoutOf(bindingNames: Iterable<string>): ShardLayout {
  const names = new Set(bindingNames);
  if (!names.has(CONTROL_BINDING))
    throw new ShardLayoutError(`no D1 binding "${CONTROL_BINDING}" (the online store's control database)`);
  const shards = [...names].flatMap((n) => {
    const m = SHARD_BINDING.exec(n);
    return m ? [Number(m[1])] : [];
  });
  const standbys = [...names].flatMap((n) => {
    const m = STANDBY_BINDING.exec(n);
    return m ? [Number(m[1])] : [];
  });
  shards.sort((a, b) => a - b);
  shards.forEach((k, i) => {
    if (k !== i)
      throw new ShardLayoutError(
        `shard bindings must be ${shardBinding(0)} … ${shardBinding(shards.length - 1)} without gaps: ${shardBinding(i)} is missing`,
      );
  });
  for (const k of standbys) {
    if (!names.has(shardBinding(k)))
      throw new ShardLayoutError(`${standbyBinding(k)} is declared without its shard ${shardBinding(k)}`);
  }
  if (standbys.length > 0 && standbys.length !== shards.length) {
    const lacking = shards.filter((k) => !standbys.includes(k)).map(standbyBinding);
    throw new ShardLayoutError(
      `standby databases are for every shard or none: ${lacking.join(", ")} missing`,
    );
  }
  if (shards.length === 0)
    return {
      control: CONTROL_BINDING,
      shards: [{ shard: 0, primary: CONTROL_BINDING, standby: null }],
      standby: false,
    };
  return {
    control: CONTROL_BINDING,
    shards: shards.map((k) => ({
      shard: k,
      primary: shardBinding(k),
      standby: standbys.length > 0 ? standbyBinding(k) : null,
    })),
    standby: standbys.length > 0,
  };
}

/** Every binding of the layout: control first, then each shard's primary and standby. */
export function layoutBindings(layout: ShardLayout): string[] {
  const all = [layout.control];
  for (const s of layout.shards) {
    if (!all.includes(s.primary)) all.push(s.primary);
    if (s.standby) all.push(s.standby);
  }
  return all;
}

/** murmur3's 32-bit finalizer: every input bit moves every output bit. */
function fmix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A client's shard: a stable hash of its SK_ID_CURR (both 32-bit halves of the integer), spread evenly
 * over the shards by multiply-shift. Pure arithmetic, identical in Node and workerd; never change it
 * without a full sync into a new layout.
 */
export function shardOf(clientId: number, shardCount: number): number {
  if (shardCount === 1) return 0;
  if (!Number.isSafeInteger(clientId) || clientId < 0) throw new RangeError(`not a client id: ${clientId}`);
  const hash = fmix32(fmix32(clientId >>> 0) ^ Math.floor(clientId / 2 ** 32));
  return Math.floor((hash * shardCount) / 2 ** 32);
}
