import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { UserError } from "../../lib/errors.ts";
import type { D1Client } from "../target/d1-client.ts";
import { D1_NOW_ISO, D1_NOW_MS, LEASE_HELD_BY, type LeaseGuard } from "./lease-guard.ts";

/** The one lease row every sync takes: at most one sync writes the online store at a time. */
export const SYNC_LEASE = "feature-sync";

/** Exit code for "another sync is running": EX_TEMPFAIL, i.e. try again later. */
export const LEASE_HELD_EXIT_CODE = 75;

export interface LeaseRow {
  readonly holder: string;
  readonly acquiredAt: string;
  /** Epoch milliseconds, D1's clock. */
  readonly expiresAt: number;
  /** Past its expiry by D1's clock when read. */
  readonly expired: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class LeaseHeldError extends UserError {
  constructor(readonly lease: LeaseRow) {
    super(
      `another sync holds the lease: ${lease.holder} since ${lease.acquiredAt}, until ${iso(lease.expiresAt)} ` +
        "(a crashed holder's lease expires then; run again after that)",
      LEASE_HELD_EXIT_CODE,
    );
  }
}

export class LeaseLostError extends UserError {
  constructor(holder: string) {
    super(`the sync lease of ${holder} expired and was taken over: stopped, nothing activated`);
  }
}

/** Who holds the lease, for the operator reading the message: host, pid and a random suffix. */
export const leaseHolderName = () => `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

export interface LeaseOptions {
  holder: string;
  ttlMs: number;
}

function ttl(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 1) throw new Error(`not a lease TTL: ${ms}`);
  return String(ms);
}

const rowOf = (row: readonly unknown[]): LeaseRow => ({
  holder: String(row[0]),
  acquiredAt: String(row[1]),
  expiresAt: Number(row[2]),
  expired: Number(row[3]) === 1,
});

/**
 * A time-limited lease in the control database's sync_leases: acquired if free or expired, renewed while
 * the sync runs (every third of its TTL), released at the end. A holder that crashes stops renewing, and
 * its lease expires. Every expiry is set and compared by D1's clock, in SQL: a syncing host whose clock is
 * off can neither take over a live lease nor keep one alive past its time.
 *
 * Retried writes (a lost answer retried by the D1 client) are safe: acquiring again as the same holder
 * succeeds (the row already names us, so it counts as ours), renewing twice pushes the expiry out twice
 * from D1's now, releasing deletes only our own row.
 */
export class SyncLease {
  private timer: NodeJS.Timeout | undefined;
  private lostError: UserError | undefined;

  private constructor(
    private readonly client: D1Client,
    readonly holder: string,
    private readonly ttlMs: number,
    /** The expired lease this one replaced, if any (its holder crashed). */
    readonly tookOverFrom: LeaseRow | undefined,
  ) {}

  static async acquire(client: D1Client, options: LeaseOptions): Promise<SyncLease> {
    const before = await currentLease(client);
    // Insert, or take over an expired row, or find it already ours (a retried attempt that had landed);
    // a live row of another holder stays as it is and nothing comes back.
    const taken = await client.query(
      `INSERT INTO sync_leases (name, holder, acquired_at, expires_at) VALUES (?, ?, ${D1_NOW_ISO}, ${D1_NOW_MS} + ${ttl(options.ttlMs)}) ` +
        "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at " +
        `WHERE sync_leases.expires_at <= ${D1_NOW_MS} OR sync_leases.holder = excluded.holder RETURNING holder`,
      [SYNC_LEASE, options.holder],
    );
    if (String(taken.rows[0]?.[0] ?? "") !== options.holder) {
      const current = await currentLease(client);
      if (!current)
        throw new LeaseHeldError({
          holder: "(released meanwhile)",
          acquiredAt: "",
          expiresAt: 0,
          expired: true,
        });
      throw new LeaseHeldError(current);
    }
    const tookOver = before?.expired && before.holder !== options.holder ? before : undefined;
    return new SyncLease(client, options.holder, options.ttlMs, tookOver);
  }

  /** Push the expiry out by a TTL from D1's now; fails if the lease expired and someone else took it. */
  async renew(): Promise<void> {
    const renewed = await this.client.query(
      `UPDATE sync_leases SET expires_at = ${D1_NOW_MS} + ${ttl(this.ttlMs)} WHERE name = ? AND holder = ? RETURNING holder`,
      [SYNC_LEASE, this.holder],
    );
    if (renewed.rows.length === 0) throw new LeaseLostError(this.holder);
  }

  /** Renew in the background until release(); a failure is kept and reported by assertHeld(). */
  keepAlive(): void {
    const every = Math.max(100, Math.floor(this.ttlMs / 3));
    this.timer = setInterval(() => {
      this.renew().catch((error: unknown) => {
        // A transient failure is tried again at the next tick; a lease taken over stops the sync (and every
        // guarded write checks the lease itself, so a late discovery still writes nothing that matters).
        if (error instanceof LeaseLostError) this.lostError = error;
      });
    }, every);
    this.timer.unref();
  }

  /** Throws if the lease was found lost: checked before every write. */
  assertHeld(): void {
    if (this.lostError) throw this.lostError;
  }

  /** Ask D1 whether the lease is still ours and live by its clock; throws LeaseLostError if not. */
  async check(): Promise<void> {
    this.assertHeld();
    const held = await this.client.query(`SELECT ${LEASE_HELD_BY}`, [SYNC_LEASE, this.holder]);
    if (Number(held.rows[0]?.[0]) !== 1) {
      this.lostError = new LeaseLostError(this.holder);
      throw this.lostError;
    }
  }

  /**
   * How a write proves the lease: in its own SQL on the control database (its check() then only reports a
   * loss already seen), by check(), a read of the control database right before it, elsewhere.
   */
  guard(inControlDatabase: boolean): LeaseGuard {
    return {
      inThisDatabase: inControlDatabase,
      params: [SYNC_LEASE, this.holder],
      check: inControlDatabase ? async () => this.assertHeld() : () => this.check(),
    };
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.client.query("DELETE FROM sync_leases WHERE name = ? AND holder = ?", [
      SYNC_LEASE,
      this.holder,
    ]);
  }
}

/** The lease row, if any, with its expiry judged by D1's clock. */
export async function currentLease(client: D1Client): Promise<LeaseRow | undefined> {
  const result = await client.query(
    `SELECT holder, acquired_at, expires_at, expires_at <= ${D1_NOW_MS} FROM sync_leases WHERE name = ?`,
    [SYNC_LEASE],
  );
  const row = result.rows[0];
  return row ? rowOf(row) : undefined;
}
