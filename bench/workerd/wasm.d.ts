// Node-side type of `.wasm` module imports (the Worker's own src/worker-configuration.d.ts says
// WebAssembly.Module; the bench's type set has no WebAssembly namespace).
declare module "*.wasm" {
  const mod: object;
  export default mod;
}
