import { describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.ts";

/** Command names as `credit-edge --help` lists them. */
function commandsIn(help: string): string[] {
  const section = help.split("Commands:")[1] ?? "";
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((c) => c !== "help");
}

describe("credit-edge CLI", () => {
  it("lists its commands and documents each with --help", async () => {
    const top = await runCli(["--help"]);
    expect(top.code).toBe(0);
    const commands = commandsIn(top.stdout);
    expect(commands).toEqual(expect.arrayContaining(["ingest", "features", "train", "score"]));
    for (const command of commands) {
      const help = await runCli([command, "--help"]);
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toContain(`Usage: credit-edge ${command}`);
      expect(help.stdout, command).toContain("--help");
    }
  });

  it("rejects an unknown warehouse with the valid choices", async () => {
    const result = await runCli(["ingest", "--warehouse", "oracle"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/'oracle' is invalid.*duckdb, bigquery/s);
  });

  it("rejects an unknown command", async () => {
    const result = await runCli(["frobnicate"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it("asks for BigQuery settings instead of failing obscurely", async () => {
    const result = await runCli(["features", "--warehouse", "bigquery"], {
      GOOGLE_CLOUD_PROJECT: "",
      GCLOUD_PROJECT: "",
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: BigQuery needs a project: set GOOGLE_CLOUD_PROJECT/);
  });
});
