/**
 * The Worker's own read path (worker/store/online-store.ts) over a D1 binding from Node. Loaded by a path
 * computed at run time: the module is typed against workerd's globals (D1Database), which the Node
 * tsconfig does not have, so the type checker must not follow the import.
 */
export interface WorkerOnlineStore {
  client(
    schemaHash: string,
    clientId: number,
  ): Promise<{
    featureSet: { id: number; featuresAsOf: string; packedFormat: string; historyFeatureCount: number };
    vectors: Map<number, { clientId: number; packed: unknown }>;
  } | null>;
}

export async function workerOnlineStore(d1: unknown): Promise<WorkerOnlineStore> {
  const modulePath = ["..", "..", "..", "worker", "store", "online-store.ts"].join("/");
  const { OnlineStore } = (await import(/* @vite-ignore */ modulePath)) as {
    OnlineStore: new (db: unknown) => WorkerOnlineStore;
  };
  return new OnlineStore(d1);
}
