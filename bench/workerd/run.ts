// Runs the engine benchmark inside workerd: bundles bench/workerd/worker.ts with esbuild (bits.wasm
// kept as a compiled-module import, as wrangler ships it), starts it in Miniflare with a SQLite Durable
// Object, generates the shard through HTTP calls and collects figures tagged "workerd <version>".

import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { QUERIES } from "../engine-queries";

export interface Figure {
  name: string;
  value: number;
  unit: string;
  target: number | null;
  runtime: string;
}

export interface WorkerdOptions {
  entities: number;
  runs: number;
  only: string[] | null;
  /** Directory keeping the Durable Object's SQLite between runs (--reuse); null: a fresh in-memory one. */
  persistDir: string | null;
}

const OUT = ".wrangler/bench/workerd";
const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

export function workerdVersion(): string {
  return JSON.parse(readFileSync("node_modules/workerd/package.json", "utf8")).version as string;
}

/**
 * Bundles a bench Worker with esbuild for Miniflare: bits.wasm stays a compiled-module import, as
 * wrangler ships it. Answers the modules to hand to Miniflare.
 */
export async function bundleForWorkerd(entry: string, outDir: string, external: string[] = []): Promise<Array<{ type: "ESModule" | "CompiledWasm"; path: string; contents: string | Uint8Array }>> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    outfile: join(outDir, "worker.mjs"),
    logLevel: "warning",
    external,
    plugins: [{ name: "wasm-module", setup: (b) => b.onResolve({ filter: /\.wasm$/ }, () => ({ path: "./bits.wasm", external: true })) }],
  });
  copyFileSync("engine/kernel/bits.wasm", join(outDir, "bits.wasm"));
  return [
    { type: "ESModule", path: resolve(outDir, "worker.mjs"), contents: readFileSync(join(outDir, "worker.mjs"), "utf8") },
    { type: "CompiledWasm", path: resolve(outDir, "bits.wasm"), contents: readFileSync(join(outDir, "bits.wasm")) },
  ];
}

export async function runWorkerd(o: WorkerdOptions): Promise<{ figures: Figure[]; runtime: string; storageMb: number }> {
  const modules = await bundleForWorkerd("bench/workerd/worker.ts", OUT);
  const runtime = `workerd ${workerdVersion()}`;
  const mf = new Miniflare({
    ...convertV4MiniflareOptions({
      modules,
      compatibilityDate: "2026-10-01",
      durableObjects: { SHARD: { className: "BenchShard", useSQLite: true } },
    }),
    // Miniflare 5 keeps storage under one root (the v4 `durableObjectsPersist` is not converted).
    ...(o.persistDir === null ? {} : { resourcePersistencePath: resolve(o.persistDir) }),
  });
  const call = async <T>(path: string): Promise<T> => {
    const r = await mf.dispatchFetch(`http://bench${path}`);
    if (!r.ok) throw new Error(`workerd ${path}: ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  };
  const figures: Figure[] = [];
  try {
    const before = await call<{ entities: number; kernel: string }>("/stats");
    console.log(`workerd (${runtime}, kernel ${before.kernel}): ${before.entities} entities stored`);
    if (before.entities !== o.entities) {
      if (before.entities !== 0) throw new Error(`workerd store holds ${before.entities} entities, wanted ${o.entities}: delete ${o.persistDir}`);
      let values = 0;
      let ms = 0;
      for (let from = 0; from < o.entities; from += 50_000) {
        const g = await call<{ values: number; ms: number }>(`/generate?from=${from}&to=${Math.min(o.entities, from + 50_000)}`);
        values += g.values;
        ms += g.ms;
        console.log(`  workerd: ${Math.min(o.entities, from + 50_000)} entities, ${Math.round(values / (ms / 1000))} values/s`);
      }
      figures.push({ name: "apply_values_per_s", value: Math.round(values / (ms / 1000)), unit: "values/s", target: 300_000, runtime });
    }
    const cold = await call<{ ms: number }>("/cold");
    figures.push({ name: "cold_first_query_ms", value: round(cold.ms), unit: "ms", target: 300, runtime });
    for (const { name, target } of QUERIES) {
      if (o.only !== null && !o.only.includes(name)) continue;
      const t = await call<{ ms: number; reps: number; answer: string }>(`/query?name=${name}&runs=${o.runs}`);
      console.log(`workerd ${name.padEnd(24)} ${t.ms.toFixed(3).padStart(9)} ms  (x${t.reps}) ${t.answer}`);
      figures.push({ name, value: round(t.ms), unit: "ms", target, runtime });
    }
    const stats = await call<{ storageBytes: number }>("/stats");
    return { figures, runtime, storageMb: round(stats.storageBytes / 2 ** 20, 1) };
  } finally {
    await mf.dispose();
  }
}

export function persistDirFor(entities: number): string {
  const dir = `bench/data/workerd-${entities}`;
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  return dir;
}
