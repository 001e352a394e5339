// Recursive-descent parser for POST /sql's one-statement dialect (API.md §7.12.1): tokens → ast.ts, or
// SQL_SYNTAX naming construct and position. Not node-sql-parser (5.4.0, TransactSQL build 227 KB): it
// parses the dialect but gives an untyped AST without positions, keeps '' escapes raw and accepts joins/subqueries.

import type { AggregateName, CompareOp, InsertStatement, OrderItem, SelectItem, SelectStatement, SqlExpr, Statement } from "./ast";
import { ApiError } from "../../contract/errors";
import { SQL_NESTING_MAX } from "../../contract/limits";
import { sqlError, tokenize, type Token } from "./tokens";
import { parseRelativeOffset } from "../ingest/dates";

/** Bare words that end a clause or expression, so they cannot be bare column names or implicit aliases. */
const RESERVED = new Set([
  "SELECT",
  "FROM",
  "WHERE",
  "GROUP",
  "BY",
  "HAVING",
  "ORDER",
  "LIMIT",
  "OFFSET",
  "AND",
  "OR",
  "NOT",
  "AS",
  "IN",
  "LIKE",
  "BETWEEN",
  "CASE",
  "WHEN",
  "THEN",
  "ELSE",
  "END",
  "IS",
  "NULL",
  "ASC",
  "DESC",
  "INSERT",
  "INTO",
  "VALUES",
  "DISTINCT",
  "TOP",
  "TRUE",
  "FALSE",
  "JOIN",
  "UNION",
  "ON",
  "INNER",
  "LEFT",
  "RIGHT",
  "OUTER",
  "CROSS",
  "EXCEPT",
  "INTERSECT",
]);

const AGGREGATES: ReadonlySet<string> = new Set<AggregateName>(["COUNT", "AVG", "MIN", "MAX", "SUM"]);

/** Functions that read the request's clock; CURRENT_DATE and CURRENT_TIMESTAMP may also be written bare. */
const CLOCKS: Record<string, boolean> = { NOW: false, CURRENT_TIMESTAMP: false, CURRENT_DATE: true };

const COMPARE: Record<string, CompareOp> = { "=": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=" };

/** Parses exactly one SELECT or INSERT statement (an optional trailing `;` is allowed). */
export function parseSql(source: string): Statement {
  return new Parser(source).statement();
}

class Parser {
  private readonly tokens: Token[];
  private i = 0;
  private depth = 0; // open parentheses / NOT / CASE / call arguments: bounded so recursion cannot overflow the stack

  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  // ---------------------------------------------------------------------------------------------
  // token helpers

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== "eof") this.i++;
    return t;
  }

  private isWord(word: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === "ident" && t.text.toUpperCase() === word;
  }

  private isOp(op: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === "op" && t.text === op;
  }

  private acceptWord(word: string): Token | null {
    return this.isWord(word) ? this.next() : null;
  }

  private acceptOp(op: string): Token | null {
    return this.isOp(op) ? this.next() : null;
  }

  private expectWord(word: string, context: string): Token {
    const t = this.acceptWord(word);
    if (!t) throw this.unexpected(`${word} ${context}`);
    return t;
  }

  private expectOp(op: string, context: string): Token {
    const t = this.acceptOp(op);
    if (!t) throw this.unexpected(`"${op}" ${context}`);
    return t;
  }

  private describe(t: Token): string {
    switch (t.kind) {
      case "eof":
        return "the end of the text";
      case "string":
        return `the string '${t.text}'`;
      case "quoted-ident":
        return `the identifier ${this.source.slice(t.start, t.end)}`;
      default:
        return `"${t.text}"`;
    }
  }

  private unexpected(expected: string, t: Token = this.peek()) {
    return sqlError(this.source, t.start, `expected ${expected}, found ${this.describe(t)}`);
  }

  // ---------------------------------------------------------------------------------------------
  // statements

  statement(): Statement {
    const first = this.peek();
    let stmt: Statement;
    if (this.isWord("SELECT")) stmt = this.select();
    else if (this.isWord("INSERT")) stmt = this.insert();
    else if (first.kind === "eof") throw sqlError(this.source, 0, "empty statement: expected SELECT or INSERT");
    else if (first.kind === "ident") {
      throw sqlError(this.source, first.start, `${first.text.toUpperCase()} statements are not supported (only SELECT and INSERT)`);
    } else throw this.unexpected("SELECT or INSERT");
    this.acceptOp(";");
    const rest = this.peek();
    if (rest.kind !== "eof") {
      if (rest.kind === "ident" && (rest.text.toUpperCase() === "SELECT" || rest.text.toUpperCase() === "INSERT")) {
        throw sqlError(this.source, rest.start, "only one statement per request is supported");
      }
      const word = rest.kind === "ident" ? rest.text.toUpperCase() : "";
      if (["JOIN", "INNER", "LEFT", "RIGHT", "OUTER", "CROSS", "UNION", "EXCEPT", "INTERSECT"].includes(word)) {
        throw sqlError(this.source, rest.start, `${word} is not supported (one dimension per query)`);
      }
      throw this.unexpected("the end of the statement", rest);
    }
    return stmt;
  }

  private select(): SelectStatement {
    const at = this.next().start; // SELECT
    const distinct = this.acceptWord("DISTINCT") !== null;
    this.acceptWord("ALL");
    let limit: SelectStatement["limit"] = null;
    const top = this.acceptWord("TOP");
    if (top) {
      const paren = this.acceptOp("(");
      limit = { value: this.nonNegativeInteger("after TOP"), at: top.start };
      if (paren) this.expectOp(")", "closing TOP (n)");
    }
    const items: SelectItem[] = [this.selectItem()];
    while (this.acceptOp(",")) items.push(this.selectItem());
    if (!this.isWord("FROM")) throw this.unexpected('"," or FROM after the selected columns');
    this.next();
    const from = { ...this.tableName("after FROM"), alias: this.tableAlias() };
    if (this.isOp(",")) throw sqlError(this.source, this.peek().start, "selecting from several dimensions is not supported");
    let where: SqlExpr | null = null;
    if (this.acceptWord("WHERE")) where = this.expression("after WHERE");
    let groupBy: SqlExpr[] | null = null;
    let having: SqlExpr | null = null;
    // GROUP BY and HAVING are accepted in either order: HAVING is mostly an event window here, not a group filter.
    for (;;) {
      if (groupBy === null && this.isWord("GROUP")) {
        this.next();
        this.expectWord("BY", "after GROUP");
        groupBy = [this.expression("after GROUP BY")];
        while (this.acceptOp(",")) groupBy.push(this.expression("in GROUP BY"));
        continue;
      }
      if (having === null && this.isWord("HAVING")) {
        this.next();
        having = this.expression("after HAVING");
        continue;
      }
      break;
    }
    const orderBy: OrderItem[] = [];
    if (this.isWord("ORDER")) {
      this.next();
      this.expectWord("BY", "after ORDER");
      do {
        const start = this.peek().start;
        const expr = this.expression("in ORDER BY");
        let dir: "asc" | "desc" = "asc";
        if (this.acceptWord("DESC")) dir = "desc";
        else this.acceptWord("ASC");
        orderBy.push({ expr, dir, at: start });
      } while (this.acceptOp(","));
    }
    let offset: SelectStatement["offset"] = null;
    const limitTok = this.acceptWord("LIMIT");
    if (limitTok) {
      if (limit) throw sqlError(this.source, limitTok.start, "LIMIT cannot be combined with TOP");
      const first = { value: this.nonNegativeInteger("after LIMIT"), at: limitTok.start };
      if (this.acceptOp(",")) {
        // MySQL's LIMIT offset, count
        offset = first;
        limit = { value: this.nonNegativeInteger("after LIMIT offset,"), at: limitTok.start };
      } else limit = first;
    }
    const offTok = this.acceptWord("OFFSET");
    if (offTok) {
      if (offset) throw sqlError(this.source, offTok.start, "OFFSET given twice");
      offset = { value: this.nonNegativeInteger("after OFFSET"), at: offTok.start };
      this.acceptWord("ROWS") ?? this.acceptWord("ROW");
    }
    return { kind: "select", distinct, items, from, where, groupBy: groupBy ?? [], having, orderBy, limit, offset, at };
  }

  private selectItem(): SelectItem {
    const t = this.peek();
    if (this.acceptOp("*")) return { kind: "star", qualifier: null, at: t.start };
    if ((t.kind === "ident" || t.kind === "quoted-ident") && this.isOp(".", 1) && this.isOp("*", 2)) {
      if (t.kind === "ident" && RESERVED.has(t.text.toUpperCase())) throw this.unexpected("a column, * or an expression");
      this.i += 3;
      return { kind: "star", qualifier: t.text, at: t.start };
    }
    const expr = this.expression("in the SELECT list");
    let alias: string | null = null;
    if (this.acceptWord("AS")) {
      const a = this.next();
      if (a.kind === "ident" || a.kind === "quoted-ident" || a.kind === "string") alias = a.text;
      else throw this.unexpected("an alias after AS", a);
    } else {
      const a = this.peek();
      if ((a.kind === "ident" && !RESERVED.has(a.text.toUpperCase())) || a.kind === "quoted-ident") {
        this.next();
        alias = a.text;
      }
    }
    return { kind: "expr", expr, alias, at: t.start };
  }

  private tableName(context: string): { name: string; at: number } {
    const t = this.peek();
    if (t.kind === "quoted-ident" || (t.kind === "ident" && !RESERVED.has(t.text.toUpperCase()))) {
      this.next();
      return { name: t.text, at: t.start };
    }
    throw this.unexpected(`a dimension name ${context}`);
  }

  /** `AS d` or a bare `d` after the dimension name. */
  private tableAlias(): string | null {
    if (this.acceptWord("AS")) {
      const a = this.next();
      if (a.kind === "quoted-ident" || (a.kind === "ident" && !RESERVED.has(a.text.toUpperCase()))) return a.text;
      throw this.unexpected("an alias after AS", a);
    }
    const a = this.peek();
    if (a.kind === "quoted-ident" || (a.kind === "ident" && !RESERVED.has(a.text.toUpperCase()))) {
      this.next();
      return a.text;
    }
    return null;
  }

  private nonNegativeInteger(context: string): number {
    const t = this.peek();
    if (t.kind !== "number" || !/^\d+$/.test(t.text)) throw this.unexpected(`a non-negative integer ${context}`);
    this.next();
    const n = Number(t.text);
    if (!Number.isSafeInteger(n)) throw sqlError(this.source, t.start, `the number ${t.text} is too large`);
    return n;
  }

  private insert(): InsertStatement {
    const at = this.next().start; // INSERT
    this.expectWord("INTO", "after INSERT");
    const table = this.tableName("after INSERT INTO");
    if (!this.isOp("(")) throw this.unexpected('a column list "(" after the dimension name (INSERT INTO dim(col, ...) VALUES (...))');
    this.next();
    const columns: InsertStatement["columns"] = [];
    do {
      const start = this.peek().start;
      const parts = this.nameParts("a column name in the INSERT column list");
      columns.push({ parts, at: start });
    } while (this.acceptOp(","));
    this.expectOp(")", "closing the column list");
    this.expectWord("VALUES", "after the column list");
    const rows: SqlExpr[][] = [];
    do {
      const open = this.expectOp("(", "opening a VALUES tuple");
      const row: SqlExpr[] = [this.operand("in VALUES")];
      while (this.acceptOp(",")) row.push(this.operand("in VALUES"));
      this.expectOp(")", "closing a VALUES tuple");
      if (row.length !== columns.length) {
        throw sqlError(this.source, open.start, `the VALUES tuple has ${row.length} values for ${columns.length} columns`);
      }
      rows.push(row);
    } while (this.acceptOp(","));
    return { kind: "insert", table, columns, rows, at };
  }

  // ---------------------------------------------------------------------------------------------
  // expressions: OR < AND < NOT < predicate (comparison, BETWEEN, IN, LIKE, IS NULL) < operand

  private expression(context: string): SqlExpr {
    if (this.peek().kind === "eof") throw this.unexpected(`an expression ${context}`);
    return this.nested(() => this.orExpr(context));
  }

  /** Runs a recursive step, refusing (127) beyond SQL_NESTING_MAX levels instead of exhausting the stack (a 500). */
  private nested<T>(parse: () => T): T {
    if (++this.depth > SQL_NESTING_MAX) {
      throw new ApiError("QUERY_DEPTH", `SQL: the statement nests deeper than ${SQL_NESTING_MAX} levels (parentheses, NOT, CASE and function calls count)`, { max: SQL_NESTING_MAX });
    }
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private orExpr(context: string): SqlExpr {
    const first = this.andExpr(context);
    if (!this.isWord("OR")) return first;
    const args = [first];
    while (this.acceptWord("OR")) args.push(this.andExpr("after OR"));
    return { kind: "or", args, at: first.at };
  }

  private andExpr(context: string): SqlExpr {
    const first = this.notExpr(context);
    if (!this.isWord("AND")) return first;
    const args = [first];
    while (this.acceptWord("AND")) args.push(this.notExpr("after AND"));
    return { kind: "and", args, at: first.at };
  }

  private notExpr(context: string): SqlExpr {
    const t = this.acceptWord("NOT");
    if (t) return { kind: "not", arg: this.nested(() => this.notExpr("after NOT")), at: t.start };
    return this.predicate(context);
  }

  private predicate(context: string): SqlExpr {
    const left = this.value(context);
    const t = this.peek();
    if (t.kind === "op" && COMPARE[t.text] !== undefined) {
      this.next();
      const right = this.value(`after "${t.text}"`);
      return { kind: "compare", op: COMPARE[t.text]!, left, right, at: left.at };
    }
    if (this.isWord("IS")) {
      this.next();
      const negated = this.acceptWord("NOT") !== null;
      this.expectWord("NULL", "after IS");
      return { kind: "is-null", arg: left, negated, at: left.at };
    }
    let negated = false;
    if (this.isWord("NOT") && (this.isWord("BETWEEN", 1) || this.isWord("IN", 1) || this.isWord("LIKE", 1))) {
      this.next();
      negated = true;
    }
    if (this.acceptWord("BETWEEN")) {
      const low = this.value("after BETWEEN");
      this.expectWord("AND", "between the two BETWEEN bounds");
      const high = this.value("after BETWEEN ... AND");
      return { kind: "between", arg: left, low, high, negated, at: left.at };
    }
    if (this.acceptWord("IN")) {
      this.expectOp("(", "after IN");
      if (this.isWord("SELECT")) throw sqlError(this.source, this.peek().start, "subqueries are not supported");
      const list = [this.value("in the IN list")];
      while (this.acceptOp(",")) list.push(this.value("in the IN list"));
      this.expectOp(")", "closing the IN list");
      return { kind: "in", arg: left, list, negated, at: left.at };
    }
    if (this.acceptWord("LIKE")) {
      const pattern = this.operand("after LIKE");
      return { kind: "like", arg: left, pattern, negated, at: left.at };
    }
    return left;
  }

  /** An operand, then any `+ INTERVAL ...` / `- INTERVAL ...`: the only arithmetic of the dialect. */
  private value(context: string): SqlExpr {
    let e = this.operand(context);
    for (;;) {
      const t = this.peek();
      if (t.kind !== "op" || (t.text !== "+" && t.text !== "-")) return e;
      if (!this.isWord("INTERVAL", 1)) {
        throw sqlError(this.source, t.start, `arithmetic is not supported, except a date ${t.text} INTERVAL 'n' UNIT (e.g. NOW() - INTERVAL '1' DAY)`);
      }
      this.next();
      e = { kind: "shift", base: e, sign: t.text === "-" ? -1 : 1, interval: this.interval(), at: e.at };
    }
  }

  /** INTERVAL '1' DAY, INTERVAL 1 DAY or INTERVAL '1 day' (units second … year, singular or plural). */
  private interval(): Extract<SqlExpr, { kind: "interval" }> {
    const at = this.next().start; // INTERVAL
    const amount = this.next();
    if (amount.kind !== "string" && amount.kind !== "number") throw this.unexpected("an amount after INTERVAL ('1' or 1)", amount);
    let text = amount.text.trim();
    if (!/[a-z]/i.test(text)) {
      const unit = this.peek();
      if (unit.kind !== "ident") throw this.unexpected("a unit after INTERVAL n (SECOND, MINUTE, HOUR, DAY, WEEK, MONTH or YEAR)", unit);
      this.next();
      text = `${text} ${unit.text}`;
    }
    const offset = /^\d/.test(text) ? parseRelativeOffset(`+${text}`) : null;
    if (offset === null) throw sqlError(this.source, amount.start, `INTERVAL ${text} is not a whole number of SECOND, MINUTE, HOUR, DAY, WEEK, MONTH or YEAR`);
    return { kind: "interval", offset, at };
  }

  /** A value: literal, column, function call, CASE or parenthesised expression. */
  private operand(context: string): SqlExpr {
    const t = this.peek();
    if (t.kind === "op" && (t.text === "-" || t.text === "+")) {
      const num = this.peek(1);
      if (num.kind !== "number") throw this.unexpected(`a number after "${t.text}"`, num);
      this.i += 2;
      const value = Number(num.text);
      return { kind: "number", value: t.text === "-" ? -value : value, text: t.text === "-" ? `-${num.text}` : num.text, at: t.start };
    }
    switch (t.kind) {
      case "string":
        this.next();
        return { kind: "string", value: t.text, at: t.start };
      case "number":
        this.next();
        return { kind: "number", value: Number(t.text), text: t.text, at: t.start };
      case "quoted-ident":
        return this.columnRef();
      case "op":
        if (t.text === "(") {
          this.next();
          if (this.isWord("SELECT")) throw sqlError(this.source, this.peek().start, "subqueries are not supported");
          const inner = this.expression("inside parentheses");
          this.expectOp(")", "closing the parenthesis");
          return inner;
        }
        throw this.unexpected(`a value ${context}`);
      case "eof":
        throw this.unexpected(`a value ${context}`);
      case "ident":
        break;
    }
    const word = t.text.toUpperCase();
    if (word === "NULL") {
      this.next();
      return { kind: "null", at: t.start };
    }
    if (word === "TRUE" || word === "FALSE") {
      this.next();
      return { kind: "bool", value: word === "TRUE", at: t.start };
    }
    if (word === "CASE") return this.nested(() => this.caseExpr()); // THEN/ELSE operands nest CASEs without expression()
    if ((word === "CURRENT_DATE" || word === "CURRENT_TIMESTAMP") && !this.isOp("(", 1)) {
      this.next();
      return { kind: "now", date: CLOCKS[word]!, at: t.start };
    }
    if (word === "INTERVAL" && !this.isOp("(", 1)) return this.interval(); // INTERVAL(col) is the GROUP BY bucket call
    if (this.isOp("(", 1)) return this.call();
    if (RESERVED.has(word)) throw this.unexpected(`a value ${context}`);
    return this.columnRef();
  }

  private columnRef(): SqlExpr {
    const first = this.peek();
    const parts = this.nameParts("a column name");
    const doubleQuoted = parts.length === 1 && first.kind === "quoted-ident" && this.source[first.start] === '"';
    return doubleQuoted ? { kind: "column", parts, at: first.start, doubleQuoted } : { kind: "column", parts, at: first.start };
  }

  /** name ('.' name)*: bare words (not reserved) or [bracketed] / "quoted" identifiers. */
  private nameParts(what: string): string[] {
    const parts: string[] = [];
    do {
      const t = this.peek();
      if (t.kind === "quoted-ident" || (t.kind === "ident" && !RESERVED.has(t.text.toUpperCase()))) {
        this.next();
        parts.push(t.text);
      } else throw this.unexpected(what, t);
    } while (this.acceptOp("."));
    return parts;
  }

  private call(): SqlExpr {
    const nameTok = this.next();
    const name = nameTok.text.toUpperCase();
    this.next(); // (
    if (AGGREGATES.has(name)) {
      const distinct = this.acceptWord("DISTINCT") !== null;
      let arg: SqlExpr | null = null;
      const star = this.acceptOp("*");
      if (star) {
        if (name !== "COUNT" || distinct) throw sqlError(this.source, star.start, `${name}(${distinct ? "DISTINCT " : ""}*) is not valid; only COUNT(*) takes *`);
      } else arg = this.expression(`as the argument of ${name}`);
      this.expectOp(")", `closing ${name}(`);
      return { kind: "aggregate", name: name as AggregateName, arg, distinct, at: nameTok.start };
    }
    if (CLOCKS[name] !== undefined) {
      this.expectOp(")", `closing ${name}( (it takes no arguments)`);
      return { kind: "now", date: CLOCKS[name]!, at: nameTok.start };
    }
    const args: SqlExpr[] = [];
    if (!this.isOp(")")) {
      args.push(this.expression(`as an argument of ${name}`));
      while (this.acceptOp(",")) args.push(this.expression(`as an argument of ${name}`));
    }
    this.expectOp(")", `closing ${name}(`);
    return { kind: "call", name, args, at: nameTok.start };
  }

  private caseExpr(): SqlExpr {
    const at = this.next().start; // CASE
    if (!this.isWord("WHEN")) {
      throw this.unexpected("WHEN after CASE (only the searched form CASE WHEN condition THEN value ... END is supported)");
    }
    const whens: Array<{ cond: SqlExpr; result: SqlExpr }> = [];
    while (this.acceptWord("WHEN")) {
      const cond = this.expression("after WHEN");
      this.expectWord("THEN", "after the WHEN condition");
      const result = this.operand("after THEN");
      whens.push({ cond, result });
    }
    let otherwise: SqlExpr | null = null;
    if (this.acceptWord("ELSE")) otherwise = this.operand("after ELSE");
    this.expectWord("END", "closing CASE");
    return { kind: "case", whens, otherwise, at };
  }
}
