// Splitting entities by their values of one column, shared by top-values and aggregation groups:
// value display string → the distinct entities holding it. Grouping is by display string because
// that is what the answer (and the edge's merge across shards) is keyed by.

import type { ColumnRef } from "../../../../contract/columns";
import { isEventType } from "../../../../contract/columns";
import type { ValueTest, Window } from "../../../../contract/plan";
import { displayValue } from "../../../../contract/values";
import type { DimensionView } from "../data";
import { entriesOf } from "../data";
import { inWindow } from "../evaluate";
import { compareStrings, compileOptionalTest } from "../value-test";

/**
 * For each value of `col` passing `test` (events: with at least one event in `window` passing it),
 * the entities of `within` (null = every live entity) holding it.
 */
export function groupByValue(view: DimensionView, col: ColumnRef, test: ValueTest | null, window: Window | null, within: ReadonlySet<number> | null): Map<string, Set<number>> {
  const pass = compileOptionalTest(test);
  const groups = new Map<string, Set<number>>();
  const add = (display: string, eid: number): void => {
    let set = groups.get(display);
    if (set === undefined) groups.set(display, (set = new Set()));
    set.add(eid);
  };
  const scope = within ?? view.entities;
  if (isEventType(col.type)) {
    for (const [eid, events] of entriesOf(view.events(col.id), within)) {
      if (!scope.has(eid)) continue;
      for (const e of events) if (inWindow(e.t, window) && pass(e.value)) add(displayValue(col.type, e.value), eid);
    }
  } else {
    // Attribute values have no time: `window` does not apply to them.
    for (const [eid, values] of entriesOf(view.attr(col.id), within)) {
      if (!scope.has(eid)) continue;
      for (const v of values) if (pass(v.value)) add(displayValue(col.type, v.value, v.text), eid);
    }
  }
  return groups;
}

/** Groups as [display, entities] ordered by number of entities descending, then display ascending. */
export function rankGroups(groups: Map<string, Set<number>>): Array<[string, Set<number>]> {
  return [...groups].sort((a, b) => b[1].size - a[1].size || compareStrings(a[0], b[0]));
}
