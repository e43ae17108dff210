import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { stateDir } from "../../lib/paths.ts";
import { openWarehouse, parseWarehouseKind } from "../../warehouse/config.ts";
import { seconds } from "../format.ts";
import { warehouseOption } from "../options.ts";
import { runAction } from "../run-action.ts";
import { isoTime } from "./decisions.ts";

interface MonitorOptions {
  since?: string;
  until?: string;
  out?: string;
  json?: boolean;
  warehouse: string;
  modelVersion?: string;
  models: string[];
}

function writeAtomic(path: string, text: string): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

export function registerMonitor(program: Command): void {
  program
    .command("monitor")
    .description(
      "drift (PSI of the score, CSI of every input against the training baseline), decision rates, back-testing with outcomes, champion vs challenger: DIR/monitor.json and DIR/monitor.html; exit code 3 when a PSI reaches 0.25",
    )
    .option("--since <iso>", "decisions decided at or after this time", isoTime)
    .option("--until <iso>", "decisions decided before this time", isoTime)
    .option("--out <dir>", "where to write monitor.json and monitor.html (default .credit-edge/monitor)")
    .option("--json", "print monitor.json on stdout too")
    .addOption(warehouseOption())
    .option(
      "--model-version <version>",
      "the model whose decisions are compared with its baseline (default: the most used)",
    )
    .option(
      "--models <dir>",
      "another folder holding a model's model.json (repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action(
      runAction(async (options: MonitorOptions) => {
        const started = performance.now();
        const [{ runMonitor }, { renderMonitor }, { cardForVersion }] = await Promise.all([
          import("../../monitoring/monitor.ts"),
          import("../../monitoring/render-monitor.ts"),
          import("../../decisions/replay/model-archive.ts"),
        ]);
        const out = resolve(options.out ?? join(stateDir(), "monitor"));
        const warehouse = await openWarehouse(parseWarehouseKind(options.warehouse));
        let result: Awaited<ReturnType<typeof runMonitor>>;
        try {
          result = await runMonitor(
            warehouse,
            {
              ...(options.since ? { since: options.since } : {}),
              ...(options.until ? { until: options.until } : {}),
              ...(options.modelVersion ? { modelVersion: options.modelVersion } : {}),
            },
            (version) => cardForVersion(version, options.models),
          );
        } finally {
          await warehouse.close();
        }
        const { report, detail } = result;
        mkdirSync(out, { recursive: true });
        const json = `${JSON.stringify(report, null, 2)}\n`;
        writeAtomic(join(out, "monitor.json"), json);
        writeAtomic(join(out, "monitor.html"), renderMonitor(report, detail));
        if (options.json) process.stdout.write(json);
        else {
          console.log(
            `${report.decisions.toLocaleString("en-US")} decisions (model ${report.model_version ?? "none"}: ${report.model_decisions.toLocaleString("en-US")}); score PSI ${report.score_psi.toFixed(4)} (${report.score_flag}); approve/review/decline ${(report.rates.approve * 100).toFixed(1)}/${(report.rates.review * 100).toFixed(1)}/${(report.rates.decline * 100).toFixed(1)} %; without history ${(report.without_history.share * 100).toFixed(1)} %`,
          );
          const top = report.features.slice(0, 5).map((f) => `${f.name} ${f.psi.toFixed(3)}`);
          console.log(`most shifted inputs: ${top.join(", ") || "none"}`);
          for (const w of report.warnings) console.log(`warning: ${w}`);
          for (const a of report.alerts) console.log(`ALERT: ${a}`);
          console.log(
            `wrote ${join(out, "monitor.json")} and monitor.html in ${seconds((performance.now() - started) / 1000)}`,
          );
        }
        process.exitCode = report.exit_code;
      }),
    );
}
