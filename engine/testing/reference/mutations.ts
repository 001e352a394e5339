// The data changes of plan.ts Mutations on the reference store: inserts (upsert per entity), delete
// and update by expression. Selection for delete/update reads the cache before anything is written.

import { isEventType } from "../../../contract/columns";
import type { AttrWrite, EntityWrite, Mutation } from "../../../contract/plan";
import type { MutationOutcome } from "../../engine";
import { ExprEvaluator } from "./evaluate";
import type { ReferenceStore } from "./store";

/** Dimensions whose cached data a mutation invalidates. */
export function touchedDimensions(m: Mutation): string[] {
  return m.kind === "write" ? [...new Set(m.entities.map((e) => e.dimension))] : [m.dimension];
}

export function applyMutation(store: ReferenceStore, m: Mutation): MutationOutcome {
  switch (m.kind) {
    case "write":
      return applyWrites(store, m.entities);
    case "delete": {
      const eids = selectEntities(store, m.dimension, m);
      return { entities: eids.length, values: store.deleteEntities(eids) };
    }
    case "update": {
      const eids = selectEntities(store, m.dimension, m);
      for (const eid of eids) setAttrs(store, eid, m.set);
      return { entities: eids.length, values: eids.length * m.set.length };
    }
  }
}

function selectEntities(store: ReferenceStore, dimension: string, m: Extract<Mutation, { expr: unknown }>): number[] {
  return [...new ExprEvaluator(store.view(dimension)).matches(m.expr)].sort((a, b) => a - b);
}

/**
 * Upserts: latest-value columns overwrite, list-of-values add a distinct value, events append.
 * `entities` counts distinct (dimension, id) pairs; `values` counts attribute values and events written.
 */
function applyWrites(store: ReferenceStore, writes: readonly EntityWrite[]): MutationOutcome {
  const touched = new Set<string>();
  let values = 0;
  for (const w of writes) {
    touched.add(JSON.stringify([w.dimension, w.id]));
    const eid = store.entityId(w.dimension, w.id);
    for (const a of w.attrs) {
      assertAttribute(a);
      if (a.col.storage === "latest-value") store.clearAttr(eid, a.col.id);
      store.addAttr(eid, a.col.id, a.value, a.text);
    }
    for (const e of w.events) {
      if (!isEventType(e.col.type)) throw new Error(`reference engine: column ${e.col.id} (${e.col.type}) cannot hold events`);
      store.appendEvent(eid, e.col.id, e.value, e.t);
    }
    values += w.attrs.length + w.events.length;
  }
  return { entities: touched.size, values };
}

/**
 * Update semantics: every column named in `set` loses its old values first, so a latest-value column
 * is overwritten and a list-of-values column is replaced by the new value(s).
 */
function setAttrs(store: ReferenceStore, eid: number, set: readonly AttrWrite[]): void {
  for (const colId of new Set(set.map((a) => a.col.id))) store.clearAttr(eid, colId);
  for (const a of set) {
    assertAttribute(a);
    if (a.col.storage === "latest-value") store.clearAttr(eid, a.col.id);
    store.addAttr(eid, a.col.id, a.value, a.text);
  }
}

/** The edge never sends these; throwing rolls the caller's transaction back instead of storing junk. */
function assertAttribute(a: AttrWrite): void {
  if (isEventType(a.col.type)) throw new Error(`reference engine: event column ${a.col.id} cannot take an attribute value`);
}
