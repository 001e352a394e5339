// Types for build-kernel.mjs (the kernel test assembles bits.wat and compares with bits.wasm).
export function assembleKernel(): Promise<Uint8Array>;
