import koffi, { type LibraryHandle } from "koffi";
import { UserError } from "../../lib/errors.ts";

/**
 * The XGBoost C API (the subset training needs), bound with koffi: no compile step, any libxgboost
 * from 1.7 on. The shared library comes from the system (Debian/Ubuntu: libxgboost0 / libxgboost-dev;
 * macOS: Homebrew's xgboost) or from XGBOOST_LIBRARY.
 */
const CANDIDATES = [
  "libxgboost.so",
  "libxgboost.so.0",
  "/usr/lib/x86_64-linux-gnu/libxgboost.so.0",
  "/usr/lib/aarch64-linux-gnu/libxgboost.so.0",
  "/opt/homebrew/lib/libxgboost.dylib",
  "/usr/local/lib/libxgboost.dylib",
  "/opt/homebrew/opt/xgboost/lib/libxgboost.dylib",
];

export const INSTALL_HINT =
  "install XGBoost's C library: `sudo apt-get install libxgboost-dev` (Debian/Ubuntu) or `brew install xgboost` (macOS), or point XGBOOST_LIBRARY at libxgboost.so / libxgboost.dylib";

function loadLibrary(): { lib: LibraryHandle; path: string } {
  const tried: string[] = [];
  const candidates = process.env.XGBOOST_LIBRARY ? [process.env.XGBOOST_LIBRARY] : CANDIDATES;
  for (const path of candidates) {
    try {
      return { lib: koffi.load(path), path };
    } catch (error) {
      tried.push(`${path} (${(error as Error).message.split("\n")[0]})`);
    }
  }
  throw new UserError(`XGBoost library not found; ${INSTALL_HINT}. Tried: ${tried.join("; ")}`);
}

function bind() {
  const { lib, path } = loadLibrary();
  const DMatrixHandle = koffi.pointer("DMatrixHandle", koffi.opaque());
  const BoosterHandle = koffi.pointer("BoosterHandle", koffi.opaque());
  return {
    path,
    DMatrixHandle,
    BoosterHandle,
    XGBoostVersion: lib.func("void XGBoostVersion(_Out_ int *major, _Out_ int *minor, _Out_ int *patch)"),
    XGBGetLastError: lib.func("const char *XGBGetLastError()"),
    XGBSetGlobalConfig: lib.func("int XGBSetGlobalConfig(const char *config)"),
    XGDMatrixCreateFromMat_omp: lib.func(
      "int XGDMatrixCreateFromMat_omp(const float *data, uint64_t nrow, uint64_t ncol, float missing, _Out_ DMatrixHandle *out, int nthread)",
    ),
    XGDMatrixSetFloatInfo: lib.func(
      "int XGDMatrixSetFloatInfo(DMatrixHandle handle, const char *field, const float *array, uint64_t len)",
    ),
    XGDMatrixFree: lib.func("int XGDMatrixFree(DMatrixHandle handle)"),
    XGBoosterCreate: lib.func(
      "int XGBoosterCreate(DMatrixHandle *dmats, uint64_t len, _Out_ BoosterHandle *out)",
    ),
    XGBoosterFree: lib.func("int XGBoosterFree(BoosterHandle handle)"),
    XGBoosterSetParam: lib.func(
      "int XGBoosterSetParam(BoosterHandle handle, const char *name, const char *value)",
    ),
    XGBoosterUpdateOneIter: lib.func(
      "int XGBoosterUpdateOneIter(BoosterHandle handle, int iter, DMatrixHandle dtrain)",
    ),
    XGBoosterEvalOneIter: lib.func(
      "int XGBoosterEvalOneIter(BoosterHandle handle, int iter, DMatrixHandle *dmats, const char **evnames, uint64_t len, _Out_ const char **out)",
    ),
    XGBoosterBoostedRounds: lib.func("int XGBoosterBoostedRounds(BoosterHandle handle, _Out_ int *out)"),
    XGBoosterSlice: lib.func(
      "int XGBoosterSlice(BoosterHandle handle, int begin, int end, int step, _Out_ BoosterHandle *out)",
    ),
    XGBoosterPredictFromDMatrix: lib.func(
      "int XGBoosterPredictFromDMatrix(BoosterHandle handle, DMatrixHandle dmat, const char *config, _Out_ void **out_shape, _Out_ uint64_t *out_dim, _Out_ void **out_result)",
    ),
    XGBoosterSaveModelToBuffer: lib.func(
      "int XGBoosterSaveModelToBuffer(BoosterHandle handle, const char *config, _Out_ uint64_t *out_len, _Out_ void **out_dptr)",
    ),
    XGBoosterLoadModelFromBuffer: lib.func(
      "int XGBoosterLoadModelFromBuffer(BoosterHandle handle, const void *buf, uint64_t len)",
    ),
  };
}

export type XGBoostNative = ReturnType<typeof bind>;

let native: XGBoostNative | undefined;

/** The bound library, loaded on first use so serving and scoring never need it. */
export function xgboost(): XGBoostNative {
  native ??= bind();
  return native;
}

/** Throw XGBoost's own message when a call fails. */
export function check(code: number, call: string): void {
  if (code !== 0) throw new Error(`XGBoost ${call} failed: ${xgboost().XGBGetLastError()}`);
}

export function xgboostVersion(): string {
  const major = [0];
  const minor = [0];
  const patch = [0];
  xgboost().XGBoostVersion(major, minor, patch);
  return `${major[0]}.${minor[0]}.${patch[0]}`;
}
