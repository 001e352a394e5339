// Deterministic benchmark data of engine.md §5.1, shaped as POST /v1/insert bodies.
// PRNG mulberry32(seed 42); Zipf samplers by binary search over the CDF. The same flags give the
// same entities, values and events in the same order (batching and concurrency do not change them).

export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sampler of 0..n-1 with P(k) ∝ 1 / (k+1)^s. */
export function zipf(n, s, rand) {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / Math.pow(k + 1, s);
  for (let k = 0; k < n; k++) cdf[k] /= sum;
  return () => {
    const u = rand();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** The schema of engine.md §5.1 as POST /v1/column definitions (10 latest-value columns + 2 event columns). */
export const COLUMNS = [
  { name: "Country", "api-name": "country", type: "string", cardinality: "low", storage: "latest-value" },
  { name: "Plan", "api-name": "plan", type: "string", cardinality: "low", storage: "latest-value" },
  { name: "Gender", "api-name": "gender", type: "string", cardinality: "low", storage: "latest-value" },
  { name: "Device", "api-name": "device", type: "string", cardinality: "low", storage: "latest-value" },
  { name: "City", "api-name": "city", type: "string", cardinality: "high", storage: "latest-value" },
  { name: "Age", "api-name": "age", type: "integer", storage: "latest-value" },
  { name: "Income", "api-name": "income", type: "integer", storage: "latest-value" },
  { name: "Score", "api-name": "score", type: "integer", storage: "latest-value" },
  { name: "Active", "api-name": "active", type: "boolean", storage: "latest-value" },
  { name: "Signup day", "api-name": "signup_day", type: "date", storage: "latest-value" },
  { name: "Purchase", "api-name": "purchase", type: "string-event" },
  { name: "Pageview", "api-name": "pageview", type: "string-event" },
];

const DAY_MS = 86_400_000;
const SIGNUP_EPOCH = Date.UTC(2015, 0, 1); // signup_day 0..3649 → 2015-01-01 .. 2024-12-29
const EVENT_EPOCH = Date.UTC(2024, 0, 1); // events over 365 days of 2024

function isoDay(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

/** base-36 of a multiplicative hash of the row number: unique (odd multiplier mod 2^32), not sequential. */
export function extId(i) {
  return (Math.imul(i + 1, 0x9e3779b1) >>> 0).toString(36);
}

/**
 * Yields entities one at a time: { id, body, values } where body is the insert object of the entity
 * and values counts (entity, column) values with each event counted once (the server's 2013 rule).
 * eventsPerColumn = mean events per entity per event column; each entity gets an integer drawn
 * uniformly from [round(0.5 m), round(1.5 m)] (m = 10 gives engine.md's 5–15).
 */
export function* entities(n, { eventsPerColumn = 10, seed = 42 } = {}) {
  const rand = mulberry32(seed);
  const country = zipf(50, 1.0, rand);
  const device = zipf(20, 1.1, rand);
  const city = zipf(1000, 0.9, rand);
  const purchase = zipf(100, 1.0, rand);
  const pageview = zipf(1000, 0.8, rand);
  const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
  const lo = Math.round(eventsPerColumn * 0.5);
  const hi = Math.round(eventsPerColumn * 1.5);
  const events = (sample, prefix) => {
    const k = eventsPerColumn <= 0 ? 0 : int(lo, hi);
    const list = new Array(k);
    for (let j = 0; j < k; j++) {
      const at = EVENT_EPOCH + int(0, 364) * DAY_MS + int(0, 23) * 3_600_000;
      list[j] = { value: `${prefix}${sample()}`, date: new Date(at).toISOString().replace(".000Z", "Z") };
    }
    return list;
  };
  for (let i = 0; i < n; i++) {
    const r = rand();
    const body = {
      country: `c${country()}`,
      plan: `p${int(0, 4)}`,
      gender: `g${int(0, 2)}`,
      device: `d${device()}`,
      city: `city${city()}`,
      age: int(18, 90),
      income: Math.floor(r * r * 200_000),
      score: int(0, 1000),
      active: rand() < 0.7,
      signup_day: isoDay(SIGNUP_EPOCH + int(0, 3649) * DAY_MS),
    };
    const p = events(purchase, "cat");
    const v = events(pageview, "page");
    let values = 10;
    if (p.length > 0) {
      body.purchase = p;
      values += p.length;
    }
    if (v.length > 0) {
      body.pageview = v;
      values += v.length;
    }
    yield { id: extId(i), body, values };
  }
}

/**
 * Groups entities into insert bodies of at most maxEntities entities and maxValues values.
 * Yields { body, entities, values }.
 */
export function* batches(source, { maxEntities = 1000, maxValues = 20_000 } = {}) {
  let body = {};
  let count = 0;
  let values = 0;
  for (const e of source) {
    if (e.values > maxValues) throw new Error(`entity ${e.id} alone has ${e.values} values, over the per-request limit ${maxValues}`);
    if (count > 0 && (count + 1 > maxEntities || values + e.values > maxValues)) {
      yield { body, entities: count, values };
      body = {};
      count = 0;
      values = 0;
    }
    body[e.id] = e.body;
    count++;
    values += e.values;
  }
  if (count > 0) yield { body, entities: count, values };
}
