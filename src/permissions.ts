// Custom-key permissions, enforced on what a request really touches: the compiled plans (every
// ColumnRef id a shard will read or write, mapped back to dimension + api-name through the schema)
// rather than the request text, so every endpoint and SQL are covered by one walk. And a custom key
// compiles against the schema its grants show it (schemaSeenBy): a column or dimension it is granted
// nowhere is missing to it, so it cannot tell a forbidden name from one that does not exist (same
// status, code and message), nor learn a forbidden column's type from a type error. Pure.

import type { CompiledQuery } from "./query/compiled";
import { ApiError } from "../contract/errors";
import { grantOf, type KeyLevel, type KeyPermissions } from "../contract/api-keys";
import type { EventTerm, Expr, Mutation, ShardQuery } from "../contract/plan";
import { SchemaIndex } from "../contract/schema";

export type Access = "query" | "insert";

/**
 * One thing a request touches in a dimension: a column; the dimension itself (entity ids, counts of
 * entities: any grant on the dimension will do); or every column (deleting whole entities needs "*").
 */
export type Touch = { kind: "column"; dimension: string; column: string } | { kind: "dimension"; dimension: string } | { kind: "all-columns"; dimension: string };

/** Who is asking: only custom keys carry permissions; every other level is checked by requireLevel alone. */
export interface Grantee {
  level: KeyLevel;
  permissions: KeyPermissions | null;
}

/** The first touch `permissions` do not grant for `access`, or null when all are granted. */
export function firstDenied(permissions: KeyPermissions, access: Access, touches: Iterable<Touch>): Touch | null {
  const grants = permissions[access];
  for (const t of touches) {
    const grant = grantOf(grants, t.dimension);
    if (grant === undefined) return t;
    if (grant === "*" || t.kind === "dimension") continue;
    if (t.kind === "all-columns" || !grant.includes(t.column)) return t;
  }
  return null;
}

/** Throws 403 / code 16 naming the first touch a custom key may not make; other levels pass. */
export function enforce(who: Grantee, access: Access, touches: Iterable<Touch>): void {
  if (who.level !== "custom") return;
  // A custom key without permissions (never stored that way) is denied everything: fail closed.
  const denied = firstDenied(who.permissions ?? { query: {}, insert: {} }, access, touches);
  if (denied !== null) throw deniedError(access, denied);
}

function deniedError(access: Access, t: Touch): ApiError {
  const verb = access === "query" ? "query" : "insert into";
  const info = { access, dimension: t.dimension, ...(t.kind === "column" ? { column: t.column } : {}) };
  switch (t.kind) {
    case "column":
      return new ApiError("CUSTOM_KEY_COLUMN", `this key may not ${verb} column "${t.column}" of dimension "${t.dimension}"`, info);
    case "dimension":
      return new ApiError("CUSTOM_KEY_COLUMN", `this key may not ${verb} dimension "${t.dimension}"`, info);
    case "all-columns":
      return new ApiError("CUSTOM_KEY_COLUMN", `this key may not delete entities of dimension "${t.dimension}": that needs insert permission on every column ("*")`, info);
  }
}

// ---- what a custom key sees ------------------------------------------------------------------

const seen = new WeakMap<SchemaIndex, WeakMap<KeyPermissions, SchemaIndex>>();

/**
 * The schema as `who` may know it: everything for master/write/read keys; for a custom key only the
 * dimensions and columns some grant (query or insert) covers. A name in the key's own grants is
 * known to it anyway, so those still get 403 / 16 when used with the other access.
 */
export function schemaSeenBy(who: Grantee, schema: SchemaIndex): SchemaIndex {
  if (who.level !== "custom") return schema;
  const permissions = who.permissions ?? NOTHING;
  let byKey = seen.get(schema);
  if (byKey === undefined) seen.set(schema, (byKey = new WeakMap()));
  let view = byKey.get(permissions);
  if (view === undefined) {
    const granted = (t: Touch) => firstDenied(permissions, "query", [t]) === null || firstDenied(permissions, "insert", [t]) === null;
    const s = schema.snapshot;
    view = new SchemaIndex({
      ...s,
      dimensions: s.dimensions.filter((dimension) => granted({ kind: "dimension", dimension })),
      columns: s.columns.filter((c) => granted({ kind: "column", dimension: c.dimension, column: c.apiName })),
    });
    byKey.set(permissions, view);
  }
  return view;
}

const NOTHING: KeyPermissions = { query: {}, insert: {} };

// ---- what plans touch ------------------------------------------------------------------------

/** Column id → where it lives, per schema snapshot (inactive columns too: a plan never names them, but fail closed). */
const namesBySchema = new WeakMap<SchemaIndex, Map<number, { dimension: string; column: string }>>();

function columnNames(schema: SchemaIndex): Map<number, { dimension: string; column: string }> {
  let names = namesBySchema.get(schema);
  if (!names) {
    names = new Map(schema.snapshot.columns.map((c) => [c.id, { dimension: c.dimension, column: c.apiName }]));
    namesBySchema.set(schema, names);
  }
  return names;
}

/** Collects touches while walking plans; column ids resolve through the schema. */
class Walker {
  readonly touches: Touch[] = [];
  private readonly names: Map<number, { dimension: string; column: string }>;

  constructor(private readonly schema: SchemaIndex) {
    this.names = columnNames(schema);
  }

  dimension(dimension: string): void {
    this.touches.push({ kind: "dimension", dimension });
  }

  column(id: number): void {
    // An id the schema does not know cannot be granted: name it so the error says which.
    const where = this.names.get(id) ?? { dimension: "?", column: `#${id}` };
    this.touches.push({ kind: "column", ...where });
  }

  expr(e: Expr): void {
    switch (e.op) {
      case "and":
      case "or":
        for (const a of e.args) this.expr(a);
        return;
      case "not":
        this.expr(e.arg);
        return;
      case "all":
      case "id":
        return; // entity ids: covered by the dimension touch every plan makes
      case "attr":
      case "has":
        this.column(e.col.id);
        return;
      case "events":
        this.terms(e.terms);
        return;
    }
  }

  terms(terms: readonly EventTerm[]): void {
    for (const t of terms) this.column(t.col.id);
  }

  query(q: ShardQuery): void {
    switch (q.kind) {
      case "count-entity":
        for (const n of q.queries) {
          this.dimension(n.dimension);
          this.expr(n.expr);
        }
        return;
      case "count-event":
        for (const n of q.queries) {
          this.dimension(n.dimension);
          this.terms(n.terms);
        }
        return;
      case "total":
        // null = every dimension of the database: each of them must be granted.
        for (const d of q.dimensions ?? this.schema.snapshot.dimensions) this.dimension(d);
        return;
      case "exists":
        this.dimension(q.dimension);
        return;
      case "top-values":
        for (const s of q.queries) {
          this.dimension(s.dimension);
          this.column(s.col.id);
        }
        return;
      case "aggregation":
        this.dimension(q.dimension);
        if (q.filter) this.expr(q.filter);
        for (const g of q.groups) this.column(g.col.id);
        for (const m of q.metrics) this.column(m.col.id);
        return;
      case "extract":
        this.dimension(q.dimension);
        this.expr(q.expr);
        for (const c of q.columns) this.column(c.col.id);
        for (const o of q.order) if (o.by === "column") this.column(o.col.id);
        return;
    }
  }
}

/** Everything a read-only plan reads. */
export function queryTouches(plan: ShardQuery, schema: SchemaIndex): Touch[] {
  const w = new Walker(schema);
  w.query(plan);
  return w.touches;
}

/** What a mutation reads (its selection) and writes (update: the set columns; delete: every column). */
export function mutationTouches(m: Mutation, schema: SchemaIndex): { query: Touch[]; insert: Touch[] } {
  const reads = new Walker(schema);
  const writes = new Walker(schema);
  switch (m.kind) {
    case "write":
      for (const e of m.entities) {
        writes.dimension(e.dimension);
        for (const a of e.attrs) writes.column(a.col.id);
        for (const ev of e.events) writes.column(ev.col.id);
      }
      break;
    case "delete":
      reads.dimension(m.dimension);
      reads.expr(m.expr);
      writes.touches.push({ kind: "all-columns", dimension: m.dimension });
      break;
    case "update":
      reads.dimension(m.dimension);
      reads.expr(m.expr);
      writes.dimension(m.dimension);
      for (const a of m.set) writes.column(a.col.id);
      break;
  }
  return { query: reads.touches, insert: writes.touches };
}

/** What an insert body writes, by name (checked before auto-create, so a refused insert creates nothing). */
export function insertTouches(entities: Iterable<{ dimension: string; fields: Array<[apiName: string, raw: unknown]> }>): Touch[] {
  const out: Touch[] = [];
  for (const e of entities) {
    out.push({ kind: "dimension", dimension: e.dimension });
    for (const [column] of e.fields) out.push({ kind: "column", dimension: e.dimension, column });
  }
  return out;
}

// ---- the calls routes make ---------------------------------------------------------------------

/** Before answering (and before the result cache): the plan shard 0 gets names every column any shard reads. */
export function checkQuery(who: Grantee & { schema: SchemaIndex }, compiled: CompiledQuery): void {
  if (who.level !== "custom") return;
  const plan = compiled.planFor(0);
  // A total of every dimension must not name the dimension the key lacks (it may not know it exists).
  if (
    plan.kind === "total" &&
    plan.dimensions === null &&
    firstDenied(
      who.permissions ?? NOTHING,
      "query",
      who.schema.snapshot.dimensions.map((dimension) => ({ kind: "dimension" as const, dimension })),
    ) !== null
  ) {
    throw new ApiError("CUSTOM_KEY_COLUMN", "this key may not count every dimension of the database; name the dimensions it may query", { access: "query" });
  }
  enforce(who, "query", queryTouches(plan, who.schema));
}

/** Before fanning a delete/update out: the selection needs query grants, the change insert grants. */
export function checkMutation(who: Grantee & { schema: SchemaIndex }, mutation: Mutation): void {
  if (who.level !== "custom") return;
  const t = mutationTouches(mutation, who.schema);
  enforce(who, "query", t.query);
  enforce(who, "insert", t.insert);
}
