import {
  APPLICATION_COLUMNS,
  type ApplicationColumn,
  applicationValues,
} from "../features/application/columns.ts";
import { applicationFeaturesOf } from "../features/application/features.ts";
import { VOCABULARIES } from "../features/application/vocabularies.ts";

/**
 * The application columns the online store keeps for a client: exactly those the shared feature module
 * (features/application/features.ts) reads, in APPLICATION_COLUMNS order. Serving recomputes the application
 * features from them (with other loan terms when asked), so a column the module never reads is dead weight
 * in D1. Found by running the module over probe records that note every column it asks for, rather than
 * kept as a second list that would drift from the module; test/node/packed-client.test.ts checks that
 * features computed from the kept columns equal those from the whole record.
 */

/** Values that steer the module down each of its branches: every category of every text column included. */
function probeRecords(): Record<string, unknown>[] {
  const filled = (numeric: number) =>
    Object.fromEntries(
      APPLICATION_COLUMNS.map((c) => [c.name, c.kind === "text" ? VOCABULARIES[c.name]?.[0] : numeric]),
    );
  const records: Record<string, unknown>[] = [{}, filled(1), filled(0), filled(-1), filled(365243)];
  for (const column of APPLICATION_COLUMNS.filter((c) => c.kind === "text")) {
    for (const value of VOCABULARIES[column.name] ?? []) records.push({ ...filled(1), [column.name]: value });
  }
  return records;
}

function columnsTheModuleReads(): ReadonlySet<string> {
  const read = new Set<string>();
  for (const record of probeRecords()) {
    // The module reads an application by column position (applicationFeaturesOf): the probe notes each
    // position it asks for.
    const values = applicationValues(record as Record<string, number | string>);
    const probe = new Proxy(values as (number | string | null | undefined)[], {
      get(target, key) {
        if (typeof key === "string" && /^\d+$/.test(key)) read.add(APPLICATION_COLUMNS[Number(key)]!.name);
        return Reflect.get(target, key);
      },
    });
    applicationFeaturesOf(probe);
  }
  return read;
}

const READ = columnsTheModuleReads();

/** The stored application columns, in APPLICATION_COLUMNS order. */
export const STORED_APPLICATION_COLUMNS: readonly ApplicationColumn[] = APPLICATION_COLUMNS.filter((c) =>
  READ.has(c.name),
);
