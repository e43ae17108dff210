import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { FieldError } from "./api-error.ts";

/** An RFC 9457 problem details object, as every error of this API is answered. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  request_id: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

export function statusTitle(status: number): string {
  return TITLES[status] ?? (status >= 500 ? "Server Error" : "Client Error");
}

/** "about:blank": the status says what kind of problem it is; `detail` says what happened. */
export function problem(
  status: ContentfulStatusCode,
  detail: string,
  context: { instance: string; requestId: string },
  errors?: FieldError[],
): Problem {
  return {
    type: "about:blank",
    title: statusTitle(status),
    status,
    detail,
    instance: context.instance,
    request_id: context.requestId,
    ...(errors?.length ? { errors } : {}),
  };
}
