import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import Papa from "papaparse";
import { afterAll, describe, expect, it } from "vitest";
import { readCsvChunks } from "../../model/offline-scoring/csv-chunks.ts";

// Line-aligned chunks for parallel parsing: whole rows only, even with quoted line breaks and quotes.

const dir = mkdtempSync(join(tmpdir(), "csv-chunks-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cell = fc.oneof(
  fc.string({ maxLength: 6 }).filter((s) => !/["\n\r,]/.test(s)),
  fc.constantFrom('a "quoted" word', "two\nlines", "comma, inside", '""', "\n"),
);
const quote = (c: string) => (/[",\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c);

async function chunked(path: string, size: number) {
  const { header, chunks } = await readCsvChunks(path, size);
  const parts: { firstLine: number; rows: string[][] }[] = [];
  for await (const chunk of chunks)
    parts.push({
      firstLine: chunk.firstLine,
      rows: Papa.parse<string[]>(chunk.text, { skipEmptyLines: true }).data,
    });
  return { header, parts };
}

describe("readCsvChunks", () => {
  it("splits only between rows, whatever quoted fields hold, plain and gzipped", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(cell, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 8, max: 200 }),
        async (rows, size) => {
          const text = `a,b,c\n${rows.map((r) => r.map(quote).join(",")).join("\n")}\n`;
          const path = join(dir, `in-${n++}.csv${n % 2 ? ".gz" : ""}`);
          writeFileSync(path, path.endsWith(".gz") ? gzipSync(text) : text);
          const { header, parts } = await chunked(path, size);
          expect(header).toBe("a,b,c");
          expect(parts.flatMap((p) => p.rows)).toEqual(
            rows.filter((r) => r.join("") !== "" || r.length !== 1),
          );
          // Each chunk starts on the line its first row starts on.
          let line = 2;
          for (const part of parts) {
            expect(part.firstLine).toBe(line);
            for (const r of part.rows) line += 1 + r.reduce((k, c) => k + (c.match(/\n/g)?.length ?? 0), 0);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("drops a byte-order mark and keeps a row longer than a chunk whole", async () => {
    const long = "x".repeat(500);
    writeFileSync(join(dir, "bom.csv"), `\uFEFFa,b\n${long},"1\n2"\n3,4\n`);
    const { header, parts } = await chunked(join(dir, "bom.csv"), 16);
    expect(header).toBe("a,b");
    expect(parts.flatMap((p) => p.rows)).toEqual([
      [long, "1\n2"],
      ["3", "4"],
    ]);
    expect(parts.at(-1)!.firstLine).toBe(parts.length === 1 ? 2 : 4);
  });
});
