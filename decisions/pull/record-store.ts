/** Where `decisions pull` reads the Worker's NDJSON objects from: the local miniflare R2, or R2 over S3. */
export interface StoredObject {
  key: string;
  size: number;
}

export interface RecordStore {
  /** Where it reads from, for messages. */
  readonly description: string;
  /** Every object under `prefix` (lexicographic order), starting after `startAfter` when given. */
  list(prefix: string, startAfter?: string): AsyncIterable<StoredObject>;
  /** The object's text; an error names the key. */
  text(key: string): Promise<string>;
  close(): Promise<void>;
}

export const STORE_KINDS = ["local", "remote"] as const;
export type StoreKind = (typeof STORE_KINDS)[number];
