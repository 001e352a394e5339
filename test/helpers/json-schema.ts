// A JSON Schema (2020-12) validator for exactly the keywords the OpenAPI document uses. Any other
// keyword is an error, not ignored: a schema written with one this does not check would otherwise
// pass every answer, and the test built on it would stop noticing drift.

type Json = unknown;
type Schema = Record<string, unknown> | boolean;

/** Keywords that only annotate. */
const ANNOTATIONS = new Set(["description", "default", "deprecated", "title", "examples"]);

export interface Resolver {
  (ref: string): Schema;
}

/** The document's own `#/...` references. */
export function localResolver(root: Record<string, unknown>): Resolver {
  return (ref) => {
    if (!ref.startsWith("#/")) throw new Error(`json-schema: only local references are supported, got ${ref}`);
    let at: unknown = root;
    for (const part of ref.slice(2).split("/")) {
      at = (at as Record<string, unknown> | undefined)?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
      if (at === undefined) throw new Error(`json-schema: ${ref} does not resolve`);
    }
    return at as Schema;
  };
}

/** Every way `value` breaks `schema`, as "$.path: why" lines; empty when it conforms. */
export function validate(schema: Schema, value: Json, resolve: Resolver, path = "$"): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: nothing is allowed here`];
  const errors: string[] = [];
  const fail = (why: string) => errors.push(`${path}: ${why}`);
  const obj = isObject(value) ? value : null;
  for (const [keyword, arg] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    switch (keyword) {
      case "$ref":
        errors.push(...validate(resolve(arg as string), value, resolve, path));
        break;
      case "type": {
        const types = Array.isArray(arg) ? (arg as string[]) : [arg as string];
        if (!types.some((t) => hasType(value, t))) fail(`expected ${types.join(" or ")}, got ${describe(value)}`);
        break;
      }
      case "const":
        if (!deepEqual(value, arg)) fail(`expected ${JSON.stringify(arg)}, got ${describe(value)}`);
        break;
      case "enum":
        if (!(arg as Json[]).some((x) => deepEqual(x, value))) fail(`expected one of ${JSON.stringify(arg)}, got ${describe(value)}`);
        break;
      case "pattern":
        if (typeof value === "string" && !new RegExp(arg as string, "u").test(value)) fail(`${JSON.stringify(value)} does not match ${arg as string}`);
        break;
      case "minLength":
      case "maxLength":
        if (typeof value === "string" && !within(keyword, [...value].length, arg as number)) fail(`length ${[...value].length} breaks ${keyword} ${arg as number}`);
        break;
      case "minimum":
      case "maximum":
        if (typeof value === "number" && !within(keyword, value, arg as number)) fail(`${value} breaks ${keyword} ${arg as number}`);
        break;
      case "minItems":
      case "maxItems":
        if (Array.isArray(value) && !within(keyword, value.length, arg as number)) fail(`${value.length} items break ${keyword} ${arg as number}`);
        break;
      case "minProperties":
      case "maxProperties":
        if (obj && !within(keyword, Object.keys(obj).length, arg as number)) fail(`${Object.keys(obj).length} members break ${keyword} ${arg as number}`);
        break;
      case "required":
        if (obj) for (const k of arg as string[]) if (!(k in obj)) fail(`missing member "${k}"`);
        break;
      case "properties":
        if (obj) {
          for (const [k, sub] of Object.entries(arg as Record<string, Schema>)) if (k in obj) errors.push(...validate(sub, obj[k], resolve, `${path}.${k}`));
        }
        break;
      case "additionalProperties":
        if (obj) {
          const declared = isObject(schema["properties"]) ? schema["properties"] : {};
          for (const [k, v] of Object.entries(obj)) {
            if (k in declared) continue;
            if (arg === false) fail(`member "${k}" is not in the schema`);
            else errors.push(...validate(arg as Schema, v, resolve, `${path}.${k}`));
          }
        }
        break;
      case "propertyNames":
        if (obj) for (const k of Object.keys(obj)) errors.push(...validate(arg as Schema, k, resolve, `${path}[name ${JSON.stringify(k)}]`));
        break;
      case "items":
        if (Array.isArray(value)) {
          const from = Array.isArray(schema["prefixItems"]) ? schema["prefixItems"].length : 0;
          value.slice(from).forEach((v, i) => errors.push(...validate(arg as Schema, v, resolve, `${path}[${i + from}]`)));
        }
        break;
      case "prefixItems":
        if (Array.isArray(value)) (arg as Schema[]).forEach((s, i) => i < value.length && errors.push(...validate(s, value[i], resolve, `${path}[${i}]`)));
        break;
      case "allOf":
        for (const s of arg as Schema[]) errors.push(...validate(s, value, resolve, path));
        break;
      case "anyOf":
        if (!(arg as Schema[]).some((s) => validate(s, value, resolve, path).length === 0)) fail(`matches none of anyOf: ${firstReasons(arg as Schema[], value, resolve, path)}`);
        break;
      case "oneOf": {
        const matching = (arg as Schema[]).filter((s) => validate(s, value, resolve, path).length === 0).length;
        if (matching !== 1) fail(matching === 0 ? `matches none of oneOf: ${firstReasons(arg as Schema[], value, resolve, path)}` : `matches ${matching} of oneOf`);
        break;
      }
      case "not":
        if (validate(arg as Schema, value, resolve, path).length === 0) fail("matches the schema under not");
        break;
      case "if": {
        const branch = validate(arg as Schema, value, resolve, path).length === 0 ? schema["then"] : schema["else"];
        if (branch !== undefined) errors.push(...validate(branch as Schema, value, resolve, path));
        break;
      }
      case "then":
      case "else":
        break; // read with "if"
      default:
        throw new Error(`json-schema: keyword "${keyword}" at ${path} is not supported by this validator`);
    }
  }
  return errors;
}

function isObject(v: Json): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function hasType(v: Json, t: string): boolean {
  switch (t) {
    case "object":
      return isObject(v);
    case "array":
      return Array.isArray(v);
    case "string":
      return typeof v === "string";
    case "number":
      return typeof v === "number";
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "boolean":
      return typeof v === "boolean";
    case "null":
      return v === null;
    default:
      throw new Error(`json-schema: unknown type "${t}"`);
  }
}

function within(keyword: string, n: number, bound: number): boolean {
  return keyword.startsWith("min") ? n >= bound : n <= bound;
}

function deepEqual(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function describe(v: Json): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function firstReasons(options: Schema[], value: Json, resolve: Resolver, path: string): string {
  return options.map((s) => validate(s, value, resolve, path)[0] ?? "?").join(" | ");
}
