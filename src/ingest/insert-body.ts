// Reads an insert body (API.md §5.1) into normalised entity writes: shape and limit checks,
// dimension routing, auto-create planning (which dimensions and columns an insert needs), and
// value normalisation. Pure: the route asks the catalog to create what is missing, then calls again.

import { API_NAME_PATTERN, DEFAULT_DIMENSION, ENTITY_ID_COLUMN, columnRef, isEventType, type ColumnType, type NewColumn } from "../../contract/columns";
import { ApiError } from "../../contract/errors";
import { show as describe } from "../query/body";
import { COLUMN_API_NAME_CHARS_MAX, DIMENSION_NAME_CHARS_MAX, ENTITY_ID_CHARS_MAX, INSERT_ENTITIES_MAX, INSERT_VALUES_MAX } from "../../contract/limits";
import type { AttrWrite, EntityWrite, EventWrite } from "../../contract/plan";
import type { SchemaIndex } from "../../contract/schema";
import { inferColumnType, unify } from "./infer";
import { normaliseEventTime, normaliseValue, type NormalisedValue } from "./normalise";

export interface RawEntity {
  id: string;
  dimension: string;
  fields: Array<[apiName: string, raw: unknown]>;
}

export interface ParsedInsert {
  autoCreateDimension: boolean;
  autoCreateColumn: boolean;
  entities: RawEntity[];
  values: number;
}

const RESERVED_ENTITY_KEYS = new Set(["dimension", "table"]);

/** Checks the body's shape and limits; no schema needed yet. */
export function parseInsertBody(body: unknown): ParsedInsert {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError("QUERY_INVALID_FORMAT", "an insert body must be a JSON object whose keys are entity ids");
  }
  const record = body as Record<string, unknown>;
  const { dimension: autoCreateDimension, column: autoCreateColumn } = readAutoCreate(record);
  const entities: RawEntity[] = [];
  let values = 0;
  for (const [id, value] of Object.entries(record)) {
    if (id === "auto-create" || id === "auto-create-fields" || id === "auto-create-columns") continue;
    if (id.length === 0) throw new ApiError("INSERT_EMPTY_ENTITY_ID", "entity ids cannot be empty");
    if (id.length > ENTITY_ID_CHARS_MAX) {
      throw new ApiError("INSERT_ENTITY_ID_TOO_LONG", `entity id of ${id.length} characters exceeds the limit of ${ENTITY_ID_CHARS_MAX}`, { max: ENTITY_ID_CHARS_MAX });
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new ApiError("INSERT_ENTITY_NOT_OBJECT", `entity '${id}' must map to an object of column values, got ${describe(value)}`);
    }
    const fields = Object.entries(value as Record<string, unknown>);
    const dimField = fields.find(([k]) => RESERVED_ENTITY_KEYS.has(k));
    const dimension = dimField === undefined ? DEFAULT_DIMENSION : dimField[1];
    if (typeof dimension !== "string" || !API_NAME_PATTERN.test(dimension) || dimension.length > DIMENSION_NAME_CHARS_MAX) {
      throw new ApiError("INSERT_UNKNOWN_DIMENSION", `entity '${id}': dimension must be a name of lower-case letters, digits, '-' or '_', got ${describe(dimension)}`);
    }
    const columnFields = fields.filter(([k]) => !RESERVED_ENTITY_KEYS.has(k));
    for (const [, raw] of columnFields) values += Array.isArray(raw) ? Math.max(1, raw.length) : 1;
    entities.push({ id, dimension, fields: columnFields });
  }
  if (entities.length > INSERT_ENTITIES_MAX) {
    throw new ApiError("INSERT_ENTITIES_LIMIT", `an insert holds ${entities.length} entities; the limit is ${INSERT_ENTITIES_MAX}`, { max: INSERT_ENTITIES_MAX });
  }
  if (values > INSERT_VALUES_MAX) {
    throw new ApiError("INSERT_VALUES_LIMIT", `an insert holds ${values} values; the limit is ${INSERT_VALUES_MAX}`, { max: INSERT_VALUES_MAX });
  }
  return { autoCreateDimension, autoCreateColumn, entities, values };
}

function readAutoCreate(body: Record<string, unknown>): { dimension: boolean; column: boolean } {
  const legacy = body["auto-create-fields"] === true || body["auto-create-columns"] === true;
  const list = body["auto-create"];
  if (list === undefined) return { dimension: false, column: legacy };
  if (!Array.isArray(list) || !list.every((x) => typeof x === "string" && ["dimension", "column", "table"].includes(x))) {
    throw new ApiError("INSERT_AUTO_CREATE", `auto-create must be a list of "dimension" and/or "column", got ${describe(list)}`);
  }
  return { dimension: list.includes("dimension") || list.includes("table"), column: list.includes("column") || legacy };
}

/** What the catalog must create before this insert can be stored; throws when auto-create does not allow it. */
export function missingSchema(parsed: ParsedInsert, schema: SchemaIndex): { dimensions: string[]; columns: NewColumn[] } {
  const dimensions = new Set<string>();
  const columns = new Map<string, NewColumn>();
  for (const e of parsed.entities) {
    if (!schema.hasDimension(e.dimension)) {
      if (!parsed.autoCreateDimension) {
        throw new ApiError("INSERT_UNKNOWN_DIMENSION", `dimension '${e.dimension}' does not exist; create a column in it first or insert with "auto-create": ["dimension"]`);
      }
      dimensions.add(e.dimension);
    }
    for (const [apiName, raw] of e.fields) {
      if (schema.column(e.dimension, apiName)) continue;
      if (!parsed.autoCreateColumn) {
        throw new ApiError("INSERT_UNKNOWN_COLUMN", `column '${apiName}' does not exist in dimension '${e.dimension}'; create it first or insert with "auto-create": ["column"]`);
      }
      if (apiName === ENTITY_ID_COLUMN || !API_NAME_PATTERN.test(apiName) || apiName.length > COLUMN_API_NAME_CHARS_MAX) {
        throw new ApiError(
          "COLUMN_API_NAME",
          `cannot auto-create column '${apiName}': api-names use lower-case letters, digits, '-' and '_' (at most ${COLUMN_API_NAME_CHARS_MAX}), and '${ENTITY_ID_COLUMN}' is reserved`,
        );
      }
      const key = `${e.dimension}\u0000${apiName}`;
      const inferred = inferColumnType(raw);
      if (inferred === null) throw new ApiError("INSERT_VALUE_TYPE", `cannot infer a column type for '${apiName}' from ${describe(raw)}`);
      const previous = columns.get(key);
      const type: ColumnType | null = previous ? unify(previous.type, inferred) : inferred;
      if (type === null) throw new ApiError("INSERT_VALUE_TYPE", `new column '${apiName}' gets values of types ${previous!.type} and ${inferred} in one insert`);
      columns.set(key, autoColumn(e.dimension, apiName, type));
    }
  }
  return { dimensions: [...dimensions], columns: [...columns.values()] };
}

function autoColumn(dimension: string, apiName: string, type: ColumnType): NewColumn {
  const col: NewColumn = { name: apiName, apiName, type, dimension, storage: "latest-value" };
  if (type === "string") col.cardinality = "high";
  return col;
}

/** Normalises every value against a schema that has every column; throws on the first bad value. */
export function normaliseEntities(parsed: ParsedInsert, schema: SchemaIndex, now: number): EntityWrite[] {
  return parsed.entities.map((e) => {
    const attrs: AttrWrite[] = [];
    const events: EventWrite[] = [];
    for (const [apiName, raw] of e.fields) {
      const col = schema.column(e.dimension, apiName);
      if (!col) throw new ApiError("INSERT_UNKNOWN_COLUMN", `column '${apiName}' does not exist in dimension '${e.dimension}'`);
      const ref = columnRef(col);
      if (isEventType(col.type)) {
        const list = Array.isArray(raw) ? raw : [raw];
        for (const item of list) events.push({ col: ref, ...normaliseEvent(col, item, e.id, now) });
      } else if (Array.isArray(raw) && col.storage === "list-of-values") {
        for (const item of raw) attrs.push({ col: ref, ...valueOf(normaliseValue(col, item), e.id) });
      } else {
        attrs.push({ col: ref, ...valueOf(normaliseValue(col, raw), e.id) });
      }
    }
    return { dimension: e.dimension, id: e.id, attrs, events };
  });
}

/** The stored value, or the normaliser's error with the entity named. */
function valueOf(v: NormalisedValue, entity: string): { value: AttrWrite["value"]; text?: string } {
  if (!v.ok) throw new ApiError(v.error.name, `entity '${entity}': ${v.error.message}`, v.error.moreInfo);
  return v.text === undefined ? { value: v.value } : { value: v.value, text: v.text };
}

function normaliseEvent(col: Parameters<typeof normaliseValue>[0], item: unknown, entity: string, now: number): { value: EventWrite["value"]; t: number } {
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    throw new ApiError("INSERT_VALUE_TYPE", `entity '${entity}', event column '${col.apiName}': expected {"value": ..., "date": ...}, got ${describe(item)}`);
  }
  const obj = item as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (k !== "value" && k !== "date") throw new ApiError("INSERT_EVENT_KEY", `entity '${entity}', event column '${col.apiName}': unknown key '${k}' (only value and date)`);
  }
  if (!("value" in obj)) throw new ApiError("INSERT_EVENT_VALUE", `entity '${entity}', event column '${col.apiName}': an event needs a value`);
  const time = normaliseEventTime(obj["date"], now);
  if (!time.ok) throw new ApiError(time.error.name, `entity '${entity}', event column '${col.apiName}': ${time.error.message}`);
  return { value: valueOf(normaliseValue(col, obj["value"]), entity).value, t: time.t };
}
