// Several answers have two exact ways to be computed: through bitmaps (value bitmaps or bit slices
// intersected with the entities, word kernels, no per-entity work) or entity by entity (read each
// entity's code from a forward array, gather each entity's integer from the slices). Which is
// cheaper depends on density and cardinality, so callers estimate both costs per chunk and ask here;
// tests force either path so both stay covered on small data.

export type PathChoice = "auto" | "bitmaps" | "entities";

let forced: PathChoice = "auto";

/** Forces one path for every query of this isolate (tests); "auto" restores the cost-based choice. */
export function forcePath(path: PathChoice): void {
  forced = path;
}

/** The forced path ("auto": none), for choices within a path that tests must also reach on small data. */
export function forcedPath(): PathChoice {
  return forced;
}

/**
 * How often each path was taken since the last reset (tests check that "auto" reaches both);
 * `decoded`: entity-by-entity passes that read decoded integers instead of gathering slices.
 */
export const pathsTaken = { entities: 0, bitmaps: 0, decoded: 0 };

/** Whether to go entity by entity, given both estimated costs (any unit, the same for both). */
export function perEntity(entitiesCost: number, bitmapsCost: number): boolean {
  const yes = forced === "auto" ? entitiesCost < bitmapsCost : forced === "entities";
  if (yes) pathsTaken.entities++;
  else pathsTaken.bitmaps++;
  return yes;
}

/** Rough costs in nanoseconds on the bench VM (V8, WASM kernel), shared by the estimates. */
export const COST = {
  /** One bitset-by-bitset pass of the word kernel (copy in, 2048 words, copy out). */
  kernelPass: 1500,
  /** The same pass kept as a result container (a sparse result is also extracted to an array). */
  kernelSet: 6000,
  /** Probing one array value in a bitset. */
  probe: 1.2,
  /** One step of an array-by-array merge. */
  mergeStep: 2,
} as const;
