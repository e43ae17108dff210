/**
 * D1's per-statement limits (local D1 enforces them too: "too many SQL variables", SQLITE_TOOBIG), and how
 * much one request to the target carries. Bulk writes are cut to fit; see vector-statements.ts.
 */
export interface D1Limits {
  readonly maxBoundParameters: number;
  /** SQL text bytes per statement. */
  readonly maxStatementBytes: number;
  /** Count bound values into the statement size too: what travels in one statement of an HTTP request. */
  readonly paramsCountTowardStatement: boolean;
  /** Body bytes per request (statements are sent as one batch, executed as one transaction). */
  readonly maxRequestBytes: number;
}

export const D1_MAX_BOUND_PARAMETERS = 100;
export const D1_MAX_STATEMENT_BYTES = 100_000;

/** In-process workerd: large batches amortize the per-request cost; only SQL text counts, as in D1. */
export const LOCAL_LIMITS: D1Limits = {
  maxBoundParameters: D1_MAX_BOUND_PARAMETERS,
  maxStatementBytes: D1_MAX_STATEMENT_BYTES,
  paramsCountTowardStatement: false,
  maxRequestBytes: 2_000_000,
};

/**
 * Over the internet: the D1 HTTP API documents 100 KB statements without saying whether bound values count,
 * so they do here; requests stay around a megabyte so a retried one costs little.
 */
export const REMOTE_LIMITS: D1Limits = {
  maxBoundParameters: D1_MAX_BOUND_PARAMETERS,
  maxStatementBytes: D1_MAX_STATEMENT_BYTES,
  paramsCountTowardStatement: true,
  maxRequestBytes: 1_000_000,
};
