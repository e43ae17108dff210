import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  S3Client,
} from "@aws-sdk/client-s3";
import { UserError } from "../../lib/errors.ts";
import type { RecordStore, StoredObject } from "./record-store.ts";

/** The bucket name in wrangler.toml's [[r2_buckets]]; DECISIONS_BUCKET_NAME overrides it. */
export const DEFAULT_BUCKET_NAME = "credit-edge-decisions";

export interface R2S3Settings {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * R2's S3-compatible API: https://<CLOUDFLARE_ACCOUNT_ID>.r2.cloudflarestorage.com with an R2 API token's
 * S3 credentials (R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY; Object Read is enough). R2_S3_ENDPOINT replaces
 * the endpoint (a jurisdiction's, or a local server in tests).
 */
export function r2S3Settings(env: NodeJS.ProcessEnv = process.env): R2S3Settings {
  const missing = ["R2_ACCESS_KEY_ID", "R2_SECRET_ACCESS_KEY"].filter((n) => !env[n]);
  if (!env.R2_S3_ENDPOINT && !env.CLOUDFLARE_ACCOUNT_ID) missing.unshift("CLOUDFLARE_ACCOUNT_ID");
  if (missing.length)
    throw new UserError(
      `reading decision records from R2 needs ${missing.join(", ")} (an R2 API token's S3 credentials; README "Decision records")`,
      2,
    );
  return {
    endpoint: env.R2_S3_ENDPOINT ?? `https://${env.CLOUDFLARE_ACCOUNT_ID}.r2.cloudflarestorage.com`,
    bucket: env.DECISIONS_BUCKET_NAME ?? DEFAULT_BUCKET_NAME,
    accessKeyId: env.R2_ACCESS_KEY_ID!,
    secretAccessKey: env.R2_SECRET_ACCESS_KEY!,
  };
}

function s3Error(what: string, error: unknown): UserError {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  return new UserError(
    `R2 (S3 API): ${what}: ${status ? `HTTP ${status} ` : ""}${e.name ?? ""} ${e.message ?? ""}`.trim(),
    1,
    {
      cause: error,
    },
  );
}

export function openS3Store(settings: R2S3Settings): RecordStore {
  const client = new S3Client({
    region: "auto",
    endpoint: settings.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    maxAttempts: 5,
  });
  return {
    description: `R2 bucket ${settings.bucket} (${settings.endpoint})`,
    async *list(prefix: string, startAfter?: string): AsyncIterable<StoredObject> {
      let token: string | undefined;
      do {
        let page: ListObjectsV2CommandOutput;
        try {
          page = await client.send(
            new ListObjectsV2Command({
              Bucket: settings.bucket,
              Prefix: prefix,
              ...(token ? { ContinuationToken: token } : startAfter ? { StartAfter: startAfter } : {}),
            }),
          );
        } catch (error) {
          throw s3Error(`listing ${prefix} in ${settings.bucket}`, error);
        }
        for (const o of page.Contents ?? []) if (o.Key) yield { key: o.Key, size: o.Size ?? 0 };
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
    async text(key: string): Promise<string> {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: settings.bucket, Key: key }));
        return (await object.Body?.transformToString("utf-8")) ?? "";
      } catch (error) {
        throw s3Error(`reading ${key}`, error);
      }
    },
    async close() {
      client.destroy();
    },
  };
}
