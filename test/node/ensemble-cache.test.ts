import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cachedEnsembleGraphs } from "../../model/offline-scoring/ensemble-cache.ts";
import { readArtifacts } from "../../model/offline-scoring/read-artifacts.ts";
import { splitEnsembleGraphs } from "../../scoring/ensemble-graphs.ts";

const dir = mkdtempSync(join(tmpdir(), "ensemble-cache-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the split-graph cache", () => {
  const { onnx } = readArtifacts();
  const fresh = splitEnsembleGraphs(onnx)!;

  it("keeps the split graphs, and gives back exactly what a fresh split gives", async () => {
    const first = await cachedEnsembleGraphs(onnx, dir);
    const entries = readdirSync(dir);
    expect(entries).toHaveLength(1);
    expect(readdirSync(join(dir, entries[0]!)).sort()).toEqual([
      "graphs.json",
      "main.onnx",
      "no-history.onnx",
    ]);
    const second = await cachedEnsembleGraphs(onnx, dir);
    for (const graphs of [first!, second!]) {
      expect(Buffer.from(graphs.main).equals(Buffer.from(fresh.main))).toBe(true);
      expect(Buffer.from(graphs.noHistory).equals(Buffer.from(fresh.noHistory))).toBe(true);
      expect(graphs.routingInput).toBe(fresh.routingInput);
    }
  });

  it("splits again over an entry that fails its check, and repairs it", async () => {
    const [entry] = readdirSync(dir);
    writeFileSync(join(dir, entry!, "main.onnx"), "not a graph");
    const graphs = await cachedEnsembleGraphs(onnx, dir);
    expect(Buffer.from(graphs!.main).equals(Buffer.from(fresh.main))).toBe(true);
    const again = await cachedEnsembleGraphs(onnx, dir);
    expect(Buffer.from(again!.main).equals(Buffer.from(fresh.main))).toBe(true);
    expect(readdirSync(dir)).toEqual([entry]); // no partial folders left behind
  });

  it("keys entries by the graph: another model gets an entry of its own", async () => {
    const other = Uint8Array.from(onnx);
    // A different graph byte string (a doc string appended is still a valid ModelProto field).
    const withDoc = new Uint8Array(other.length + 4);
    withDoc.set(other);
    withDoc.set([0x32, 0x02, 0x68, 0x69], other.length); // field 6 (doc_string) = "hi"
    await cachedEnsembleGraphs(withDoc, dir);
    expect(readdirSync(dir)).toHaveLength(2);
  });
});
