import { describe, expect, it } from "vitest";
import {
  assertSafeApiUrl,
  cloudflareApiBase,
  DEFAULT_CLOUDFLARE_API_BASE,
  isLoopbackHost,
} from "../../sync/target/api-base-url.ts";

// The one check for a URL that carries the Cloudflare API token (sync's remote target; keys --remote).

describe("the Cloudflare API base URL", () => {
  it("is Cloudflare's unless overridden", () => {
    expect(cloudflareApiBase({})).toBe(DEFAULT_CLOUDFLARE_API_BASE);
    expect(cloudflareApiBase({ CLOUDFLARE_API_BASE_URL: "" })).toBe(DEFAULT_CLOUDFLARE_API_BASE);
  });

  it("accepts https anywhere and plain http to loopback only", () => {
    expect(
      cloudflareApiBase({ CLOUDFLARE_API_BASE_URL: "https://d1-proxy.internal.example/client/v4/" }),
    ).toBe("https://d1-proxy.internal.example/client/v4");
    for (const url of [
      "http://127.0.0.1:8787/client/v4",
      "http://127.3.2.1/client/v4",
      "http://localhost:9000/client/v4",
      "http://[::1]:9000/client/v4",
    ])
      expect(assertSafeApiUrl(url, "X")).toBe(url);
  });

  it("refuses plain http elsewhere, other schemes, and names that only look like loopback", () => {
    for (const url of [
      "http://api.cloudflare.com/client/v4",
      "http://10.1.2.3/client/v4",
      "http://127.0.0.1.nip.example/client/v4",
      "http://[::ffff:7f00:1]/client/v4",
    ])
      expect(() => assertSafeApiUrl(url, "CLOUDFLARE_API_BASE_URL")).toThrow(/plain http .* in clear/);
    expect(() => assertSafeApiUrl("ws://127.0.0.1/", "X")).toThrow(/must be an https URL/);
    expect(() => assertSafeApiUrl("not a url", "X")).toThrow(/is not a URL/);
    expect(isLoopbackHost("localhost")).toBe(true);
    expect(isLoopbackHost("localhost.example")).toBe(false);
  });
});
