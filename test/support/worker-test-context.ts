import type { JWK } from "jose";
import type { Reason } from "../../scoring/reasons.ts";

/**
 * What the worker test project's global setup (Node) hands to the tests (workerd) through vitest's
 * provide/inject: credentials made fresh for each run, and the offline scorer's results. No imports with
 * runtime effects: workerd and Node both load it.
 */

/** Clients in the Worker vs offline parity test. */
export const PARITY_CLIENTS = 200;

export interface WorkerTestContext {
  /** Plain API keys; SCORING_API_KEYS holds only their hashes. */
  apiKeys: { all: string; scoreOnly: string; batchOnly: string };
  /** The SCORING_API_KEYS binding: hashed entries with scopes. */
  apiKeysBinding: string;
  jwt: {
    issuer: string;
    audience: string;
    /** The JWT_JWKS binding: public keys of `es256` and `rs256`. */
    jwks: string;
    /** A loopback HTTP server serving the same JWKS, for JWT_JWKS_URL. */
    jwksUrl: string;
    /**
     * The same server's failing variants, each URL unique per request path so tests do not share key-set
     * caches: `<jwksServer>/fail-500/<any>` answers 500, `/redirect/<any>` a 302 to the real set,
     * `/ok/<any>` the real set. `<jwksServer>/count/<path>` answers how often that path was fetched.
     */
    jwksServer: string;
    /** Private keys: `es256`/`rs256` are in the JWKS, `stranger` (ES256) is not. */
    privateKeys: { es256: JWK; rs256: JWK; stranger: JWK };
  };
}

/** One client scored offline by `credit-edge score` (onnxruntime-node) over a warehouse built from the sample. */
export interface ParityClient {
  clientId: number;
  /** The application as the sync stores it (no missing values). */
  application: Record<string, number | string>;
  /** History in packed order as float32 little-endian, base64 (the model's precision; seeded into D1 packed). */
  history: string;
  /** `credit-edge score` with warehouse history. */
  probability: number;
  /** `credit-edge score --no-history`. */
  probabilityWithoutHistory: number;
  /** Reasons from the Node-side Scorer (TreeSHAP over the same ONNX graph), with history. */
  reasons: Reason[];
}

export interface ParityFixture {
  modelVersion: string;
  schemaHash: string;
  clients: ParityClient[];
}

declare module "vitest" {
  export interface ProvidedContext {
    workerTest: WorkerTestContext;
    parity: ParityFixture;
  }
}
