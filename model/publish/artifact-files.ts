/** XGBoost's native model, kept beside the ONNX export so parity can be checked without retraining. */
export const BOOSTER_FILE = "booster.json";

/** The no-history ensemble's native model, likewise. */
export const NO_HISTORY_BOOSTER_FILE = "booster-no-history.json";
