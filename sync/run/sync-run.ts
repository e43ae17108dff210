import { UserError } from "../../lib/errors.ts";
import { PACKED_FORMAT } from "../../online-store/packed-client.ts";
import type { SnapshotSource } from "../source/snapshot-source.ts";
import { ClientIndex } from "../store/client-index.ts";
import { collectGarbage, type GarbageCollection } from "../store/gc.ts";
import { SyncLease } from "../store/lease.ts";
import { idleDatabase, readRoutes, type ShardRoute, servingDatabase } from "../store/shard-routes.ts";
import {
  activeVersion,
  copyVersionToShard,
  createVersion,
  type FeatureSetRow,
  findResumable,
  retireAbandoned,
  type VersionSpec,
  versionById,
} from "../store/versions.ts";
import { type D1Target, targetDatabases } from "../target/d1-target.ts";
import { assertMigrationsApplied } from "../target/migrations.ts";
import { type OnlineStoreDb, onlineStoreDb } from "../target/online-store-db.ts";
import { CopyForward } from "./copy-forward.ts";
import { activateByFlip, activateOnShards, verifyShards } from "./finish-version.ts";
import { ImportWriter } from "./import-writer.ts";
import { prefetch } from "./prefetch.ts";
import { type ShardDatabase, shardDatabase } from "./shard-databases.ts";
import { GONE, type RowSink, runSourcePass } from "./source-pass.ts";
import type {
  LoadKind,
  ShardReport,
  SyncChanges,
  SyncIo,
  SyncMode,
  SyncReport,
  SyncSettings,
} from "./sync-types.ts";
import { VectorWriter } from "./vector-writer.ts";

export type { SyncIo, SyncMode, SyncReport, SyncSettings } from "./sync-types.ts";

/**
 * One sync: under the lease (one, in the control database, for the whole run), read the source once and
 * write a new feature-set version into every shard (or resume the unfinished one of the same spec), verify
 * each shard against the source, activate it on all shards only once all have verified, collect garbage.
 * Any failure before activation leaves the previous version serving everywhere.
 */
export async function runSync(
  openSource: () => Promise<SnapshotSource>,
  target: D1Target,
  settings: SyncSettings,
  io: SyncIo,
): Promise<SyncReport> {
  await assertMigrationsApplied(target);
  const lease = await SyncLease.acquire(target.control.client, {
    holder: settings.holder,
    ttlMs: settings.leaseTtlMs,
  });
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
      return await syncUnderLease(source, target, lease, settings, io);
    } finally {
      await source.close();
    }
  } finally {
    await lease.release().catch((error: unknown) => {
      io.log.warn("lease_release_failed", `could not release the lease: ${(error as Error).message}`);
    });
  }
}

/** Where this run loads rows: D1's import API needs a remote target, standby databases and a full sync. */
function chooseLoad(settings: SyncSettings, target: D1Target, mode: SyncMode): LoadKind {
  const importable = target.importer !== null && target.layout.standby && mode === "full";
  if (settings.load === "query") return "query";
  if (settings.load === "auto") return importable ? "import" : "query";
  if (!target.importer) throw new UserError("--load import needs the remote target (D1's import API)", 2);
  if (!target.layout.standby)
    throw new UserError(
      "--load import needs a standby database per shard (DB_SHARD_<k>_STANDBY in the wrangler config): an import blocks the database it loads, so it never loads one that serves",
      2,
    );
  if (mode !== "full")
    throw new UserError("--load import is for full syncs; an incremental one uses the query API", 2);
  return "import";
}

async function syncUnderLease(
  source: SnapshotSource,
  target: D1Target,
  lease: SyncLease,
  settings: SyncSettings,
  io: SyncIo,
): Promise<SyncReport> {
  const started = performance.now();
  const control = onlineStoreDb(target.control.client);
  const shardCount = target.shards.length;
  const controlIsShard = target.shards[0]!.primary.binding === target.control.binding;
  const routes: ShardRoute[] = target.layout.standby
    ? await readRoutes(control, shardCount, settings.gcGraceSeconds)
    : [];
  const serving = target.shards.map((s) =>
    shardDatabase(s, servingDatabase(s, routes[s.shard]), target.control),
  );
  const active = await activeVersion(control, source.schemaHash);
  const mode = effectiveMode(settings.mode, active, source, shardCount, io);
  const load = chooseLoad(settings, target, mode);
  const loadInto = load === "import" ? idleShards(target, routes, settings) : serving;
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
    shardCount,
  };
  const controlGuard = lease.guard(true);

  // Resume the unfinished version of this very spec, if any; every other unfinished one is abandoned.
  let version: FeatureSetRow | undefined = await findResumable(control, spec);
  const abandoned = await retireAbandoned(control, version?.id ?? null);
  for (const shard of loadInto) if (!shard.isControl) await retireAbandoned(shard.db, version?.id ?? null);
  if (abandoned.length > 0) {
    io.log.info("abandoned", `retired unfinished version(s) ${abandoned.join(", ")}: not resumable`, {
      versions: abandoned,
    });
  }
  if (version && load === "import") {
    // An import resumes only onto a standby that already holds this version's copy; else it starts clean.
    for (const shard of loadInto)
      if (!(await versionById(shard.db, version.id))) await prepareStandby(shard, lease);
  } else if (load === "import") for (const shard of loadInto) await prepareStandby(shard, lease);
  const present = await Promise.all(
    loadInto.map(async (shard) => {
      if (!version) return ClientIndex.EMPTY;
      if (!shard.isControl) await copyVersionToShard(shard.db, version, shard.shard);
      return ClientIndex.load(shard.database.client, version.id);
    }),
  );
  const presentRows = present.reduce((n, p) => n + p.size, 0);
  const resumed = version ? { version: version.id, rowsPresent: presentRows } : null;
  if (resumed) {
    io.log.info(
      "resumed",
      `resuming version ${resumed.version}: ${resumed.rowsPresent} of ${source.stats.clients} clients already written`,
      { version: resumed.version, rows_present: resumed.rowsPresent },
    );
  }
  let creating: Promise<FeatureSetRow> | undefined;
  // Incremental: the base's rows are carried into the new version from the moment it exists.
  let carry: CopyForward | null = null;
  const ensureVersion = async (): Promise<FeatureSetRow> => {
    if (version) return version;
    creating ??= (async () => {
      lease.assertHeld();
      const created = await createVersion(control, spec, controlGuard, controlIsShard ? 0 : null);
      for (const shard of loadInto)
        if (!shard.isControl) await copyVersionToShard(shard.db, created, shard.shard);
      io.log.info("version_created", `writing version ${created.id} (${mode}) for ${spec.schemaHash}`, {
        version: created.id,
        mode,
        schema_hash: spec.schemaHash,
        base_version: spec.baseId,
        shards: shardCount,
        load,
      });
      version = created;
      carry?.start(created.id);
      return created;
    })();
    return creating;
  };
  if (mode === "full") await ensureVersion();

  const checkpoint = () => {
    lease.assertHeld();
    io.signal?.throwIfAborted();
  };
  const sinks: RowSink[] = loadInto.map((shard) =>
    load === "import"
      ? new ImportWriter({
          importer: target.importer!,
          database: shard.database,
          fileBytes: settings.importFileBytes,
          beforeImport: async () => {
            checkpoint();
            await lease.check();
          },
        })
      : new VectorWriter(shard.database.client, target.limits, settings.maxInFlight, checkpoint),
  );
  // DuckDB builds its join while the base index loads from D1.
  const pages = prefetch(source.rows(settings.pageSize));
  const bases =
    mode === "incremental"
      ? await Promise.all(serving.map((s) => ClientIndex.load(s.database.client, active!.id))).catch(
          async (error: unknown) => {
            await pages.cancel();
            throw error;
          },
        )
      : null;
  let copyDone = 0;
  if (bases) {
    carry = new CopyForward({
      fromId: active!.id,
      shards: serving.map((shard, i) => ({
        base: bases[i]!,
        writer: new VectorWriter(shard.database.client, target.limits, settings.maxInFlight, checkpoint),
      })),
      progress: (rows) => {
        copyDone += rows;
      },
    });
    if (version) carry.start(version.id);
  }
  const baseRows = bases?.reduce((n, b) => n + b.size, 0) ?? 0;
  const copyStatus = (c: CopyForward) => () => (c.started ? `copy unchanged ${copyDone}/${baseRows}` : "");
  const pass = await runSourcePass({
    source,
    pages: pages.items,
    ...(carry ? { status: copyStatus(carry) } : {}),
    pageSize: settings.pageSize,
    shards: loadInto.map((shard, i) => ({
      shard: shard.shard,
      present: present[i]!,
      base: bases?.[i] ?? null,
      sink: sinks[i]!,
    })),
    limits: target.limits,
    versionId: async () => (await ensureVersion()).id,
    checkpoint,
    io,
    label: `sync ${mode}${shardCount > 1 ? ` into ${shardCount} shards` : ""}`,
  }).catch(async (error: unknown) => {
    await carry?.settle();
    throw error;
  });

  let changes: SyncChanges | null = null;
  const copied = new Array<number>(shardCount).fill(0);
  if (bases) {
    const { updated, added } = pass;
    const baseSize = bases.reduce((n, b) => n + b.size, 0);
    const removed = pass.shards.reduce(
      (n, s) => n + s.baseState!.reduce((m, x) => m + (x === GONE ? 1 : 0), 0),
      0,
    );
    changes = { updated, added, removed, unchanged: baseSize - removed - updated };
    io.log.info(
      "changes",
      `${updated + added + removed} clients changed since version ${active!.id}: ${updated} updated, ${added} added, ${removed} removed (${changes.unchanged} unchanged)`,
      { ...changes, base_version: active!.id },
    );
    if (updated + added + removed > 0 || version) {
      const { id } = await ensureVersion();
      // What the copy has left after the pass, under its own bar (every shard copies at once).
      const bar = io.progress({ label: "copy unchanged", total: baseRows, unit: "clients" });
      const ticker = setInterval(() => bar.update(copyDone), 500);
      try {
        bar.update(copyDone);
        const carried = await carry!.finish(
          id,
          pass.shards.map((s) => s.baseState!),
        );
        carried.forEach((n, i) => {
          copied[i] = n;
        });
        bar.update(baseRows);
      } finally {
        clearInterval(ticker);
        bar.stop();
      }
    }
  }

  let outcome: SyncReport["outcome"];
  let versionId: number;
  if (version) {
    await verifyShards(
      control,
      controlIsShard,
      version,
      {
        shards: loadInto.map((shard, i) => ({ shard, checksum: pass.shards[i]!.checksum })),
        total: pass.checksum,
        clientsCounted: source.stats.clients,
        changedRows: changes ? changes.updated + changes.added + changes.removed : null,
      },
      lease,
      io,
    );
    if (load === "import") await activateByFlip(control, version, loadInto, lease);
    else await activateOnShards(control, controlIsShard, version, loadInto, lease);
    io.log.info("activated", `version ${version.id} is active for ${source.schemaHash}`, {
      version: version.id,
      previous_version: active?.id ?? null,
      schema_hash: source.schemaHash,
      shards: shardCount,
    });
    outcome = "activated";
    versionId = version.id;
  } else {
    io.log.info("unchanged", `nothing changed: version ${active!.id} stays active`, { version: active!.id });
    outcome = "unchanged";
    versionId = active!.id;
  }
  const nowServing = load === "import" ? loadInto : serving;
  const gc = await collect(control, controlIsShard, nowServing, target, settings, lease, io);
  const seconds = (performance.now() - started) / 1000;
  const shards: ShardReport[] = loadInto.map((shard, i) => ({
    shard: shard.shard,
    database: shard.database.binding,
    rows: pass.shards[i]!.checksum.rows,
    checksum: pass.shards[i]!.checksum.toString(),
    written: pass.shards[i]!.written,
    copied: copied[i]!,
  }));
  return {
    outcome,
    version: versionId,
    previousVersion: active?.id ?? null,
    schemaHash: source.schemaHash,
    mode,
    source: spec.source,
    target: target.description,
    rows: pass.checksum.rows,
    checksum: pass.checksum.toString(),
    resumed,
    written: pass.written,
    copied: copied.reduce((n, c) => n + c, 0),
    changes,
    seconds,
    clientsPerSecond: pass.checksum.rows / Math.max(seconds, 1e-3),
    gc,
    tookOverLeaseFrom: lease.tookOverFrom?.holder ?? null,
    load,
    shards,
    calls: {
      query: targetDatabases(target).reduce((n, d) => n + d.client.calls, 0),
      import: target.importer?.calls ?? 0,
    },
  };
}

/**
 * The database of each shard an import may load: the one not serving, idle for longer than the grace
 * period (so no isolate's cached route or lagging replica still reads it, and blocking it blocks nobody).
 */
function idleShards(
  target: D1Target,
  routes: readonly ShardRoute[],
  settings: SyncSettings,
): ShardDatabase[] {
  return target.shards.map((s) => {
    const route = routes[s.shard];
    const idle = idleDatabase(s, route);
    if (!idle) throw new UserError(`shard ${s.shard} has no standby database to import into`, 2);
    if (!route?.idleLongEnough)
      throw new UserError(
        `${idle.binding} stopped serving shard ${s.shard} at ${route?.flippedAt}, less than the grace period (${settings.gcGraceSeconds} s) ago: ` +
          "an import would block readers that may still use it. Run again later, or with --load query",
        75,
      );
    return shardDatabase(s, idle, target.control);
  });
}

/**
 * A standby about to receive a fresh import: emptied with the query API first (nobody reads it, so long
 * statements there block no one), each statement under the lease.
 */
async function prepareStandby(shard: ShardDatabase, lease: SyncLease): Promise<void> {
  for (const table of ["client_vectors", "active_feature_sets", "feature_sets"]) {
    await lease.check();
    await shard.database.client.query(`DELETE FROM ${table}`);
  }
}

/** Incremental needs an active version of the same layout to copy from; without one, a full sync it is. */
function effectiveMode(
  wanted: SyncMode,
  active: FeatureSetRow | undefined,
  source: SnapshotSource,
  shardCount: number,
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
  if (active.shardCount !== shardCount) {
    io.log.info(
      "full_instead",
      `active version ${active.id} is laid out over ${active.shardCount} shard(s), the target has ${shardCount}: running a full sync`,
    );
    return "full";
  }
  return "incremental";
}

/** Garbage collection after the run, per serving database and the control records; a failure is reported, not fatal. */
async function collect(
  control: OnlineStoreDb,
  controlIsShard: boolean,
  shards: readonly ShardDatabase[],
  target: D1Target,
  settings: SyncSettings,
  lease: SyncLease,
  io: SyncIo,
): Promise<GarbageCollection | null> {
  const gcSettings = { keep: settings.keep, graceSeconds: settings.gcGraceSeconds };
  try {
    // Shards are separate databases: they collect at once (each a chain of bounded deletes).
    const runs: GarbageCollection[] = await Promise.all(
      shards.map((shard) =>
        collectGarbage(shard.db, shard.database.client, gcSettings, lease.guard(shard.isControl)),
      ),
    );
    if (!controlIsShard)
      runs.push(await collectGarbage(control, target.control.client, gcSettings, lease.guard(true)));
    const union = (pick: (g: GarbageCollection) => number[]) =>
      [...new Set(runs.flatMap(pick))].sort((a, b) => a - b);
    const gc = {
      deletedVersions: union((g) => g.deletedVersions),
      orphanSets: union((g) => g.orphanSets),
      inGrace: union((g) => g.inGrace),
    };
    if (gc.deletedVersions.length > 0 || gc.orphanSets.length > 0 || gc.inGrace.length > 0) {
      const orphans = gc.orphanSets.length > 0 ? `, orphan rows of ${gc.orphanSets.join(", ")}` : "";
      const grace =
        gc.inGrace.length > 0
          ? `; ${gc.inGrace.join(", ")} kept until ${settings.gcGraceSeconds} s after they were superseded`
          : "";
      io.log.info(
        "gc",
        `deleted version(s) ${gc.deletedVersions.join(", ") || "none"}${orphans} (keeping ${settings.keep} per schema${grace})`,
        {
          deleted_versions: gc.deletedVersions,
          orphan_sets: gc.orphanSets,
          in_grace: gc.inGrace,
          keep: settings.keep,
        },
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
