import { PACKED_FORMAT } from "../../online-store/packed-vector.ts";
import type { SnapshotSource } from "../source/snapshot-source.ts";
import { ClientIndex } from "../store/client-index.ts";
import { collectGarbage, type GarbageCollection } from "../store/gc.ts";
import { SyncLease } from "../store/lease.ts";
import {
  activeVersion,
  createVersion,
  type FeatureSetRow,
  findResumable,
  retireAbandoned,
  type VersionSpec,
} from "../store/versions.ts";
import type { D1Target } from "../target/d1-target.ts";
import { assertMigrationsApplied } from "../target/migrations.ts";
import { type OnlineStoreDb, onlineStoreDb } from "../target/online-store-db.ts";
import { copyUnchanged } from "./copy-forward.ts";
import { verifyAndActivate } from "./finish-version.ts";
import { GONE, runSourcePass } from "./source-pass.ts";
import type { SyncChanges, SyncIo, SyncMode, SyncReport, SyncSettings } from "./sync-types.ts";
import { VectorWriter } from "./vector-writer.ts";

export type { SyncIo, SyncMode, SyncReport, SyncSettings } from "./sync-types.ts";

/**
 * One sync: under the lease, read the source and write a new feature-set version (or resume the unfinished
 * one of the same spec), verify it against the source, activate it with one statement, collect garbage.
 * Any failure before activation leaves the previous version serving.
 */
export async function runSync(
  openSource: () => Promise<SnapshotSource>,
  target: D1Target,
  settings: SyncSettings,
  io: SyncIo,
): Promise<SyncReport> {
  await assertMigrationsApplied(target);
  const db = onlineStoreDb(target.client);
  const lease = await SyncLease.acquire(db, { holder: settings.holder, ttlMs: settings.leaseTtlMs });
  if (lease.tookOverFrom) {
    io.log.warn(
      "lease_taken_over",
      `took over the expired lease of ${lease.tookOverFrom.holder} (expired ${new Date(lease.tookOverFrom.expiresAt).toISOString()})`,
      { previous_holder: lease.tookOverFrom.holder },
    );
  }
  io.log.info("lease_acquired", `lease acquired by ${settings.holder}`, { holder: settings.holder });
  lease.keepAlive();
  try {
    // The source opens under the lease: a second sync is refused by the lease, not by a warehouse lock.
    const source = await openSource();
    try {
      return await syncUnderLease(source, target, db, lease, settings, io);
    } finally {
      await source.close();
    }
  } finally {
    await lease.release().catch((error: unknown) => {
      io.log.warn("lease_release_failed", `could not release the lease: ${(error as Error).message}`);
    });
  }
}

async function syncUnderLease(
  source: SnapshotSource,
  target: D1Target,
  db: OnlineStoreDb,
  lease: SyncLease,
  settings: SyncSettings,
  io: SyncIo,
): Promise<SyncReport> {
  const started = performance.now();
  const { client } = target;
  const active = await activeVersion(db, source.schemaHash);
  const mode = effectiveMode(settings.mode, active, source, io);
  const spec: VersionSpec = {
    schemaHash: source.schemaHash,
    mode,
    baseId: mode === "incremental" ? active!.id : null,
    source: `${source.kind}:${source.location}`,
    sourceFingerprint: source.fingerprint,
    featuresAsOf: source.featuresAsOf,
    packedFormat: PACKED_FORMAT,
    historyFeatureCount: source.historyNames.length,
    expectedRows: source.stats.clients,
  };

  // Resume the unfinished version of this very spec, if any; every other unfinished one is abandoned.
  let version: FeatureSetRow | undefined = await findResumable(db, spec);
  const abandoned = await retireAbandoned(db, version?.id ?? null);
  if (abandoned.length > 0) {
    io.log.info("abandoned", `retired unfinished version(s) ${abandoned.join(", ")}: not resumable`, {
      versions: abandoned,
    });
  }
  const present = version ? await ClientIndex.load(client, version.id) : ClientIndex.EMPTY;
  const resumed = version ? { version: version.id, rowsPresent: present.size } : null;
  if (resumed) {
    io.log.info(
      "resumed",
      `resuming version ${resumed.version}: ${resumed.rowsPresent} of ${source.stats.clients} clients already written`,
      { version: resumed.version, rows_present: resumed.rowsPresent },
    );
  }
  const ensureVersion = async (): Promise<FeatureSetRow> => {
    if (!version) {
      version = await createVersion(db, spec);
      io.log.info("version_created", `writing version ${version.id} (${mode}) for ${spec.schemaHash}`, {
        version: version.id,
        mode,
        schema_hash: spec.schemaHash,
        base_version: spec.baseId,
      });
    }
    return version;
  };
  if (mode === "full") await ensureVersion();

  const checkpoint = () => {
    lease.assertHeld();
    io.signal?.throwIfAborted();
  };
  const writer = new VectorWriter(client, target.limits, settings.maxInFlight, checkpoint);
  const base = mode === "incremental" ? await ClientIndex.load(client, active!.id) : null;
  const pass = await runSourcePass({
    source,
    pageSize: settings.pageSize,
    present,
    base,
    writer,
    limits: target.limits,
    versionId: async () => (await ensureVersion()).id,
    checkpoint,
    io,
    label: `sync ${mode}`,
  });

  let changes: SyncChanges | null = null;
  let copied = 0;
  if (base && pass.baseState) {
    const { updated, added } = pass;
    const removed = pass.baseState.reduce((n, s) => n + (s === GONE ? 1 : 0), 0);
    changes = { updated, added, removed, unchanged: base.size - removed - updated };
    io.log.info(
      "changes",
      `${updated + added + removed} clients changed since version ${active!.id}: ${updated} updated, ${added} added, ${removed} removed (${changes.unchanged} unchanged)`,
      { ...changes, base_version: active!.id },
    );
    if (updated + added + removed > 0 || version) {
      const { id } = await ensureVersion();
      copied = await copyUnchanged(base, pass.baseState, active!.id, id, writer, io);
    }
  }

  let outcome: SyncReport["outcome"];
  let versionId: number;
  if (version) {
    await verifyAndActivate(
      db,
      client,
      version,
      {
        checksum: pass.checksum,
        clientsCounted: source.stats.clients,
        changedRows: changes ? changes.updated + changes.added + changes.removed : null,
      },
      lease,
      io,
    );
    io.log.info("activated", `version ${version.id} is active for ${source.schemaHash}`, {
      version: version.id,
      previous_version: active?.id ?? null,
      schema_hash: source.schemaHash,
    });
    outcome = "activated";
    versionId = version.id;
  } else {
    io.log.info("unchanged", `nothing changed: version ${active!.id} stays active`, { version: active!.id });
    outcome = "unchanged";
    versionId = active!.id;
  }
  const gc = await collect(db, target, settings.keep, io);
  const seconds = (performance.now() - started) / 1000;
  return {
    outcome,
    version: versionId,
    previousVersion: active?.id ?? null,
    schemaHash: source.schemaHash,
    mode,
    source: spec.source,
    target: client.description,
    rows: pass.checksum.rows,
    checksum: pass.checksum.toString(),
    resumed,
    written: pass.written,
    copied,
    changes,
    seconds,
    clientsPerSecond: pass.checksum.rows / Math.max(seconds, 1e-3),
    gc,
    tookOverLeaseFrom: lease.tookOverFrom?.holder ?? null,
  };
}

/** Incremental needs an active version of the same layout to copy from; without one, a full sync it is. */
function effectiveMode(
  wanted: SyncMode,
  active: FeatureSetRow | undefined,
  source: SnapshotSource,
  io: SyncIo,
): SyncMode {
  if (wanted !== "incremental") return wanted;
  if (!active) {
    io.log.info(
      "full_instead",
      `no active version for ${source.schemaHash} to build on: running a full sync`,
    );
    return "full";
  }
  if (active.packedFormat !== PACKED_FORMAT || active.historyFeatureCount !== source.historyNames.length) {
    io.log.info("full_instead", `active version ${active.id} is packed differently: running a full sync`);
    return "full";
  }
  return "incremental";
}

/** Garbage collection after the run; a failure there is reported, not fatal (the next run collects). */
async function collect(
  db: OnlineStoreDb,
  target: D1Target,
  keep: number,
  io: SyncIo,
): Promise<GarbageCollection | null> {
  try {
    const gc = await collectGarbage(db, target.client, keep);
    if (gc.deletedVersions.length > 0 || gc.orphanSets.length > 0) {
      const orphans = gc.orphanSets.length > 0 ? `, orphan rows of ${gc.orphanSets.join(", ")}` : "";
      io.log.info(
        "gc",
        `deleted version(s) ${gc.deletedVersions.join(", ") || "none"}${orphans} (keeping ${keep} per schema)`,
        { deleted_versions: gc.deletedVersions, orphan_sets: gc.orphanSets, keep },
      );
    }
    return gc;
  } catch (error) {
    io.log.warn(
      "gc_failed",
      `garbage collection failed (the next sync retries): ${(error as Error).message}`,
    );
    return null;
  }
}
