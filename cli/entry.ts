// The process of `sliced`: runs the command line and leaves its exit code (bin/sliced.mjs bundles this).

import { main } from "./main";

process.exitCode = await main(process.argv.slice(2));
