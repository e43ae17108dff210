import { ProblemSchema } from "./schemas.ts";

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid input: `errors` names each offending field",
  401: "Missing, malformed, expired or unknown credentials",
  403: "The caller may not do this (scope, or an end user's own client only)",
  404: "Unknown client",
  413: "Request body too large",
  415: "Request body is not application/json",
  429: "Rate limited; see Retry-After",
  503: "A dependency (model, D1, JWKS) is unavailable; see Retry-After",
};

/** OpenAPI responses for the error statuses a route can answer, all problem+json. */
export function problemResponses<S extends keyof typeof PROBLEM_DESCRIPTIONS>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: PROBLEM_DESCRIPTIONS[status]!,
        content: { "application/problem+json": { schema: ProblemSchema } },
      },
    ]),
  ) as Record<
    S,
    { description: string; content: { "application/problem+json": { schema: typeof ProblemSchema } } }
  >;
}

export const bearerSecurity = [{ bearer: [] }];
