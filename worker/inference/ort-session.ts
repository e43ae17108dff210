import ortWasm from "onnxruntime-web/ort-wasm-simd-threaded.wasm";
import * as ort from "onnxruntime-web/wasm";

/**
 * An onnxruntime-web (WASM backend) session inside workerd. workerd forbids compiling wasm from bytes at
 * run time, so ORT is made to instantiate the WebAssembly.Module wrangler compiled from the imported .wasm:
 * single-threaded, no proxy worker, a placeholder wasmBinary (so ORT skips its URL lookup, which fails on
 * workerd's empty import.meta.url), and WebAssembly.instantiate redirected to that module while the session
 * is created. See /work/shared/notes/edge-runtime.md.
 */
export async function createOrtSession(model: Uint8Array): Promise<ort.InferenceSession> {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = new Uint8Array(0);

  const instantiate = WebAssembly.instantiate;
  // Emscripten calls instantiate(bytes, imports) and expects { instance, module }.
  WebAssembly.instantiate = (async (source: unknown, imports?: WebAssembly.Imports) => {
    if (source instanceof WebAssembly.Module) return instantiate(source, imports);
    const instance = await instantiate(ortWasm, imports);
    return { instance, module: ortWasm };
  }) as typeof WebAssembly.instantiate;
  try {
    return await ort.InferenceSession.create(model, { executionProviders: ["wasm"] });
  } finally {
    WebAssembly.instantiate = instantiate;
  }
}

export { ort };
