// An import's unit of work: one record of the file made into one entity's values (a row), or
// refused before sending (a rejected record, with its line). Rows carry what batching needs:
// how many values they insert (events counted one each, as the server does) and their bytes.

import type { EntityValues } from "../../client/index";
import { utf8Bytes } from "../../contract/utf8";

export interface Row {
  /** The line of the file the record starts on. */
  line: number;
  entity: string;
  values: EntityValues;
  /** (column, value) pairs and events: what INSERT_VALUES_MAX counts. */
  valueCount: number;
  /** UTF-8 bytes of `"<entity>":{...},` in an insert body: an upper bound of its share once merged. */
  bytes: number;
  /** The record as read (CSV: header → field; NDJSON: the parsed object), for the rejects file. */
  source: unknown;
}

/** A record that will not be imported, and why. `code` is the server's error code when it refused it. */
export interface Rejected {
  line: number;
  entity: string | null;
  code: number | null;
  message: string;
  source: unknown;
}

export type Item = { kind: "row"; row: Row } | { kind: "rejected"; rejected: Rejected };

/** Values an entity's members insert: one per attribute, one per event or list item. */
export function countValues(values: EntityValues): number {
  let n = 0;
  for (const [k, v] of Object.entries(values)) {
    if (k === "dimension" || v === undefined || v === null) continue;
    n += Array.isArray(v) ? v.length : 1;
  }
  return n;
}

export function makeRow(line: number, entity: string, values: EntityValues, source: unknown): Row {
  return { line, entity, values, valueCount: countValues(values), bytes: utf8Bytes(JSON.stringify(entity)) + 1 + utf8Bytes(JSON.stringify(values)) + 1, source };
}
