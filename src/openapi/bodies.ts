// Request-body schemas of the OpenAPI document: the routes' own zod schemas converted with
// z.toJSONSchema, and JSON Schema literals for the bodies parsed by hand (queries, insert, saved
// queries, keys), loose but truthful, quoting contract/limits.ts rather than repeating numbers.

import { z } from "zod";
import { SAVED_QUERY_CACHE_PERIOD_DEFAULT, SAVED_QUERY_TYPES } from "../query/saved";
import { createDatabaseSchema, faultSchema, reshardSchema, restoreSchema } from "../routes/admin-schemas";
import { columnPatchSchema, columnSchema } from "../routes/column-schema";
import { CREATABLE_LEVELS } from "../routes/api-keys";
import { corsSettingSchema } from "../routes/database-settings";
import { API_NAME_PATTERN, DEFAULT_DIMENSION } from "../../contract/columns";
import {
  AGGREGATION_GROUP_N_MAX,
  AGGREGATION_LEVELS_MAX,
  COLUMN_API_NAME_CHARS_MAX,
  COLUMNS_PER_REQUEST_MAX,
  DIMENSION_NAME_CHARS_MAX,
  ENTITY_ID_CHARS_MAX,
  EXISTS_IDS_MAX,
  EXTRACTION_COLUMNS_MAX,
  EXTRACTION_LIMIT_DEFAULT,
  EXTRACTION_LIMIT_MAX,
  HISTOGRAM_BUCKETS_MAX,
  INSERT_ENTITIES_MAX,
  INSERT_VALUES_MAX,
  KEY_NAME_CHARS_MAX,
  KEY_PERMISSION_COLUMNS_MAX,
  KEY_PERMISSION_DIMENSIONS_MAX,
  NAMED_QUERIES_MAX,
  QUERY_DEPTH_MAX,
  QUERY_PREDICATES_MAX,
  SAVED_QUERY_NAME_CHARS_MAX,
  STRING_VALUE_CHARS_MAX,
  TOP_VALUES_FILTER_VALUES_MAX,
  TOP_VALUES_N_MAX,
  TOP_VALUES_QUERIES_MAX,
} from "../../contract/limits";

export type JsonSchema = Record<string, unknown>;

/**
 * A route's zod schema as JSON Schema (2020-12, the dialect of OpenAPI 3.1). `io: "input"` describes
 * what a client sends (before trims and defaults); refinements (ascending range, reserved names)
 * cannot be expressed and are dropped, which is why the routes' errors stay the last word.
 */
export function fromZod(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...out } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  // A component must stand alone: `#/$defs/...` would resolve against the document root.
  if ("$defs" in out) throw new Error("openapi: a converted zod schema has $defs; inline it or register it as a component");
  return out;
}

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const bypassCache = { type: "boolean", description: "true: neither read nor write the result cache for this request." };
const legacy = (of: string): JsonSchema => ({ type: "string", deprecated: true, description: `Historical spelling of ${of}.` });
/** Operators of the boolean query language, matched in any case. */
const OPERATOR = { type: "string", pattern: "^([Aa][Nn][Dd]|[Oo][Rr]|[Nn][Oo][Tt])$", description: "and / or / not, in any case" };

/** Every named schema the operations refer to; built on demand by the document builder. */
export function bodySchemas(): Record<string, JsonSchema> {
  return {
    // ---- validated with zod in src/routes ----
    CreateDatabase: fromZod(createDatabaseSchema),
    Fault: fromZod(faultSchema),
    Restore: fromZod(restoreSchema),
    Reshard: fromZod(reshardSchema),
    Column: fromZod(columnSchema),
    ColumnPatch: fromZod(columnPatchSchema),
    CorsSetting: fromZod(corsSettingSchema),
    // ---- parsed by hand (src/routes/columns.ts wraps the zod column in a list) ----
    ColumnCreate: {
      description: `One column definition, or a list of 1 to ${COLUMNS_PER_REQUEST_MAX} created all or nothing.`,
      oneOf: [ref("Column"), { type: "array", minItems: 1, maxItems: COLUMNS_PER_REQUEST_MAX, items: ref("Column") }],
    },
    Dimension: { type: "string", maxLength: DIMENSION_NAME_CHARS_MAX, description: `A dimension name; "${DEFAULT_DIMENSION}" when absent. Unknown dimensions are error 128.` },
    Window: {
      type: "array",
      minItems: 1,
      maxItems: 2,
      items: { type: "string" },
      description: `[from, to] (or ["today"]): YYYY-MM-DD, ISO-8601 date-times or relative tokens such as "now", "-7d" (API.md §6.3).`,
    },
    Predicate: {
      type: "object",
      minProperties: 1,
      description:
        `{"<column api-name>": {<predicates>}} with equals, not-equals, range, gt, gte, lt, lte, contains, not-contains, starts-with, ends-with, ` +
        `and for event columns between and minfreq (API.md §6.2); or a freqgroup object {"freqgroup": [...], "minfreq": n}.`,
    },
    Query: {
      description:
        `The boolean query language of API.md §6: a list of predicate objects, operators and nested lists (at most ${QUERY_DEPTH_MAX} levels ` +
        `deep, ${QUERY_PREDICATES_MAX} predicates in all); a lone predicate object reads as a one-item list.`,
      oneOf: [ref("Predicate"), { type: "array", minItems: 1, items: { anyOf: [ref("Predicate"), OPERATOR, ref("Query")] } }],
    },
    NamedQuery: {
      type: "object",
      required: ["query-name", "query"],
      additionalProperties: false,
      properties: {
        "query-name": { type: "string", minLength: 1, description: "The key of this query's count in `result`; unique within the request." },
        query: ref("Query"),
        dimension: ref("Dimension"),
        "bypass-cache": bypassCache,
      },
    },
    NamedQueries: {
      description: `One named query, or a list of 1 to ${NAMED_QUERIES_MAX} (code 123 beyond).`,
      oneOf: [ref("NamedQuery"), { type: "array", minItems: 1, maxItems: NAMED_QUERIES_MAX, items: ref("NamedQuery") }],
    },
    Total: {
      type: "object",
      additionalProperties: false,
      description: "An empty body (or {}) counts every dimension.",
      properties: { dimensions: { type: "array", minItems: 1, items: { type: "string", minLength: 1 } }, tables: legacy("dimensions"), "bypass-cache": bypassCache },
    },
    Exists: {
      type: "object",
      required: ["ids"],
      additionalProperties: false,
      properties: {
        ids: { type: "array", minItems: 1, maxItems: EXISTS_IDS_MAX, items: { type: ["string", "number"], minLength: 1 } },
        dimension: ref("Dimension"),
        table: legacy("dimension"),
        "bypass-cache": bypassCache,
      },
    },
    TopValues: {
      type: "object",
      minProperties: 1,
      description: `1 to ${TOP_VALUES_QUERIES_MAX} named sub-queries (code 123 beyond), plus an optional top-level dimension and bypass-cache.`,
      properties: { dimension: ref("Dimension"), "bypass-cache": bypassCache },
      additionalProperties: ref("TopValuesQuery"),
    },
    TopValuesQuery: topValuesQuery(),
    Aggregation: {
      type: "object",
      required: ["query"],
      additionalProperties: false,
      properties: {
        filter: ref("Query"),
        query: { type: "array", minItems: 1, maxItems: AGGREGATION_LEVELS_MAX, items: ref("AggregationLevel"), description: "Group levels first, metric levels last." },
        dimension: ref("Dimension"),
        "bypass-cache": bypassCache,
      },
    },
    AggregationLevel: {
      type: "object",
      description: "Exactly one column member: N (group by its top N values) or a metric name, plus modifiers.",
      properties: {
        equals: { type: "array", description: "Group levels: restrict the level to these values." },
        between: {
          description: `An event window, or (metric levels) a list of explicit buckets; histograms hold at most ${HISTOGRAM_BUCKETS_MAX} buckets.`,
          anyOf: [ref("Window"), { type: "array", minItems: 1, items: ref("Window") }],
        },
        interval: { type: "string", description: "Metric levels with a window: hour(s), day(s), week(s) or month(s) buckets, any case." },
      },
      additionalProperties: {
        anyOf: [
          { type: "integer", minimum: 1, maximum: AGGREGATION_GROUP_N_MAX },
          { type: "string", enum: ["min", "max", "avg", "sum", "count-events"] },
        ],
      },
    },
    Extraction: {
      type: "object",
      additionalProperties: false,
      description: "No query selects every entity of the dimension.",
      properties: {
        query: ref("Query"),
        columns: {
          description: `"all" (entity-id and every attribute column) or a list of at most ${EXTRACTION_COLUMNS_MAX} api-names (entity-id included) and event windows {"<event column>": [from, to]}.`,
          anyOf: [
            { type: "string", pattern: "^[Aa][Ll][Ll]$" },
            { type: "array", maxItems: EXTRACTION_COLUMNS_MAX, items: { anyOf: [{ type: "string" }, { type: "object", minProperties: 1, maxProperties: 1 }] } },
          ],
        },
        order: { type: "array", items: { type: "object", minProperties: 1, maxProperties: 1, additionalProperties: { type: "string", description: "asc or desc, any case" } } },
        limit: { type: "integer", minimum: 1, maximum: EXTRACTION_LIMIT_MAX, default: EXTRACTION_LIMIT_DEFAULT },
        "page-token": { type: "string", description: "The previous page's next-page; not combined with limit." },
        dimension: ref("Dimension"),
        "bypass-cache": bypassCache,
      },
    },
    Insert: insertBody(),
    SavedQuery: savedQuery(true),
    SavedQueryReplace: savedQuery(false),
    Delete: { type: "object", required: ["query"], additionalProperties: false, properties: { query: ref("Query"), dimension: ref("Dimension") } },
    Update: {
      type: "object",
      required: ["query", "set"],
      additionalProperties: false,
      properties: {
        query: ref("Query"),
        set: { type: "object", minProperties: 1, description: "Column api-name → new value, read like an insert value; attribute latest-value columns only." },
        dimension: ref("Dimension"),
      },
    },
    KeyDefinition: keyDefinition(),
    Sql: { type: "string", minLength: 1, description: "One SELECT or INSERT statement (API.md §7.12)." },
  };
}

function topValuesQuery(): JsonSchema {
  const filter = {
    description: `1 to ${TOP_VALUES_FILTER_VALUES_MAX} values; a single value reads as a one-item list.`,
    anyOf: [{ type: "array", minItems: 1, maxItems: TOP_VALUES_FILTER_VALUES_MAX }, { type: ["string", "number", "boolean"] }],
  };
  const filters = Object.fromEntries(["contains", "not-contains", "starts-with", "ends-with", "not-equals", "equals"].map((f) => [f, filter]));
  return {
    type: "object",
    description: "Exactly one column member whose value is N, the number of values to return, plus filters.",
    properties: { ...filters, between: ref("Window"), dimension: ref("Dimension"), "bypass-cache": bypassCache },
    additionalProperties: { type: "integer", minimum: 1, maximum: TOP_VALUES_N_MAX },
  };
}

function insertBody(): JsonSchema {
  const event = { type: "object", required: ["value"], additionalProperties: false, properties: { value: {}, date: { type: "string" } } };
  return {
    type: "object",
    description:
      `Entity id (1 to ${ENTITY_ID_CHARS_MAX} characters) → its values: at most ${INSERT_ENTITIES_MAX} entities and ${INSERT_VALUES_MAX} values ` +
      `(each event counted), strings up to ${STRING_VALUE_CHARS_MAX} characters (API.md §5.1).`,
    properties: {
      "auto-create": { type: "array", items: { type: "string", enum: ["dimension", "column", "table"] }, description: "What the insert may create when missing." },
      "auto-create-fields": { type: "boolean", deprecated: true },
      "auto-create-columns": { type: "boolean", deprecated: true },
    },
    additionalProperties: {
      type: "object",
      description: "Column api-name → value; event columns take {value, date?} or a list of them, list-of-values columns a list.",
      properties: { dimension: ref("Dimension"), table: legacy("dimension") },
      additionalProperties: { anyOf: [{ type: ["string", "number", "boolean"] }, event, { type: "array" }] },
    },
  };
}

function savedQuery(withName: boolean): JsonSchema {
  const name = { type: "string", pattern: "^[A-Za-z0-9-]+$", maxLength: SAVED_QUERY_NAME_CHARS_MAX };
  return {
    type: "object",
    required: withName ? ["name", "type"] : ["type"],
    additionalProperties: false,
    properties: {
      name: withName ? name : { ...name, description: "Optional; must equal the name in the path (no renaming)." },
      type: { type: "string", enum: [...SAVED_QUERY_TYPES] },
      query: { description: "What that endpoint takes: the boolean list for count types, the whole body for aggregation and top_values; optional for count/entity/total." },
      dimension: ref("Dimension"),
      "cache-period": { type: "integer", minimum: 0, default: SAVED_QUERY_CACHE_PERIOD_DEFAULT, description: "Seconds an answer stays in the result cache." },
    },
  };
}

function keyDefinition(): JsonSchema {
  const grants = {
    type: "object",
    maxProperties: KEY_PERMISSION_DIMENSIONS_MAX,
    propertyNames: { pattern: API_NAME_PATTERN.source, maxLength: DIMENSION_NAME_CHARS_MAX },
    additionalProperties: { anyOf: [{ const: "*" }, { type: "array", items: { type: "string", pattern: API_NAME_PATTERN.source, maxLength: COLUMN_API_NAME_CHARS_MAX } }] },
    description: `Dimension → "*" or its column api-names (at most ${KEY_PERMISSION_COLUMNS_MAX} columns over all grants).`,
  };
  return {
    type: "object",
    required: ["name", "level"],
    additionalProperties: false,
    properties: {
      name: { type: "string", minLength: 1, maxLength: KEY_NAME_CHARS_MAX },
      level: { type: "string", enum: [...CREATABLE_LEVELS] },
      permissions: { type: "object", additionalProperties: false, minProperties: 1, properties: { query: grants, insert: grants } },
    },
    // Custom keys must carry permissions; the other levels must not.
    if: { properties: { level: { const: "custom" } } },
    then: { required: ["permissions"] },
    else: { not: { required: ["permissions"] } },
  };
}
