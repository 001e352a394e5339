// `sliced export`: its options and help, turned into ExportOptions for run.ts.

import { createWriteStream, readFileSync } from "node:fs";
import { once } from "node:events";
import type { ExtractionBody } from "../../client/index";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connection, parse, UsageError } from "../args";
import { runExport } from "./run";

export const EXPORT_HELP = `Usage: sliced export --base URL --key KEY (--query JSON | --sql "SELECT ...") [options]

Writes the rows of a data extraction (POST /v1/data_extraction/result, or /score with --score),
following its page tokens to the last page, or of one SQL SELECT, as NDJSON or CSV.

Options:
${CONNECTION_HELP}
  --query JSON         an extraction body, e.g. '{"query": [{"plan": {"equals": "gold"}}], "columns": "all"}',
                       or @FILE to read it from a file
  --score              a score extraction (each row with its score)
  --sql STATEMENT      one SQL SELECT instead of --query
  --format ndjson|csv  ndjson (one JSON object per line, as the API answers) or csv (ndjson)
  --out FILE           write there instead of stdout

Exit codes: 0 done, 1 a CSV had no column for some members (they are named), 2 usage or fatal error.`;

function readQuery(text: string): ExtractionBody {
  const json = text.startsWith("@") ? readFileSync(text.slice(1), "utf8") : text;
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch (e) {
    throw new UsageError(`--query is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new UsageError("--query must be a JSON object (an extraction body)");
  return body as ExtractionBody;
}

export async function exportCommand(args: string[], env: NodeJS.ProcessEnv, stdout: NodeJS.WritableStream, stderr: NodeJS.WriteStream): Promise<number> {
  const { values, positionals } = parse(args, {
    ...CONNECTION_OPTIONS,
    query: { type: "string" },
    sql: { type: "string" },
    score: { type: "boolean" },
    format: { type: "string" },
    out: { type: "string" },
  });
  if (values.help) {
    stdout.write(`${EXPORT_HELP}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const conn = connection(values, env);
  if ((values.query === undefined) === (values.sql === undefined)) throw new UsageError("give either --query JSON or --sql STATEMENT");
  if (values.sql !== undefined && values.score) throw new UsageError("--score applies to --query, not to --sql");
  const format = values.format ?? "ndjson";
  if (format !== "ndjson" && format !== "csv") throw new UsageError(`--format is ndjson or csv, got '${format}'`);
  const out = values.out === undefined ? stdout : createWriteStream(values.out);
  try {
    return await runExport({
      ...conn,
      query: values.query === undefined ? null : readQuery(values.query),
      sql: values.sql ?? null,
      score: values.score ?? false,
      format,
      out,
      stderr,
    });
  } finally {
    if (out !== stdout) {
      out.end();
      await once(out, "close");
    }
  }
}
