import { RecordBuilder } from "../../../decisions/record/build-record.ts";
import type { DecisionRecord } from "../../../decisions/record/schema.ts";
import { loadScorer } from "../../../model/offline-scoring/load-scorer.ts";
import type { Scorer } from "../../../scoring/scorer.ts";
import { type SampleClient, sampleClients } from "../sample-inputs.ts";

export interface SampleRecordOptions {
  /** How many sample clients (train and test, in warehouse order). */
  count: number;
  /** Change each client's application before scoring (e.g. shift an input). */
  transform?: (client: SampleClient) => SampleClient;
  /** decided_at of item i. */
  decidedAt?: (i: number) => string;
  /** Clients per request (items of one request id). */
  perRequest?: number;
}

/**
 * Real decision records, as the Worker writes them, for sample clients scored offline by the committed
 * model (the Worker and `score` agree within 1e-7): what pull, replay and monitor tests feed on.
 */
export async function sampleRecords(
  options: SampleRecordOptions,
  scorer?: Scorer,
): Promise<DecisionRecord[]> {
  const model = scorer ?? (await loadScorer({ explain: true }));
  const builder = new RecordBuilder(model.card);
  const clients = (await sampleClients(model.card.packed_history_features, options.count)).map(
    options.transform ?? ((c) => c),
  );
  const perRequest = options.perRequest ?? 1;
  const records: DecisionRecord[] = [];
  for (let start = 0; start < clients.length; start += 500) {
    const chunk = clients.slice(start, start + 500);
    const scores = await model.score(chunk, { reasons: true });
    chunk.forEach((client, k) => {
      const i = start + k;
      const request = Math.floor(i / perRequest);
      records.push(
        builder.build(
          {
            requestId: `req-${String(request).padStart(7, "0")}`,
            endpoint: perRequest > 1 ? "/v1/score/batch" : "/v1/score",
            decidedAt: options.decidedAt?.(i) ?? new Date(Date.UTC(2026, 10, 1 + (i % 28), 12)).toISOString(),
            principal: { kind: "api-key", id: "env:0123456789ab" },
          },
          {
            item: i % perRequest,
            clientId: client.clientId,
            score: scores[k]!,
            loan: null,
            application: client.application,
            applicationSource: "online-store",
            featureSet: { id: 1, featuresAsOf: "2026-11-01T00:00:00.000Z" },
            scoringInput: client,
          },
        ),
      );
    });
  }
  return records;
}
