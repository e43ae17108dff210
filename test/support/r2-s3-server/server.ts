import { createHash, createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignatureV4 } from "@smithy/signature-v4";

/**
 * A loopback server speaking the part of R2's S3-compatible API `decisions pull --source remote` uses:
 * ListObjectsV2 (prefix, start-after, continuation tokens; at most 1,000 keys a page, as R2) and
 * GetObject, path-style, every request's AWS Signature V4 checked (region "auto", service "s3") against
 * the credentials it was given. Objects live in memory.
 */
export interface R2S3Server {
  endpoint: string;
  bucket: string;
  put(key: string, body: string): void;
  requests: { method: string; path: string; status: number }[];
  close(): Promise<void>;
}

type Data = string | ArrayBuffer | ArrayBufferView;
const bytesOf = (d: Data) =>
  typeof d === "string"
    ? d
    : ArrayBuffer.isView(d)
      ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
      : new Uint8Array(d);

class NodeSha256 {
  private readonly hash;
  constructor(secret?: Data) {
    this.hash = secret ? createHmac("sha256", bytesOf(secret)) : createHash("sha256");
  }
  update(data: Data) {
    this.hash.update(bytesOf(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startR2S3Server(options: {
  accessKeyId: string;
  secretAccessKey: string;
  bucket?: string;
  /** Keys per list page; R2's maximum (and default) is 1,000. */
  pageKeys?: number;
}): Promise<R2S3Server> {
  const bucket = options.bucket ?? "credit-edge-decisions";
  const pageKeys = Math.min(options.pageKeys ?? 1000, 1000);
  const objects = new Map<string, string>();
  const requests: R2S3Server["requests"] = [];
  const signer = new SignatureV4({
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    region: "auto",
    service: "s3",
    sha256: NodeSha256,
    // S3 signs the path as sent (already percent-encoded), not encoded twice.
    uriEscapePath: false,
  });

  async function signatureValid(req: IncomingMessage, url: URL): Promise<boolean> {
    const auth = req.headers.authorization ?? "";
    const match =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/auto\/s3\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
        auth,
      );
    if (!match || match[1] !== options.accessKeyId) return false;
    const signed = match[2]!.split(";");
    const headers: Record<string, string> = {};
    for (const name of signed) headers[name] = String(req.headers[name] ?? "");
    const amzDate = String(req.headers["x-amz-date"] ?? "");
    const date = new Date(
      amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"),
    );
    const resigned = await signer.sign(
      {
        method: req.method ?? "GET",
        protocol: "http:",
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams.entries()),
        headers,
      },
      { signingDate: date },
    );
    return String(resigned.headers.authorization).endsWith(`Signature=${match[3]}`);
  }

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const reply = (status: number, body: string, type = "application/xml") => {
      requests.push({ method: req.method ?? "", path: url.pathname, status });
      res.writeHead(status, { "content-type": type }).end(body);
    };
    const error = (status: number, code: string, message: string) =>
      reply(
        status,
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xml(message)}</Message></Error>`,
      );
    if (!(await signatureValid(req, url))) return error(403, "SignatureDoesNotMatch", "bad signature");
    const [, name, ...rest] = url.pathname.split("/");
    if (name !== bucket) return error(404, "NoSuchBucket", `no bucket ${name}`);
    const key = decodeURIComponent(rest.join("/"));
    if (req.method === "GET" && key === "" && url.searchParams.get("list-type") === "2") {
      const prefix = url.searchParams.get("prefix") ?? "";
      const after = url.searchParams.get("continuation-token") ?? url.searchParams.get("start-after") ?? "";
      const max = Math.min(Number(url.searchParams.get("max-keys") ?? pageKeys), pageKeys);
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
      const page = keys.slice(0, max);
      const truncated = keys.length > page.length;
      const contents = page
        .map(
          (k) =>
            `<Contents><Key>${xml(k)}</Key><Size>${Buffer.byteLength(objects.get(k)!)}</Size><LastModified>2026-12-01T00:00:00.000Z</LastModified><ETag>"${createHash("md5").update(objects.get(k)!).digest("hex")}"</ETag><StorageClass>STANDARD</StorageClass></Contents>`,
        )
        .join("");
      return reply(
        200,
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${bucket}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${truncated ? `<NextContinuationToken>${xml(page.at(-1)!)}</NextContinuationToken>` : ""}</ListBucketResult>`,
      );
    }
    if (req.method === "GET" && key) {
      const body = objects.get(key);
      if (body === undefined) return error(404, "NoSuchKey", `no object ${key}`);
      return reply(200, body, "application/x-ndjson");
    }
    return error(501, "NotImplemented", `${req.method} ${url.pathname}`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bucket,
    put: (key, body) => objects.set(key, body),
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
