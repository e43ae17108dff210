/**
 * Errors as the BigQuery REST API reports them: an HTTP status, a `reason` (notFound, invalidQuery, ...)
 * and a message. The same triple becomes either an error response or a failed job's `status.errorResult`.
 */
export class ApiFailure extends Error {
  constructor(
    readonly httpStatus: number,
    readonly reason: string,
    message: string,
    /** Further errors a failed job lists after its errorResult (BigQuery's errors[] collection). */
    readonly details: readonly ErrorProto[] = [],
  ) {
    super(message);
  }
}

export interface ErrorProto {
  reason: string;
  message: string;
  location?: string;
}

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  404: "NOT_FOUND",
  409: "ALREADY_EXISTS",
  500: "INTERNAL",
  501: "UNIMPLEMENTED",
};

export const notFound = (message: string) => new ApiFailure(404, "notFound", `Not found: ${message}`);
export const duplicate = (message: string) => new ApiFailure(409, "duplicate", `Already Exists: ${message}`);
export const invalid = (message: string) => new ApiFailure(400, "invalid", message);
export const invalidQuery = (message: string) => new ApiFailure(400, "invalidQuery", message);
export const notImplemented = (message: string) => new ApiFailure(501, "notImplemented", message);

/** The HTTP status BigQuery uses when a failed job's error is returned by getQueryResults. */
export function httpStatusForReason(reason: string): number {
  if (reason === "notFound") return 404;
  if (reason === "duplicate") return 409;
  if (reason === "backendError" || reason === "internalError") return 500;
  return 400;
}

export function errorProto(failure: ApiFailure): ErrorProto {
  return { reason: failure.reason, message: failure.message };
}

/** The JSON body of an error response, shaped like Google's: `{ error: { code, message, errors, status } }`. */
export function errorBody(failure: ApiFailure) {
  return {
    error: {
      code: failure.httpStatus,
      message: failure.message,
      errors: [
        { ...errorProto(failure), domain: "global" },
        ...failure.details.map((d) => ({ ...d, domain: "global" })),
      ],
      status: STATUS_NAMES[failure.httpStatus] ?? "UNKNOWN",
    },
  };
}

export function asApiFailure(error: unknown): ApiFailure {
  if (error instanceof ApiFailure) return error;
  return new ApiFailure(
    500,
    "internalError",
    `emulator: ${error instanceof Error ? error.message : String(error)}`,
  );
}
