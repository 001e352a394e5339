// The SQL tokenizer and parser: one test per construct of the dialect (API.md §7.12.1), and the
// SQL_SYNTAX errors (code 140) with the line/column they name.

import { describe, expect, it } from "vitest";
import type { SelectStatement, SqlExpr } from "../../src/sql/ast";
import { parseSql } from "../../src/sql/parser";
import { tokenize } from "../../src/sql/tokens";
import { ApiError } from "../../contract/errors";
import { expectCode } from "../query/helpers/errors";

function select(text: string): SelectStatement {
  const s = parseSql(text);
  if (s.kind !== "select") throw new Error("not a select");
  return s;
}

function where(text: string): SqlExpr {
  const w = select(`SELECT a FROM t WHERE ${text}`).where;
  if (!w) throw new Error("no where");
  return w;
}

/** Drops `at` members so shapes compare without positions. */
function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== "at")
        .map(([k, x]) => [k, strip(x)]),
    );
  return v;
}

const col = (...parts: string[]) => ({ kind: "column", parts });
const str = (value: string) => ({ kind: "string", value });
const num = (value: number, text = String(value)) => ({ kind: "number", value, text });

describe("tokens", () => {
  it("reads bracket, double-quote and backtick identifiers with doubled-close escapes", () => {
    const t = tokenize(`[purchase-values.value] "entity-id" \`x\` [a]]b] 'it''s' N'x'`);
    expect(t.map((x) => [x.kind, x.text])).toEqual([
      ["quoted-ident", "purchase-values.value"],
      ["quoted-ident", "entity-id"],
      ["quoted-ident", "x"],
      ["quoted-ident", "a]b"],
      ["string", "it's"],
      ["string", "x"],
      ["eof", ""],
    ]);
  });

  it("reads operators, numbers and skips comments", () => {
    const t = tokenize("a<>1 -- note\n /* c */ b>=2.5e1 != <= ;");
    expect(t.map((x) => x.text)).toEqual(["a", "<>", "1", "b", ">=", "2.5e1", "!=", "<=", ";", ""]);
  });

  it("names the position of lexical errors", () => {
    expectCode(() => tokenize("SELECT 'abc"), 140, /unterminated string literal at line 1, column 8/);
    expectCode(() => tokenize("SELECT a\nFROM [t"), 140, /unterminated \[identifier\] at line 2, column 6/);
    expectCode(() => tokenize("SELECT a ? b"), 140, /unexpected character "\?" at line 1, column 10/);
    expectCode(() => tokenize("SELECT /* x"), 140, /unterminated \/\* comment/);
    expectCode(() => tokenize("SELECT 12ab"), 140, /malformed number/);
  });
});

describe("SELECT", () => {
  it("parses the clause skeleton", () => {
    const s = select("SELECT name FROM users WHERE age = 1 GROUP BY name HAVING COUNT(*) > 1 ORDER BY name DESC LIMIT 5 OFFSET 2;");
    expect(s.from.name).toBe("users");
    expect(s.groupBy).toHaveLength(1);
    expect(s.having).not.toBeNull();
    expect(strip(s.orderBy)).toEqual([{ expr: col("name"), dir: "desc" }]);
    expect(s.limit?.value).toBe(5);
    expect(s.offset?.value).toBe(2);
  });

  it("parses *, dim.*, qualified columns, aliases with and without AS", () => {
    const s = select("SELECT *, jobs.*, jobs.admission, [purchase-values.value] AS pv, age years FROM jobs");
    expect(strip(s.items)).toEqual([
      { kind: "star", qualifier: null },
      { kind: "star", qualifier: "jobs" },
      { kind: "expr", expr: col("jobs", "admission"), alias: null },
      { kind: "expr", expr: col("purchase-values.value"), alias: "pv" },
      { kind: "expr", expr: col("age"), alias: "years" },
    ]);
  });

  it("parses aggregates, COUNT(*), COUNT(DISTINCT x) and function calls", () => {
    const s = select("SELECT COUNT(*), count([entity-id]), AVG(age), Min(x), MAX(y), SUM(z), COUNT(DISTINCT name), DATEPART('dd', jobs.admission) FROM t");
    expect(strip(s.items.map((i) => (i.kind === "expr" ? i.expr : null)))).toEqual([
      { kind: "aggregate", name: "COUNT", arg: null, distinct: false },
      { kind: "aggregate", name: "COUNT", arg: col("entity-id"), distinct: false },
      { kind: "aggregate", name: "AVG", arg: col("age"), distinct: false },
      { kind: "aggregate", name: "MIN", arg: col("x"), distinct: false },
      { kind: "aggregate", name: "MAX", arg: col("y"), distinct: false },
      { kind: "aggregate", name: "SUM", arg: col("z"), distinct: false },
      { kind: "aggregate", name: "COUNT", arg: col("name"), distinct: true },
      { kind: "call", name: "DATEPART", args: [str("dd"), col("jobs", "admission")] },
    ]);
  });

  it("parses CASE WHEN … THEN … ELSE … END", () => {
    const s = select("SELECT CASE WHEN age > 19 THEN 'adult' WHEN age > 10 THEN 'teen' ELSE 'child' END FROM users");
    const item = s.items[0]!;
    expect(item.kind === "expr" && strip(item.expr)).toEqual({
      kind: "case",
      whens: [
        { cond: { kind: "compare", op: ">", left: col("age"), right: num(19) }, result: str("adult") },
        { cond: { kind: "compare", op: ">", left: col("age"), right: num(10) }, result: str("teen") },
      ],
      otherwise: str("child"),
    });
  });

  it("parses GROUP BY INTERVAL(...) = 'days' and HAVING before GROUP BY", () => {
    const s = select("SELECT MAX([pv.value]) FROM users HAVING [pv.date] BETWEEN '2017-05-09' AND '2017-05-30' GROUP BY INTERVAL([pv.value])='days'");
    expect(strip(s.groupBy)).toEqual([{ kind: "compare", op: "=", left: { kind: "call", name: "INTERVAL", args: [col("pv.value")] }, right: str("days") }]);
    expect(strip(s.having)).toEqual({ kind: "between", arg: col("pv.date"), low: str("2017-05-09"), high: str("2017-05-30"), negated: false });
  });

  it("accepts TOP n, LIMIT offset, count and DISTINCT", () => {
    expect(select("SELECT TOP 3 name FROM users").limit?.value).toBe(3);
    const s = select("SELECT DISTINCT os FROM users LIMIT 4, 2");
    expect([s.distinct, s.offset?.value, s.limit?.value]).toEqual([true, 4, 2]);
  });

  it("keeps keywords case-insensitive and allows a trailing ;", () => {
    expect(select("select count(*) from users where name like 'j%' order by 1 asc limit 1;").limit?.value).toBe(1);
  });
});

describe("WHERE expressions", () => {
  it("gives NOT > AND > OR precedence and keeps parentheses", () => {
    expect(strip(where("a = 1 OR b = 2 AND NOT c = 3"))).toEqual({
      kind: "or",
      args: [
        { kind: "compare", op: "=", left: col("a"), right: num(1) },
        {
          kind: "and",
          args: [
            { kind: "compare", op: "=", left: col("b"), right: num(2) },
            { kind: "not", arg: { kind: "compare", op: "=", left: col("c"), right: num(3) } },
          ],
        },
      ],
    });
    expect(strip(where("(a = 1 OR b = 2) AND c = 3"))).toMatchObject({ kind: "and", args: [{ kind: "or" }, { kind: "compare" }] });
  });

  it("parses every comparison operator, <> as !=", () => {
    for (const [op, expected] of [
      ["=", "="],
      ["!=", "!="],
      ["<>", "!="],
      ["<", "<"],
      ["<=", "<="],
      [">", ">"],
      [">=", ">="],
    ] as const) {
      expect(strip(where(`age ${op} 19`))).toEqual({ kind: "compare", op: expected, left: col("age"), right: num(19) });
    }
  });

  it("parses BETWEEN (its AND is not a conjunction), IN, NOT IN, LIKE, NOT LIKE, IS [NOT] NULL", () => {
    expect(strip(where("age BETWEEN 17 AND 24 AND x = 1"))).toEqual({
      kind: "and",
      args: [
        { kind: "between", arg: col("age"), low: num(17), high: num(24), negated: false },
        { kind: "compare", op: "=", left: col("x"), right: num(1) },
      ],
    });
    expect(strip(where("os NOT IN ('mac', 'linux')"))).toEqual({ kind: "in", arg: col("os"), list: [str("mac"), str("linux")], negated: true });
    expect(strip(where("name NOT LIKE '%joao%'"))).toEqual({ kind: "like", arg: col("name"), pattern: str("%joao%"), negated: true });
    expect(strip(where("name IS NOT NULL"))).toEqual({ kind: "is-null", arg: col("name"), negated: true });
    expect(strip(where("x = -1.5"))).toEqual({ kind: "compare", op: "=", left: col("x"), right: num(-1.5, "-1.5") });
  });

  it("parses event addressing with bracket names", () => {
    expect(strip(where("[clicks.value] = 'Pay Now' AND [clicks.date] BETWEEN '2017-05-25' AND '2017-06-08'"))).toEqual({
      kind: "and",
      args: [
        { kind: "compare", op: "=", left: col("clicks.value"), right: str("Pay Now") },
        { kind: "between", arg: col("clicks.date"), low: str("2017-05-25"), high: str("2017-06-08"), negated: false },
      ],
    });
  });
});

describe("INSERT", () => {
  it("parses the column list and several VALUES tuples", () => {
    const s = parseSql(`INSERT INTO default([entity-id], name, "age") VALUES(1, 'john', 10), ('2', 'mary', -3.5)`);
    expect(s.kind).toBe("insert");
    if (s.kind !== "insert") return;
    expect(s.table.name).toBe("default");
    expect(s.columns.map((c) => c.parts)).toEqual([["entity-id"], ["name"], ["age"]]);
    expect(strip(s.rows)).toEqual([
      [num(1), str("john"), num(10)],
      [str("2"), str("mary"), num(-3.5, "-3.5")],
    ]);
  });

  it("rejects tuples of the wrong width, naming the tuple", () => {
    expectCode(() => parseSql("INSERT INTO t(a, b) VALUES (1, 2), (3)"), 140, /1 values for 2 columns at line 1, column 36/);
  });
});

describe("syntax errors name the construct and position", () => {
  const cases: Array<[string, RegExp]> = [
    ["", /empty statement/],
    ["DELETE FROM users", /DELETE statements are not supported .* at line 1, column 1/],
    ["SELECT name FROM users WHERE", /expected an expression after WHERE, found the end of the text at line 1, column 29/],
    ["SELECT name users", /expected "," or FROM after the selected columns, found the end of the text/],
    ["SELECT name FROM users WHERE age >", /expected a value after ">", found the end of the text/],
    ["SELECT name FROM users WHERE age BETWEEN 1 OR 2", /expected AND between the two BETWEEN bounds, found "OR" at line 1, column 44/],
    ["SELECT name FROM users WHERE age IN (SELECT 1)", /subqueries are not supported at line 1, column 38/],
    ["SELECT name FROM users JOIN jobs", /JOIN is not supported \(one dimension per query\) at line 1, column 24/],
    ["SELECT name FROM users, jobs", /selecting from several dimensions is not supported/],
    ["SELECT a FROM t; SELECT b FROM t", /only one statement per request/],
    ["SELECT a FROM t LIMIT -1", /expected a non-negative integer after LIMIT, found "-"/],
    ["SELECT a FROM t LIMIT 1.5", /expected a non-negative integer after LIMIT, found "1.5"/],
    ["SELECT AVG(*) FROM t", /AVG\(\*\) is not valid/],
    ["SELECT CASE age WHEN 1 THEN 'a' END FROM t", /only the searched form/],
    ["SELECT CASE WHEN a = 1 THEN 'x' FROM t", /expected END closing CASE, found "FROM"/],
    ["SELECT a FROM t WHERE (a = 1", /expected "\)" closing the parenthesis/],
    ["SELECT a FROM t\nWHERE a = 1 b", /expected the end of the statement, found "b" at line 2, column 13/],
    ["SELECT FROM t", /expected a value in the SELECT list, found "FROM"/],
    ["INSERT INTO t VALUES (1)", /a column list/],
  ];
  for (const [text, message] of cases) {
    it(JSON.stringify(text), () => {
      expectCode(() => parseSql(text), 140, message);
    });
  }

  it("throws only ApiErrors on arbitrary garbage", () => {
    const pieces = ["SELECT", "FROM", "WHERE", "(", ")", ",", "'x'", "[a.b]", "=", "AND", "OR", "NOT", "1", "*", "GROUP", "BY", "CASE", "END", "IN", "LIKE", "users", ";", "HAVING", "COUNT", "."];
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);
    for (let i = 0; i < 2000; i++) {
      const n = 1 + Math.floor(rand() * 12);
      const text = Array.from({ length: n }, () => pieces[Math.floor(rand() * pieces.length)]!).join(" ");
      try {
        parseSql(text);
      } catch (err) {
        expect(err, text).toBeInstanceOf(ApiError);
      }
    }
  });
});

describe("nesting limit (the parser recurses: a deep statement must be a 127, not a stack overflow)", () => {
  const depthError = (text: string) => {
    try {
      parseSql(text);
    } catch (e) {
      return (e as { code?: number }).code;
    }
    return null;
  };
  it(`refuses more than SQL_NESTING_MAX levels of parentheses, NOT and CASE`, () => {
    expect(depthError(`SELECT COUNT(*) FROM default WHERE ${"(".repeat(5000)}age = 1${")".repeat(5000)}`)).toBe(127);
    expect(depthError(`SELECT COUNT(*) FROM default WHERE ${"NOT ".repeat(5000)}age = 1`)).toBe(127);
    expect(depthError(`SELECT ${"CASE WHEN age = 1 THEN ".repeat(3000)}1${" END".repeat(3000)} FROM default`)).toBe(127);
    expect(depthError(`SELECT COUNT(*) FROM default WHERE ${"(".repeat(20)}age = 1${")".repeat(20)}`)).toBeNull();
  });
});
