import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import type { TestProject } from "vitest/node";
import { buildParityFixture } from "./offline-parity.ts";
import { PARITY_CLIENTS, type WorkerTestContext } from "./worker-test-context.ts";

const sha256 = async (text: string) =>
  Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))).toString("hex");

const randomKey = () =>
  `ce_test_${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url")}`;

async function keyPair(alg: "ES256" | "RS256", kid: string): Promise<{ publicJwk: JWK; privateJwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return {
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" },
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg },
  };
}

/**
 * The run's JWKS over loopback HTTP, plus misbehaving identity providers for the outage tests: a path
 * under /fail-500/ answers 500, under /redirect/ a redirect to the real set, under /ok/ the set; every
 * fetch is counted per path (/count/<path> tells), so tests can see refetch storms.
 */
function serveJwks(jwks: string): Promise<Server> {
  const fetches = new Map<string, number>();
  const server = createServer((request, response) => {
    const url = request.url ?? "";
    if (url.startsWith("/count/")) {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ fetches: fetches.get(url.slice("/count".length)) ?? 0 }));
      return;
    }
    fetches.set(url, (fetches.get(url) ?? 0) + 1);
    if (url === "/jwks.json" || url.startsWith("/ok/")) {
      response.writeHead(200, { "Content-Type": "application/jwk-set+json" }).end(jwks);
    } else if (url.startsWith("/fail-500/")) {
      response.writeHead(500, { "Content-Type": "text/plain" }).end("identity provider down");
    } else if (url.startsWith("/redirect/")) {
      response.writeHead(302, { Location: "/jwks.json" }).end();
    } else {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/**
 * Node side of the worker test project: fresh API keys and JWT signing keys for this run, a loopback JWKS
 * server, and the offline scores the Worker must reproduce.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const apiKeys = { all: randomKey(), scoreOnly: randomKey(), batchOnly: randomKey() };
  const apiKeysBinding = [
    `sha256:${await sha256(apiKeys.all)}:score score:batch`,
    `sha256:${await sha256(apiKeys.scoreOnly)}:score`,
    `sha256:${await sha256(apiKeys.batchOnly)}:score:batch`,
  ].join(",");
  const es256 = await keyPair("ES256", "es256-test");
  const rs256 = await keyPair("RS256", "rs256-test");
  const stranger = await keyPair("ES256", "es256-test"); // same kid, other key: a forged token
  const jwks = JSON.stringify({ keys: [es256.publicJwk, rs256.publicJwk] });
  const server = await serveJwks(jwks);
  const context: WorkerTestContext = {
    apiKeys,
    apiKeysBinding,
    jwt: {
      issuer: "https://auth.credit-edge.test/",
      audience: "credit-edge-api",
      jwks,
      jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
      jwksServer: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      privateKeys: { es256: es256.privateJwk, rs256: rs256.privateJwk, stranger: stranger.privateJwk },
    },
  };
  project.provide("workerTest", context);
  project.provide("parity", await buildParityFixture(PARITY_CLIENTS));
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
