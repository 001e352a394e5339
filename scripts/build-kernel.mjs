// Assembles engine/kernel/bits.wat into bits.wasm with npm `wabt` (no debug names, so
// the bytes are reproducible). `--check` only compares: exits 1 when the committed bits.wasm is stale.
import { readFileSync, writeFileSync } from "node:fs";
import wabtInit from "wabt";

const dir = new URL("../engine/kernel/", import.meta.url);
export async function assembleKernel() {
  const wabt = await wabtInit();
  const mod = wabt.parseWat("bits.wat", readFileSync(new URL("bits.wat", dir), "utf8"), { simd: true });
  mod.resolveNames();
  mod.validate();
  const { buffer } = mod.toBinary({ log: false, write_debug_names: false });
  mod.destroy();
  return new Uint8Array(buffer);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bytes = await assembleKernel();
  const target = new URL("bits.wasm", dir);
  if (process.argv.includes("--check")) {
    const same = Buffer.compare(Buffer.from(bytes), readFileSync(target)) === 0;
    console.log(same ? "bits.wasm is current" : "bits.wasm is stale: run node scripts/build-kernel.mjs");
    process.exit(same ? 0 : 1);
  }
  writeFileSync(target, bytes);
  console.log(`wrote bits.wasm (${bytes.length} bytes)`);
}
