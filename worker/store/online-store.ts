import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import { activeFeatureSets, clientVectors, featureSets } from "../../online-store/schema.ts";
import { serviceUnavailable } from "../problem/api-error.ts";
import { retryRead } from "./retry-read.ts";

/** D1 binds at most 100 parameters per statement; a client lookup spends one on the schema hash. */
export const D1_MAX_BOUND_PARAMETERS = 100;
const IDS_PER_STATEMENT = D1_MAX_BOUND_PARAMETERS - 1;

/** The feature set the Worker reads for the model's feature schema. */
export interface FeatureSetRef {
  id: number;
  featuresAsOf: string;
  packedFormat: string;
  historyFeatureCount: number;
}

/** A client's row in the active feature set, as stored (decoded by stored-client.ts). */
export interface StoredVector {
  clientId: number;
  /** The packed history BLOB as D1 returns it. */
  history: unknown;
  /** The application record as JSON. */
  application: string;
}

export interface ClientLookup {
  featureSet: FeatureSetRef;
  vectors: Map<number, StoredVector>;
}

const featureSetColumns = {
  id: featureSets.id,
  featuresAsOf: featureSets.featuresAsOf,
  packedFormat: featureSets.packedFormat,
  historyFeatureCount: featureSets.historyFeatureCount,
};

const vectorColumns = {
  clientId: clientVectors.clientId,
  // Raw, not through the column's "buffer" mapping: that one needs Node's Buffer, absent from workerd.
  history: sql<unknown>`${clientVectors.history}`,
  application: clientVectors.application,
};

type LookupRow = FeatureSetRef & { clientId: number | null; history: unknown; application: string | null };

/**
 * The online store's read side: the active feature set for a feature schema and client vectors in it.
 * Every lookup joins the active-set pointer, so a sync flipping it mid-request is seen before or after,
 * never half-way. D1 failures surface as 503.
 */
export class OnlineStore {
  private readonly db: DrizzleD1Database;

  constructor(d1: D1Database) {
    this.db = drizzle(d1);
  }

  async activeFeatureSet(schemaHash: string): Promise<FeatureSetRef | null> {
    const rows = await available(() =>
      this.db
        .select(featureSetColumns)
        .from(activeFeatureSets)
        .innerJoin(featureSets, eq(featureSets.id, activeFeatureSets.featureSetId))
        .where(eq(activeFeatureSets.schemaHash, schemaHash)),
    );
    return rows[0] ?? null;
  }

  /** One client in one query; null when no feature set is active for the schema. */
  async client(schemaHash: string, clientId: number): Promise<ClientLookup | null> {
    const rows = await available(() =>
      lookupQuery(this.db, schemaHash, eq(clientVectors.clientId, clientId)),
    );
    return collect(rows);
  }

  /** Many clients: chunked under D1's bound-parameter limit, sent as one batch (one transaction). */
  async clients(schemaHash: string, clientIds: readonly number[]): Promise<ClientLookup | null> {
    const ids = [...new Set(clientIds)];
    if (ids.length === 0) {
      const featureSet = await this.activeFeatureSet(schemaHash);
      return featureSet && { featureSet, vectors: new Map() };
    }
    const statements: LookupQuery[] = [];
    for (let start = 0; start < ids.length; start += IDS_PER_STATEMENT) {
      const chunk = ids.slice(start, start + IDS_PER_STATEMENT);
      statements.push(lookupQuery(this.db, schemaHash, inArray(clientVectors.clientId, chunk)));
    }
    const results = await available(() => this.db.batch(statements as [LookupQuery, ...LookupQuery[]]));
    return collect(results.flat());
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

type LookupQuery = ReturnType<typeof lookupQuery>;

function collect(rows: readonly LookupRow[]): ClientLookup | null {
  const first = rows[0];
  if (!first) return null;
  const { id, featuresAsOf, packedFormat, historyFeatureCount } = first;
  const vectors = new Map<number, StoredVector>();
  for (const row of rows) {
    if (row.clientId === null || row.application === null) continue;
    vectors.set(row.clientId, { clientId: row.clientId, history: row.history, application: row.application });
  }
  return { featureSet: { id, featuresAsOf, packedFormat, historyFeatureCount }, vectors };
}

async function available<T>(query: () => Promise<T>): Promise<T> {
  try {
    return await retryRead(query);
  } catch (error) {
    throw serviceUnavailable("the online store (D1) is unavailable", error);
  }
}
