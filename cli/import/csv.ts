// A streaming CSV reader (RFC 4180): fields separated by a delimiter, quoted with `"` (a doubled
// `""` inside quotes is one quote), records ended by LF or CRLF, quoted fields may span lines.
// Text is pushed in chunks as it is read; each complete record comes out with the line it starts
// on, so a rejected row can be named by its line in the file.

export interface CsvRecord {
  /** 1-based line of the file where the record starts. */
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = "CsvSyntaxError";
    this.line = line;
  }
}

export class CsvParser {
  private readonly delimiter: string;
  private fields: string[] = [];
  private field = "";
  private inQuotes = false;
  /** A quote inside a quoted field: either the field's end or the first half of `""`. */
  private quotePending = false;
  /** The previous chunk ended on CR: a LF opening the next one belongs to the same line break. */
  private crPending = false;
  private line = 1;
  private recordLine = 1;
  private started = false;
  /** Anything since the last record break (an empty line yields no record). */
  private dirty = false;

  constructor(delimiter = ",") {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === "\n" || delimiter === "\r")
      throw new Error(`the CSV delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
    this.delimiter = delimiter;
  }

  /** The records completed by `chunk`. */
  push(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let text = chunk;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 byte order mark is not data
    }
    let i = 0;
    if (this.crPending && text[0] === "\n") i = 1;
    this.crPending = false;
    const n = text.length;
    while (i < n) {
      if (this.inQuotes) {
        if (this.quotePending) {
          this.quotePending = false;
          if (text[i] === '"') {
            this.field += '"';
            i++;
            continue;
          }
          this.inQuotes = false; // the quote closed the field: read this character outside quotes
          continue;
        }
        // Copy up to the next quote in one slice: quoted text is the slow path otherwise.
        const q = text.indexOf('"', i);
        const end = q === -1 ? n : q;
        const piece = text.slice(i, end);
        this.field += piece;
        for (let k = piece.indexOf("\n"); k !== -1; k = piece.indexOf("\n", k + 1)) this.line++;
        if (q === -1) break;
        this.quotePending = true;
        i = q + 1;
        continue;
      }
      const c = text[i]!;
      if (c === this.delimiter) {
        this.fields.push(this.field);
        this.field = "";
        this.dirty = true;
        i++;
      } else if (c === "\n" || c === "\r") {
        if (c === "\r") {
          if (i + 1 === n) this.crPending = true;
          else if (text[i + 1] === "\n") i++;
        }
        this.endRecord(out);
        this.line++;
        this.recordLine = this.line;
        i++;
      } else if (c === '"') {
        if (this.field !== "") throw new CsvSyntaxError(this.line, `a quote inside an unquoted field (quote the whole field and double the quote: "a ""b"" c")`);
        this.inQuotes = true;
        this.dirty = true;
        i++;
      } else {
        // Plain text up to the next special character, in one slice.
        let j = i + 1;
        while (j < n) {
          const d = text[j];
          if (d === this.delimiter || d === "\n" || d === "\r" || d === '"') break;
          j++;
        }
        this.field += text.slice(i, j);
        this.dirty = true;
        i = j;
      }
    }
    return out;
  }

  /** The last record when the text does not end with a line break; throws on an unclosed quote. */
  end(): CsvRecord[] {
    if (this.inQuotes && !this.quotePending) throw new CsvSyntaxError(this.recordLine, "a quoted field is never closed");
    this.inQuotes = false;
    this.quotePending = false;
    const out: CsvRecord[] = [];
    this.endRecord(out);
    return out;
  }

  private endRecord(out: CsvRecord[]): void {
    if (this.dirty || this.field !== "") {
      this.fields.push(this.field);
      out.push({ line: this.recordLine, fields: this.fields });
    }
    this.fields = [];
    this.field = "";
    this.dirty = false;
  }
}

/** One record as CSV text (no line break): fields quoted when they need it. */
export function csvLine(fields: readonly string[], delimiter = ","): string {
  return fields.map((f) => (f.includes(delimiter) || f.includes('"') || f.includes("\n") || f.includes("\r") ? `"${f.replace(/"/g, '""')}"` : f)).join(delimiter);
}
