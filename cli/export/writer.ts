// Writes exported rows as NDJSON (one JSON object per line, as the API answered it) or CSV (a header
// line, then one line per row; event values and lists as JSON text), waiting for the stream to drain
// so a large export never piles up in memory.

import { once } from "node:events";
import { csvLine } from "../import/csv";

export type OutputFormat = "ndjson" | "csv";

export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

export class RowWriter {
  private readonly out: NodeJS.WritableStream;
  private readonly format: OutputFormat;
  private header: string[] | null;
  private headerWritten = false;
  /** Members of rows that the CSV header has no column for (reported once at the end). */
  readonly dropped = new Set<string>();
  rows = 0;

  /** `header`: the CSV columns; null takes them from the first rows written. */
  constructor(out: NodeJS.WritableStream, format: OutputFormat, header: string[] | null) {
    this.out = out;
    this.format = format;
    this.header = header;
  }

  /** Writes a page of rows; for CSV without a header yet, the header is the union of this page's members. */
  async write(rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
    if (rows.length === 0) return;
    let text: string;
    if (this.format === "ndjson") text = rows.map((r) => `${JSON.stringify(r)}\n`).join("");
    else {
      let head = "";
      if (this.header === null) {
        const names: string[] = [];
        for (const r of rows) for (const k of Object.keys(r)) if (!names.includes(k)) names.push(k);
        this.header = names;
      }
      const header = this.header;
      if (!this.headerWritten) {
        head = `${csvLine(header)}\n`;
        this.headerWritten = true;
      }
      for (const r of rows) for (const k of Object.keys(r)) if (!header.includes(k)) this.dropped.add(k);
      text = head + rows.map((r) => `${csvLine(header.map((h) => csvCell(r[h])))}\n`).join("");
    }
    this.rows += rows.length;
    if (!this.out.write(text)) await once(this.out, "drain");
  }

  /** A CSV export with no rows still gets its header when it is known. */
  async finish(): Promise<void> {
    if (this.format === "csv" && !this.headerWritten && this.header !== null && this.header.length > 0) {
      this.headerWritten = true;
      if (!this.out.write(`${csvLine(this.header)}\n`)) await once(this.out, "drain");
    }
  }
}
