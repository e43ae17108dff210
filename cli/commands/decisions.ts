import { type Command, InvalidArgumentError, Option } from "commander";
import { UserError } from "../../lib/errors.ts";
import { progressFor } from "../../lib/progress.ts";
import { openWarehouse, parseWarehouseKind } from "../../warehouse/config.ts";
import { seconds } from "../format.ts";
import { warehouseOption } from "../options.ts";
import { runAction } from "../run-action.ts";

/** Exit code of `decisions replay` when a recomputed item differs from its record. */
export const REPLAY_MISMATCH_EXIT_CODE = 4;

export function isoTime(value: string): string {
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw new InvalidArgumentError(
      `"${value}" is not an ISO 8601 time (e.g. 2026-12-01 or 2026-12-01T08:00:00Z)`,
    );
  return new Date(time).toISOString();
}

interface PullOptions {
  since?: string;
  warehouse: string;
  source: "local" | "remote";
  persistTo?: string;
  json?: boolean;
}

interface ReplayOptions {
  requestId: string;
  warehouse: string;
  models: string[];
  json?: boolean;
}

export function registerDecisions(program: Command): void {
  const decisions = program
    .command("decisions")
    .description("the Worker's decision records: load them into the warehouse, recompute a decision");

  decisions
    .command("pull")
    .description("load new decision records from R2 into the warehouse table `decisions` (no duplicates)")
    .option("--since <iso>", "only records decided at or after this time", isoTime)
    .addOption(warehouseOption())
    .addOption(
      new Option("--source <where>", "the local R2 that `wrangler dev` writes, or Cloudflare's R2 (S3 API)")
        .choices(["local", "remote"])
        .env("CREDIT_EDGE_DECISIONS_SOURCE")
        .default("local"),
    )
    .option("--persist-to <dir>", "local source: wrangler's state folder (default .wrangler/state)")
    .option("--json", 'print {"pulled": N, ...} as one JSON object')
    .action(
      runAction(async (options: PullOptions) => {
        const [{ pullDecisions }, store] = await Promise.all([
          import("../../decisions/pull/pull.ts"),
          options.source === "remote"
            ? import("../../decisions/pull/s3-store.ts").then((m) => m.openS3Store(m.r2S3Settings()))
            : import("../../decisions/pull/local-store.ts").then((m) => m.openLocalStore(options.persistTo)),
        ]);
        const bar = progressFor()({ label: "decisions pull", total: 0, unit: "lines" });
        let warehouse: Awaited<ReturnType<typeof openWarehouse>> | undefined;
        try {
          warehouse = await openWarehouse(parseWarehouseKind(options.warehouse));
          const report = await pullDecisions(store, warehouse, {
            ...(options.since ? { since: options.since } : {}),
            progress: bar,
          });
          bar.stop();
          if (options.json) console.log(JSON.stringify(report));
          else
            console.log(
              `pulled ${report.pulled.toLocaleString("en-US")} new decision records (${report.shadows} challenger lines, ${report.duplicates} duplicates skipped) from ${report.objects} new objects of ${report.source} into ${report.warehouse} in ${seconds(report.seconds)}`,
            );
          if (report.invalid.length) {
            for (const bad of report.invalid.slice(0, 20))
              process.stderr.write(`invalid record: ${bad.object} line ${bad.line}: ${bad.error}\n`);
            throw new UserError(
              `${report.invalid.length} line(s) are not decision records: their objects stay unloaded (everything else was loaded)`,
            );
          }
        } finally {
          bar.stop();
          await warehouse?.close();
          await store.close();
        }
      }),
    );

  decisions
    .command("replay")
    .description(
      "recompute each item of a request from its decision record with that model version's artifact",
    )
    .requiredOption(
      "--request-id <id>",
      "the request_id of the response (the X-Request-Id the Worker answered)",
    )
    .addOption(warehouseOption())
    .option(
      "--models <dir>",
      "another folder holding a model's model.json and model.onnx (repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option("--json", 'print {"match": true|false, "items": [...]}')
    .action(
      runAction(async (options: ReplayOptions) => {
        const [{ readRecordRows, replayRequest }, { scorerForVersion }] = await Promise.all([
          import("../../decisions/replay/replay.ts"),
          import("../../decisions/replay/model-archive.ts"),
        ]);
        const warehouse = await openWarehouse(parseWarehouseKind(options.warehouse));
        let rows: Awaited<ReturnType<typeof readRecordRows>>;
        try {
          if ((await warehouse.columns("decisions")).length === 0)
            throw new UserError(
              `${warehouse.location} has no table decisions: run \`credit-edge decisions pull\` first`,
            );
          rows = await readRecordRows(warehouse, options.requestId).catch((error: unknown) => {
            throw error instanceof Error && /not a plain identifier/.test(error.message)
              ? new UserError(`--request-id: ${error.message}`, 2)
              : error;
          });
        } finally {
          await warehouse.close();
        }
        if (rows.length === 0)
          throw new UserError(
            `no decision record for request ${options.requestId} in ${warehouse.location}.decisions: run \`credit-edge decisions pull\` (records reach R2 within seconds)`,
          );
        const scorers = new Map<string, ReturnType<typeof scorerForVersion>>();
        const report = await replayRequest(options.requestId, rows, (version) => {
          if (!scorers.has(version)) scorers.set(version, scorerForVersion(version, options.models));
          return scorers.get(version)!;
        });
        if (options.json) console.log(JSON.stringify(report, null, 2));
        else {
          for (const item of report.items)
            console.log(
              `item ${item.item} client ${item.client_id} (${item.model_version}): recorded ${item.recorded.probability.toFixed(7)} ${item.recorded.decision}, replayed ${item.replayed.probability.toFixed(7)} ${item.replayed.decision} (|Δ| ${item.probability_delta.toExponential(1)}) ${item.match ? "match" : "MISMATCH"}${item.inputs_match ? "" : "; application inputs differ from the recomputed ones"}${item.reason_codes_match ? "" : "; reason codes differ"}`,
            );
          console.log(
            report.match
              ? `request ${options.requestId}: every item matches`
              : `request ${options.requestId}: MISMATCH`,
          );
        }
        if (!report.match) process.exitCode = REPLAY_MISMATCH_EXIT_CODE;
      }),
    );
}
