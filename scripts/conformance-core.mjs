// Runs SlicingDice example files (the official clients' tests_and_examples format) against any
// transport, the way the official runners do (API.md §9): unique api-name suffixes, column creation,
// insert, optional delete/update, the query, and a comparison that only checks expected keys, treats
// arrays as multisets, numbers within 1e-9 relative, and skips "ignore". Shared by `npm run
// conformance` (real HTTP) and the test suite (through the Worker). Plain JS so Node runs it as is.

export const FILE_ORDER = ["count_entity", "count_event", "top_values", "aggregation", "result", "score", "delete", "update", "sql"];

const ENDPOINT = {
  count_entity: "/v1/query/count/entity/",
  count_event: "/v1/query/count/event/",
  top_values: "/v1/query/top_values/",
  aggregation: "/v1/query/aggregation/",
  result: "/v1/data_extraction/result/",
  score: "/v1/data_extraction/score/",
};

const isClose = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));

/** Deep equality under the runners' rules (arrays as multisets of equal length, extra object keys allowed). */
export function same(exp, got) {
  if (typeof exp !== typeof got || exp === null || got === null) return exp === got;
  if (Array.isArray(exp) !== Array.isArray(got)) return false;
  if (Array.isArray(exp)) {
    if (exp.length !== got.length) return false;
    const used = new Set();
    return exp.every((e) => {
      const i = got.findIndex((g, j) => !used.has(j) && same(e, g));
      if (i < 0) return false;
      used.add(i);
      return true;
    });
  }
  if (typeof exp === "object") return Object.keys(exp).every((k) => exp[k] === "ignore" || (k in got && same(exp[k], got[k])));
  if (typeof exp === "number") return isClose(exp, got);
  return exp === got;
}

/** Null when `got` satisfies `expected`, else a short explanation. */
export function compare(expected, got) {
  for (const [k, v] of Object.entries(expected)) {
    if (v === "ignore") continue;
    if (!got || typeof got !== "object" || !(k in got) || !same(v, got[k])) {
      return `key "${k}": expected ${JSON.stringify(v).slice(0, 300)} got ${JSON.stringify(got?.[k] ?? got).slice(0, 300)}`;
    }
  }
  return null;
}

/** Renames every column api-name with a unique suffix, in the test and in all its bodies. */
function translator(test, suffix) {
  const map = [];
  for (const c of test.columns || []) {
    map.push([`"${c["api-name"]}"`, `"${c["api-name"]}${suffix}"`]);
    c.name += suffix;
    c["api-name"] += suffix;
  }
  return (x) => {
    if (x === undefined) return x;
    let s = JSON.stringify(x);
    for (const [o, n] of map) s = s.split(o).join(n);
    return JSON.parse(s);
  };
}

/**
 * Runs the suites. `call(method, path, key, body, contentType)` → {status, json}; `key` is a master key
 * of a fresh database. `suites` maps file name → tests; `sqlInserts` is sql_insert.json (or null).
 * Returns one result per test: {file, index, name, pass, why}.
 */
export async function runExamples({ call, key, suites, sqlInserts, tag = Date.now().toString(36), onResult = () => {} }) {
  const results = [];
  for (const file of FILE_ORDER) {
    const tests = suites[file];
    if (!tests) continue;
    if (file === "sql" && sqlInserts) {
      for (const body of sqlInserts) {
        const r = await call("POST", "/v1/insert?wait=true", key, body);
        if (r.status !== 200) console.log(`sql fixture insert failed: ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
      }
    }
    for (let index = 0; index < tests.length; index++) {
      const test = structuredClone(tests[index]);
      let why = null;
      try {
        if (file === "sql") {
          const r = await call("POST", "/v1/sql/", key, test.query, "application/sql");
          why = compare(test.expected, r.json);
        } else {
          const tr = translator(test, `${tag}${FILE_ORDER.indexOf(file)}x${index}`);
          for (const c of test.columns || []) {
            const r = await call("POST", "/v1/column/", key, c);
            if (r.status >= 300 && !why) why = `create column ${c["api-name"]}: ${r.status} ${JSON.stringify(r.json).slice(0, 200)}`;
          }
          const ins = await call("POST", "/v1/insert?wait=true", key, tr(test.insert));
          if (ins.status >= 300 && !why) why = `insert: ${ins.status} ${JSON.stringify(ins.json).slice(0, 300)}`;
          let endpoint = ENDPOINT[file];
          if (!why && (file === "delete" || file === "update")) {
            const r = await call("POST", `/v1/${file}/`, key, tr(test.additional_operation));
            why = compare(tr(test.result_additional), r.json);
            endpoint = ENDPOINT.count_entity;
          }
          if (!why) {
            const r = await call("POST", endpoint, key, tr(test.query));
            why = compare(tr(test.expected), r.json);
          }
        }
      } catch (e) {
        why = `runner error: ${e}`;
      }
      const result = { file, index, name: tests[index].name, pass: !why, why };
      results.push(result);
      onResult(result);
    }
  }
  return results;
}

/** "file: name" — the identity used by the must-pass list. */
export const exampleId = (r) => `${r.file}: ${r.name}`;
