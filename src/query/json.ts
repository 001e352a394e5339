// JSON serialisation of query responses with exact number types (API.md §7.6, §8 item 10): the
// type-strict Python harness reads `1500000` as int and `1500000.0` as float, and JSON.stringify
// cannot print the latter, so merges wrap float-typed numbers in `Float` and routes serialise
// their bodies with `stringifyResponse` instead of JSON.stringify.

/**
 * A number that must be printed as a JSON float (with a decimal point even when integral).
 * `toJSON` keeps plain JSON.stringify working (it then prints the bare number, losing only the ".0").
 */
export class Float {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
  toJSON(): number {
    return this.value;
  }
}

/** Tags a number as float-typed. */
export function float(value: number): Float {
  return new Float(value);
}

/** The plain number behind a number or Float (tests and merges read through the tag). */
export function numberOf(v: number | Float): number {
  return v instanceof Float ? v.value : v;
}

function floatText(v: number): string {
  if (!Number.isFinite(v)) return "null";
  const s = JSON.stringify(v);
  // "1e+21" and "1.5" already read as floats; only integral plain digits need the ".0".
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/**
 * JSON.stringify for response bodies: identical output except that `Float` values always carry a
 * decimal point. Objects with their own toJSON (other than Float) are honoured; undefined members are
 * dropped as JSON.stringify does.
 */
export function stringifyResponse(body: unknown): string {
  const out: string[] = [];
  write(body, out);
  return out.join("");
}

function write(v: unknown, out: string[]): void {
  if (v instanceof Float) {
    out.push(floatText(v.value));
    return;
  }
  if (v === null || typeof v !== "object") {
    // JSON.stringify handles strings, numbers (NaN → null), booleans; undefined/functions → null in arrays.
    out.push(JSON.stringify(v) ?? "null");
    return;
  }
  const withToJson = v as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === "function") {
    write(withToJson.toJSON(), out);
    return;
  }
  if (Array.isArray(v)) {
    out.push("[");
    v.forEach((item, i) => {
      if (i > 0) out.push(",");
      write(item, out);
    });
    out.push("]");
    return;
  }
  out.push("{");
  let first = true;
  for (const [k, item] of Object.entries(v)) {
    if (item === undefined || typeof item === "function") continue;
    if (!first) out.push(",");
    first = false;
    out.push(JSON.stringify(k), ":");
    write(item, out);
  }
  out.push("}");
}
