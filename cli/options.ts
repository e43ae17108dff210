import { Option } from "commander";
import { WAREHOUSE_KINDS } from "../warehouse/warehouse.ts";

/** Options shared by several commands, defined once so their names and help never drift. */
export const warehouseOption = () =>
  new Option("--warehouse <kind>", "warehouse to use")
    .choices(WAREHOUSE_KINDS)
    .env("CREDIT_EDGE_WAREHOUSE")
    .default("duckdb");

/** The wrangler config whose `[[d1_databases]]` are the online store's layout (control, shards, standbys). */
export const configOption = () =>
  new Option(
    "--config <file>",
    "wrangler config with the online store's D1 bindings (default wrangler.toml)",
  ).env("CREDIT_EDGE_WRANGLER_CONFIG");
