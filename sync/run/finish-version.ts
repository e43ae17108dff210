import { UserError } from "../../lib/errors.ts";
import type { Checksum } from "../store/checksum.ts";
import { storedChecksum } from "../store/checksum.ts";
import { LeaseLostError, type SyncLease } from "../store/lease.ts";
import { activateVersion, type FeatureSetRow, markVerified, retireVersion } from "../store/versions.ts";
import type { D1Client } from "../target/d1-client.ts";
import type { OnlineStoreDb } from "../target/online-store-db.ts";
import type { SyncIo } from "./sync-types.ts";

/**
 * Verify a written version against the source (row count, checksum), mark it ready, and activate it with
 * the one statement readers see. A version that fails verification is retired (garbage collection
 * deletes it) so no later run resumes it; nothing is activated.
 */
export async function verifyAndActivate(
  db: OnlineStoreDb,
  client: D1Client,
  version: FeatureSetRow,
  expected: { checksum: Checksum; clientsCounted: number; changedRows: number | null },
  lease: SyncLease,
  io: SyncIo,
): Promise<void> {
  const { checksum } = expected;
  if (checksum.rows !== expected.clientsCounted) {
    await retireVersion(db, version.id);
    throw new UserError(
      `the source changed while it was read (${expected.clientsCounted} clients counted, ${checksum.rows} read): version ${version.id} discarded, nothing activated; run the sync again`,
    );
  }
  const stored = await storedChecksum(client, version.id);
  const wanted = checksum.toString();
  if (stored.rows !== checksum.rows || stored.checksum !== wanted) {
    await retireVersion(db, version.id);
    throw new UserError(
      `verification failed for version ${version.id}: ${client.description} holds ${stored.rows} rows (checksum ${stored.checksum}), ` +
        `the source has ${checksum.rows} (checksum ${wanted}); the version was discarded and nothing activated: run the sync again`,
    );
  }
  io.log.info("verified", `version ${version.id} verified: ${stored.rows} rows, checksum ${wanted}`, {
    version: version.id,
    rows: stored.rows,
    checksum: wanted,
  });
  await markVerified(db, version.id, {
    rowCount: stored.rows,
    checksum: wanted,
    changedRows: expected.changedRows,
  });
  lease.assertHeld();
  if (!(await activateVersion(db, version, lease.holder))) throw new LeaseLostError(lease.holder);
}
