import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../env.ts";
import { ApiError, type FieldError } from "../../problem/api-error.ts";
import { PROBLEM_CONTENT_TYPE, problem, statusTitle } from "../../problem/problem.ts";

function respond(
  c: Context<AppEnv>,
  status: ContentfulStatusCode,
  detail: string,
  errors?: FieldError[],
  headers: Record<string, string> = {},
): Response {
  const body = problem(status, detail, { instance: c.req.path, requestId: c.get("requestId") ?? "" }, errors);
  return c.body(JSON.stringify(body), status, { ...headers, "Content-Type": PROBLEM_CONTENT_TYPE });
}

/**
 * What a log line may say about an error: the names and codes along its cause chain, never messages.
 * Messages carry data: drizzle's query errors quote the SQL's parameters (key hashes, client ids).
 */
export function describeError(error: unknown): { name: string; code?: string }[] {
  const chain: { name: string; code?: string }[] = [];
  for (let e: unknown = error; e !== undefined && chain.length < 4; e = (e as { cause?: unknown }).cause) {
    if (!(e instanceof Error)) {
      chain.push({ name: typeof e });
      break;
    }
    const code = (e as { code?: unknown }).code;
    chain.push(
      typeof code === "string" || typeof code === "number"
        ? { name: e.name, code: String(code) }
        : { name: e.name },
    );
  }
  return chain;
}

/**
 * Every error as RFC 9457 problem+json. ApiError and Hono's HTTPException (413 body limit, 415 media type,
 * 400 malformed JSON) keep their status; anything else is a defect of ours, answered 500 and logged.
 */
export function problemErrorHandler(): ErrorHandler<AppEnv> {
  return (error, c) => {
    const requestId = c.get("requestId");
    if (error instanceof ApiError) {
      const headers = { ...error.headers };
      if (error.retryAfter !== undefined) headers["Retry-After"] = String(error.retryAfter);
      if (error.status >= 500)
        console.log(
          JSON.stringify({
            level: "warn",
            msg: error.message,
            request_id: requestId,
            cause: error.cause === undefined ? undefined : describeError(error.cause),
          }),
        );
      return respond(c, error.status, error.message, error.errors, headers);
    }
    if (error instanceof HTTPException) {
      return respond(c, error.status, error.message || statusTitle(error.status));
    }
    console.log(
      JSON.stringify({
        level: "error",
        msg: "unhandled error",
        request_id: requestId,
        error: describeError(error),
        // Where, without the message line: frames name code, not data.
        frames:
          error instanceof Error
            ? error.stack
                ?.split("\n")
                .slice(1, 9)
                .map((f) => f.trim())
            : undefined,
      }),
    );
    return respond(c, 500, "an internal error occurred; it has been logged");
  };
}

export function problemNotFound(): NotFoundHandler<AppEnv> {
  return (c) => respond(c, 404, `no route for ${c.req.method} ${c.req.path}`);
}
