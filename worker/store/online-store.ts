import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import { activeFeatureSets, clientVectors, featureSets } from "../../online-store/schema.ts";
import { shardOf } from "../../online-store/shard-layout.ts";
import { ApiError, serviceUnavailable } from "../problem/api-error.ts";
import { readSession } from "./read-session.ts";
import { retryRead } from "./retry-read.ts";
import { DEFAULT_ROUTE_CACHE_SECONDS, type Routes, shardRoutesOf } from "./shard-routes.ts";
import { type ShardSet, singleDatabase } from "./shard-set.ts";

/** D1 binds at most 100 parameters per statement; a client lookup spends one on the schema hash. */
export const D1_MAX_BOUND_PARAMETERS = 100;
const IDS_PER_STATEMENT = D1_MAX_BOUND_PARAMETERS - 1;

/** The feature set the Worker reads for the model's feature schema, on one shard. */
export interface FeatureSetRef {
  id: number;
  featuresAsOf: string;
  packedFormat: string;
  historyFeatureCount: number;
}

/** A client's row in the active feature set, as stored (decoded by stored-client.ts). */
export interface StoredVector {
  clientId: number;
  /** The packed client BLOB as the lookup reads it: hex text (or the BLOB itself, from other readers). */
  packed: unknown;
}

/** One shard's answer: its active feature set and the wanted clients it holds. */
export interface ClientLookup {
  featureSet: FeatureSetRef;
  vectors: Map<number, StoredVector>;
}

const featureSetColumns = {
  id: featureSets.id,
  featuresAsOf: featureSets.featuresAsOf,
  packedFormat: featureSets.packedFormat,
  historyFeatureCount: featureSets.historyFeatureCount,
  shard: featureSets.shard,
  shardCount: featureSets.shardCount,
};

const vectorColumns = {
  clientId: clientVectors.clientId,
  // As hex() text, not the BLOB: D1 answers in JSON, where a BLOB is an array of numbers (~3.6 characters a
  // byte, each parsed into a JS number); hex is one string of 2 a byte, decoded natively (hex-bytes.ts).
  // Measured in a 100-client lookup in the profile of `npm run bench:profile`. Not the column's "buffer"
  // mapping either: that one needs Node's Buffer, absent from workerd.
  packed: sql<unknown>`hex(${clientVectors.packed})`,
};

type LookupRow = FeatureSetRef & {
  shard: number | null;
  shardCount: number;
  clientId: number | null;
  packed: unknown;
};

/** A shard's state for /ready. */
export type ShardState =
  | { shard: number; status: "ok"; featureSet: FeatureSetRef }
  | { shard: number; status: "unavailable" | "no_active_set"; detail: string };

/** Many clients over the shards: each client's shard answer, or that shard's failure. */
export class ClientsLookup {
  constructor(
    private readonly shardCount: number,
    private readonly answers: ReadonlyMap<number, ClientLookup | ApiError>,
  ) {}

  /** The client's feature set and row (absent: not in the set), or why its shard cannot say. */
  entry(clientId: number): { featureSet: FeatureSetRef; vector: StoredVector | undefined } | ApiError {
    const answer = this.answers.get(shardOf(clientId, this.shardCount))!;
    if (!("featureSet" in answer)) return answer;
    return { featureSet: answer.featureSet, vector: answer.vectors.get(clientId) };
  }

  /** Every shard asked failed: the request as a whole fails, as it did with one database. */
  allFailed(): ApiError | null {
    const answers = [...this.answers.values()];
    const failures = answers.filter((a): a is ApiError => !("featureSet" in a));
    return answers.length > 0 && failures.length === answers.length ? failures[0]! : null;
  }

  /** Every row found (any shard). */
  found(): StoredVector[] {
    return [...this.answers.values()].flatMap((a) => ("featureSet" in a ? [...a.vectors.values()] : []));
  }
}

/**
 * The online store's read side: per shard, the active feature set for a feature schema and client vectors
 * in it. A client's shard is shardOf(id); every lookup is ONE query on that shard, through a read session
 * (read-session.ts), that joins the shard's active-set pointer with its rows, so a sync flipping it
 * mid-request is seen before or after, never half-way; the row's shard stamp is checked against this
 * Worker's layout in the same answer. A shard that fails answers 503 for its clients only.
 */
export class OnlineStore {
  private readonly set: ShardSet;

  constructor(
    source: D1Database | ShardSet,
    private readonly routeCacheSeconds = DEFAULT_ROUTE_CACHE_SECONDS,
  ) {
    this.set =
      typeof (source as D1Database).prepare === "function"
        ? singleDatabase(source as D1Database)
        : (source as ShardSet);
  }

  get shardCount(): number {
    return this.set.shards.length;
  }

  private async routes(): Promise<Routes> {
    try {
      return await shardRoutesOf(this.set, this.routeCacheSeconds);
    } catch (error) {
      throw serviceUnavailable(
        "the online store's shard routes (D1 control database) are unavailable",
        error,
      );
    }
  }

  /** The shard's database that serves now (its standby while a bulk load flips), in a read session. */
  private async session(shard: number): Promise<D1DatabaseSession | D1Database> {
    const { primary, standby } = this.set.shards[shard]!;
    const serving = standby && (await this.routes())[shard] ? standby : primary;
    return readSession(serving);
  }

  private async reader(shard: number): Promise<DrizzleD1Database> {
    return drizzle((await this.session(shard)) as D1Database);
  }

  /**
   * One client in one query on its shard; null when no feature set is active there for the schema. The
   * query is the batch lookup's for one id, its SQL built by drizzle once (lookupSql).
   */
  async client(schemaHash: string, clientId: number): Promise<ClientLookup | null> {
    const shard = shardOf(clientId, this.shardCount);
    const rows = await available(shard, this.shardCount, async () => {
      const values = await (await this.session(shard))
        .prepare(lookupSql(1).sql)
        .bind(...lookupSql(1).params(schemaHash, [clientId]))
        .raw();
      return values.map(lookupRowOf);
    });
    return this.collect(shard, rows);
  }

  /**
   * Many clients: grouped by shard, each shard's chunks (under D1's parameter limit) one batch, so one
   * snapshot of its active set, shards in parallel. Each chunk's SQL is built by drizzle once per id count.
   */
  async clients(schemaHash: string, clientIds: readonly number[]): Promise<ClientsLookup> {
    const byShard = new Map<number, number[]>();
    for (const id of new Set(clientIds)) {
      const shard = shardOf(id, this.shardCount);
      const ids = byShard.get(shard);
      if (ids) ids.push(id);
      else byShard.set(shard, [id]);
    }
    const answers = new Map<number, ClientLookup | ApiError>();
    await Promise.all(
      [...byShard].map(async ([shard, ids]) => {
        try {
          const rows = await available(shard, this.shardCount, async () => {
            const session = await this.session(shard);
            const statements: D1PreparedStatement[] = [];
            for (let start = 0; start < ids.length; start += IDS_PER_STATEMENT) {
              const chunk = ids.slice(start, start + IDS_PER_STATEMENT);
              const lookup = lookupSql(chunk.length);
              statements.push(session.prepare(lookup.sql).bind(...lookup.params(schemaHash, chunk)));
            }
            const results = await session.batch<Record<string, unknown>>(statements);
            // In the query's column order, as drizzle's own batch maps D1's row objects.
            return results.flatMap((r) => r.results.map((row) => lookupRowOf(Object.values(row))));
          });
          answers.set(shard, this.collect(shard, rows) ?? noActiveSet(shard, schemaHash, this.shardCount));
        } catch (error) {
          if (isApiError(error)) answers.set(shard, error);
          else throw error;
        }
      }),
    );
    return new ClientsLookup(this.shardCount, answers);
  }

  /** Each shard's active set for the schema, or why it has none: what /ready reports. One query per shard. */
  async shardStates(schemaHash: string): Promise<ShardState[]> {
    return Promise.all(
      this.set.shards.map(async ({ shard }): Promise<ShardState> => {
        try {
          const rows = await available(shard, this.shardCount, async () =>
            (await this.reader(shard))
              .select(featureSetColumns)
              .from(activeFeatureSets)
              .innerJoin(featureSets, eq(featureSets.id, activeFeatureSets.featureSetId))
              .where(eq(activeFeatureSets.schemaHash, schemaHash)),
          );
          const row = rows[0];
          if (!row)
            return { shard, status: "no_active_set", detail: `no feature set is active for ${schemaHash}` };
          assertShardStamp(shard, this.shardCount, row);
          return { shard, status: "ok", featureSet: refOf(row) };
        } catch (error) {
          if (isApiError(error)) return { shard, status: "unavailable", detail: error.message };
          throw error;
        }
      }),
    );
  }

  /** The active set of the first shard (the only one in the default layout). */
  async activeFeatureSet(schemaHash: string): Promise<FeatureSetRef | null> {
    const [first] = await this.shardStates(schemaHash);
    if (first?.status === "unavailable") throw serviceUnavailable(first.detail);
    return first?.status === "ok" ? first.featureSet : null;
  }

  private collect(shard: number, rows: readonly LookupRow[]): ClientLookup | null {
    const first = rows[0];
    if (!first) return null;
    assertShardStamp(shard, this.shardCount, first);
    const vectors = new Map<number, StoredVector>();
    for (const row of rows) {
      if (row.clientId === null || row.packed === null) continue;
      vectors.set(row.clientId, { clientId: row.clientId, packed: row.packed });
    }
    return { featureSet: refOf(first), vectors };
  }
}

const refOf = (row: FeatureSetRef): FeatureSetRef => ({
  id: row.id,
  featuresAsOf: row.featuresAsOf,
  packedFormat: row.packedFormat,
  historyFeatureCount: row.historyFeatureCount,
});

const isApiError = (error: unknown): error is ApiError => error instanceof ApiError;

function noActiveSet(shard: number, schemaHash: string, shardCount: number): ApiError {
  const where = shardCount > 1 ? ` on shard ${shard}` : "";
  return serviceUnavailable(`no feature set is active for the model's feature schema ${schemaHash}${where}`);
}

/** A shard answering with another layout's rows is misconfigured: never read clients from it. */
function assertShardStamp(
  shard: number,
  shardCount: number,
  row: { shard: number | null; shardCount: number },
): void {
  if (row.shardCount !== shardCount || (row.shard ?? 0) !== shard) {
    throw serviceUnavailable(
      `shard ${shard} serves a feature set laid out as shard ${row.shard ?? 0} of ${row.shardCount}, but this Worker has ${shardCount} shard(s): the bindings and the synced layout disagree`,
    );
  }
}

/**
 * The active set joined with the wanted clients' rows. LEFT JOIN: a row with null vector columns means
 * "the set is active, no wanted client is in it"; no row at all means "no active set".
 */
function lookupQuery(db: DrizzleD1Database, schemaHash: string, clients: SQL) {
  return db
    .select({ ...featureSetColumns, ...vectorColumns })
    .from(activeFeatureSets)
    .innerJoin(featureSets, eq(featureSets.id, activeFeatureSets.featureSetId))
    .leftJoin(clientVectors, and(eq(clientVectors.featureSetId, activeFeatureSets.featureSetId), clients))
    .where(eq(activeFeatureSets.schemaHash, schemaHash));
}

/** The columns of a lookup row, in the order the query selects them (drizzle's own order for `raw()`). */
const LOOKUP_FIELDS = Object.keys({ ...featureSetColumns, ...vectorColumns }) as (keyof LookupRow)[];

const lookupRowOf = (values: unknown[]): LookupRow =>
  Object.fromEntries(LOOKUP_FIELDS.map((field, i) => [field, values[i]])) as unknown as LookupRow;

interface LookupSql {
  sql: string;
  /** The statement's parameters in order: the schema hash and the ids. */
  params: (schemaHash: string, clientIds: readonly number[]) => unknown[];
}

/** Per id count (1 to IDS_PER_STATEMENT): building the query in drizzle cost ~0.3 ms of every request. */
const lookupSqlByCount = new Map<number, LookupSql>();

/**
 * The lookup of `count` clients as SQL text with its parameters in order, built by drizzle from the query
 * itself (placeholders for the schema hash and the ids; no database is touched to build it).
 */
function lookupSql(count: number): LookupSql {
  const known = lookupSqlByCount.get(count);
  if (known) return known;
  const query = lookupQuery(
    drizzle({} as D1Database),
    sql.placeholder("schemaHash") as unknown as string,
    inArray(
      clientVectors.clientId,
      Array.from({ length: count }, (_, i) => sql.placeholder(String(i))),
    ),
  ).toSQL();
  // Each parameter's source: -1 for the schema hash, else the id's index.
  const sources = query.params.map((p) => {
    const name = (p as { name?: unknown }).name;
    if (typeof name !== "string")
      throw new Error("the client lookup has a parameter that is not a placeholder");
    return name === "schemaHash" ? -1 : Number(name);
  });
  const built: LookupSql = {
    sql: query.sql,
    params: (schemaHash, clientIds) => sources.map((k) => (k < 0 ? schemaHash : clientIds[k])),
  };
  lookupSqlByCount.set(count, built);
  return built;
}

async function available<T>(shard: number, shardCount: number, query: () => Promise<T>): Promise<T> {
  try {
    return await retryRead(query);
  } catch (error) {
    const which = shardCount > 1 ? ` shard ${shard}` : "";
    throw serviceUnavailable(`the online store (D1${which}) is unavailable`, error);
  }
}
