// The word kernel the engine runs its hot bitset loops through: pure JS by default; a host that can
// load WebAssembly (the Worker, Node tests, the bench) installs the bits.wasm one with useKernel().

import { jsKernel } from "./js";
import type { WordKernel } from "./types";

let current: WordKernel = jsKernel;

/** Installs a kernel for every engine of this isolate (null: back to pure JS). */
export function useKernel(k: WordKernel | null): void {
  current = k ?? jsKernel;
}

export function kernel(): WordKernel {
  return current;
}
