import { Command } from "commander";
import { registerFeatures } from "./commands/features.ts";
import { registerIngest } from "./commands/ingest.ts";
import { registerScore } from "./commands/score.ts";
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

await program.parseAsync(process.argv);
