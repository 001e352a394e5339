// Column types and the catalog's column definition (API.md §4). Imports nothing.

export const ATTRIBUTE_TYPES = ["string", "integer", "decimal", "boolean", "date", "datetime", "unique-id", "enumerated"] as const;
export const EVENT_TYPES = ["string-event", "integer-event", "decimal-event"] as const;
export const COLUMN_TYPES = [...ATTRIBUTE_TYPES, ...EVENT_TYPES] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];
export type EventType = (typeof EVENT_TYPES)[number];
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** Old names clients may still send (API.md timeline 2018-12). */
export const HISTORICAL_TYPE_NAMES: Record<string, ColumnType> = {
  "string-time-series": "string-event",
  "integer-time-series": "integer-event",
  "decimal-time-series": "decimal-event",
};

export type Storage = "latest-value" | "list-of-values";

/**
 * How the engine sees a column's values, whatever the API type:
 * - "text": lower-cased strings (string, unique-id, string-event)
 * - "number": JS numbers (integer, decimal, enumerated bucket, integer-event, decimal-event)
 * - "bool": booleans
 * - "time": epoch milliseconds UTC (date, datetime); datetime also keeps its text for extraction
 */
export type ValueKind = "text" | "number" | "bool" | "time";

export function isEventType(t: ColumnType): t is EventType {
  return t === "string-event" || t === "integer-event" || t === "decimal-event";
}

export function valueKindOf(t: ColumnType): ValueKind {
  switch (t) {
    case "string":
    case "unique-id":
    case "string-event":
      return "text";
    case "integer":
    case "decimal":
    case "enumerated":
    case "integer-event":
    case "decimal-event":
      return "number";
    case "boolean":
      return "bool";
    case "date":
    case "datetime":
      return "time";
  }
}

export function isIntegerType(t: ColumnType): boolean {
  return t === "integer" || t === "integer-event" || t === "enumerated";
}

/** A column as the catalog stores it. `id` is stable and unique within the database. */
export interface ColumnDef {
  id: number;
  name: string;
  apiName: string;
  type: ColumnType;
  dimension: string;
  description?: string;
  storage: Storage;
  cardinality?: "high" | "low";
  decimalPlaces?: number;
  range?: number[];
  active: boolean;
  createdAt: string;
}

/** The part of a column a shard needs to store and evaluate it (travels inside messages and plans). */
export interface ColumnRef {
  id: number;
  type: ColumnType;
  storage: Storage;
}

export function columnRef(c: ColumnDef): ColumnRef {
  return { id: c.id, type: c.type, storage: c.storage };
}

export const DEFAULT_DIMENSION = "default";
export const ENTITY_ID_COLUMN = "entity-id";

/** api-names (columns) and dimension names: lower-case letters, digits, '-' and '_' (API.md §4.2, §10 item 20). */
export const API_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;

/** A column to create: everything but what the catalog assigns. */
export type NewColumn = Omit<ColumnDef, "id" | "active" | "createdAt">;
