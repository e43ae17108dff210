// wrangler's default CompiledWasm rule: a .wasm import is a WebAssembly.Module, compiled at upload.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
