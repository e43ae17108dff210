/**
 * Scoring reads go through D1's Sessions API, `first-unconstrained`: the first query may be answered by the
 * nearest read replica instead of the primary. A score is one query, so it sees one consistent state of its
 * shard (pointer and rows together); see README, "Reads from the nearest replica". The sync and admin
 * paths use the primary.
 */
export function readSession(db: D1Database): D1DatabaseSession | D1Database {
  // A binding without sessions (an older runtime, or a proxy from Node in tests) is read as it is.
  return typeof db.withSession === "function" ? db.withSession("first-unconstrained") : db;
}
