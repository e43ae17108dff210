import { readdirSync } from "node:fs";
import { UserError } from "../../lib/errors.ts";
import { type D1Target, type TargetDatabase, targetDatabases } from "./d1-target.ts";

/**
 * The sync writes tables the migrations create; it does not apply them (that is a deploy step, shared with
 * the Worker), but refuses clearly when wrangler's bookkeeping shows some missing, in any database of the
 * layout, naming the command for that binding.
 */
export async function assertMigrationsApplied(target: D1Target): Promise<void> {
  // Every database at once (two round trips each, not two per database in a row); the first failure in
  // layout order is the one reported, whatever order the answers came in.
  const checks = await Promise.allSettled(
    targetDatabases(target).map((database) => assertDatabaseMigrated(target, database)),
  );
  const failed = checks.find((c): c is PromiseRejectedResult => c.status === "rejected");
  if (failed) throw failed.reason;
}

async function assertDatabaseMigrated(target: D1Target, database: TargetDatabase): Promise<void> {
  const { dir, table, applyCommand } = target.migrations;
  const expected = readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort();
  const { client } = database;
  const exists = await client.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", [
    table,
  ]);
  const applied = new Set<string>();
  if (exists.rows.length > 0) {
    const rows = await client.query(`SELECT name FROM "${table.replaceAll('"', '""')}"`);
    for (const [name] of rows.rows) applied.add(String(name));
  }
  const pending = expected.filter((f) => !applied.has(f));
  if (pending.length > 0) {
    const what =
      applied.size === 0 ? "has no migrations applied" : `lacks migration(s) ${pending.join(", ")}`;
    throw new UserError(`${client.description} ${what}: run \`${applyCommand(database.binding)}\``);
  }
}
