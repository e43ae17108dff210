import type { z } from "@hono/zod-openapi";

/**
 * The schema, validated first by its precompiled check (check-source.ts), which accepts only bodies zod
 * accepts (scripts/precompile-checks): those are taken as they are, and zod runs only for the rest, to accept what the check is
 * stricter about or to name every offending field in the 400. In workerd zod runs without its JIT (no
 * eval), ~0.5 µs per field: 100 applications of ~120 columns cost it ~5 ms, the check well under one.
 *
 * Hono's validator calls the schema's safeParseAsync; that method is replaced on this schema instance
 * only, so the OpenAPI document, which reads the schema itself, is unchanged. An accepted body keeps keys
 * zod would have stripped (TARGET, unknown columns): the routes read the columns by name.
 */
export function withPrecompiledCheck<S extends z.ZodType>(schema: S, check: (value: unknown) => boolean): S {
  const zod = schema.safeParseAsync.bind(schema) as (value: unknown, params?: unknown) => Promise<unknown>;
  const checkedFirst = (value: unknown, params?: unknown) =>
    check(value) ? Promise.resolve({ success: true, data: value }) : zod(value, params);
  (schema as { safeParseAsync: unknown }).safeParseAsync = checkedFirst;
  return schema;
}
