import type { Hook, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env.ts";
import { badRequest, type FieldError } from "../problem/api-error.ts";

/** Zod's issues as field paths into the body: ["loan", "amount"] -> "loan.amount". */
export function fieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.map((issue) => ({
    path: issue.path.length ? issue.path.map(String).join(".") : "(body)",
    message: issue.message,
  }));
}

/** The validation hook of every route: a 400 problem naming each offending field. */
// biome-ignore lint/suspicious/noExplicitAny: Hook's input and output types vary per route.
export const validationHook: Hook<any, AppEnv, any, any> = (result) => {
  if (!result.success) throw badRequest("the request is invalid", fieldErrors(result.error.issues));
};
