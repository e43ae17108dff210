import { join } from "node:path";
import { UserError } from "../lib/errors.ts";
import { stateDir } from "../lib/paths.ts";
import { WAREHOUSE_KINDS, type Warehouse, type WarehouseKind } from "./warehouse.ts";

export interface BigQuerySettings {
  projectId: string;
  dataset: string;
  location?: string;
  /** Set only for a local REST server (tests); production uses Google's endpoint. */
  apiEndpoint?: string;
}

export function parseWarehouseKind(value: string | undefined): WarehouseKind {
  const kind = (value ?? process.env.CREDIT_EDGE_WAREHOUSE ?? "duckdb").toLowerCase();
  if (!(WAREHOUSE_KINDS as readonly string[]).includes(kind)) {
    throw new UserError(`unknown warehouse "${kind}": use one of ${WAREHOUSE_KINDS.join(", ")}`, 2);
  }
  return kind as WarehouseKind;
}

export function duckDbPath(): string {
  return process.env.CREDIT_EDGE_DUCKDB ?? join(stateDir(), "warehouse.duckdb");
}

/**
 * BigQuery settings the standard Google way: project from GOOGLE_CLOUD_PROJECT (or the credentials),
 * dataset from BIGQUERY_DATASET; credentials from Application Default Credentials.
 */
export function bigQuerySettings(): BigQuerySettings {
  const projectId = process.env.GOOGLE_CLOUD_PROJECT ?? process.env.GCLOUD_PROJECT;
  if (!projectId) {
    throw new UserError(
      "BigQuery needs a project: set GOOGLE_CLOUD_PROJECT (and BIGQUERY_DATASET, default credit_edge)",
      2,
    );
  }
  return {
    projectId,
    dataset: process.env.BIGQUERY_DATASET ?? "credit_edge",
    ...(process.env.BIGQUERY_LOCATION ? { location: process.env.BIGQUERY_LOCATION } : {}),
    ...(process.env.BIGQUERY_API_ENDPOINT ? { apiEndpoint: process.env.BIGQUERY_API_ENDPOINT } : {}),
  };
}

export async function openWarehouse(kind: WarehouseKind): Promise<Warehouse> {
  if (kind === "bigquery") {
    const { BigQueryWarehouse } = await import("./bigquery/bigquery-warehouse.ts");
    return BigQueryWarehouse.open(bigQuerySettings());
  }
  const { DuckDbWarehouse } = await import("./duckdb/duckdb-warehouse.ts");
  return DuckDbWarehouse.open({ path: duckDbPath() });
}
