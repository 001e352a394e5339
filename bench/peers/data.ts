// Generates the §5.1 shard once (bench/generator.ts, seed 42) and hands the same data to every engine:
// our engine through its own apply() path into a node:sqlite file, the peers as entities.csv and
// events.csv (plus the columns kept in typed arrays for loaders that insert rows directly).

import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { EntityWrite } from "../../contract/plan";
import { makeGenerator, toEntityWrite } from "../generator";

export interface Dataset {
  n: number;
  dir: string;
  entitiesCsv: string;
  eventsCsv: string;
  events: number;
  /** Columns (entity index = id), for direct loaders. Strings are prefix + index, e.g. country 3 -> 'c3'. */
  cols: {
    extId: string[];
    country: Uint8Array;
    plan: Uint8Array;
    gender: Uint8Array;
    device: Uint8Array;
    city: Uint16Array;
    age: Uint8Array;
    income: Int32Array;
    score: Uint16Array;
    active: Uint8Array;
    signup: Uint16Array;
  };
  ev: { entity: Int32Array; col: Uint8Array; day: Uint16Array; val: Uint16Array };
  generateMs: number;
}

export const ENTITY_HEADER = "id,ext_id,country,plan,gender,device,city,age,income,score,active,signup_day";
export const EVENT_HEADER = "entity,col,day,val";

/**
 * Generates n entities into dir (CSV files) and streams them, in batches of 1000, to `sink`
 * (our engine's apply). Returns the dataset with its typed-array columns.
 */
export function generate(n: number, dir: string, sink: ((batch: EntityWrite[]) => void) | null, log = console.log): Dataset {
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const gen = makeGenerator(42);
  const cols: Dataset["cols"] = {
    extId: new Array<string>(n),
    country: new Uint8Array(n),
    plan: new Uint8Array(n),
    gender: new Uint8Array(n),
    device: new Uint8Array(n),
    city: new Uint16Array(n),
    age: new Uint8Array(n),
    income: new Int32Array(n),
    score: new Uint16Array(n),
    active: new Uint8Array(n),
    signup: new Uint16Array(n),
  };
  let cap = n * 21;
  let ev = { entity: new Int32Array(cap), col: new Uint8Array(cap), day: new Uint16Array(cap), val: new Uint16Array(cap) };
  let events = 0;
  const entitiesCsv = join(dir, "entities.csv");
  const eventsCsv = join(dir, "events.csv");
  const fe = openSync(entitiesCsv, "w");
  const fv = openSync(eventsCsv, "w");
  writeSync(fe, ENTITY_HEADER + "\n");
  writeSync(fv, EVENT_HEADER + "\n");
  let sinkMs = 0;
  const BATCH = 1000;
  for (let i = 0; i < n; i += BATCH) {
    const batch: EntityWrite[] = [];
    let ecsv = "";
    let vcsv = "";
    for (let j = i; j < Math.min(n, i + BATCH); j++) {
      const e = gen(j);
      if (sink !== null) batch.push(toEntityWrite(e));
      cols.extId[j] = e.extId;
      cols.country[j] = e.country;
      cols.plan[j] = e.plan;
      cols.gender[j] = e.gender;
      cols.device[j] = e.device;
      cols.city[j] = e.city;
      cols.age[j] = e.age;
      cols.income[j] = e.income;
      cols.score[j] = e.score;
      cols.active[j] = e.active ? 1 : 0;
      cols.signup[j] = e.signup;
      ecsv += `${j},${e.extId},c${e.country},p${e.plan},g${e.gender},d${e.device},city${e.city},${e.age},${e.income},${e.score},${e.active ? 1 : 0},${e.signup}\n`;
      for (const [c, list] of [
        [0, e.purchase],
        [1, e.pageview],
      ] as const) {
        for (const [val, day] of list) {
          if (events === cap) {
            cap *= 2;
            const grow = { entity: new Int32Array(cap), col: new Uint8Array(cap), day: new Uint16Array(cap), val: new Uint16Array(cap) };
            grow.entity.set(ev.entity);
            grow.col.set(ev.col);
            grow.day.set(ev.day);
            grow.val.set(ev.val);
            ev = grow;
          }
          ev.entity[events] = j;
          ev.col[events] = c;
          ev.day[events] = day;
          ev.val[events] = val;
          events++;
          vcsv += `${j},${c},${day},${val}\n`;
        }
      }
    }
    writeSync(fe, ecsv);
    writeSync(fv, vcsv);
    if (sink !== null) {
      const t = performance.now();
      sink(batch);
      sinkMs += performance.now() - t;
    }
    if ((i / BATCH) % 100 === 99) log(`  generated ${i + BATCH} entities (${events} events)`);
  }
  closeSync(fe);
  closeSync(fv);
  const generateMs = performance.now() - t0 - sinkMs;
  log(`generated ${n} entities, ${events} events in ${(generateMs / 1000).toFixed(1)} s (+ ${(sinkMs / 1000).toFixed(1)} s applying to our engine)`);
  return {
    n,
    dir,
    entitiesCsv,
    eventsCsv,
    events,
    cols,
    ev: { entity: ev.entity.subarray(0, events), col: ev.col.subarray(0, events), day: ev.day.subarray(0, events), val: ev.val.subarray(0, events) },
    generateMs,
  };
}
