import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { PACKED_FORMAT } from "../../online-store/packed-client.ts";
import { bundledCard } from "../../worker/inference/bundled-model.ts";
import { OnlineStore } from "../../worker/store/online-store.ts";
import { decodeStoredClient } from "../../worker/store/stored-client.ts";
import { activateFeatureSet, seedFeatureSet } from "../support/d1-seed.ts";

// The online store's read side on a real local D1, and the seed helper that writes it as the sync does.

const width = bundledCard.packed_history_features.length;
const history = (seed: number) =>
  Float32Array.from({ length: width }, (_, i) => (i % 7 === 0 ? Number.NaN : seed + i / 8));
const clients = (ids: number[]) =>
  ids.map((clientId) => ({
    clientId,
    history: history(clientId),
    application: { AMT_CREDIT: clientId * 10, NAME_CONTRACT_TYPE: "Cash loans", OWN_CAR_AGE: null },
  }));

describe("OnlineStore", () => {
  const store = new OnlineStore(env.DB);

  it("reads one client and its feature set in one query, and round-trips the packed vector", async () => {
    const id = await seedFeatureSet(env.DB, {
      schemaHash: "fs-store-single",
      historyFeatureCount: width,
      featuresAsOf: "2026-11-20T08:00:00.000Z",
      clients: clients([11, 12]),
    });
    const found = await store.client("fs-store-single", 12);
    expect(found?.featureSet).toEqual({
      id,
      featuresAsOf: "2026-11-20T08:00:00.000Z",
      packedFormat: PACKED_FORMAT,
      historyFeatureCount: width,
    });
    const stored = decodeStoredClient(found!.vectors.get(12)!, bundledCard);
    expect(Array.from(stored.history)).toEqual(Array.from(history(12)));
    expect(stored.application).toEqual({ AMT_CREDIT: 120, NAME_CONTRACT_TYPE: "Cash loans" });

    const missing = await store.client("fs-store-single", 13);
    expect(missing?.featureSet.id).toBe(id);
    expect(missing?.vectors.size).toBe(0);
    expect(await store.client("fs-store-nothing-active", 12)).toBeNull();
  });

  it("reads hundreds of clients through statements under D1's 100-parameter limit", async () => {
    const ids = Array.from({ length: 250 }, (_, i) => 1000 + i * 3);
    await seedFeatureSet(env.DB, {
      schemaHash: "fs-store-many",
      historyFeatureCount: width,
      clients: clients(ids),
    });
    const wanted = [...ids, ...ids.slice(0, 10), 999_999]; // duplicates and an unknown id
    const found = await store.clients("fs-store-many", wanted);
    expect(found.found()).toHaveLength(ids.length);
    expect(
      found
        .found()
        .map((v) => v.clientId)
        .sort((a, b) => a - b),
    ).toEqual(ids);
    const unknown = found.entry(999_999);
    expect(unknown).toMatchObject({ featureSet: { historyFeatureCount: width }, vector: undefined });
  });

  it("follows the active pointer when a newer set is activated", async () => {
    const first = await seedFeatureSet(env.DB, {
      schemaHash: "fs-store-flip",
      historyFeatureCount: width,
      clients: clients([5]),
    });
    const second = await seedFeatureSet(env.DB, {
      schemaHash: "fs-store-flip",
      historyFeatureCount: width,
      clients: clients([6]),
      activate: false,
    });
    expect((await store.activeFeatureSet("fs-store-flip"))?.id).toBe(first);
    await activateFeatureSet(env.DB, "fs-store-flip", second);
    const after = await store.clients("fs-store-flip", [5, 6]);
    expect(after.entry(6)).toMatchObject({ featureSet: { id: second }, vector: { clientId: 6 } });
    expect(after.entry(5)).toMatchObject({ featureSet: { id: second }, vector: undefined });
  });

  it("a schema with no active set answers 503 for its clients, as a whole when every shard asked says so", async () => {
    const lookup = await store.clients("fs-store-none", [1, 2]);
    expect(lookup.entry(1)).toMatchObject({ status: 503 });
    expect(lookup.allFailed()?.message).toContain("no feature set is active");
    expect((await store.clients("fs-store-none", [])).allFailed()).toBeNull();
  });
});

describe("decodeStoredClient", () => {
  it("treats an unreadable row as the store's failure (503), never the caller's", () => {
    const garbage = { clientId: 1, packed: new Uint8Array(8).buffer };
    expect(() => decodeStoredClient(garbage, bundledCard)).toThrow(expect.objectContaining({ status: 503 }));
    const notABlob = { clientId: 1, packed: "{}" };
    expect(() => decodeStoredClient(notABlob, bundledCard)).toThrow(expect.objectContaining({ status: 503 }));
  });
});
