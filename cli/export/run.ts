// `sliced export`: the rows of a result or score extraction, page after page following next-page
// tokens (the largest page the API allows unless the body sets a limit), or of one SQL SELECT,
// written as NDJSON or CSV. Each page is retried on 429/5xx: a page token is a position, not a
// session, so asking for the same page again is safe.

import { keyRequests, SlicedClient, type ExtractionBody, type SqlSelectAnswer } from "../../client/index";
import { EXTRACTION_LIMIT_MAX } from "../../contract/limits";
import { formatDuration, type ProgressStream } from "../progress";
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from "../retry";
import { RowWriter, type OutputFormat } from "./writer";

export interface ExportOptions {
  base: string;
  key: string;
  timeoutMs: number;
  query: ExtractionBody | null;
  sql: string | null;
  score: boolean;
  format: OutputFormat;
  out: NodeJS.WritableStream;
  stderr: ProgressStream;
  retry?: RetryPolicy;
  fetch?: typeof fetch;
}

/** The CSV columns of an extraction: what its `columns` asks for ("all": entity-id and the dimension's attribute columns). */
export async function extractionHeader(client: SlicedClient, body: ExtractionBody, score: boolean): Promise<string[] | null> {
  const withScore = (names: string[]) => (score ? [...names, "score"] : names);
  const columns = body.columns;
  if (columns === undefined) return withScore(["entity-id"]);
  if (typeof columns === "string") {
    const dimension = body.dimension ?? "default";
    try {
      const listed = await client.columns();
      return withScore(["entity-id", ...listed.active.filter((c) => c.dimension === dimension && !c.type.endsWith("-event")).map((c) => c["api-name"])]);
    } catch {
      return null; // a key that may not list columns: the header comes from the first page
    }
  }
  return withScore(columns.map((c) => (typeof c === "string" ? c : Object.keys(c)[0]!)));
}

export async function runExport(o: ExportOptions): Promise<number> {
  const started = Date.now();
  const client = new SlicedClient({ base: o.base, key: o.key, timeoutMs: o.timeoutMs, ...(o.fetch ? { fetch: o.fetch } : {}) });
  const say = (text: string) => o.stderr.write(`${text}\n`);
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...o.retry, onRetry: (e, attempt, ms) => say(`retrying in ${formatDuration(ms / 1000)} (attempt ${attempt + 1}): ${e.message}`) };
  let writer: RowWriter;
  let pages = 0;
  if (o.sql !== null) {
    const statement = o.sql;
    const answer = (await withRetry(retry, () => client.sql(statement))) as SqlSelectAnswer;
    if (!Array.isArray(answer.result)) throw new Error("the statement is not a SELECT: it answered no rows");
    writer = new RowWriter(o.out, o.format, null);
    await writer.write(answer.result);
    pages = 1;
  } else {
    const first: ExtractionBody = { ...o.query };
    if (first.limit === undefined && first["page-token"] === undefined) first.limit = EXTRACTION_LIMIT_MAX;
    const { limit: _limit, "page-token": _token, ...rest } = first;
    writer = new RowWriter(o.out, o.format, o.format === "csv" ? await extractionHeader(client, first, o.score) : null);
    const build = o.score ? keyRequests.score : keyRequests.result;
    let body = first;
    let lastNote = Date.now();
    for (;;) {
      const request = build(body);
      const page = await withRetry(retry, () => client.send(request));
      pages++;
      await writer.write(page.data);
      if (Date.now() - lastNote > 5_000) {
        lastNote = Date.now();
        say(`export: ${writer.rows} rows, ${pages} pages`);
      }
      if (page["next-page"] === null) break;
      body = { ...rest, "page-token": page["next-page"] };
    }
  }
  await writer.finish();
  if (writer.dropped.size > 0) say(`warning: the CSV has no column for ${[...writer.dropped].join(", ")}; use --format ndjson to keep every member`);
  say(`exported ${writer.rows} rows (${pages} ${pages === 1 ? "page" : "pages"}) in ${formatDuration((Date.now() - started) / 1000)}`);
  return writer.dropped.size > 0 ? 1 : 0;
}
