/**
 * Training time: the `train` command as a user runs it, on the sample (default config, 3 seeds) and,
 * given a full-size warehouse, on it (full-size config, 1 seed). Artifacts go to a temp folder.
 *
 *   npm run bench:train
 *   npm run bench:train -- --full-warehouse .credit-edge/synthetic-warehouse.duckdb
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import type { ModelCard } from "../../scoring/model-card.ts";
import { runCli } from "../../test/support/run-cli.ts";
import { secs } from "../measure.ts";

const { fullWarehouse, seeds } = new Command("bench-train")
  .option(
    "--full-warehouse <file>",
    "a DuckDB warehouse built from full-size data (npm run synth, ingest, features)",
  )
  .option("--seeds <n>", "CV repeats on the sample", "3")
  .parse()
  .opts<{ fullWarehouse?: string; seeds: string }>();

async function timeTrain(label: string, args: string[], env: Record<string, string>): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), "bench-train-"));
  const started = performance.now();
  const result = await runCli(["train", ...args, "--out", out], env, 3_600_000);
  const elapsed = performance.now() - started;
  if (result.code !== 0) throw new Error(`${label}: train failed\n${result.stderr}`);
  const card = JSON.parse(readFileSync(join(out, "model.json"), "utf8")) as ModelCard;
  console.log(
    `${label}: ${secs(elapsed)} for ${card.training_data.rows.toLocaleString("en-US")} labelled rows x ${card.features.length} inputs, ${card.onnx.trees} trees`,
  );
  rmSync(out, { recursive: true, force: true });
}

await timeTrain(`sample, default config, ${seeds} seeds`, ["--seeds", seeds], {});
if (fullWarehouse) {
  await timeTrain(
    "full size, full-size config, 1 seed",
    ["--seeds", "1", "--config", "model/config/full-size.config.json"],
    {
      CREDIT_EDGE_DUCKDB: fullWarehouse,
    },
  );
}
