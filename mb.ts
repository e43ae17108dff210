import { readFileSync } from "node:fs";
import { applicationFeatures, APPLICATION_FEATURES } from "./features/application/features.ts";
import { APPLICATION_COLUMNS } from "./features/application/columns.ts";
import { parseApplicationChunk, applicationLayout } from "./model/offline-scoring/parse-applications.ts";
const all = readFileSync("/tmp/apps50k.csv", "utf8");
const nl = all.indexOf("\n");
const layout = applicationLayout("x", all.slice(0, nl));
const body = all.slice(nl + 1, nl + 1 + (8 << 20));
const text = body.slice(0, body.lastIndexOf("\n") + 1);
const rows = parseApplicationChunk("x", { index: 0, firstLine: 2, text }, layout);
const names = APPLICATION_COLUMNS.map(c => c.name);
console.log("features", APPLICATION_FEATURES.length, "columns", names.length);
for (let k = 0; k < 4; k++) {
  let t = performance.now();
  let s = 0;
  for (const r of rows) s += applicationFeatures(r.record)[3]!;
  const f = (performance.now() - t) * 1000 / rows.length;
  t = performance.now();
  let c = 0;
  for (const r of rows) { const rec = r.record; for (let i = 0; i < names.length; i++) if (rec[names[i]!] != null) c++; }
  const l = (performance.now() - t) * 1000 / rows.length;
  console.log("features", f.toFixed(2), "us/row; 120 keyed loads", l.toFixed(2), "us/row", s > 0, c);
}
