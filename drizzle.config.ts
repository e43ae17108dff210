import { defineConfig } from "drizzle-kit";

// Schema as code (online-store/schema.ts) is the source; `npm run db:generate` writes migrations/.
export default defineConfig({
  dialect: "sqlite",
  schema: "./online-store/schema.ts",
  out: "./migrations",
});
