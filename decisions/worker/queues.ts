/** The queue names in wrangler.toml ([[queues.producers]] / [[queues.consumers]]). */
export const DECISIONS_QUEUE = "credit-edge-decisions";
export const DECISIONS_DEAD_LETTER_QUEUE = "credit-edge-decisions-dlq";

/** Cloudflare Queues limits: per message, and per sendBatch call (messages and bytes). */
export const QUEUE_LIMITS = { messageBytes: 128_000, batchMessages: 100, batchBytes: 256_000 } as const;
