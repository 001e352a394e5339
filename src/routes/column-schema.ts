// The column definition of POST /v1/column (API.md §4.2), validated with zod; each member's
// failure maps to its SlicingDice error code.

import { z } from "zod";
import { API_NAME_PATTERN, COLUMN_TYPES, DEFAULT_DIMENSION, ENTITY_ID_COLUMN, HISTORICAL_TYPE_NAMES, type ColumnType, type NewColumn } from "../../contract/columns";
import { ApiError, type ErrorName } from "../../contract/errors";
import { COLUMN_API_NAME_CHARS_MAX, COLUMN_DESCRIPTION_CHARS_MAX, COLUMN_NAME_CHARS_MAX, DECIMAL_PLACES_MAX, DIMENSION_NAME_CHARS_MAX } from "../../contract/limits";
import { parseWith } from "./validation";

const TYPE_NAMES = [...COLUMN_TYPES, ...Object.keys(HISTORICAL_TYPE_NAMES)] as [string, ...string[]];
const nameLike = (max: number) => z.string({ error: "must be a string" }).max(max, `must be at most ${max} characters`).regex(API_NAME_PATTERN, "must use lower-case letters, digits, '-' and '_'");

/** The label members, shared with the column edit (PUT /column/<api-name>). */
export const columnName = z.string({ error: "must be a string" }).trim().min(1, "must not be blank").max(COLUMN_NAME_CHARS_MAX, `must be at most ${COLUMN_NAME_CHARS_MAX} characters`);
export const columnDescription = z
  .string({ error: "must be a string" })
  .trim()
  .min(1, "must not be blank")
  .max(COLUMN_DESCRIPTION_CHARS_MAX, `must be at most ${COLUMN_DESCRIPTION_CHARS_MAX} characters`);

export const columnSchema = z.strictObject({
  name: columnName,
  "api-name": nameLike(COLUMN_API_NAME_CHARS_MAX).refine((n) => n !== ENTITY_ID_COLUMN, `'${ENTITY_ID_COLUMN}' is reserved`),
  type: z.enum(TYPE_NAMES, { error: `must be one of ${COLUMN_TYPES.join(", ")}` }),
  description: columnDescription.optional(),
  storage: z.enum(["latest-value", "list-of-values"], { error: "must be latest-value or list-of-values" }).optional(),
  cardinality: z.enum(["high", "low"], { error: "must be high or low" }).optional(),
  "decimal-places": z.number({ error: "must be an integer" }).int("must be an integer").min(0, "must be at least 0").max(DECIMAL_PLACES_MAX, `must be at most ${DECIMAL_PLACES_MAX}`).optional(),
  range: z
    .array(z.number({ error: "must hold numbers" }), { error: "must be a list of numbers" })
    .min(2, "needs at least two boundaries")
    .refine((r) => r.every((v, i) => i === 0 || v > r[i - 1]!), "must be ascending")
    .optional(),
  dimension: nameLike(DIMENSION_NAME_CHARS_MAX).optional(),
  category: z.string().optional(), // shown by GET /column in old READMEs; accepted and ignored
});

/** PUT /v1/column/<api-name>: the labels a column may change (and the dimension it is in). */
export const columnPatchSchema = z.strictObject({
  name: columnName.optional(),
  description: columnDescription.optional(),
  dimension: z.string().optional(),
});

const CODES: Record<string, ErrorName> = {
  name: "COLUMN_NAME",
  "name:too_big": "COLUMN_NAME_LENGTH",
  "api-name": "COLUMN_API_NAME",
  "api-name:too_big": "COLUMN_API_NAME_LENGTH",
  type: "COLUMN_TYPE",
  description: "COLUMN_DESCRIPTION",
  "description:too_big": "COLUMN_DESCRIPTION_LENGTH",
  storage: "COLUMN_STORAGE",
  cardinality: "COLUMN_CARDINALITY",
  "decimal-places": "COLUMN_DECIMAL_LIMIT",
  range: "COLUMN_RANGE",
  dimension: "QUERY_UNKNOWN_DIMENSION",
  "*unknown": "COLUMN_UNKNOWN_MEMBER",
};

/** Validates one column definition into what the catalog creates. */
export function parseColumn(input: unknown, index: number | null): NewColumn {
  const what = index === null ? "column" : `column #${index + 1}`;
  if (typeof input !== "object" || input === null || Array.isArray(input)) throw new ApiError("QUERY_INVALID_FORMAT", `${what} must be a JSON object`);
  const raw = input as Record<string, unknown>;
  for (const required of ["name", "api-name", "type"] as const) {
    if (raw[required] === undefined) throw new ApiError("COLUMN_MISSING_PARAM", `${what}: '${required}' is required`);
  }
  const c = parseWith(columnSchema, input, CODES, "QUERY_INVALID_FORMAT", what);
  const type = (HISTORICAL_TYPE_NAMES[c.type] ?? c.type) as ColumnType;
  const isDecimal = type === "decimal" || type === "decimal-event";
  if (c["decimal-places"] !== undefined && !isDecimal) throw new ApiError("COLUMN_DECIMAL_TYPE", `${what}: 'decimal-places' only applies to decimal and decimal-event columns`);
  if (type === "enumerated" && c.range === undefined) throw new ApiError("COLUMN_RANGE", `${what}: an enumerated column needs a 'range' of ascending boundaries`);
  if (c.range !== undefined && type !== "enumerated") throw new ApiError("COLUMN_RANGE", `${what}: 'range' only applies to enumerated columns`);
  if (c.cardinality !== undefined && type !== "string") throw new ApiError("COLUMN_CARDINALITY", `${what}: 'cardinality' only applies to string columns`);
  const col: NewColumn = {
    name: c.name,
    apiName: c["api-name"],
    type,
    dimension: c.dimension ?? DEFAULT_DIMENSION,
    storage: c.storage ?? "latest-value",
  };
  if (c.description !== undefined) col.description = c.description;
  if (type === "string") col.cardinality = c.cardinality ?? "high";
  if (c["decimal-places"] !== undefined) col.decimalPlaces = c["decimal-places"];
  if (c.range !== undefined) col.range = c.range;
  return col;
}
