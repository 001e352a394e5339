// Reads the file to import as a stream, never whole: a first pass fingerprints it (SHA-256, the
// import's identity for checkpoints and Idempotency-Keys), counts its records for the progress
// line and finds the columns it names; the second pass hands records to the importer one by one.

import { createHash } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import { CsvParser, type CsvRecord } from "./csv";
import { ndjsonColumns } from "./convert";
import { LineSplitter, type TextLine } from "./lines";

export type Format = "csv" | "ndjson";

/** The format a file name says (.csv, .tsv, .ndjson, .jsonl, .json), or null. */
export function formatOf(path: string): { format: Format; delimiter: string } | null {
  const ext = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  if (ext === "csv") return { format: "csv", delimiter: "," };
  if (ext === "tsv") return { format: "csv", delimiter: "\t" };
  if (ext === "ndjson" || ext === "jsonl" || ext === "json") return { format: "ndjson", delimiter: "," };
  return null;
}

export interface Scan {
  bytes: number;
  sha256: string;
  /** Data records (the CSV header excluded). */
  records: number;
  /** CSV: the header's fields. */
  header: string[] | null;
  /** NDJSON: every member name with a first value of it. */
  members: Map<string, unknown>;
}

const CHUNK_BYTES = 1 << 20;

async function* chunks(path: string, hash?: ReturnType<typeof createHash>): AsyncGenerator<string> {
  const stream = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  // A TextDecoder in streaming mode keeps a character split across two chunks whole.
  const decoder = new TextDecoder("utf-8", { fatal: false });
  for await (const buf of stream as AsyncIterable<Buffer>) {
    hash?.update(buf);
    yield decoder.decode(buf, { stream: true });
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

export async function scanFile(path: string, format: Format, delimiter: string, idColumn: string): Promise<Scan> {
  const hash = createHash("sha256");
  let records = 0;
  let header: string[] | null = null;
  const members = new Map<string, unknown>();
  if (format === "csv") {
    const parser = new CsvParser(delimiter);
    const take = (rs: CsvRecord[]) => {
      for (const r of rs) {
        if (header === null) header = r.fields;
        else records++;
      }
    };
    for await (const text of chunks(path, hash)) take(parser.push(text));
    take(parser.end());
  } else {
    const splitter = new LineSplitter();
    const take = (ls: TextLine[]) => {
      for (const l of ls) {
        records++;
        ndjsonColumns(l, idColumn, members);
      }
    };
    for await (const text of chunks(path, hash)) take(splitter.push(text));
    take(splitter.end());
  }
  return { bytes: statSync(path).size, sha256: hash.digest("hex"), records, header, members };
}

/** CSV data records (after the header), in file order. */
export async function* csvRecords(path: string, delimiter: string): AsyncGenerator<CsvRecord> {
  const parser = new CsvParser(delimiter);
  let first = true;
  for await (const text of chunks(path)) {
    for (const r of parser.push(text)) {
      if (first) first = false;
      else yield r;
    }
  }
  for (const r of parser.end())
    if (first) first = false;
    else yield r;
}

/** NDJSON lines, in file order. */
export async function* ndjsonLines(path: string): AsyncGenerator<TextLine> {
  const splitter = new LineSplitter();
  for await (const text of chunks(path)) yield* splitter.push(text);
  yield* splitter.end();
}
