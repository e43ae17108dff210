import cliProgress from "cli-progress";

/**
 * Progress of one long step. On a terminal it is a bar with rate and ETA; elsewhere (CI, pipes, cron) it
 * is a JSON line every few seconds, so logs stay readable and machine-parsable.
 */
export interface Progress {
  /** Set the absolute amount done (and optionally a new total). */
  update(done: number, total?: number): void;
  increment(by?: number): void;
  /** A short status shown beside the bar (e.g. the table being loaded). */
  status(text: string): void;
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  unit: string;
}

export type ProgressFactory = (options: ProgressOptions) => Progress;

export const silentProgress: ProgressFactory = () => ({
  update() {},
  increment() {},
  status() {},
  stop() {},
});

function barProgress({ label, total, unit }: ProgressOptions): Progress {
  const bar = new cliProgress.SingleBar(
    {
      format: `${label.padEnd(22)} {bar} {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted} | {status}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      stream: process.stderr,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  let value = 0;
  let status = "";
  const payload = () => ({
    status,
    rate: Math.round(value / Math.max((performance.now() - started) / 1000, 1e-3)),
  });
  bar.start(total, 0, payload());
  return {
    update(done, newTotal) {
      value = done;
      if (newTotal !== undefined) bar.setTotal(newTotal);
      bar.update(done, payload());
    },
    increment(by = 1) {
      value += by;
      bar.update(value, payload());
    },
    status(text) {
      status = text;
      bar.update(value, payload());
    },
    stop() {
      bar.stop();
    },
  };
}

function jsonLinesProgress({ label, total, unit }: ProgressOptions, intervalMs = 5000): Progress {
  const started = performance.now();
  let value = 0;
  let status = "";
  let lastLog = 0;
  const log = (event: string) => {
    const seconds = (performance.now() - started) / 1000;
    const rate = value / Math.max(seconds, 1e-3);
    const line = {
      ts: new Date().toISOString(),
      event,
      step: label,
      done: value,
      total,
      unit,
      rate_per_s: Math.round(rate),
      eta_s: rate > 0 && total > value ? Math.round((total - value) / rate) : 0,
      ...(status ? { status } : {}),
    };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  };
  let stopped = false;
  const maybeLog = () => {
    const now = performance.now();
    if (now - lastLog >= intervalMs) {
      lastLog = now;
      log("progress");
    }
  };
  return {
    update(done, newTotal) {
      value = done;
      if (newTotal !== undefined) total = newTotal;
      maybeLog();
    },
    increment(by = 1) {
      value += by;
      maybeLog();
    },
    status(text) {
      status = text;
    },
    stop() {
      // Idempotent: callers stop on success and again in a finally.
      if (stopped) return;
      stopped = true;
      log("done");
    },
  };
}

/** The factory suited to where output goes: bars on an interactive terminal, JSON lines otherwise. */
export function progressFor(stream: NodeJS.WriteStream = process.stderr): ProgressFactory {
  if (process.env.CREDIT_EDGE_PROGRESS === "none") return silentProgress;
  if (process.env.CREDIT_EDGE_PROGRESS === "json") return (o) => jsonLinesProgress(o);
  return stream.isTTY && !process.env.CI ? barProgress : (o) => jsonLinesProgress(o);
}
