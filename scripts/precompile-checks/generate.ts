// `npm run validators`: writes the precompiled checks (*.check.js, checks.ts lists them) from the zod schemas. Build-time only (Node): the Worker imports the generated modules, never ajv's compiler.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../lib/paths.ts";
import { checkModuleSource } from "./check-source.ts";
import { PRECOMPILED_CHECKS } from "./checks.ts";

for (const check of PRECOMPILED_CHECKS) {
  const path = join(PROJECT_ROOT, check.path);
  const { schema } = check;
  writeFileSync(path, checkModuleSource(schema));
  console.log(`wrote ${path}`);
}
