import { Command } from "commander";
import { registerDecisions } from "./commands/decisions.ts";
import { registerFeatures } from "./commands/features.ts";
import { registerIngest } from "./commands/ingest.ts";
import { registerKeys } from "./commands/keys.ts";
import { registerMonitor } from "./commands/monitor.ts";
import { registerOutcomes } from "./commands/outcomes.ts";
import { registerScore } from "./commands/score.ts";
import { registerStart } from "./commands/start.ts";
import { registerSync } from "./commands/sync.ts";
import { registerTrain } from "./commands/train.ts";

const program = new Command("credit-edge")
  .description(
    "credit-default scoring: warehouse features, a GBDT model in ONNX, a Worker serving it from D1",
  )
  .showHelpAfterError("(add --help for usage)")
  .configureOutput({ outputError: (text, write) => write(text) });

registerIngest(program);
registerFeatures(program);
registerTrain(program);
registerScore(program);
registerSync(program);
registerKeys(program);
registerStart(program);
registerDecisions(program);
registerMonitor(program);
registerOutcomes(program);

await program.parseAsync(process.argv);
