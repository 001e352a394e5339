// Node host of the WASM word kernel (tests, bench): compiles the committed bits.wasm from disk.

import { readFileSync } from "node:fs";
import type { WordKernel } from "../../../engine/kernel/types";
import { wasmApi, wasmKernel } from "../../../engine/kernel/wasm";

/** Path relative to the repository root (npm scripts and vitest run there; bundles move import.meta.url). */
export const KERNEL_WASM = "engine/kernel/bits.wasm";

export function loadWasmKernelNode(): WordKernel {
  return wasmKernel(new (wasmApi().Module)(readFileSync(KERNEL_WASM)));
}
