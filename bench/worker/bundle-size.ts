import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { PROJECT_ROOT } from "../../lib/paths.ts";

export interface BundleFile {
  file: string;
  bytes: number;
  gzipBytes: number;
}

/**
 * What `wrangler deploy` would upload, built into `outdir` by `wrangler deploy --dry-run --outdir`: sizes
 * raw and gzip. The bench then serves this very build (`wrangler dev <outdir>/index.js --no-bundle`).
 */
export function buildBundle(
  wrangler: string,
  env: NodeJS.ProcessEnv,
  outdir: string,
): { files: BundleFile[]; bytes: number; gzipBytes: number } {
  const build = spawnSync(wrangler, ["deploy", "--dry-run", "--outdir", outdir], {
    cwd: PROJECT_ROOT,
    env,
    encoding: "utf8",
  });
  if (build.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${build.stderr}`);
  const files = readdirSync(outdir, { recursive: true })
    .map(String)
    .filter((f) => statSync(join(outdir, f)).isFile() && !f.endsWith(".map") && f !== "README.md")
    .map((file) => {
      const data = readFileSync(join(outdir, file));
      return { file, bytes: data.length, gzipBytes: gzipSync(data, { level: 9 }).length };
    })
    .sort((a, b) => b.bytes - a.bytes);
  return {
    files,
    bytes: files.reduce((s, f) => s + f.bytes, 0),
    gzipBytes: files.reduce((s, f) => s + f.gzipBytes, 0),
  };
}
