/**
 * The statements of an uploaded SQL file, for the stand-in's import: one statement per line, ending in
 * `;`, as the sync writes its import files (and as `wrangler d1 export` writes dumps). The stand-in runs
 * the files it is given, not arbitrary SQL scripts: a statement spanning lines is refused, not guessed at.
 */
export function importStatements(text: string): string[] {
  const statements: string[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("--")) return;
    if (!line.endsWith(";")) throw new Error(`line ${i + 1}: a statement must end its line with ";"`);
    statements.push(line.slice(0, -1));
  });
  return statements;
}
