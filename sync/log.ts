/**
 * The sync's operator log on stderr: readable lines on a terminal, one JSON object per line otherwise (CI,
 * cron, pipes), like lib/progress.ts does for progress. Events are named `sync.<event>`.
 */
export interface SyncLog {
  info(event: string, message: string, fields?: Record<string, unknown>): void;
  warn(event: string, message: string, fields?: Record<string, unknown>): void;
}

export const silentLog: SyncLog = { info() {}, warn() {} };

export function syncLogFor(stream: NodeJS.WriteStream = process.stderr): SyncLog {
  const json = !(stream.isTTY && !process.env.CI) || process.env.CREDIT_EDGE_PROGRESS === "json";
  const write = (level: string, event: string, message: string, fields: Record<string, unknown> = {}) => {
    if (json) {
      const line = { ts: new Date().toISOString(), level, event: `sync.${event}`, message, ...fields };
      stream.write(`${JSON.stringify(line)}\n`);
    } else {
      stream.write(`${level === "warn" ? "warning: " : ""}${message}\n`);
    }
  };
  return {
    info: (event, message, fields) => write("info", event, message, fields),
    warn: (event, message, fields) => write("warn", event, message, fields),
  };
}
