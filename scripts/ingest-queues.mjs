#!/usr/bin/env node
// Writes the ingest queues section of wrangler.toml for a number of shard-affine queues (see
// src/ingest/queues.ts and docs/capacity.md): producers INGEST, INGEST_1 … INGEST_<n-1> and
// INGEST_FALLBACK, each with a consumer of the same settings and the dead-letter queue. Prints the
// `wrangler queues create` commands a deployment needs for them.
//
//   npm run queues -- 16          rewrite wrangler.toml for 16 queues
//   npm run queues                print the current count and the create commands, change nothing

import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const TOML = new URL("../wrangler.toml", import.meta.url);
export const BEGIN = "# BEGIN ingest queues: written by `npm run queues -- <count>` (scripts/ingest-queues.mjs), not by hand";
export const END = "# END ingest queues";
const COUNT_MAX = 1000; // far below the account's 10,000 queues; a deployment that needs more should say so first

/** The queue name of ingest queue `index` (its binding is src/ingest/queues.ts's ingestQueueBinding). */
const queueName = (index) => (index === 0 ? "sliced-ingest" : `sliced-ingest-${index}`);
const bindingName = (index) => (index === 0 ? "INGEST" : `INGEST_${index}`);

/** A consumer; the first one written explains the settings, the others repeat them silently. */
function consumer(queue, explained) {
  const why = (text) => (explained ? `  # ${text}` : "");
  return [
    "[[queues.consumers]]",
    `queue = "${queue}"`,
    `max_batch_size = 100${why("messages per batch (1..100)")}`,
    `max_batch_timeout = 0${why("seconds to wait for a full batch: 0 keeps ?wait=true inserts fast")}`,
    `max_retries = 5${why("then the message goes to the dead-letter queue")}`,
    `retry_delay = 1${why("seconds before a retried batch is delivered again")}`,
    'dead_letter_queue = "sliced-ingest-dlq"',
  ].join("\n");
}

/** The text between (and including) the BEGIN and END markers for `count` queues. */
export function section(count) {
  const lines = [BEGIN, `# ${count} shard-affine ingest queue(s); each carries ~5,000 messages/s for the whole deployment.`];
  for (let i = 0; i < count; i++) lines.push("[[queues.producers]]", `binding = "${bindingName(i)}"`, `queue = "${queueName(i)}"`, "");
  lines.push("[[queues.producers]]", 'binding = "INGEST_FALLBACK"   # used when a queue refuses a send; same consumer, same exactly-once apply', 'queue = "sliced-ingest-fallback"', "");
  for (let i = 0; i < count; i++) lines.push(consumer(queueName(i), i === 0), "");
  lines.push(consumer("sliced-ingest-fallback", false), END);
  return lines.join("\n");
}

/** The number of ingest queue producers (INGEST, INGEST_<i>) in a wrangler.toml text or section. */
export function currentCount(toml) {
  return [...toml.matchAll(/^binding = "INGEST(?:_(\d+))?"/gm)].length;
}

/** The number of ingest queues the project's wrangler.toml binds. */
export function configuredQueueCount() {
  return currentCount(readFileSync(TOML, "utf8"));
}

function main() {
  const toml = readFileSync(TOML, "utf8");
  const start = toml.indexOf(BEGIN);
  const end = toml.indexOf(END);
  if (start < 0 || end < start) {
    console.error(`wrangler.toml has no "${BEGIN}" … "${END}" section`);
    process.exitCode = 1;
    return;
  }
  const arg = process.argv[2];
  let count = currentCount(toml.slice(start, end));
  if (arg !== undefined) {
    const n = Number(arg);
    if (!Number.isInteger(n) || n < 1 || n > COUNT_MAX) {
      console.error(`the queue count must be an integer from 1 to ${COUNT_MAX}, not ${JSON.stringify(arg)}`);
      process.exitCode = 1;
      return;
    }
    count = n;
    writeFileSync(TOML, toml.slice(0, start) + section(count) + toml.slice(end + END.length));
    console.log(`wrangler.toml: ${count} ingest queue(s) written`);
  } else {
    console.log(`wrangler.toml has ${count} ingest queue(s); \`npm run queues -- <count>\` changes it`);
  }
  console.log("a deployment needs each of them (existing ones answer that they exist):");
  for (const name of [...Array.from({ length: count }, (_, i) => queueName(i)), "sliced-ingest-fallback", "sliced-ingest-dlq"]) console.log(`  npx wrangler queues create ${name}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
