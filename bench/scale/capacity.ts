/**
 * The capacity table of `npm run bench:scale`: from measured rates to lender sizes. Every figure is a
 * projection of a measurement taken in the same run, never a constant of this file except D1's limit and
 * the planning margins below, which the README states.
 */

/** D1's hard cap per database. */
export const D1_DATABASE_BYTES = 10e9;
/** Plan a database to 80 % of the cap. */
export const FILL = 0.8;

export interface MeasuredRates {
  /** On disk per stored client-version (sync status's bytes_per_client). */
  readonly bytesPerClientVersion: number;
  /** Client-versions a serving database holds at most: --keep versions plus the one being written. */
  readonly versionsPerDatabase: number;
  /** A remote full load, end to end (wall): clients per second. */
  readonly fullClientsPerSecond: number;
  /** A remote incremental run at `changedShare` changed clients: seconds per client of the base. */
  readonly incrementalSecondsPerClient: number;
  readonly changedShare: number;
}

export interface CapacityRow {
  readonly clients: number;
  readonly shards: number;
  /** One client-version of everyone, and the most a layout holds (versionsPerDatabase of them). */
  readonly bytesPerVersion: number;
  readonly bytesStored: number;
  readonly fullLoadHours: number;
  readonly incrementalMinutes: number;
}

/**
 * Shards so that no database passes FILL of D1's cap with versionsPerDatabase versions; full loads at the
 * measured end-to-end rate (the source is read and packed by one process, which bounds it; more shards
 * only add parallel imports); incrementals scaled linearly from the measured run (every client is read and
 * hashed, changed ones written, the rest copied inside D1 in ranges).
 */
export function capacityRow(clients: number, rates: MeasuredRates): CapacityRow {
  const bytesPerVersion = clients * rates.bytesPerClientVersion;
  const bytesStored = bytesPerVersion * rates.versionsPerDatabase;
  return {
    clients,
    shards: Math.max(1, Math.ceil(bytesStored / (D1_DATABASE_BYTES * FILL))),
    bytesPerVersion,
    bytesStored,
    fullLoadHours: clients / rates.fullClientsPerSecond / 3600,
    incrementalMinutes: (clients * rates.incrementalSecondsPerClient) / 60,
  };
}
