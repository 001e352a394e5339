// Name resolution and literal normalisation for SQL: a column reference of the AST → what it names
// in the FROM dimension (entity-id, score, an attribute, an event column's value or date), and a
// literal → the normalised Scalar a ValueTest compares (plan.ts: lower-cased text, epoch-ms times).

import { isEventType, valueKindOf, type ColumnDef } from "../../contract/columns";
import { parseBound, applyOffset, startOfUtcDay } from "../ingest/dates";
import { ApiError } from "../../contract/errors";
import type { Scalar } from "../../contract/plan";
import type { SchemaIndex } from "../../contract/schema";
import { literalValue, type SqlExpr } from "./ast";
import { positionOf, sqlError } from "./tokens";

/** What a column reference names. `key` is the name a result row uses for it (API.md §7.12.2). */
export type Target =
  | { kind: "entity-id"; key: string }
  | { kind: "score"; key: string }
  | { kind: "attr"; col: ColumnDef; key: string }
  | { kind: "event-value"; col: ColumnDef; key: string }
  | { kind: "event-date"; col: ColumnDef; key: string };

/** Everything the compiler stages share: the source (for positions), the schema, FROM (and its alias) and `now`. */
export class Scope {
  constructor(
    readonly source: string,
    readonly schema: SchemaIndex,
    readonly dimension: string,
    readonly now: number,
    readonly alias: string | null = null,
  ) {}

  /** Whether `name` qualifies columns of the FROM dimension: its name or its alias. */
  namesFrom(name: string): boolean {
    const n = name.toLowerCase();
    return n === this.dimension.toLowerCase() || (this.alias !== null && n === this.alias.toLowerCase());
  }

  error(at: number, message: string): ApiError {
    return sqlError(this.source, at, message);
  }

  where(at: number): string {
    return positionOf(this.source, at);
  }

  /** Resolves `[a.b]`, `a.b`, `dim.col`, `alias.col`, `[entity-id]`, `score`, `[ev.value]`, `[ev.date]`. */
  resolve(expr: Extract<SqlExpr, { kind: "column" }>): Target {
    let parts = expr.parts;
    const written = parts.join(".");
    const dot = parts.length === 1 ? parts[0]!.indexOf(".") : -1;
    if (parts.length > 1 && this.namesFrom(parts[0]!) && this.lookup(written) === null) {
      parts = parts.slice(1);
    } else if (dot > 0 && this.namesFrom(parts[0]!.slice(0, dot)) && this.lookup(written) === null) {
      parts = [parts[0]!.slice(dot + 1)]; // [users.name], [u.name]
    }
    const name = parts.join(".");
    const found = this.lookup(name);
    if (found) return found;
    if (parts.length > 1 && this.schema.hasDimension(parts[0]!)) {
      throw new ApiError("QUERY_UNKNOWN_COLUMN", `SQL: ${written} names dimension ${parts[0]}, but the query reads FROM ${this.dimension} (joins are not supported) at ${this.where(expr.at)}`);
    }
    throw new ApiError("QUERY_UNKNOWN_COLUMN", `SQL: unknown column ${written} in dimension ${this.dimension} at ${this.where(expr.at)}`);
  }

  private column(apiName: string): ColumnDef | undefined {
    return this.schema.column(this.dimension, apiName) ?? this.schema.column(this.dimension, apiName.toLowerCase());
  }

  private lookup(name: string): Target | null {
    const lower = name.toLowerCase();
    if (lower === "entity-id") return { kind: "entity-id", key: "entity-id" };
    const col = this.column(name);
    if (col) return isEventType(col.type) ? { kind: "event-value", col, key: col.apiName } : { kind: "attr", col, key: col.apiName };
    const m = /^(.*)\.(value|date)$/i.exec(name);
    if (m) {
      const base = this.column(m[1]!);
      const part = m[2]!.toLowerCase();
      if (base && isEventType(base.type)) {
        return part === "value" ? { kind: "event-value", col: base, key: `${base.apiName}.value` } : { kind: "event-date", col: base, key: `${base.apiName}.date` };
      }
      if (base && part === "value") return { kind: "attr", col: base, key: base.apiName };
    }
    if (lower === "score") return { kind: "score", key: "score" };
    return null;
  }

  /**
   * A literal as the normalised value a test on `col` compares: text lower-cased, numbers from
   * numbers or numeric strings (`age='19'`), booleans from true/false/'true'/'false'/1/0, dates and
   * datetimes as epoch ms.
   */
  valueFor(col: ColumnDef, lit: SqlExpr): Scalar {
    const kind = valueKindOf(col.type);
    if (kind === "time") {
      const ms = this.instantOf(lit);
      if (ms === null) throw new ApiError("QUERY_COLUMN_USAGE", `SQL: ${this.show(lit)} is not a date (column ${col.apiName} is ${col.type}) at ${this.where(lit.at)}`);
      return ms;
    }
    const v = this.literal(lit);
    const bad = (what: string) => new ApiError("QUERY_COLUMN_USAGE", `SQL: ${this.show(lit)} is not ${what} (column ${col.apiName} is ${col.type}) at ${this.where(lit.at)}`);
    switch (kind) {
      case "text":
        return typeof v === "string" ? v.toLowerCase() : typeof v === "number" && lit.kind === "number" ? lit.text.toLowerCase() : String(v).toLowerCase();
      case "number": {
        if (typeof v === "number") return v;
        if (typeof v === "string" && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(v)) return Number(v);
        throw bad("a number");
      }
      case "bool": {
        if (typeof v === "boolean") return v;
        const t = String(v).trim().toLowerCase();
        if (t === "true" || t === "1") return true;
        if (t === "false" || t === "0") return false;
        throw bad("a boolean");
      }
    }
  }

  /**
   * The instant a date operand stands for: a quoted date or relative token, NOW() / CURRENT_TIMESTAMP,
   * CURRENT_DATE (the start of today, UTC), or either plus or minus an INTERVAL; null for anything else.
   */
  instantOf(e: SqlExpr): number | null {
    switch (e.kind) {
      case "string":
        return this.instant(e.value, e.at);
      case "now":
        return e.date ? startOfUtcDay(this.now) : this.now;
      case "shift": {
        const base = this.instantOf(e.base);
        if (base === null) throw this.error(e.at, `only a date can take ${e.sign < 0 ? "-" : "+"} INTERVAL, found ${describeExpr(e.base)}`);
        return applyOffset(base, { amount: e.sign * e.interval.offset.amount, unit: e.interval.offset.unit });
      }
      default:
        return null;
    }
  }

  /** An entity id operand: exact text (ids are case-sensitive); numbers as written. */
  idValue(lit: SqlExpr): string {
    const v = this.literal(lit);
    return lit.kind === "number" ? lit.text : String(v);
  }

  /** A date bound: absolute ISO text (no zone = UTC), or now / today / a relative offset from now. */
  instant(text: string, at: number): number {
    const b = parseBound(text, this.now);
    if (b === null) {
      throw new ApiError("QUERY_DATE_FORMAT", `SQL: invalid date '${text}' at ${this.where(at)}; use 'YYYY-MM-DD', 'YYYY-MM-DDTHH:MM:SS[Z]' or a relative token`);
    }
    return b.kind === "instant" ? b.ms : applyOffset(this.now, b.offset);
  }

  /** The value of a literal node; anything else is a syntax error naming what was found. */
  literal(e: SqlExpr): string | number | boolean {
    const value = literalValue(e);
    if (value === null) throw this.error(e.at, "NULL can only be tested with IS NULL / IS NOT NULL");
    if (value === undefined) throw this.error(e.at, `expected a literal value, found ${describeExpr(e)}`);
    return value;
  }

  show(e: SqlExpr): string {
    if (e.kind === "string") return `'${e.value}'`;
    if (e.kind === "number") return e.text;
    return describeExpr(e);
  }
}

/** A short human name of an expression node for messages. */
export function describeExpr(e: SqlExpr): string {
  switch (e.kind) {
    case "column":
      return `column ${e.parts.join(".")}`;
    case "string":
      return `'${e.value}'`;
    case "number":
      return e.text;
    case "bool":
      return e.value ? "TRUE" : "FALSE";
    case "null":
      return "NULL";
    case "aggregate":
      return `${e.name}(...)`;
    case "call":
      return `${e.name}(...)`;
    case "case":
      return "CASE";
    case "now":
      return e.date ? "CURRENT_DATE" : "NOW()";
    case "interval":
      return "INTERVAL";
    case "shift":
      return `a date ${e.sign < 0 ? "-" : "+"} INTERVAL`;
    case "compare":
      return `a comparison (${e.op})`;
    case "between":
      return "BETWEEN";
    case "in":
      return "IN";
    case "like":
      return "LIKE";
    case "is-null":
      return "IS NULL";
    case "and":
      return "AND";
    case "or":
      return "OR";
    case "not":
      return "NOT";
  }
}
