// `sliced import`: fingerprints and counts the file, prepares its columns, then streams it into
// batches sent with a deterministic Idempotency-Key each (the import's id, the batch index and a
// hash of the body), a few at a time; a refused batch is bisected down to its bad rows; each
// acknowledged batch is recorded in the checkpoint. Rejected rows end in a rejects file.

import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { SlicedClient, SlicedError, type ColumnType } from "../../client/index";
import { Progress, formatDuration, type ProgressStream } from "../progress";
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from "../retry";
import { batches, insertBody, insertLimits, type Batch } from "./batches";
import { sendBisecting, type Outcome } from "./bisect";
import { Checkpoint } from "./checkpoint";
import { prepareColumns, inferType, type Inferred } from "./columns";
import { baseColumn, CsvRows, headerColumns, NdjsonRows } from "./convert";
import type { Item, Rejected, Row } from "./rows";
import { csvRecords, ndjsonLines, scanFile, type Format } from "./source";

export interface ImportOptions {
  base: string;
  key: string;
  file: string;
  format: Format;
  delimiter: string;
  dimension: string;
  /** null: entity-id, or for a CSV without such a column its first column. */
  idColumn: string | null;
  map: Map<string, ColumnType>;
  batch: number;
  checkpoint: string | null;
  rejects: string;
  createColumns: boolean;
  concurrency: number;
  /** ?wait=true on every batch (the last one always waits). */
  wait: boolean;
  timeoutMs: number;
  retry?: RetryPolicy;
  stderr: ProgressStream;
  fetch?: typeof fetch;
}

/** Refusals that are about the request or the database, not about some rows: bisecting cannot help. */
const FATAL_STATUSES = new Set([401, 403, 404, 405, 415]);
const FATAL_CODES = new Set([
  15, // a custom key may not create columns
  16, // a custom key may not write that column
  24, // the body is not JSON (a bug here)
  67, // a column does not exist: every batch naming it would fail
  2010, // the dimension does not exist
  2011, // auto-create
  2014, // the Idempotency-Key is malformed
  2015, // the Idempotency-Key was used with another body (IDEMPOTENCY_KEY_REUSED, 422): keys here hash their body, so a bug
]);

export function isRowRefusal(e: SlicedError): boolean {
  return e.status >= 400 && e.status < 500 && e.status !== 429 && !FATAL_STATUSES.has(e.status) && !FATAL_CODES.has(e.code ?? -1);
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The columns the file names, with what can be inferred of each before looking at the database. */
function usedColumns(format: Format, header: string[] | null, members: Map<string, unknown>, idColumn: string): Map<string, Inferred> {
  const used = new Map<string, Inferred>();
  if (format === "ndjson") {
    for (const [name, sample] of members) used.set(name, inferType(sample));
    return used;
  }
  const parts = new Set((header ?? []).filter((h) => baseColumn(h).part !== null).map((h) => baseColumn(h).column));
  for (const c of headerColumns(header ?? [], idColumn)) used.set(c, { type: parts.has(c) ? "string-event" : "string", listOfValues: false });
  return used;
}

/** The file's records as rows (or records refused before sending), in file order. */
async function* items(o: ImportOptions, convert: CsvRows | NdjsonRows): AsyncGenerator<Item> {
  if (convert instanceof CsvRows) for await (const r of csvRecords(o.file, o.delimiter)) yield convert.item(r);
  else for await (const l of ndjsonLines(o.file)) yield convert.item(l);
}

function rejectLine(r: Rejected): string {
  return `  line ${r.line}${r.entity === null ? "" : ` (entity ${JSON.stringify(r.entity)})`}: ${r.code === null ? "" : `[${r.code}] `}${r.message}`;
}

/** Runs the import; answers the exit code (0: all in, 1: rows rejected). Throws on a fatal error, after recording what was acknowledged. */
export async function runImport(o: ImportOptions): Promise<number> {
  const started = Date.now();
  const say = (text: string) => o.stderr.write(`${text}\n`);
  const scan = await scanFile(o.file, o.format, o.delimiter, o.idColumn ?? "entity-id");
  if (o.format === "csv" && scan.header === null) throw new Error(`${o.file} is empty: a CSV file starts with a header line`);
  const idColumn = o.idColumn ?? (scan.header === null || scan.header.includes("entity-id") ? "entity-id" : scan.header[0]!);
  const client = new SlicedClient({ base: o.base, key: o.key, timeoutMs: o.timeoutMs, ...(o.fetch ? { fetch: o.fetch } : {}) });
  let progress: Progress | null = null;
  const onRetry = (e: SlicedError, attempt: number, ms: number) => {
    const text = `retrying in ${formatDuration(ms / 1000)} (attempt ${attempt + 1}): ${e.message}`;
    if (progress) progress.note(text);
    else say(text);
  };
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...o.retry, onRetry };

  const used = usedColumns(o.format, scan.header, scan.members, idColumn);
  const types = await withRetry(retry, () => prepareColumns(client, { dimension: o.dimension, used, declared: o.map, create: o.createColumns, note: say }));
  const dimension = o.dimension === "default" ? null : o.dimension;
  // Built before anything is sent: a header that does not fit its columns' types stops here.
  const convert = o.format === "csv" ? new CsvRows(scan.header ?? [], { idColumn, dimension, types }) : new NdjsonRows({ idColumn, dimension });
  const limits = insertLimits(o.batch);
  // Everything that shapes batches and bodies: a checkpoint (and the keys) are only good for the same.
  const run = sha256(JSON.stringify([scan.sha256, o.format, o.delimiter, idColumn, o.dimension, [...types].sort(), limits])).slice(0, 24);
  const checkpoint = Checkpoint.open(o.checkpoint, run, { path: o.file, bytes: scan.bytes, sha256: scan.sha256 }, sha256(`sliced-import-sender\u0000${o.key}`).slice(0, 16));
  if (checkpoint.resumedBatches > 0) say(`resuming: ${checkpoint.resumedBatches} batches (${checkpoint.records} rows) were acknowledged by an earlier run`);
  progress = new Progress(o.stderr, { total: scan.records, already: checkpoint.records });

  const sendRows =
    (batch: Batch) =>
    async (rows: Row[]): Promise<Outcome> => {
      const { body, text } = insertBody(rows);
      const idempotencyKey = `sliced-import/${run}/${batch.index}/${sha256(text).slice(0, 24)}`;
      try {
        await withRetry(retry, () => client.insert(body, { wait: o.wait || batch.last, idempotencyKey }));
        return { ok: true };
      } catch (e) {
        if (e instanceof SlicedError && isRowRefusal(e)) return { ok: false, refusal: { status: e.status, code: e.code, message: e.errors[0]?.message ?? e.message } };
        throw e;
      }
    };
  const sendBatch = async (batch: Batch): Promise<void> => {
    const refused = await sendBisecting(batch.rows, sendRows(batch));
    const rejected: Rejected[] = [...batch.rejected, ...refused.map(({ row, refusal }) => ({ line: row.line, entity: row.entity, code: refusal.code, message: refusal.message, source: row.source }))];
    rejected.sort((a, b) => a.line - b.line);
    checkpoint.ack(batch.index, batch.records, rejected);
    progress!.add(batch.records, rejected.length);
  };

  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  const launch = (batch: Batch) => {
    const p: Promise<void> = sendBatch(batch).then(
      () => void inFlight.delete(p),
      (e: unknown) => {
        inFlight.delete(p);
        failure ??= e;
      },
    );
    inFlight.add(p);
  };
  for await (const batch of batches(items(o, convert), limits)) {
    if (failure !== null) break;
    if (checkpoint.isAcked(batch.index)) continue;
    // The last batch waits for its data to be applied: send it once everything before it is in.
    while (inFlight.size >= (batch.last ? 1 : o.concurrency)) await Promise.race(inFlight);
    if (failure !== null) break;
    launch(batch);
  }
  await Promise.all(inFlight);
  progress.finish();
  if (failure !== null) throw failure;

  const rejected = checkpoint.rejected;
  const imported = checkpoint.records - rejected.length;
  say(`imported ${imported} of ${scan.records} rows into dimension '${o.dimension}' in ${formatDuration((Date.now() - started) / 1000)}`);
  if (rejected.length === 0) return 0;
  writeFileSync(o.rejects, rejected.map((r) => JSON.stringify(r)).join("\n") + "\n");
  say(`rejected ${rejected.length} rows (all of them in ${o.rejects}):`);
  for (const r of rejected.slice(0, 20)) say(rejectLine(r));
  if (rejected.length > 20) say(`  … and ${rejected.length - 20} more`);
  return 1;
}
