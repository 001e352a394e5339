// The importer's streaming CSV reader: RFC 4180 quoting, CRLF, records spanning lines and chunks,
// the line each record starts on (what the rejects list names), and clear syntax errors.

import { describe, expect, it } from "vitest";
import { CsvParser, CsvSyntaxError, csvLine } from "../../../cli/import/csv";

/** Parses `text` pushed in pieces of `size` characters. */
function parse(text: string, size = text.length): Array<[number, string[]]> {
  const p = new CsvParser();
  const out = [];
  for (let i = 0; i < text.length; i += size) out.push(...p.push(text.slice(i, i + size)));
  out.push(...p.end());
  return out.map((r) => [r.line, r.fields]);
}

describe("CSV reader", () => {
  const text = '\ufeffid,note\r\nu1,"a, ""b""\r\nc"\r\n\r\nu2,\nu3,last';
  const expected: Array<[number, string[]]> = [
    [1, ["id", "note"]],
    [2, ["u1", 'a, "b"\r\nc']],
    [5, ["u2", ""]],
    [6, ["u3", "last"]],
  ];

  it("reads quotes, doubled quotes, CRLF, empty lines and a last line without a break", () => {
    expect(parse(text)).toEqual(expected);
  });

  it("reads the same whatever the chunk boundaries", () => {
    for (const size of [1, 2, 3, 7]) expect(parse(text, size), `chunks of ${size}`).toEqual(expected);
  });

  it("names the line of a syntax error", () => {
    expect(() => parse('id,note\nu1,ab"c"\n')).toThrow(new CsvSyntaxError(2, 'a quote inside an unquoted field (quote the whole field and double the quote: "a ""b"" c")'));
    expect(() => parse('id,note\nu1,"open\n')).toThrow("line 2: a quoted field is never closed");
  });

  it("writes what it reads back", () => {
    const fields = ["plain", 'say "hi"', "a,b", "two\nlines", ""];
    expect(parse(`${csvLine(fields)}\n`)).toEqual([[1, fields]]);
  });
});
