import { Option } from "commander";
import { WAREHOUSE_KINDS } from "../warehouse/warehouse.ts";

/** Options shared by several commands, defined once so their names and help never drift. */
export const warehouseOption = () =>
  new Option("--warehouse <kind>", "warehouse to use")
    .choices(WAREHOUSE_KINDS)
    .env("CREDIT_EDGE_WAREHOUSE")
    .default("duckdb");
