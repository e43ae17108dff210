import type { CardFeature } from "./model-card.ts";

/** A principal reason: a feature that pushed this client's risk up, and by how much (log-odds). */
export interface Reason {
  feature: string;
  /** The feature's value for this client: a number, a category's name, or null when missing. */
  value: number | string | null;
  contribution: number;
  description: string;
}

export const MAX_REASONS = 4;

/** Seven significant digits: what a float32 input really carries, without its binary noise. */
function displayValue(feature: CardFeature, value: number): number | string | null {
  if (Number.isNaN(value)) return null;
  if (feature.type === "categorical") return feature.vocabulary?.[value] ?? null;
  return Number(value.toPrecision(7));
}

/**
 * The features with the largest positive contributions (those raising the probability of default),
 * strongest first: the adverse-action reasons a lender gives when it declines.
 */
export function topReasons(
  features: readonly CardFeature[],
  inputs: ArrayLike<number>,
  contributions: ArrayLike<number>,
  limit = MAX_REASONS,
): Reason[] {
  // The `limit` largest in one pass (a sort of all ~650 would cost more than the rest of the reasons).
  const order: number[] = [];
  for (let i = 0; i < contributions.length; i++) {
    const c = contributions[i]!;
    if (!(c > 0) || (order.length === limit && c <= contributions[order[limit - 1]!]!)) continue;
    let at = order.length < limit ? order.length : limit - 1;
    while (at > 0 && contributions[order[at - 1]!]! < c) at--;
    order.splice(at, 0, i);
    if (order.length > limit) order.pop();
  }
  return order.map((i) => {
    const feature = features[i]!;
    return {
      feature: feature.name,
      value: displayValue(feature, inputs[i]!),
      contribution: contributions[i]!,
      description: feature.description,
    };
  });
}
