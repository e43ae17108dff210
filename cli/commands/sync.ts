import { type Command, Option } from "commander";
import { UserError } from "../../lib/errors.ts";
import { progressFor } from "../../lib/progress.ts";
import { syncLogFor } from "../../sync/log.ts";
import type { SyncReport } from "../../sync/run/sync-run.ts";
import { LOAD_CHOICES, type LoadChoice } from "../../sync/run/sync-types.ts";
import { envSettings, nonNegativeInteger, positiveInteger, SYNC_DEFAULTS } from "../../sync/settings.ts";
import type { SyncStatus } from "../../sync/status.ts";
import { TARGET_KINDS, type TargetKind } from "../../sync/target/d1-target.ts";
import { parseWarehouseKind } from "../../warehouse/config.ts";
import { WAREHOUSE_KINDS } from "../../warehouse/warehouse.ts";
import { formatTable, seconds } from "../format.ts";
import { configOption } from "../options.ts";
import { runAction } from "../run-action.ts";

const targetOption = () =>
  new Option("--target <kind>", "online store to write: the local D1 `wrangler dev` serves, or Cloudflare's")
    .choices(TARGET_KINDS)
    .env("CREDIT_EDGE_SYNC_TARGET")
    .default("local");

interface SyncOptions {
  source: string;
  target: TargetKind;
  config?: string;
  load: LoadChoice;
  gcGrace: number;
  incremental?: boolean;
  full?: boolean;
  keep: number;
  pageSize: number;
  persistTo?: string;
  json?: boolean;
}

/**
 * SIGINT/SIGTERM abort the run before its next write (the lease is released, nothing is activated); a
 * second signal exits at once. `ownSignals()` runs once the target is open: Miniflare's exit hook would
 * otherwise end the process on the first signal, leaving the lease to expire. Its "exit" hook stays and
 * still stops workerd however the process ends.
 */
function abortOnSignals(): { signal: AbortSignal; ownSignals: () => void; dispose: () => void } {
  const controller = new AbortController();
  const names = ["SIGINT", "SIGTERM"] as const;
  const handlers = new Map(
    names.map((name) => {
      const code = name === "SIGINT" ? 130 : 143;
      const handler = () => {
        if (controller.signal.aborted) process.exit(code);
        controller.abort(new UserError(`interrupted (${name}): nothing activated`, code));
      };
      process.on(name, handler);
      return [name, handler] as const;
    }),
  );
  return {
    signal: controller.signal,
    ownSignals() {
      for (const [name, handler] of handlers) {
        for (const other of process.listeners(name)) if (other !== handler) process.off(name, other);
      }
    },
    dispose() {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}

function printReport(report: SyncReport): void {
  const rate = `${Math.round(report.clientsPerSecond).toLocaleString("en-US")} clients/s`;
  if (report.outcome === "unchanged") {
    console.log(
      `nothing changed since version ${report.version}: it stays active (${report.rows.toLocaleString("en-US")} clients checked in ${seconds(report.seconds)})`,
    );
    return;
  }
  const c = report.changes;
  const changed = c
    ? `; ${(c.updated + c.added + c.removed).toLocaleString("en-US")} changed (${c.updated} updated, ${c.added} added, ${c.removed} removed), ${report.copied.toLocaleString("en-US")} copied forward`
    : "";
  console.log(
    `version ${report.version} active for ${report.schemaHash} in ${report.target}: ${report.rows.toLocaleString("en-US")} clients (${report.mode}${report.resumed ? `, resumed with ${report.resumed.rowsPresent.toLocaleString("en-US")} already written` : ""}${changed}), checksum ${report.checksum}, ${seconds(report.seconds)}, ${rate}`,
  );
  if (report.shards.length > 1) {
    console.log(
      formatTable(
        ["shard", "database", "clients", "checksum", "written", "copied"],
        report.shards.map((s) => [
          s.shard,
          s.database,
          s.rows.toLocaleString("en-US"),
          s.checksum,
          s.written,
          s.copied,
        ]),
      ),
    );
  }
}

function printStatus(status: SyncStatus): void {
  console.log(`online store: ${status.target}`);
  const active = status.active;
  if (active && active.shards.length > 1) {
    console.log(
      formatTable(
        ["shard", "serving", "rows", "bytes"],
        active.shards.map((s, i) => [s.shard, status.layout.serving[i] ?? "", s.rows ?? "", s.bytes ?? ""]),
      ),
    );
  }
  if (active?.bytes_per_client)
    console.log(`bytes on disk per stored client-version: ${active.bytes_per_client}`);
  if (status.versions.length === 0) console.log("no feature set versions yet: run `credit-edge sync`");
  else {
    console.log(
      formatTable(
        ["version", "schema", "status", "mode", "rows", "checksum", "created", "activated"],
        status.versions.map((v) => [
          `${v.active ? "*" : " "}${v.version}`,
          v.schema_hash,
          v.status === "loading" ? `loading (${v.rows ?? 0}/${v.expected_rows ?? "?"})` : v.status,
          v.base_version ? `${v.mode} from ${v.base_version}` : v.mode,
          v.status === "loading" || v.rows === null ? "" : v.rows.toLocaleString("en-US"),
          v.checksum ?? "",
          v.created_at,
          v.activated_at ?? "",
        ]),
      ),
    );
    console.log("* active for its schema");
  }
  const lease = status.lease;
  console.log(
    lease
      ? `lease: held by ${lease.holder} since ${lease.acquired_at}, until ${lease.expires_at}${lease.expired ? " (expired: the next sync takes it over)" : ""}`
      : "lease: free",
  );
}

export function registerSync(program: Command): void {
  const sync = program
    .command("sync")
    .description(
      "export every client's features from the warehouse into D1 as a new version: verified, then activated at once",
    )
    .addOption(
      new Option("--source <kind>", "warehouse to read")
        .choices(WAREHOUSE_KINDS)
        .env("CREDIT_EDGE_WAREHOUSE")
        .default("duckdb"),
    )
    .addOption(targetOption())
    .addOption(new Option("--full", "write every client (the default)").conflicts("incremental"))
    .addOption(
      new Option(
        "--incremental",
        "copy the active version forward and rewrite only clients that changed",
      ).conflicts("full"),
    )
    .addOption(
      new Option("--keep <n>", "completed versions to keep per feature schema (the active one included)")
        .argParser(positiveInteger)
        .env("CREDIT_EDGE_SYNC_KEEP")
        .default(SYNC_DEFAULTS.keep),
    )
    .addOption(
      new Option("--page-size <n>", "clients per source page and at most per write request")
        .argParser(positiveInteger)
        .env("CREDIT_EDGE_SYNC_PAGE_SIZE")
        .default(SYNC_DEFAULTS.pageSize),
    )
    .option("--persist-to <dir>", "local target: wrangler's state directory (default .wrangler/state)")
    .addOption(configOption())
    .addOption(
      new Option(
        "--load <how>",
        "how rows reach D1: its query API into the serving databases, or its import API into each shard's standby (auto: import for a remote full sync when standbys exist)",
      )
        .choices(LOAD_CHOICES)
        .env("CREDIT_EDGE_SYNC_LOAD")
        .default("auto"),
    )
    .addOption(
      new Option(
        "--gc-grace <seconds>",
        "keep a superseded version's rows this long beyond --keep, for replicas and caches still reading it",
      )
        .argParser(nonNegativeInteger)
        .env("CREDIT_EDGE_SYNC_GC_GRACE_SECONDS")
        .default(SYNC_DEFAULTS.gcGraceSeconds),
    )
    .option("--json", "print the run's summary as one JSON object")
    .action(
      runAction(async (options: SyncOptions) => {
        // Heavy modules (DuckDB, Miniflare, drizzle) load on use: `credit-edge --help` stays fast.
        const [{ openSource, openTarget }, { runSync }, { leaseHolderName }] = await Promise.all([
          import("../../sync/open.ts"),
          import("../../sync/run/sync-run.ts"),
          import("../../sync/store/lease.ts"),
        ]);
        const log = syncLogFor();
        const env = envSettings();
        const { signal, ownSignals, dispose } = abortOnSignals();
        const sourceKind = parseWarehouseKind(options.source);
        try {
          const target = await openTarget(options.target, {
            log,
            ...(options.persistTo ? { persistTo: options.persistTo } : {}),
            ...(options.config ? { configPath: options.config } : {}),
          });
          ownSignals();
          try {
            const report = await runSync(
              () => openSource(sourceKind, env),
              target,
              {
                mode: options.incremental ? "incremental" : "full",
                keep: options.keep,
                pageSize: options.pageSize,
                maxInFlight: env.maxInFlight,
                leaseTtlMs: env.leaseTtlMs,
                holder: leaseHolderName(),
                gcGraceSeconds: options.gcGrace,
                load: options.load,
                importFileBytes: env.importFileBytes,
              },
              { progress: progressFor(), log, signal },
            );
            if (options.json) console.log(JSON.stringify(report));
            else printReport(report);
          } finally {
            await target.close();
          }
        } catch (error) {
          // An abort surfaces as its reason: the interrupt's own message and exit code.
          throw signal.aborted && !(error instanceof UserError) ? signal.reason : error;
        } finally {
          dispose();
        }
      }),
    );

  sync
    .command("status")
    .description("the online store's feature set versions, which is active per schema, and the sync lease")
    // --target, --persist-to and --config are the sync command's own, read from it: one definition of each.
    .configureHelp({ showGlobalOptions: true })
    .option("--json", "print one JSON object (active, versions, lease)")
    .action(
      runAction(async (_options: unknown, command: Command) => {
        const options = command.optsWithGlobals<{
          target: TargetKind;
          persistTo?: string;
          config?: string;
          gcGrace: number;
          json?: boolean;
        }>();
        const [{ openTarget }, { readSyncStatus }] = await Promise.all([
          import("../../sync/open.ts"),
          import("../../sync/status.ts"),
        ]);
        const target = await openTarget(options.target, {
          ...(options.persistTo ? { persistTo: options.persistTo } : {}),
          ...(options.config ? { configPath: options.config } : {}),
        });
        try {
          const status = await readSyncStatus(target, options.gcGrace);
          if (options.json) console.log(JSON.stringify(status, null, 2));
          else printStatus(status);
        } finally {
          await target.close();
        }
      }),
    );

  sync
    .command("bindings")
    .description(
      "the D1 bindings of the layout (control database, shards, standbys), one per line: each gets the migrations",
    )
    .configureHelp({ showGlobalOptions: true })
    .action(
      runAction(async (_options: unknown, command: Command) => {
        const { config } = command.optsWithGlobals<{ config?: string }>();
        const [{ wranglerConfigPath }, { readWranglerD1Config }, { layoutBindings }] = await Promise.all([
          import("../../sync/open.ts"),
          import("../../sync/target/wrangler-d1-config.ts"),
          import("../../online-store/shard-layout.ts"),
        ]);
        const { layout } = await readWranglerD1Config(wranglerConfigPath(config));
        for (const binding of layoutBindings(layout)) console.log(binding);
      }),
    );
}
