// The notes/engine.md §5.1 shard generator, shared by bench/engine.ts and bench/peers/: seeded
// mulberry32 + Zipf draws. Each entity is drawn as a raw record (dictionary indexes, ints, event
// (value, day) pairs) so the same bytes can go to our engine (toEntityWrite) and to the SQL peers (CSV).
// The draw order is fixed: changing it changes every benchmark's data.

import type { ColumnRef } from "../contract/columns";
import type { EntityWrite, EventWrite } from "../contract/plan";
import { mulberry32 } from "../test/engine/helpers/seeded";

const c = (id: number, type: ColumnRef["type"]): ColumnRef => ({ id, type, storage: "latest-value" });
export const COL = {
  country: c(1, "string"),
  plan: c(2, "string"),
  gender: c(3, "string"),
  device: c(4, "string"),
  city: c(5, "string"),
  age: c(6, "integer"),
  income: c(7, "integer"),
  score: c(8, "integer"),
  active: c(9, "boolean"),
  signup: c(10, "integer"),
  purchase: c(11, "string-event"),
  pageview: c(12, "string-event"),
};
export const DAY = 86_400_000;
export const T0 = Date.UTC(2025, 0, 1);

/** One generated entity. Strings are `${prefix}${index}`: country c3, plan p2, gender g0, device d1, city city12, events v3. */
export interface RawEntity {
  extId: string;
  country: number;
  plan: number;
  gender: number;
  device: number;
  city: number;
  age: number;
  income: number;
  score: number;
  active: boolean;
  signup: number;
  /** Event value indexes and days (0..364), purchase then pageview, in draw order. */
  purchase: Array<[value: number, day: number]>;
  pageview: Array<[value: number, day: number]>;
}

export function extId(i: number): string {
  return (Math.imul(i + 1, 2654435761) >>> 0).toString(36) + i.toString(36);
}

/** A generator of entities 0, 1, 2, ... (call it with consecutive i; the PRNG state advances). */
export function makeGenerator(seed = 42): (i: number) => RawEntity {
  const rand = mulberry32(seed);
  function zipf(n: number, s: number): () => number {
    const cdf = new Float64Array(n);
    let acc = 0;
    for (let k = 1; k <= n; k++) cdf[k - 1] = acc += 1 / k ** s;
    for (let k = 0; k < n; k++) cdf[k]! /= acc;
    return () => {
      const u = rand();
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cdf[mid]! < u) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
  }
  const uniform = (n: number) => () => Math.floor(rand() * n);
  const country = zipf(50, 1.0);
  const plan = uniform(5);
  const gender = uniform(3);
  const device = zipf(20, 1.1);
  const city = zipf(1000, 0.9);
  const purchase = zipf(100, 1.0);
  const pageview = zipf(1000, 0.8);
  return (i) => {
    const r = rand();
    const ev = (draw: () => number): Array<[number, number]> => {
      const out: Array<[number, number]> = [];
      for (let k = 5 + Math.floor(rand() * 11); k > 0; k--) {
        const value = draw();
        out.push([value, Math.floor(rand() * 365)]);
      }
      return out;
    };
    const p = ev(purchase);
    const v = ev(pageview);
    return {
      extId: extId(i),
      purchase: p,
      pageview: v,
      country: country(),
      plan: plan(),
      gender: gender(),
      device: device(),
      city: city(),
      age: 18 + Math.floor(rand() * 73),
      income: Math.floor(200_000 * r * r),
      score: Math.floor(rand() * 1001),
      active: rand() < 0.7,
      signup: Math.floor(rand() * 3650),
    };
  };
}

/** The write our engine ingests for one generated entity (events as `v${value}` at T0 + day). */
export function toEntityWrite(e: RawEntity): EntityWrite {
  const events: EventWrite[] = [];
  for (const [value, day] of e.purchase) events.push({ col: COL.purchase, value: `v${value}`, t: T0 + day * DAY });
  for (const [value, day] of e.pageview) events.push({ col: COL.pageview, value: `v${value}`, t: T0 + day * DAY });
  return {
    dimension: "default",
    id: e.extId,
    attrs: [
      { col: COL.country, value: `c${e.country}` },
      { col: COL.plan, value: `p${e.plan}` },
      { col: COL.gender, value: `g${e.gender}` },
      { col: COL.device, value: `d${e.device}` },
      { col: COL.city, value: `city${e.city}` },
      { col: COL.age, value: e.age },
      { col: COL.income, value: e.income },
      { col: COL.score, value: e.score },
      { col: COL.active, value: e.active },
      { col: COL.signup, value: e.signup },
    ],
    events,
  };
}
