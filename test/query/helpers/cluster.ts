// A few reference-engine shards over node:sqlite, with entities routed by a hash, to run compiled
// queries end to end (plan → engine → merge) in unit tests; plus a minimal, test-local converter of
// SlicingDice insert bodies to EntityWrites (the real insert path is the lead's).

import { createReferenceEngine } from "../../../engine/testing/reference/index";
import { isDateOnly } from "../../../src/ingest/dates";
import type { ColumnType } from "../../../contract/columns";
import { isEventType } from "../../../contract/columns";
import { extendAnswers, type CompiledQuery } from "../../../src/query/compiled";
import type { CompiledMutation } from "../../../src/query/mutations";
import { normaliseEventTime, normaliseValue } from "../../../src/ingest/normalise";
import type { AttrWrite, EntityWrite, EventWrite, ShardAnswer } from "../../../contract/plan";
import type { ShardEngine } from "../../../engine/engine";
import type { SchemaIndex } from "../../../contract/schema";
import { openSqlite, type SqliteHarness } from "../../engine/helpers/sqlite";
import type { ColumnSpec } from "./schema";

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Cluster {
  readonly harnesses: SqliteHarness[];
  readonly engines: ShardEngine[];
  /** Queries that needed a second round. */
  followUps = 0;
  /** `engine`: the reference row engine by default; tests of merges also run the segment engine. */
  constructor(
    readonly shards: number,
    engine: (sql: SqliteHarness["sql"]) => ShardEngine = createReferenceEngine,
  ) {
    this.harnesses = Array.from({ length: shards }, () => openSqlite());
    this.engines = this.harnesses.map((h) => engine(h.sql));
  }

  route(dimension: string, id: string): number {
    return fnv1a(`${dimension}\u0000${id}`) % this.shards;
  }

  write(entities: EntityWrite[]): void {
    const perShard = this.engines.map((): EntityWrite[] => []);
    for (const e of entities) perShard[this.route(e.dimension, e.id)]!.push(e);
    perShard.forEach((list, s) => {
      if (list.length > 0) this.harnesses[s]!.transactionSync(() => this.engines[s]!.apply({ kind: "write", entities: list }));
    });
  }

  answers(q: CompiledQuery, missing: number[] = []): Array<ShardAnswer | null> {
    return this.engines.map((e, s) => (missing.includes(s) ? null : e.query(q.planFor(s))));
  }

  /** Plan → engines → merge, with the follow-up round a route would run (extraction pages). */
  run(q: CompiledQuery, missing: number[] = []): Record<string, unknown> {
    let answers = this.answers(q, missing);
    const again = q.followUp?.plans(answers) ?? null;
    if (again !== null) {
      this.followUps++;
      const asked = [...again.keys()];
      answers = extendAnswers(
        q,
        answers,
        asked,
        asked.map((s) => this.engines[s]!.query(again.get(s)!)),
      );
    }
    return q.merge(answers, { missingShards: missing, totalShards: this.shards });
  }

  mutate(m: CompiledMutation): Record<string, unknown> {
    const counts = this.engines.map((e, s) => this.harnesses[s]!.transactionSync(() => e.apply(m.mutationFor(s))).entities);
    return m.merge(counts, { missingShards: [], totalShards: this.shards });
  }

  close(): void {
    for (const h of this.harnesses) h.close();
  }
}

/** Auto-create's type inference (API.md §3.4), for the insert bodies of the examples. */
function inferType(v: unknown): ColumnType {
  if (Array.isArray(v) || (typeof v === "object" && v !== null)) {
    const first = Array.isArray(v) ? v[0] : v;
    const value = (first as { value?: unknown } | undefined)?.value;
    if (typeof value === "number") return Number.isInteger(value) ? "integer-event" : "decimal-event";
    return "string-event";
  }
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "decimal";
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "string" && isDateOnly(v)) return "date";
  return "string";
}

/** Columns an auto-create insert would add to `columns`. */
export function autoColumns(insert: Record<string, unknown>, columns: ColumnSpec[]): ColumnSpec[] {
  const out = [...columns];
  if (!("auto-create" in insert)) return out;
  for (const [id, entity] of Object.entries(insert)) {
    if (id === "auto-create") continue;
    const e = entity as Record<string, unknown>;
    const dimension = typeof e["dimension"] === "string" ? e["dimension"] : "default";
    for (const [k, v] of Object.entries(e)) {
      if (k === "dimension" || out.some((c) => c.apiName === k && (c.dimension ?? "default") === dimension)) continue;
      out.push({ apiName: k, type: inferType(v), dimension });
    }
  }
  return out;
}

/** Insert body → EntityWrites, values normalised with normaliseValue (throws on any invalid value). */
export function insertToWrites(insert: Record<string, unknown>, schema: SchemaIndex, now: number): EntityWrite[] {
  const writes: EntityWrite[] = [];
  for (const [id, entity] of Object.entries(insert)) {
    if (id === "auto-create") continue;
    const e = entity as Record<string, unknown>;
    const dimension = typeof e["dimension"] === "string" ? e["dimension"] : "default";
    const attrs: AttrWrite[] = [];
    const events: EventWrite[] = [];
    for (const [k, raw] of Object.entries(e)) {
      if (k === "dimension") continue;
      const col = schema.column(dimension, k);
      if (!col) throw new Error(`insert: unknown column ${k} in ${dimension}`);
      const ref = { id: col.id, type: col.type, storage: col.storage };
      if (isEventType(col.type)) {
        for (const ev of Array.isArray(raw) ? raw : [raw]) {
          const { value, date } = ev as { value: unknown; date?: unknown };
          const v = normaliseValue(col, value);
          const t = normaliseEventTime(date, now);
          if (!v.ok) throw new Error(v.error.message);
          if (!t.ok) throw new Error(t.error.message);
          events.push({ col: ref, value: v.value, t: t.t });
        }
      } else {
        for (const item of col.storage === "list-of-values" && Array.isArray(raw) ? raw : [raw]) {
          const v = normaliseValue(col, item);
          if (!v.ok) throw new Error(v.error.message);
          attrs.push(v.text === undefined ? { col: ref, value: v.value } : { col: ref, value: v.value, text: v.text });
        }
      }
    }
    writes.push({ dimension, id, attrs, events });
  }
  return writes;
}
