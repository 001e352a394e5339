// The `sliced` command line: bulk import of CSV/NDJSON files and export of extractions and SQL
// results, over the typed client. cli/entry.ts runs it; bin/sliced.mjs bundles and starts that.

import { UsageError } from "./args";
import { EXPORT_HELP, exportCommand } from "./export/command";
import { IMPORT_HELP, importCommand } from "./import/command";
import { SlicedError } from "../client/index";

const HELP = `Usage: sliced <command> [options]

Commands:
  import   import a CSV or NDJSON file, resumably, in batches within the insert limits
  export   write the rows of an extraction (every page) or an SQL SELECT as NDJSON or CSV
  help     sliced help <command> shows a command's options

Run from the repository with npx: npx sliced import --base http://127.0.0.1:8787 --key $KEY users.csv`;

const COMMANDS: Record<string, { run: typeof importCommand; help: string }> = {
  import: { run: importCommand, help: IMPORT_HELP },
  export: { run: exportCommand, help: EXPORT_HELP },
};

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? args[0] : undefined;
    if (topic !== undefined && !COMMANDS[topic]) {
      process.stderr.write(`sliced: no command '${topic}'\n\n${HELP}\n`);
      return 2;
    }
    process.stdout.write(`${topic ? COMMANDS[topic]!.help : HELP}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`sliced: no command '${name}'\n\n${HELP}\n`);
    return 2;
  }
  try {
    return await command.run(args, env, process.stdout, process.stderr);
  } catch (e) {
    // The reader of stdout went away (`sliced export ... | head`): what it wanted was written.
    if ((e as NodeJS.ErrnoException | null)?.code === "EPIPE") return 0;
    if (e instanceof UsageError) {
      process.stderr.write(`sliced ${name}: ${e.message} (sliced ${name} --help shows the options)\n`);
      return 2;
    }
    const detail = e instanceof SlicedError && e.requestId ? ` (request id ${e.requestId})` : "";
    process.stderr.write(`sliced ${name}: ${e instanceof Error ? e.message : String(e)}${detail}\n`);
    return 2;
  }
}
