// `sliced import`: its options and help, turned into ImportOptions for run.ts.

import { CONNECTION_HELP, CONNECTION_OPTIONS, connection, integer, parse, UsageError } from "../args";
import { INSERT_ENTITIES_MAX } from "../../contract/limits";
import { parseMap } from "./columns";
import { runImport } from "./run";
import { formatOf, type Format } from "./source";

export const IMPORT_HELP = `Usage: sliced import --base URL --key KEY FILE [options]

Imports a CSV (or TSV) file with a header line, or an NDJSON file (one object per line), one
entity per row. Rows are sent in batches within the insert limits, each with an Idempotency-Key
derived from the file and the batch, so sending a batch again never inserts it twice. With
--checkpoint, an interrupted import resumes where the server stopped acknowledging. A batch the
server refuses is bisected: its good rows get in, the bad ones are listed at the end and written
to the rejects file, and the exit code is 1.

Columns: the CSV header names them; an event column takes its value from <col> (or <col>.value)
and its date from <col>.date. Types come from the database, --map, or the file (text; events:
string-event; NDJSON: the JSON values).

Options:
${CONNECTION_HELP}
  --dimension D        the dimension of every entity (default)
  --id-column NAME     the column holding the entity id (entity-id, else the CSV's first column)
  --map COL=TYPE       a column's type: string, integer, decimal, boolean, date, datetime,
                       string-event (or event), integer-event, decimal-event; repeat it, or
                       --map a=integer,b=event
  --create-columns     create the columns the dimension lacks before inserting
  --batch N            entities per request, at most ${INSERT_ENTITIES_MAX} (${INSERT_ENTITIES_MAX}); batches also stay under the
                       values and bytes limits
  --checkpoint FILE    record acknowledged batches in FILE and resume from it
  --rejects FILE       where rejected rows go (FILE.rejects.ndjson)
  --format csv|ndjson  when the file's extension does not say
  --delimiter C        CSV field separator (, or a tab for .tsv)
  --concurrency N      batches in flight (2)
  --wait               every batch waits until the shards applied it (the last one always does)

Exit codes: 0 every row imported, 1 some rows rejected, 2 usage or fatal error.`;

export async function importCommand(args: string[], env: NodeJS.ProcessEnv, stdout: NodeJS.WritableStream, stderr: NodeJS.WriteStream): Promise<number> {
  const { values, positionals } = parse(args, {
    ...CONNECTION_OPTIONS,
    dimension: { type: "string" },
    "id-column": { type: "string" },
    map: { type: "string", multiple: true },
    "create-columns": { type: "boolean" },
    batch: { type: "string" },
    checkpoint: { type: "string" },
    rejects: { type: "string" },
    format: { type: "string" },
    delimiter: { type: "string" },
    concurrency: { type: "string" },
    wait: { type: "boolean" },
  });
  if (values.help) {
    stdout.write(`${IMPORT_HELP}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? "which file? sliced import ... FILE" : `one file at a time, got ${positionals.join(" ")}`);
  const file = positionals[0]!;
  const conn = connection(values, env);
  const byName = formatOf(file);
  const format = (values.format ?? byName?.format) as Format | undefined;
  if (format !== "csv" && format !== "ndjson")
    throw new UsageError(values.format ? `--format is csv or ndjson, got '${values.format}'` : `cannot tell the format of ${file} from its name: add --format csv or --format ndjson`);
  const delimiter = values.delimiter === "\\t" ? "\t" : (values.delimiter ?? (byName?.format === "csv" ? byName.delimiter : ","));
  let map;
  try {
    map = parseMap(values.map ?? []);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  return runImport({
    ...conn,
    file,
    format,
    delimiter,
    dimension: values.dimension ?? "default",
    idColumn: values["id-column"] ?? null,
    map,
    batch: integer("batch", values.batch, INSERT_ENTITIES_MAX, 1, INSERT_ENTITIES_MAX),
    checkpoint: values.checkpoint ?? null,
    rejects: values.rejects ?? `${file}.rejects.ndjson`,
    createColumns: values["create-columns"] ?? false,
    concurrency: integer("concurrency", values.concurrency, 2, 1, 16),
    wait: values.wait ?? false,
    stderr,
  });
}
