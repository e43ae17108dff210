import type { SQL } from "drizzle-orm";
import { UserError } from "../../lib/errors.ts";
import { Checksum, storedChecksum } from "../store/checksum.ts";
import { LeaseLostError, type SyncLease } from "../store/lease.ts";
import { flipStatements } from "../store/shard-routes.ts";
import {
  activateVersion,
  type FeatureSetRow,
  markVerified,
  reopenVersion,
  retireVersion,
} from "../store/versions.ts";
import type { OnlineStoreDb } from "../target/online-store-db.ts";
import type { ShardDatabase } from "./shard-databases.ts";
import type { SyncIo } from "./sync-types.ts";

export interface ShardExpectation {
  readonly shard: ShardDatabase;
  /** What the source says this shard must hold. */
  readonly checksum: Checksum;
}

/**
 * Verify a written version on every shard against the source (rows and checksum per shard, and their
 * total), and only when every shard agrees mark it ready everywhere. One shard that disagrees means nothing
 * is marked, let alone activated: the version goes back to loading on that shard, and the next run resumes
 * it, rewriting exactly the rows that differ.
 */
export async function verifyShards(
  control: OnlineStoreDb,
  controlIsShard: boolean,
  version: FeatureSetRow,
  expected: {
    shards: readonly ShardExpectation[];
    total: Checksum;
    clientsCounted: number;
    changedRows: number | null;
  },
  lease: SyncLease,
  io: SyncIo,
): Promise<void> {
  if (expected.total.rows !== expected.clientsCounted) {
    await retireVersion(control, version.id);
    throw new UserError(
      `the source changed while it was read (${expected.clientsCounted} clients counted, ${expected.total.rows} read): version ${version.id} discarded, nothing activated; run the sync again`,
    );
  }
  const failures: string[] = [];
  const stored = new Checksum();
  const verified: { shard: ShardDatabase; rows: number; checksum: string }[] = [];
  for (const { shard, checksum } of expected.shards) {
    lease.assertHeld();
    const found = await storedChecksum(shard.database.client, version.id);
    const wanted = checksum.toString();
    if (found.rows !== checksum.rows || found.checksum !== wanted) {
      failures.push(
        `shard ${shard.shard} (${shard.database.client.description}) holds ${found.rows} rows (checksum ${found.checksum}), the source has ${checksum.rows} (checksum ${wanted})`,
      );
      await reopenVersion(shard.db, version.id);
    } else verified.push({ shard, rows: found.rows, checksum: wanted });
    stored.addAll(checksum);
  }
  if (failures.length > 0) {
    io.log.warn("verification_failed", `version ${version.id} failed verification: ${failures.join("; ")}`, {
      version: version.id,
      shards: failures.length,
    });
    throw new UserError(
      `verification failed for version ${version.id}: ${failures.join("; ")}. Nothing was activated; the next run resumes the version and rewrites what differs`,
    );
  }
  for (const v of verified) {
    await markVerified(v.shard.db, version.id, {
      rowCount: v.rows,
      checksum: v.checksum,
      changedRows: expected.changedRows,
    });
  }
  const total = stored.toString();
  if (!controlIsShard) {
    await markVerified(control, version.id, {
      rowCount: stored.rows,
      checksum: total,
      changedRows: expected.changedRows,
    });
  }
  io.log.info("verified", `version ${version.id} verified: ${stored.rows} rows, checksum ${total}`, {
    version: version.id,
    rows: stored.rows,
    checksum: total,
    shards: verified.map((v) => ({ shard: v.shard.shard, rows: v.rows, checksum: v.checksum })),
  });
}

/**
 * Activate a verified version on every shard, each flip conditional on the version existing and being
 * verified on that shard (and on the lease, re-checked before each), then record it in the control
 * database. A crash part-way leaves each shard serving a complete, verified version (old or new); the next
 * run resumes and finishes the activation.
 */
export async function activateOnShards(
  control: OnlineStoreDb,
  controlIsShard: boolean,
  version: FeatureSetRow,
  shards: readonly ShardDatabase[],
  lease: SyncLease,
): Promise<void> {
  for (const shard of shards) {
    const guard = lease.guard(shard.isControl);
    await guard.check();
    if (!(await activateVersion(shard.db, version, guard))) {
      await lease.check();
      throw new UserError(
        `version ${version.id} is not verified on shard ${shard.shard} (${shard.database.client.description}), or is gone: not activated there; run the sync again`,
      );
    }
  }
  if (!controlIsShard) await recordActivation(control, version, lease, []);
}

/**
 * After an import into the standbys: point each standby's own active pointer at the version (nobody reads
 * them yet), then flip every shard's route in one control-database transaction, then record the activation.
 */
export async function activateByFlip(
  control: OnlineStoreDb,
  version: FeatureSetRow,
  loaded: readonly ShardDatabase[],
  lease: SyncLease,
): Promise<void> {
  for (const shard of loaded) {
    const guard = lease.guard(false);
    await guard.check();
    if (!(await activateVersion(shard.db, version, guard)))
      throw new UserError(
        `version ${version.id} is not verified on ${shard.database.client.description}: nothing flipped`,
      );
  }
  const guard = lease.guard(true);
  const flips = flipStatements(
    control,
    loaded.map((s) => ({ shard: s.shard, serving: s.role, featureSetId: version.id })),
    guard,
  );
  await recordActivation(control, version, lease, flips);
}

async function recordActivation(
  control: OnlineStoreDb,
  version: FeatureSetRow,
  lease: SyncLease,
  before: SQL[],
): Promise<void> {
  const guard = lease.guard(true);
  if (before.length > 0) {
    // Every route in one transaction: readers see all shards flip at once. The record follows.
    const statements = before.map((s) => control.run(s));
    const [first, ...rest] = statements;
    await control.batch([first!, ...rest]);
  }
  if (!(await activateVersion(control, version, guard))) {
    await lease.check();
    throw new LeaseLostError(lease.holder);
  }
}
