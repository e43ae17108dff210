// `npm run validators`: writes the precompiled request checks (worker/api/precompiled/*.check.js) from the
// zod schemas. Build-time only (Node): the Worker imports the generated modules, never ajv's compiler.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../lib/paths.ts";
import { checkModuleSource } from "./check-source.ts";
import { PRECOMPILED_CHECKS, PRECOMPILED_DIR } from "./checks.ts";

for (const { file, schema } of PRECOMPILED_CHECKS) {
  const path = join(PROJECT_ROOT, PRECOMPILED_DIR, file);
  writeFileSync(path, checkModuleSource(schema));
  console.log(`wrote ${path}`);
}
