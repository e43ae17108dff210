/**
 * D1 bindings that count what is asked of them: statements prepared, and round trips (an executed
 * statement, or a batch), per binding; sessions (withSession) are counted as the database they read. Used
 * by the query-count test (test/worker/shards.test.ts) and the counting entry `npm run bench:scale` serves
 * over HTTP. Not part of the Worker's own entry point.
 */
export interface D1Counts {
  statements: number;
  roundTrips: number;
  byBinding: Record<string, number>;
}

export const newCounts = (): D1Counts => ({ statements: 0, roundTrips: 0, byBinding: {} });

const targets = new WeakMap<object, unknown>();
const unwrap = <T>(value: T): T => (targets.get(value as object) as T | undefined) ?? value;

export function countingD1(
  db: D1Database | D1DatabaseSession,
  binding: string,
  counts: D1Counts,
): D1Database {
  const trip = () => {
    counts.roundTrips++;
    counts.byBinding[binding] = (counts.byBinding[binding] ?? 0) + 1;
  };
  const statement = (s: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(s, {
      get(target, prop) {
        if (prop === "bind") return (...values: unknown[]) => statement(target.bind(...values));
        if (prop === "all" || prop === "raw" || prop === "run" || prop === "first")
          return (...args: unknown[]) => {
            trip();
            return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
          };
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    targets.set(proxy, s);
    return proxy;
  };
  return new Proxy(db as D1Database, {
    get(target, prop) {
      if (prop === "prepare")
        return (sql: string) => {
          counts.statements++;
          return statement(target.prepare(sql));
        };
      if (prop === "batch")
        return (statements: D1PreparedStatement[]) => {
          trip();
          return target.batch(statements.map(unwrap));
        };
      if (prop === "withSession")
        return (...args: Parameters<D1Database["withSession"]>) =>
          countingD1(target.withSession(...args), binding, counts);
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const isD1 = (value: unknown): value is D1Database =>
  typeof value === "object" && value !== null && typeof (value as D1Database).prepare === "function";

/** The env with every D1 binding counted into `counts`. */
export function countingEnv<E extends object>(env: E, counts: D1Counts): E {
  const out: Record<string, unknown> = { ...(env as Record<string, unknown>) };
  for (const [name, value] of Object.entries(env as Record<string, unknown>))
    if (isD1(value)) out[name] = countingD1(value, name, counts);
  return out as E;
}
