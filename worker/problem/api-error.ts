import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** One offending field of a request, as a dotted path into the body (e.g. `loan.amount`, `applications.3.SK_ID_CURR`). */
export interface FieldError {
  path: string;
  message: string;
}

export interface ApiErrorOptions {
  errors?: FieldError[];
  /** Seconds the caller should wait before retrying (429, 503): sent as Retry-After. */
  retryAfter?: number;
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * An error the API answers with a precise status: thrown from anywhere (routes, middleware, the scoring
 * path) and rendered as RFC 9457 problem+json by the error handler.
 */
export class ApiError extends HTTPException {
  readonly errors: FieldError[] | undefined;
  readonly retryAfter: number | undefined;
  readonly headers: Record<string, string>;

  constructor(status: ContentfulStatusCode, detail: string, options: ApiErrorOptions = {}) {
    super(status, { message: detail, cause: options.cause });
    this.errors = options.errors;
    this.retryAfter = options.retryAfter;
    this.headers = options.headers ?? {};
  }
}

/** How long a caller should back off when a dependency (model, D1, JWKS) is down. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

export const badRequest = (detail: string, errors?: FieldError[]) =>
  new ApiError(400, detail, errors ? { errors } : {});

/** RFC 6750: a 401 names the scheme, and the error when a token was presented. */
export const unauthorized = (detail: string, tokenPresented = true) =>
  new ApiError(401, detail, {
    headers: {
      "WWW-Authenticate": tokenPresented
        ? 'Bearer realm="credit-edge", error="invalid_token"'
        : 'Bearer realm="credit-edge"',
    },
  });

export const forbidden = (detail: string) => new ApiError(403, detail);

export const notFound = (detail: string) => new ApiError(404, detail);

export const tooManyRequests = (retryAfter: number) =>
  new ApiError(429, "rate limit exceeded for this caller", { retryAfter });

export const serviceUnavailable = (detail: string, cause?: unknown) =>
  new ApiError(503, detail, { retryAfter: DEPENDENCY_RETRY_AFTER_SECONDS, cause });
