// A database's schema as the Catalog Durable Object hands it to the Worker (cached per isolate
// for a few seconds, keyed by its version): the database, its dimensions, its columns and the
// origins browsers may call it from.

import type { ColumnDef } from "./columns";
import type { Placement } from "./placement";

export interface DatabaseInfo extends Placement {
  id: string;
  name: string;
  description: string;
  shards: number;
  /**
   * The routing epoch `shards` belongs to (absent: 0, the layout of creation). A reshard
   * (durable-objects/reshard/) builds the next epoch's shards beside the current ones and publishes
   * it here with a new schema version; shard objects of an epoch > 0 carry it in their names.
   */
  epoch?: number;
  /** Layouts this database left by resharding, oldest first: their shards forward late inserts and are destroyed with it. */
  pastLayouts?: Array<{ epoch: number; shards: number }>;
  replicas: number;
  createdAt: string; // ISO
  updatedAt: string; // ISO
}

export interface SchemaSnapshot {
  database: DatabaseInfo;
  version: number; // bumped by every column or dimension change
  dimensions: string[];
  columns: ColumnDef[]; // active and inactive
  /** Origins whose browser pages may read the API's answers ("*": any); absent or empty: none. */
  allowedOrigins?: string[];
}

/** Read-side helpers over a snapshot; build once per snapshot. */
export class SchemaIndex {
  readonly snapshot: SchemaSnapshot;
  private readonly byKey = new Map<string, ColumnDef>();
  private readonly dims: Set<string>;

  constructor(snapshot: SchemaSnapshot) {
    this.snapshot = snapshot;
    this.dims = new Set(snapshot.dimensions);
    for (const c of snapshot.columns) if (c.active) this.byKey.set(`${c.dimension}\u0000${c.apiName}`, c);
  }

  get version(): number {
    return this.snapshot.version;
  }

  get database(): DatabaseInfo {
    return this.snapshot.database;
  }

  /**
   * The Access-Control-Allow-Origin for a page of `origin`: "*" when any may read answers, the origin
   * when listed (exact match: browsers send origins normalised), else null.
   */
  corsOrigin(origin: string): string | null {
    const list = this.snapshot.allowedOrigins ?? [];
    return list.includes("*") ? "*" : list.includes(origin) ? origin : null;
  }

  hasDimension(dimension: string): boolean {
    return this.dims.has(dimension);
  }

  /** The active column `apiName` of `dimension`, if any. */
  column(dimension: string, apiName: string): ColumnDef | undefined {
    return this.byKey.get(`${dimension}\u0000${apiName}`);
  }

  activeColumns(dimension?: string): ColumnDef[] {
    return this.snapshot.columns.filter((c) => c.active && (dimension === undefined || c.dimension === dimension));
  }
}
