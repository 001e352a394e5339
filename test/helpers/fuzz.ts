// Seeded generators of hostile input for the API fuzz test: random mutations of valid JSON bodies
// and SQL text, adversarial values (prototype keys, injection strings, huge and odd numbers, deep
// nesting, lone surrogates) and raw byte bodies (invalid UTF-8, truncated JSON). Same seed, same run.

export class Rng {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }
  /** mulberry32 */
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
}

/** Keys that reach prototypes or built-ins when code indexes plain objects with them. */
export const PROTO_KEYS = ["__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty", "__defineGetter__", "then"];

export const INJECTION = [
  "' OR '1'='1",
  "'; DROP TABLE cat_api_keys; --",
  '"; DELETE FROM cat_columns; --',
  "1); DROP TABLE x; --",
  "\\",
  "%",
  "_",
  "${process.env}",
  "<script>alert(1)</script>",
  "../../etc/passwd",
  "\u0000",
  "\ud800", // lone surrogate
  "\udfff\ud800",
  "ﬀ\u202e",
  "Ω≈ç√∫˜µ≤≥÷",
  "NaN",
  "Infinity",
  "-0",
  "1e400",
  "now",
  "-1d",
  "2018-13-45T99:99:99Z",
  "sk_00000000000000000000_AAAAAAAAAAAAAAAAAAAAAAAA",
];

const NUMBERS = [0, -0, 1, -1, 0.5, 1e308, -1e308, 5e-324, 2 ** 53, 2 ** 53 + 2, -(2 ** 63), 2 ** 64, 4294967296, 123456789.123456789, 1e21];

export function adversarialValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(0, 11)) {
    case 0:
      return rng.pick(NUMBERS);
    case 1:
      return rng.pick(INJECTION);
    case 2:
      return rng.pick(PROTO_KEYS);
    case 3:
      return null;
    case 4:
      return rng.bool();
    case 5:
      return "x".repeat(rng.pick([0, 1, 999, 1000, 1001, 5000]));
    case 6:
      return depth > 2 ? [] : Array.from({ length: rng.int(0, 3) }, () => adversarialValue(rng, depth + 1));
    case 7:
      return depth > 2 ? {} : adversarialObject(rng, depth + 1);
    case 8:
      return nested(rng.pick([2, 17, 40, 200]), rng.bool() ? "array" : "object");
    case 9:
      return Array.from({ length: rng.pick([101, 1001]) }, (_, i) => `v${i}`);
    case 10:
      return rng.int(-1000, 1000);
    default:
      return rng.pick(["", " ", "default", "entity-id", "name", "age", "equals", "and", "or", "not", "all", "*"]);
  }
}

/** An object with own members named by prototype keys too (JSON.parse makes "__proto__" an own member). */
export function adversarialObject(rng: Rng, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = rng.int(0, 3); i > 0; i--) defineOwn(out, rng.bool(0.4) ? rng.pick(PROTO_KEYS) : String(adversarialKey(rng)), adversarialValue(rng, depth + 1));
  return out;
}

function adversarialKey(rng: Rng): string {
  return rng.pick([...PROTO_KEYS, ...INJECTION, "", "name", "age", "query", "dimension", "query-name", "columns", "x".repeat(2000)]);
}

export function nested(depth: number, kind: "array" | "object"): unknown {
  let v: unknown = { name: { equals: "x" } };
  for (let i = 0; i < depth; i++) v = kind === "array" ? [v] : { not: v };
  return v;
}

/** Sets an own data member even for "__proto__" (plain assignment would set the prototype instead). */
export function defineOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** Every path to a node of a JSON value. */
function paths(v: unknown, at: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

/** One to three random edits of a valid body: replace, delete, add a member, wrap, or re-type a node. */
export function mutate(rng: Rng, valid: unknown): unknown {
  let root = clone(valid);
  for (let n = rng.int(1, 3); n > 0; n--) {
    const all = paths(root);
    const path = rng.pick(all);
    const op = rng.int(0, 5);
    const replacement = op === 0 ? adversarialValue(rng) : op === 1 ? undefined : op === 2 ? "add" : op === 3 ? "wrap" : op === 4 ? "retype" : "dup";
    if (path.length === 0) {
      if (op === 3) root = [root];
      else if (op === 0 || op === 4) root = adversarialValue(rng);
      else if (op === 2 && root !== null && typeof root === "object" && !Array.isArray(root)) defineOwn(root as Record<string, unknown>, adversarialKey(rng), adversarialValue(rng));
      continue;
    }
    const parent = path.slice(0, -1).reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], root) as Record<string | number, unknown>;
    const key = path[path.length - 1]!;
    const current = parent[key];
    switch (replacement) {
      case undefined:
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key];
        break;
      case "add":
        if (current !== null && typeof current === "object" && !Array.isArray(current)) defineOwn(current as Record<string, unknown>, adversarialKey(rng), adversarialValue(rng));
        else if (Array.isArray(current)) current.splice(rng.int(0, current.length), 0, adversarialValue(rng));
        else parent[key] = adversarialValue(rng);
        break;
      case "wrap":
        parent[key] = rng.bool() ? [current] : { [adversarialKey(rng)]: current };
        break;
      case "retype":
        parent[key] = typeof current === "string" ? rng.pick([1, true, null, [current], { v: current }]) : typeof current === "number" ? String(current) : rng.pick(["x", 0, false]);
        break;
      case "dup":
        if (Array.isArray(parent)) parent.splice(key as number, 0, clone(current));
        else parent[key] = [current, clone(current)];
        break;
      default:
        parent[key] = replacement;
    }
  }
  return root;
}

const SQL_TOKENS = [
  "SELECT",
  "FROM",
  "WHERE",
  "AND",
  "OR",
  "NOT",
  "IN",
  "LIKE",
  "BETWEEN",
  "GROUP",
  "BY",
  "ORDER",
  "HAVING",
  "LIMIT",
  "INSERT",
  "INTO",
  "VALUES",
  "COUNT(*)",
  "*",
  "(",
  ")",
  ",",
  "'",
  '"',
  "[",
  "]",
  ";",
  "--",
  "/*",
  "*/",
  "=",
  "!=",
  "<>",
  "<=",
  ">=",
  "%",
  "NULL",
  "CASE",
  "WHEN",
  "THEN",
  "END",
  "default",
  "customers",
  "name",
  "age",
  "constructor",
  "__proto__",
  "[entity-id]",
  "'x'",
  "'",
  "1e400",
  "-9223372036854775809",
  "0x10",
  "DATEPART",
  "INTERVAL",
  "'; DROP TABLE cat_api_keys; --",
  "UNION SELECT",
  "\u0000",
  "\ud800",
];

/** Token-level edits of a valid statement (delete, duplicate, insert, swap), or a pathological one. */
export function mutateSql(rng: Rng, valid: string): string {
  if (rng.bool(0.08)) {
    const n = rng.pick([50, 500, 5000]);
    return rng.pick([
      `SELECT COUNT(*) FROM default WHERE ${"(".repeat(n)}age = 1${")".repeat(n)}`,
      `SELECT COUNT(*) FROM default WHERE ${Array.from({ length: n }, (_, i) => `age = ${i}`).join(" OR ")}`,
      `SELECT COUNT(*) FROM default WHERE ${"NOT ".repeat(n)}age = 1`,
      `SELECT COUNT(*) FROM default WHERE age IN (${Array.from({ length: n }, (_, i) => i).join(",")})`,
      `SELECT ${Array.from({ length: n }, () => "name").join(", ")} FROM default`,
      `SELECT COUNT(*) FROM default WHERE name = '${"'".repeat(n)}'`,
    ]);
  }
  const tokens = valid.split(/(\s+|[(),=])/).filter((t) => t.trim() !== "");
  for (let n = rng.int(1, 3); n > 0; n--) {
    const i = rng.int(0, Math.max(0, tokens.length - 1));
    switch (rng.int(0, 3)) {
      case 0:
        tokens.splice(i, 1);
        break;
      case 1:
        tokens.splice(i, 0, tokens[i] ?? "x");
        break;
      case 2:
        tokens.splice(i, 0, rng.pick(SQL_TOKENS));
        break;
      default: {
        const j = rng.int(0, Math.max(0, tokens.length - 1));
        [tokens[i], tokens[j]] = [tokens[j]!, tokens[i]!];
      }
    }
  }
  return tokens.join(" ");
}

/** Raw bodies that are not JSON at all, or not text. */
export function rawBody(rng: Rng, validText: string): Uint8Array | string {
  switch (rng.int(0, 7)) {
    case 0:
      return new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]); // {"\xC3(":1} invalid UTF-8
    case 1:
      return new Uint8Array(Array.from({ length: rng.int(1, 64) }, () => rng.int(0, 255)));
    case 2:
      return validText.slice(0, rng.int(0, Math.max(0, validText.length - 1))); // truncated
    case 3:
      return "[".repeat(100_000) + "]".repeat(100_000); // deep nesting in the text itself
    case 4:
      return '{"a":'.repeat(20_000) + "1" + "}".repeat(20_000);
    case 5:
      return rng.pick(["", "null", "true", "0", '"str"', "[]", "{}", "NaN", "{'single': 1}", '{"a":1,}', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}']);
    case 6:
      return `\ufeff${validText}`; // BOM
    default:
      return validText.replace(/"/g, rng.pick(["'", "", '\\"']));
  }
}

const QUERY_COLUMNS = ["name", "age", "tags", "logins", "spend", "constructor", "entity-id", "plan", "__proto__", "nope", "NAME"];
const PREDICATES = ["equals", "not-equals", "range", "gt", "gte", "lt", "lte", "contains", "starts-with", "ends-with", "not-contains", "between", "minfreq", "in", "__proto__", "constructor"];
const SCALARS: unknown[] = ["ana", "web", 30, 17.5, -1, true, null, "2018-01-01", "2018-01-01T00:00:00Z", "-3d", "now", 1e308, "", [], {}];

/** A query list built from the §6 grammar with random columns, predicates, values and operators. */
export function randomQuery(rng: Rng, depth = 0): unknown[] {
  const out: unknown[] = [];
  for (let n = rng.int(1, 4); n > 0; n--) {
    if (out.length > 0) out.push(rng.pick(["and", "or", "AND", "Or", "not", "xor", "and not"]));
    if (rng.bool(0.1)) out.push("not");
    if (depth < 4 && rng.bool(0.2)) out.push(randomQuery(rng, depth + 1));
    else if (rng.bool(0.1))
      out.push({ freqgroup: [{ logins: { equals: rng.pick(SCALARS) } }, { spend: { gte: rng.pick(SCALARS) } }], minfreq: rng.pick([1, 0, -1, 2.5, "2"]), between: ["-30d", "now"] });
    else {
      const preds: Record<string, unknown> = {};
      for (let k = rng.int(1, 3); k > 0; k--) defineOwn(preds, rng.pick(PREDICATES), rng.bool(0.7) ? rng.pick(SCALARS) : rng.bool() ? [rng.pick(SCALARS), rng.pick(SCALARS)] : adversarialValue(rng));
      const item: Record<string, unknown> = {};
      defineOwn(item, rng.pick(QUERY_COLUMNS), preds);
      out.push(item);
    }
  }
  return out;
}
