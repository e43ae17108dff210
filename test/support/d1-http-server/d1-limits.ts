/** What Cloudflare documents for D1 statements, enforced by this stand-in as D1 would. */
export const D1_LIMITS = {
  /** Bound parameters per statement. */
  maxBoundParameters: 100,
  /** SQL text bytes per statement. */
  maxStatementBytes: 100_000,
} as const;

export interface QueryBody {
  sql: string;
  params?: unknown[];
}

export interface LimitViolation {
  status: number;
  code: number;
  message: string;
}

/**
 * The checks D1 applies before running a statement, with D1's error texts. Params must be strings (the
 * API documents `params: string[]`) or null.
 */
export function checkStatement(query: QueryBody): LimitViolation | null {
  if (typeof query.sql !== "string" || query.sql.trim() === "") {
    return { status: 400, code: 7400, message: "a query needs non-empty sql" };
  }
  const params = query.params ?? [];
  if (!Array.isArray(params) || params.some((p) => p !== null && typeof p !== "string")) {
    return { status: 400, code: 7400, message: "params must be an array of strings" };
  }
  if (params.length > D1_LIMITS.maxBoundParameters) {
    return { status: 400, code: 7500, message: "too many SQL variables: SQLITE_ERROR" };
  }
  if (Buffer.byteLength(query.sql) > D1_LIMITS.maxStatementBytes) {
    return { status: 400, code: 7500, message: "statement too long: SQLITE_TOOBIG" };
  }
  return null;
}
