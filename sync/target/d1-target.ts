import type { D1Client } from "./d1-client.ts";
import type { D1Limits } from "./d1-limits.ts";

export type TargetKind = "local" | "remote";
export const TARGET_KINDS: readonly TargetKind[] = ["local", "remote"];

/** Where the online store is written: a D1 database reached through the HTTP query API's shape. */
export interface D1Target {
  readonly kind: TargetKind;
  readonly client: D1Client;
  readonly limits: D1Limits;
  /** The migrations the database must have (wrangler's d1_migrations bookkeeping) and how to apply them. */
  readonly migrations: { readonly dir: string; readonly table: string; readonly applyCommand: string };
  close(): Promise<void>;
}
