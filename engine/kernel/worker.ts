// Side-effect import for the Worker host: wrangler bundles bits.wasm as a compiled WebAssembly.Module
// (Workers forbid compiling WASM from bytes at runtime), and every engine of the isolate then uses it.

import mod from "./bits.wasm";
import { useKernel } from "./kernel";
import { wasmKernel } from "./wasm";

useKernel(wasmKernel(mod));
