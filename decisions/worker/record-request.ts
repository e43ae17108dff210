import type { Context } from "hono";
import type { ModelCard } from "../../scoring/model-card.ts";
import type { AppDeps } from "../../worker/app.ts";
import type { AppEnv } from "../../worker/env.ts";
import { serviceUnavailable } from "../../worker/problem/api-error.ts";
import { availableScorer } from "../../worker/score/scorer-source.ts";
import { RecordBuilder, type ScoredItem } from "../record/build-record.ts";
import { type Endpoint, RECORD_VERSION, type RecordLine, type ShadowRecord } from "../record/schema.ts";
import { BENCH_SKIP_RECORD_HEADER } from "./bench-header.ts";
import { DecisionRecordError, recordDecisions } from "./recorder.ts";
import { RecordingSettingError } from "./settings.ts";

const builders = new WeakMap<ModelCard, RecordBuilder>();
const builderFor = (card: ModelCard) => {
  const known = builders.get(card);
  if (known) return known;
  const builder = new RecordBuilder(card);
  builders.set(card, builder);
  return builder;
};

/** CHALLENGER_SHADOW=on scores every item with the bundled challenger too, after the response. */
export const challengerEnabled = (c: Context<AppEnv>, deps: AppDeps) =>
  deps.challenger !== undefined && c.env.CHALLENGER_SHADOW === "on";

/**
 * The decision recording of one scoring request: the scoring functions report what they scored
 * (`onScored`), the route calls `finish()` before it answers.
 */
export class RequestRecorder {
  private readonly items: ScoredItem[] = [];

  constructor(
    private readonly c: Context<AppEnv>,
    private readonly deps: AppDeps,
    private readonly endpoint: Endpoint,
  ) {}

  readonly onScored = (items: readonly ScoredItem[]) => {
    this.items.push(...items);
  };

  async finish(): Promise<void> {
    if (this.items.length === 0) return;
    const { c, deps } = this;
    // `npm run bench:decisions` measures latency with and without recording on one server: only with the
    // bench routes on (never in production) may a request skip its record.
    if (c.env.BENCH_ROUTES === "on" && c.req.header(BENCH_SKIP_RECORD_HEADER) === "1") return;
    const principal = c.get("principal");
    const context = {
      requestId: c.get("requestId"),
      endpoint: this.endpoint,
      decidedAt: new Date().toISOString(),
      principal: { kind: principal?.kind ?? "anonymous", id: principal?.id ?? "anonymous" },
    };
    const items = this.items;
    const builder = builderFor(deps.card);
    const shadow = challengerEnabled(c, deps)
      ? async (): Promise<RecordLine[]> => {
          const challenger = await availableScorer(deps.challenger!);
          const scores = await challenger.score(
            items.map((i) => i.scoringInput),
            { reasons: false },
          );
          return items.map(
            (item, k): ShadowRecord => ({
              record_type: "shadow",
              record_version: RECORD_VERSION,
              request_id: context.requestId,
              item: item.item,
              decided_at: context.decidedAt,
              client_id: item.clientId,
              challenger_model_version: challenger.card.version,
              probability: scores[k]!.probability,
              decision: scores[k]!.decision,
            }),
          );
        }
      : undefined;
    try {
      await recordDecisions(
        {
          queue: c.env.DECISIONS,
          setting: c.env.DECISION_RECORDS,
          waitUntil: (work) => c.executionCtx.waitUntil(work),
        },
        () => items.map((item) => builder.build(context, item)),
        shadow,
      );
    } catch (error) {
      if (error instanceof DecisionRecordError || error instanceof RecordingSettingError)
        throw serviceUnavailable(error.message, error);
      throw error;
    }
  }
}
