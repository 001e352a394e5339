// The layering of the code base, read from its import statements: cli → client → src →
// durable-objects → engine → contract, nothing imports upward, and no set of modules imports itself
// round a cycle (type-only imports included: a cycle of types is still a knot a reader has to untie).
// The typed client runs outside the Worker (browsers, Node): it may only import types, and only from
// contract/ and src/openapi/, so it bundles none of the Worker; the CLI stands on the client and contract/.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;
/** Lower layers first; a module may import its own layer or any layer before it. */
const LAYERS = ["contract", "engine", "durable-objects", "src", "client", "cli"] as const;
const SPECIFIER = /(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|import\s+["']([^"']+)["']/g;

/** A whole import/export statement with a specifier; group 1 is set when the statement is type-only. */
const STATEMENT = /(?:import|export)\s+(type\s+)?[^;]*?from\s+["']([^"']+)["']/g;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.ts$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

const files = LAYERS.flatMap((l) => sourceFiles(l));
const known = new Set(files);

function resolve(from: string, spec: string): string | null {
  const base = normalize(join(dirname(from), spec));
  for (const candidate of [base, `${base}.ts`, join(base, "index.ts")]) if (known.has(candidate)) return candidate;
  return null;
}

/** file → the project files it imports (relative specifiers only; packages are not layers). */
const graph = new Map<string, string[]>();
const unresolved: string[] = [];
for (const file of files) {
  const text = readFileSync(join(ROOT, file), "utf8");
  const deps: string[] = [];
  for (const m of text.matchAll(SPECIFIER)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (!spec.startsWith(".")) continue;
    if (/\.(wasm|wat)$/.test(spec)) continue; // binary modules, not code
    const target = resolve(file, spec);
    if (target === null) unresolved.push(`${file}: ${spec}`);
    else deps.push(target);
  }
  graph.set(file, deps);
}

const layerOf = (file: string) => LAYERS.findIndex((l) => file.startsWith(`${l}/`));

/** Strongly connected components of more than one module (Tarjan), each sorted. */
function cycles(): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return found;
}

describe("import graph", () => {
  it("reads every module of every layer", () => {
    expect(unresolved).toEqual([]);
    for (const layer of LAYERS)
      expect(
        files.some((f) => f.startsWith(`${layer}/`)),
        layer,
      ).toBe(true);
  });

  it("imports flow one way: cli → client → src → durable-objects → engine → contract", () => {
    const upward = [...graph].flatMap(([file, deps]) =>
      deps.filter((d) => layerOf(d) > layerOf(file)).map((d) => `${file} imports ${relative(dirname(file), d)} (${LAYERS[layerOf(d)]} is above ${LAYERS[layerOf(file)]})`),
    );
    expect(upward).toEqual([]);
  });

  it("contract imports nothing but contract, and no package", () => {
    const outside = files
      .filter((f) => f.startsWith("contract/"))
      .flatMap((f) => [...readFileSync(join(ROOT, f), "utf8").matchAll(SPECIFIER)].map((m) => ({ f, spec: m[1] ?? m[2] ?? m[3]! })))
      .filter(({ spec }) => !spec.startsWith("./"))
      .map(({ f, spec }) => `${f}: ${spec}`);
    expect(outside).toEqual([]);
  });

  it("the client imports only types from outside itself, and only from contract/ and src/openapi/", () => {
    const wrong = files
      .filter((f) => f.startsWith("client/"))
      .flatMap((f) => [...readFileSync(join(ROOT, f), "utf8").matchAll(STATEMENT)].map((m) => ({ f, statement: m[0], spec: m[2]!, typeOnly: m[1] !== undefined })))
      .filter(({ f, spec }) => !resolve(f, spec)?.startsWith("client/"))
      .filter(({ f, spec, typeOnly }) => !typeOnly || !/^(contract|src\/openapi)\//.test(resolve(f, spec) ?? spec))
      .map(({ f, statement }) => `${f}: ${statement.replace(/\s+/g, " ")}`);
    expect(wrong).toEqual([]);
  });

  it("the CLI imports only itself, the client and contract/ (and packages: node builtins)", () => {
    const wrong = [...graph].filter(([file]) => file.startsWith("cli/")).flatMap(([file, deps]) => deps.filter((d) => !/^(cli|client|contract)\//.test(d)).map((d) => `${file} imports ${d}`));
    expect(wrong).toEqual([]);
  });

  it("has no cycles", () => {
    expect(cycles()).toEqual([]);
  });
});
