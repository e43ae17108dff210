import type { Progress } from "../../lib/progress.ts";
import type { Value, Warehouse } from "../../warehouse/warehouse.ts";
import { dayOf, partitionPrefix, RECORDS_PREFIX, RecordLineSchema } from "../record/schema.ts";
import type { RecordStore } from "./record-store.ts";
import {
  appendDecisions,
  appendShadows,
  applyShadows,
  decisionRow,
  ensureTables,
  loadedObjects,
  markLoaded,
  shadowRow,
} from "./tables.ts";

export interface PullOptions {
  /** Only records decided at or after this time (ISO); objects of earlier days are not even listed. */
  since?: string;
  progress?: Progress;
  /** Rows per warehouse write. */
  chunkRows?: number;
}

export interface InvalidLine {
  object: string;
  line: number;
  error: string;
}

export interface PullReport {
  /** New rows in `decisions`. */
  pulled: number;
  /** Challenger lines added to `decision_shadows`. */
  shadows: number;
  /** Objects read this run, and those skipped because an earlier pull loaded them. */
  objects: number;
  objects_already_loaded: number;
  /** Lines read that the table already had (a redelivered batch, an earlier partial pull). */
  duplicates: number;
  invalid: InvalidLine[];
  source: string;
  warehouse: string;
  seconds: number;
}

/**
 * Load the Worker's decision records into the warehouse: every object under decisions/ not loaded
 * before, its lines validated against the record schema, appended to `decisions` with one row per
 * (request_id, item) however often a line was stored. An object is marked loaded only when every line
 * of it was taken (none invalid, none before --since), so nothing is skipped for good; a crash mid-way
 * is repaired by the next run, which re-reads the unmarked objects and adds only what is missing.
 */
export async function pullDecisions(
  store: RecordStore,
  warehouse: Warehouse,
  options: PullOptions = {},
): Promise<PullReport> {
  const started = performance.now();
  const chunkRows = options.chunkRows ?? 2000;
  await ensureTables(warehouse);
  const loaded = await loadedObjects(warehouse);
  const since = options.since ? new Date(options.since).toISOString() : undefined;
  const startAfter = since ? `${RECORDS_PREFIX}dt=${dayOf(since)}` : undefined;
  const pulledAt = new Date().toISOString();

  const report: PullReport = {
    pulled: 0,
    shadows: 0,
    objects: 0,
    objects_already_loaded: 0,
    duplicates: 0,
    invalid: [],
    source: store.description,
    warehouse: warehouse.location,
    seconds: 0,
  };
  let decisions: Value[][] = [];
  let shadows: Value[][] = [];
  let complete: { key: string; lines: number }[] = [];
  let lines = 0;
  const flush = async () => {
    const added = await appendDecisions(warehouse, decisions);
    report.duplicates += decisions.length - added;
    report.pulled += added;
    const addedShadows = await appendShadows(warehouse, shadows);
    report.duplicates += shadows.length - addedShadows;
    report.shadows += addedShadows;
    // Rows first, then the objects they came from: a crash in between only costs a re-read.
    await markLoaded(warehouse, complete, pulledAt);
    decisions = [];
    shadows = [];
    complete = [];
  };

  for await (const object of store.list(RECORDS_PREFIX, startAfter)) {
    if (!object.key.startsWith(RECORDS_PREFIX) || !object.key.endsWith(".ndjson")) continue;
    if (since && object.key < partitionPrefix(dayOf(since))) continue;
    if (loaded.has(object.key)) {
      report.objects_already_loaded++;
      continue;
    }
    const text = await store.text(object.key);
    report.objects++;
    let whole = true;
    let count = 0;
    text.split("\n").forEach((raw, index) => {
      if (!raw.trim()) return;
      count++;
      let parsed: ReturnType<typeof RecordLineSchema.safeParse>;
      try {
        parsed = RecordLineSchema.safeParse(JSON.parse(raw));
      } catch (error) {
        report.invalid.push({
          object: object.key,
          line: index + 1,
          error: `not JSON: ${(error as Error).message}`,
        });
        whole = false;
        return;
      }
      if (!parsed.success) {
        report.invalid.push({
          object: object.key,
          line: index + 1,
          error: parsed.error.issues.map((i) => `${i.path.join(".") || "(line)"}: ${i.message}`).join("; "),
        });
        whole = false;
        return;
      }
      const line = parsed.data;
      if (since && line.decided_at < since) {
        whole = false;
        return;
      }
      if (line.record_type === "decision") decisions.push(decisionRow(line, object.key, pulledAt));
      else shadows.push(shadowRow(line, object.key, pulledAt));
    });
    if (whole) complete.push({ key: object.key, lines: count });
    lines += count;
    options.progress?.update(lines);
    if (decisions.length + shadows.length >= chunkRows) await flush();
  }
  await flush();
  if (report.shadows > 0 || report.pulled > 0) await applyShadows(warehouse);
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
