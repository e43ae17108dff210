// Runs inside workerd before each test file: the drizzle-kit migrations, as `wrangler d1 migrations apply`.
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
