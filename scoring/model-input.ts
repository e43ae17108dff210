/**
 * How the model's input row is assembled from the two halves of a client's features: the application
 * features (computed per request) and the history features (precomputed, packed). Resolved once per
 * model from names, then applied per row without lookups. Used by training, offline scoring and the Worker.
 */
export interface InputLayout {
  readonly names: readonly string[];
  /** Per input: index into the application features, or -1. */
  readonly fromApplication: Int32Array;
  /** Per input: index into the history vector, or -1. */
  readonly fromHistory: Int32Array;
  /** The same as pairs, for copying without a branch per input: input appInputs[k] <- application[appSources[k]]. */
  readonly appInputs: Int32Array;
  readonly appSources: Int32Array;
  /** input historyInputs[k] <- history[historySources[k]]. */
  readonly historyInputs: Int32Array;
  readonly historySources: Int32Array;
}

export function inputLayout(
  inputNames: readonly string[],
  applicationNames: readonly string[],
  historyNames: readonly string[],
): InputLayout {
  const app = new Map(applicationNames.map((n, i) => [n, i]));
  const history = new Map(historyNames.map((n, i) => [n, i]));
  const fromApplication = new Int32Array(inputNames.length).fill(-1);
  const fromHistory = new Int32Array(inputNames.length).fill(-1);
  inputNames.forEach((name, i) => {
    if (app.has(name)) fromApplication[i] = app.get(name)!;
    else if (history.has(name)) fromHistory[i] = history.get(name)!;
    else throw new Error(`model input ${name} is neither an application nor a history feature`);
  });
  const pairs = (from: Int32Array) => {
    const inputs = [...from.keys()].filter((i) => from[i]! >= 0);
    return [Int32Array.from(inputs), Int32Array.from(inputs, (i) => from[i]!)] as const;
  };
  const [appInputs, appSources] = pairs(fromApplication);
  const [historyInputs, historySources] = pairs(fromHistory);
  return {
    names: inputNames,
    fromApplication,
    fromHistory,
    appInputs,
    appSources,
    historyInputs,
    historySources,
  };
}

/**
 * Write one input row at `offset` of `out` (float32, as the model reads it). `history` null means the
 * client has none (a new applicant): every history input is missing.
 */
export function fillInputRow(
  layout: InputLayout,
  application: ArrayLike<number>,
  history: ArrayLike<number> | null,
  out: Float32Array,
  offset = 0,
): void {
  const { appInputs, appSources, historyInputs, historySources } = layout;
  // Every input is an application or a history feature (inputLayout checks), so one pass over each list
  // writes the whole row; a client without history gets the row filled missing first.
  if (history)
    for (let k = 0; k < historyInputs.length; k++)
      out[offset + historyInputs[k]!] = history[historySources[k]!]!;
  else out.fill(Number.NaN, offset, offset + appInputs.length + historyInputs.length);
  for (let k = 0; k < appInputs.length; k++) out[offset + appInputs[k]!] = application[appSources[k]!]!;
}
