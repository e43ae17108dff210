import { z } from "@hono/zod-openapi";
import type { ApplicationRecord } from "../../features/application/columns.ts";
import {
  APPLICATION_COLUMNS,
  type ApplicationColumn,
  fastRecord,
} from "../../features/application/columns.ts";

/** Longer than any category of application_train.csv by far; bounds what a caller can make us hold. */
export const MAX_TEXT_LENGTH = 100;

export const ClientIdSchema = z
  .number()
  .int()
  .positive()
  .openapi({ description: "The client's SK_ID_CURR", example: 100002 });

/**
 * Bound of any number in an application. The model reads float32, whose range ends at 3.4e38: a 1e308 would
 * arrive as Infinity. 1e15 is far beyond any amount, count or day offset the columns hold.
 */
export const MAX_ABS_NUMBER = 1e15;

function columnSchema(column: ApplicationColumn) {
  const value =
    column.kind === "text"
      ? z.string().max(MAX_TEXT_LENGTH)
      : column.kind === "int"
        ? z.number().int().min(-MAX_ABS_NUMBER).max(MAX_ABS_NUMBER)
        : z.number().min(-MAX_ABS_NUMBER).max(MAX_ABS_NUMBER);
  // null or absent: missing, as an empty CSV cell is.
  return value.nullable().optional().openapi({ description: column.description });
}

/**
 * One application keyed by the application_train.csv column names, derived from the one column list the
 * warehouse and the feature module use. Numbers are finite (JSON cannot say NaN; 1e999 is rejected), text is
 * bounded, SK_ID_CURR is required; TARGET and unknown keys are dropped.
 */
export const ApplicationSchema = z
  .object({
    SK_ID_CURR: ClientIdSchema,
    ...Object.fromEntries(APPLICATION_COLUMNS.map((c) => [c.name, columnSchema(c)])),
  })
  .openapi("Application", {
    description:
      "An application in application_train.csv layout; absent or null values are missing. TARGET and unknown keys are ignored.",
  });

export type ApplicationInput = z.infer<typeof ApplicationSchema>;

/** The application record the feature module reads: the columns only, missing values dropped. */
export function applicationRecord(input: ApplicationInput): ApplicationRecord {
  const entries: [string, number | string][] = [];
  for (const column of APPLICATION_COLUMNS) {
    const value = (input as Record<string, unknown>)[column.name];
    if (typeof value === "number" || typeof value === "string") entries.push([column.name, value]);
  }
  return fastRecord(entries);
}
