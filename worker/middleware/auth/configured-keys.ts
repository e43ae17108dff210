import { DEFAULT_SCOPES, isScope, SCOPES, type Scope } from "./principal.ts";

/** Each byte's two hex digits, built once: hashing runs for every request that presents a key. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));
const encoder = new TextEncoder();

export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
  let hex = "";
  for (const b of digest) hex += HEX[b];
  return hex;
}

export interface ConfiguredKey {
  id: string;
  scopes: ReadonlySet<Scope>;
}

/** The value of ALLOW_PLAIN_API_KEYS that `npm start` sets (and a deployment never does). */
export const PLAIN_KEYS_SWITCH = "local-dev";

/** A plain development key must at least not be guessable as a word such as a scope name. */
const MIN_PLAIN_KEY_LENGTH = 12;

const HASHED_ENTRY = /^sha256:([0-9a-fA-F]{64})(?::(.+))?$/;

export type KeyConfig =
  | { ok: true; keys: ReadonlyMap<string, ConfiguredKey> }
  /** Why the configuration is refused, naming entries by position and never by content (it is a secret). */
  | { ok: false; problem: string };

function parseScopeList(list: string): Scope[] | string {
  const words = list.split(" ");
  if (words.some((w) => w === "")) return "separate scopes by single spaces";
  const unknown = words.filter((w) => !isScope(w));
  if (unknown.length > 0) return `unknown scope (the scopes are ${SCOPES.join(", ")})`;
  return [...new Set(words as Scope[])];
}

/**
 * SCORING_API_KEYS: comma-separated entries, each `sha256:<64 hex digits of the key's SHA-256>`, optionally
 * followed by `:<scope> <scope>...` (one space between scopes; without a list, the default scopes). Every
 * entry must parse, or the whole configuration is refused: a typo must never become a key.
 * A plain key (hashed here) is accepted only with `allowPlain` (ALLOW_PLAIN_API_KEYS=local-dev, which
 * `npm start` sets for its `local-dev-key`); it gets every scope, and must be a long word that is no scope.
 */
export async function parseKeyConfig(value: string, allowPlain: boolean): Promise<KeyConfig> {
  const keys = new Map<string, ConfiguredKey>();
  const problems: string[] = [];
  const entries = value.split(",").map((e) => e.trim());
  // A trailing comma or an empty secret is fine; an empty entry between two others is a typo.
  while (entries.length > 0 && entries.at(-1) === "") entries.pop();
  for (const [index, entry] of entries.entries()) {
    const position = `entry ${index + 1}`;
    const hashed = HASHED_ENTRY.exec(entry);
    if (hashed) {
      const scopes = hashed[2] === undefined ? [...DEFAULT_SCOPES] : parseScopeList(hashed[2]);
      if (typeof scopes === "string") {
        problems.push(`${position}: ${scopes}`);
        continue;
      }
      const hash = hashed[1]!.toLowerCase();
      keys.set(hash, { id: `env:${hash.slice(0, 12)}`, scopes: new Set(scopes) });
      continue;
    }
    if (!allowPlain) {
      problems.push(`${position} is not sha256:<64 hex digits>[:<scope> <scope>...]`);
      continue;
    }
    if (entry.length < MIN_PLAIN_KEY_LENGTH || isScope(entry) || entry.includes(":") || /\s/.test(entry)) {
      problems.push(
        `${position} is neither sha256:<64 hex digits>[:<scopes>] nor a plain development key (${MIN_PLAIN_KEY_LENGTH}+ characters, no spaces or colons)`,
      );
      continue;
    }
    const hash = await sha256Hex(entry);
    keys.set(hash, { id: `env:${hash.slice(0, 12)}`, scopes: new Set(SCOPES) });
  }
  if (problems.length > 0)
    return { ok: false, problem: `SCORING_API_KEYS is refused: ${problems.join("; ")}` };
  return { ok: true, keys };
}

// Parsed once per isolate (per distinct configuration), not per request.
let parsed: { source: string; config: Promise<KeyConfig> } | undefined;

export function configuredKeys(
  value: string | undefined,
  allowPlainSetting: string | undefined,
): Promise<KeyConfig> {
  const allowPlain = allowPlainSetting === PLAIN_KEYS_SWITCH;
  const source = `${allowPlain}\n${value ?? ""}`;
  if (parsed?.source !== source) parsed = { source, config: parseKeyConfig(value ?? "", allowPlain) };
  return parsed.config;
}
