/** Small helpers for the human-readable summaries commands print on stdout. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const cells = [header, ...rows].map((r) =>
    r.map((c) => (typeof c === "number" ? c.toLocaleString("en-US") : c)),
  );
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? "").length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (typeof rows[0]?.[i] === "number" ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
        .join("  "),
    )
    .join("\n");
}

export const seconds = (s: number) => `${s.toFixed(s < 10 ? 2 : 1)} s`;
