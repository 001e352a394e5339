// The SQL tokenizer: text → tokens with source offsets. Owns the lexical rules of the dialect
// (bracket/double-quote/backtick identifiers, '' escapes, -- and /* */ comments) and the
// "line L, column C" positions every SQL_SYNTAX message quotes.

import { ApiError } from "../../contract/errors";

export type TokenKind = "ident" | "quoted-ident" | "string" | "number" | "op" | "eof";

export interface Token {
  kind: TokenKind;
  /** ident: the text as written; quoted-ident / string: the unescaped content; number / op: the text. */
  text: string;
  start: number; // offset of the first character
  end: number; // offset after the last character
}

/** "line 1, column 8" for an offset of `source` (1-based, as editors count). */
export function positionOf(source: string, offset: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source[i] === "\n") {
      line++;
      col = 1;
    } else col++;
  }
  return `line ${line}, column ${col}`;
}

/** The SQL_SYNTAX error every parser/compiler complaint goes through, with its position. */
export function sqlError(source: string, offset: number, message: string): ApiError {
  return new ApiError("SQL_SYNTAX", `SQL: ${message} at ${positionOf(source, offset)}`);
}

const OPERATORS = ["<>", "!=", "<=", ">=", "=", "<", ">", "(", ")", ",", ".", "*", ";", "+", "-"];

function isIdentStart(c: string): boolean {
  return /[A-Za-z_@#]/.test(c);
}

function isIdentPart(c: string): boolean {
  return /[A-Za-z0-9_@#$]/.test(c);
}

/** Splits `source` into tokens (always ending with one eof token). */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "-" && source[i + 1] === "-") {
      while (i < n && source[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && source[i + 1] === "*") {
      const close = source.indexOf("*/", i + 2);
      if (close < 0) throw sqlError(source, i, "unterminated /* comment");
      i = close + 2;
      continue;
    }
    const start = i;
    // N'...' is T-SQL's national string: the same string for us.
    if (c === "'" || ((c === "N" || c === "n") && source[i + 1] === "'")) {
      if (c !== "'") i++;
      const [text, next] = readQuoted(source, i, "'", "'", "unterminated string literal");
      tokens.push({ kind: "string", text, start, end: next });
      i = next;
      continue;
    }
    if (c === "[") {
      const [text, next] = readQuoted(source, i, "[", "]", "unterminated [identifier]");
      tokens.push({ kind: "quoted-ident", text, start, end: next });
      i = next;
      continue;
    }
    if (c === '"' || c === "`") {
      const [text, next] = readQuoted(source, i, c, c, `unterminated ${c}identifier${c}`);
      tokens.push({ kind: "quoted-ident", text, start, end: next });
      i = next;
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(source[i + 1] ?? ""))) {
      const m = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(source.slice(i))!;
      i += m[0].length;
      if (i < n && isIdentPart(source[i]!)) throw sqlError(source, start, `malformed number "${source.slice(start, i + 1)}"`);
      tokens.push({ kind: "number", text: m[0], start, end: i });
      continue;
    }
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(source[i]!)) i++;
      tokens.push({ kind: "ident", text: source.slice(start, i), start, end: i });
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op === undefined) throw sqlError(source, i, `unexpected character "${c}"`);
    tokens.push({ kind: "op", text: op, start, end: i + op.length });
    i += op.length;
  }
  tokens.push({ kind: "eof", text: "", start: n, end: n });
  return tokens;
}

/** Reads open … close with a doubled close character as its escape ('it''s', [a]]b]). */
function readQuoted(source: string, at: number, open: string, close: string, unterminated: string): [string, number] {
  let i = at + open.length;
  let text = "";
  for (;;) {
    const j = source.indexOf(close, i);
    if (j < 0) throw sqlError(source, at, unterminated);
    text += source.slice(i, j);
    if (source[j + 1] === close) {
      text += close;
      i = j + 2;
      continue;
    }
    return [text, j + 1];
  }
}
