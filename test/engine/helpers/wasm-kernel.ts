// Node host of the WASM word kernel (tests, bench): compiles the committed bits.wasm from disk.

import { readFileSync } from "node:fs";
import type { WordKernel } from "../../../durable-objects/engine/kernel/kernel";
import { wasmApi, wasmKernel } from "../../../durable-objects/engine/kernel/wasm";

/** Path relative to the repository root (npm scripts and vitest run there; bundles move import.meta.url). */
export const KERNEL_WASM = "durable-objects/engine/kernel/bits.wasm";

export function loadWasmKernelNode(): WordKernel {
  return wasmKernel(new (wasmApi().Module)(readFileSync(KERNEL_WASM)));
}
