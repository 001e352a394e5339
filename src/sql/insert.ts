// INSERT INTO dim(cols) VALUES (...), (...) → the JSON body POST /v1/insert takes
// (`{"<entity-id>": {"col": value, ..., "dimension": "<dim>"}}`); validation and type handling
// stay with the insert path. `[ev.value]` / `[ev.date]` column pairs become {value, date} events.

import { literalValue, type InsertStatement, type SqlExpr } from "./ast";
import { sqlError } from "./tokens";

export function compileInsert(stmt: InsertStatement, source: string): Record<string, unknown> {
  const table = stmt.table.name;
  const names = stmt.columns.map((c) => {
    const parts = c.parts.length > 1 && c.parts[0]!.toLowerCase() === table.toLowerCase() ? c.parts.slice(1) : c.parts;
    return parts.join(".");
  });
  const idIndex = names.findIndex((n) => n.toLowerCase() === "entity-id");
  if (idIndex < 0) throw sqlError(source, stmt.table.at, "INSERT needs an [entity-id] column naming each entity");
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (seen.has(n.toLowerCase())) throw sqlError(source, stmt.columns[i]!.at, `column ${n} is listed twice`);
    seen.add(n.toLowerCase());
  });
  // Columns written as base.value / base.date are event columns.
  const eventBase = (n: string) => /^(.+)\.(value|date)$/i.exec(n);
  // Null-prototype records: entity ids and column names are user text, and on a plain object an id
  // like "__proto__" or "constructor" would reach Object.prototype (polluting every object in the isolate).
  const body: Record<string, Record<string, unknown>> = Object.create(null) as Record<string, Record<string, unknown>>;
  for (const row of stmt.rows) {
    const idExpr = row[idIndex]!;
    const id = entityId(idExpr, source);
    const entity = body[id] ?? (body[id] = Object.create(null) as Record<string, unknown>);
    const events = new Map<string, { value?: unknown; date?: unknown }>();
    row.forEach((expr, i) => {
      if (i === idIndex) return;
      const name = names[i]!;
      const value = literal(expr, source);
      if (value === null) return; // NULL: nothing to store
      const ev = eventBase(name);
      if (ev) {
        const base = ev[1]!;
        const slot = events.get(base) ?? {};
        if (ev[2]!.toLowerCase() === "value") slot.value = value;
        else slot.date = value;
        events.set(base, slot);
        return;
      }
      entity[name] = value;
    });
    for (const [base, ev] of events) {
      if (ev.value === undefined) throw sqlError(source, stmt.at, `${base}.date is given without ${base}.value`);
      const list = Array.isArray(entity[base]) ? (entity[base] as unknown[]) : [];
      list.push(ev.date === undefined ? { value: ev.value } : { value: ev.value, date: ev.date });
      entity[base] = list;
    }
    entity["dimension"] = table;
  }
  return body;
}

function entityId(e: SqlExpr, source: string): string {
  if (e.kind === "string") return e.value;
  if (e.kind === "column" && e.doubleQuoted) return e.parts[0]!;
  if (e.kind === "number") return e.text;
  throw sqlError(source, e.at, "the entity id must be a quoted string or a number");
}

function literal(e: SqlExpr, source: string): string | number | boolean | null {
  const value = literalValue(e);
  if (value !== undefined) return value;
  if (e.kind === "column") throw sqlError(source, e.at, `VALUES takes literal values only, found column ${e.parts.join(".")}`);
  throw sqlError(source, e.at, "VALUES takes literal values only ('text', numbers, TRUE/FALSE, NULL)");
}
