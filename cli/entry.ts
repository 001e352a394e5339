// The process of `sliced`: runs the command line and leaves its exit code (bin/sliced.mjs bundles this).

import { main } from "./main";

// `sliced export ... | head`: once the reader is gone there is nothing left to do, and no error to report.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));
