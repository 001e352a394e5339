// The typed syntax tree of the SQL dialect (API.md §7.12.1), as parser.ts builds it. Every node
// carries `at`, the source offset of its first character, so later stages can name positions.
// No name resolution happens here: column references are raw name parts.

import type { RelativeOffset } from "../ingest/dates";

export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=";

export type AggregateName = "COUNT" | "AVG" | "MIN" | "MAX" | "SUM";

export type SqlExpr =
  /**
   * `age`, `jobs.admission`, `[purchase-values.value]` → parts ["purchase-values.value"] (brackets keep dots).
   * `doubleQuoted`: one "..." part, which may also stand for a string value where a literal is expected.
   */
  | { kind: "column"; parts: string[]; at: number; doubleQuoted?: boolean }
  | { kind: "string"; value: string; at: number }
  | { kind: "number"; value: number; text: string; at: number }
  | { kind: "bool"; value: boolean; at: number }
  | { kind: "null"; at: number }
  /** COUNT(*), AVG(col), COUNT(DISTINCT col). `arg` null means `*`. */
  | { kind: "aggregate"; name: AggregateName; arg: SqlExpr | null; distinct: boolean; at: number }
  /** Any other call: DATEPART('dd', col), INTERVAL(col). `name` is upper-cased. */
  | { kind: "call"; name: string; args: SqlExpr[]; at: number }
  /** NOW() and CURRENT_TIMESTAMP: the request's instant; CURRENT_DATE (`date`): the start of its UTC day. */
  | { kind: "now"; date: boolean; at: number }
  /** INTERVAL '1' DAY, INTERVAL 1 DAY or INTERVAL '1 day': a calendar offset (months and years by the calendar). */
  | { kind: "interval"; offset: RelativeOffset; at: number }
  /** A date plus or minus an interval: NOW() - INTERVAL '1' DAY, '2017-05-22' + INTERVAL 1 WEEK. */
  | { kind: "shift"; base: SqlExpr; sign: 1 | -1; interval: Extract<SqlExpr, { kind: "interval" }>; at: number }
  | { kind: "case"; whens: Array<{ cond: SqlExpr; result: SqlExpr }>; otherwise: SqlExpr | null; at: number }
  | { kind: "compare"; op: CompareOp; left: SqlExpr; right: SqlExpr; at: number }
  | { kind: "between"; arg: SqlExpr; low: SqlExpr; high: SqlExpr; negated: boolean; at: number }
  | { kind: "in"; arg: SqlExpr; list: SqlExpr[]; negated: boolean; at: number }
  | { kind: "like"; arg: SqlExpr; pattern: SqlExpr; negated: boolean; at: number }
  | { kind: "is-null"; arg: SqlExpr; negated: boolean; at: number }
  | { kind: "and"; args: SqlExpr[]; at: number }
  | { kind: "or"; args: SqlExpr[]; at: number }
  | { kind: "not"; arg: SqlExpr; at: number };

export type SelectItem =
  /** `*` or `dim.*` */
  { kind: "star"; qualifier: string | null; at: number } | { kind: "expr"; expr: SqlExpr; alias: string | null; at: number };

export interface OrderItem {
  expr: SqlExpr;
  dir: "asc" | "desc";
  at: number;
}

export interface SelectStatement {
  kind: "select";
  distinct: boolean;
  items: SelectItem[];
  /** FROM dim [AS] alias: `alias` qualifies column names as the dimension's name does. */
  from: { name: string; alias: string | null; at: number };
  where: SqlExpr | null;
  groupBy: SqlExpr[];
  having: SqlExpr | null;
  orderBy: OrderItem[];
  /** LIMIT n or TOP n. */
  limit: { value: number; at: number } | null;
  offset: { value: number; at: number } | null;
  at: number;
}

export interface InsertStatement {
  kind: "insert";
  table: { name: string; at: number };
  columns: Array<{ parts: string[]; at: number }>;
  rows: SqlExpr[][];
  at: number;
}

export type Statement = SelectStatement | InsertStatement;

/**
 * The value a literal node stands for: its string/number/boolean, `null` for NULL, and a
 * double-quoted name read as text (as MySQL reads "text" where a value is expected). `undefined`
 * when the node is not a literal, for the caller to refuse in its own words.
 */
export function literalValue(e: SqlExpr): string | number | boolean | null | undefined {
  switch (e.kind) {
    case "string":
    case "number":
    case "bool":
      return e.value;
    case "null":
      return null;
    case "column":
      return e.doubleQuoted ? e.parts[0]! : undefined;
    default:
      return undefined;
  }
}
