/**
 * Run the BigQuery emulator on its own, e.g. to try the CLI against it:
 *   npx tsx test/support/bigquery-emulator/main.ts --port 9050 [--pending-polls 0] [--log]
 *   BIGQUERY_API_ENDPOINT=http://127.0.0.1:9050 GOOGLE_CLOUD_PROJECT=local credit-edge ... --warehouse bigquery
 */
import { parseArgs } from "node:util";
import { startBigQueryEmulator } from "./server.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "9050" },
    "pending-polls": { type: "string", default: "1" },
    log: { type: "boolean", default: false },
  },
});

const emulator = await startBigQueryEmulator({
  port: Number(values.port),
  pendingPolls: Number(values["pending-polls"]),
  ...(values.log ? { onRequest: (line: string) => console.log(line) } : {}),
});
console.log(`BigQuery emulator listening on ${emulator.url} (set BIGQUERY_API_ENDPOINT=${emulator.url})`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void emulator.close().then(() => process.exit(0));
  });
}
