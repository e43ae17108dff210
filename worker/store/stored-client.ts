import type { ApplicationRecord } from "../../features/application/columns.ts";
import { decodeClient, decodeClientHistory, PACKED_FORMAT } from "../../online-store/packed-client.ts";
import type { ModelCard } from "../../scoring/model-card.ts";
import { serviceUnavailable } from "../problem/api-error.ts";
import { hexBytes } from "./hex-bytes.ts";
import type { FeatureSetRef, StoredVector } from "./online-store.ts";

export interface StoredClient {
  history: Float32Array;
  application: ApplicationRecord;
}

/** Why a feature set cannot feed this model, or null when it can. */
export function featureSetMismatch(featureSet: FeatureSetRef, card: ModelCard): string | null {
  if (featureSet.packedFormat !== PACKED_FORMAT)
    return `feature set ${featureSet.id} is packed as ${featureSet.packedFormat}, not ${PACKED_FORMAT}`;
  const expected = card.packed_history_features.length;
  if (featureSet.historyFeatureCount !== expected)
    return `feature set ${featureSet.id} holds ${featureSet.historyFeatureCount} history features, the model reads ${expected}`;
  return null;
}

export function assertUsableFeatureSet(featureSet: FeatureSetRef, card: ModelCard): void {
  const mismatch = featureSetMismatch(featureSet, card);
  if (mismatch) throw serviceUnavailable(mismatch);
}

/**
 * The lookup reads the BLOB as hex() text; D1 hands a BLOB itself back as ArrayBuffer (or a number array
 * from older runtimes and Node proxies).
 */
function blobBytes(value: unknown): Uint8Array {
  if (typeof value === "string") return hexBytes(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return Uint8Array.from(value as number[]);
  throw new TypeError(`the packed client is a ${typeof value}, not a BLOB`);
}

/** A stored row decoded; a row the sync wrote wrongly is the store's failure (503), not the caller's. */
function readStored<T>(
  vector: StoredVector,
  card: ModelCard,
  decode: (bytes: Uint8Array, historyCount: number) => T,
): T {
  try {
    return decode(blobBytes(vector.packed), card.packed_history_features.length);
  } catch (error) {
    throw serviceUnavailable(`the online store's row for client ${vector.clientId} is unreadable`, error);
  }
}

/** A stored row in model terms: its history and its stored application. */
export function decodeStoredClient(vector: StoredVector, card: ModelCard): StoredClient {
  return readStored(vector, card, decodeClient);
}

/** Only the stored history (a submitted application brings its own columns), with the same checks. */
export function decodeStoredHistory(vector: StoredVector, card: ModelCard): Float32Array {
  return readStored(vector, card, decodeClientHistory);
}
