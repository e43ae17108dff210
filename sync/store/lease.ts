import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { and, eq, lt } from "drizzle-orm";
import { UserError } from "../../lib/errors.ts";
import { syncLeases } from "../../online-store/schema.ts";
import type { OnlineStoreDb } from "../target/online-store-db.ts";

/** The one lease row every sync takes: at most one sync writes the online store at a time. */
export const SYNC_LEASE = "feature-sync";

/** Exit code for "another sync is running": EX_TEMPFAIL, i.e. try again later. */
export const LEASE_HELD_EXIT_CODE = 75;

export type LeaseRow = typeof syncLeases.$inferSelect;

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
  now?: () => number;
}

/**
 * A time-limited lease in D1 (sync_leases): acquired if free or expired, renewed while the sync runs (every
 * third of its TTL), released at the end. A holder that crashes stops renewing, and its lease expires.
 * Clocks are the syncing hosts' own: keep them NTP-synced, as CI runners are.
 */
export class SyncLease {
  private timer: NodeJS.Timeout | undefined;
  private lostError: UserError | undefined;

  private constructor(
    private readonly db: OnlineStoreDb,
    readonly holder: string,
    private readonly ttlMs: number,
    private readonly now: () => number,
    /** The expired lease this one replaced, if any (its holder crashed). */
    readonly tookOverFrom: LeaseRow | undefined,
  ) {}

  static async acquire(db: OnlineStoreDb, options: LeaseOptions): Promise<SyncLease> {
    const now = (options.now ?? Date.now)();
    const before = await db.select().from(syncLeases).where(eq(syncLeases.name, SYNC_LEASE)).get();
    const lease = { holder: options.holder, acquiredAt: iso(now), expiresAt: now + options.ttlMs };
    // Insert, or take over an expired row; a live row stays as it is and nothing comes back.
    const taken = await db
      .insert(syncLeases)
      .values({ name: SYNC_LEASE, ...lease })
      .onConflictDoUpdate({ target: syncLeases.name, set: lease, setWhere: lt(syncLeases.expiresAt, now) })
      .returning({ holder: syncLeases.holder });
    if (taken[0]?.holder !== options.holder) {
      const current = await db.select().from(syncLeases).where(eq(syncLeases.name, SYNC_LEASE)).get();
      throw new LeaseHeldError(current ?? { name: SYNC_LEASE, ...lease });
    }
    const tookOver = before && before.expiresAt < now ? before : undefined;
    return new SyncLease(db, options.holder, options.ttlMs, options.now ?? Date.now, tookOver);
  }

  /** Push the expiry out by a TTL; fails if the lease expired and someone else took it. */
  async renew(): Promise<void> {
    const renewed = await this.db
      .update(syncLeases)
      .set({ expiresAt: this.now() + this.ttlMs })
      .where(and(eq(syncLeases.name, SYNC_LEASE), eq(syncLeases.holder, this.holder)))
      .returning({ holder: syncLeases.holder });
    if (renewed.length === 0) throw new LeaseLostError(this.holder);
  }

  /** Renew in the background until release(); a failure is kept and reported by assertHeld(). */
  keepAlive(): void {
    const every = Math.max(100, Math.floor(this.ttlMs / 3));
    this.timer = setInterval(() => {
      this.renew().catch((error: unknown) => {
        // A transient failure is tried again at the next tick; a lease taken over stops the sync (and the
        // activation statement checks the lease itself, so a late discovery still activates nothing).
        if (error instanceof LeaseLostError) this.lostError = error;
      });
    }, every);
    this.timer.unref();
  }

  /** Throws if the lease was lost: checked before every write. */
  assertHeld(): void {
    if (this.lostError) throw this.lostError;
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.db
      .delete(syncLeases)
      .where(and(eq(syncLeases.name, SYNC_LEASE), eq(syncLeases.holder, this.holder)));
  }
}

export async function currentLease(db: OnlineStoreDb): Promise<LeaseRow | undefined> {
  return db.select().from(syncLeases).where(eq(syncLeases.name, SYNC_LEASE)).get();
}
