// The shard-affine ingest queues: wrangler.toml's section is exactly what scripts/ingest-queues.mjs
// writes (contiguous INGEST, INGEST_1 …, each with a consumer and the dead-letter queue), and
// ingestQueueOf keeps each shard on one queue while spreading shards and databases over all of them.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ingestQueueBinding, ingestQueueOf } from "../../contract/ingest-queue-of";
// @ts-expect-error: a plain .mjs script without declarations
import { BEGIN, END, currentCount, section } from "../../scripts/ingest-queues.mjs";

const toml = readFileSync(new URL("../../wrangler.toml", import.meta.url), "utf8");

describe("wrangler.toml's ingest queues", () => {
  const block = toml.slice(toml.indexOf(BEGIN), toml.indexOf(END) + END.length);
  const count = currentCount(block) as number;

  it("is the section the script writes for its count (so it was not edited by hand)", () => {
    expect(count).toBeGreaterThanOrEqual(1);
    expect(block).toBe(section(count));
  });

  it("binds INGEST, INGEST_1 … contiguously, each queue with one consumer that dead-letters", () => {
    const producers = [...block.matchAll(/\[\[queues\.producers\]\]\nbinding = "([A-Z_0-9]+)"[^\n]*\nqueue = "([^"]+)"/g)].map((m) => [m[1], m[2]]);
    const expected = Array.from({ length: count }, (_, i) => [ingestQueueBinding(i), i === 0 ? "sliced-ingest" : `sliced-ingest-${i}`]);
    expect(producers).toEqual([...expected, ["INGEST_FALLBACK", "sliced-ingest-fallback"]]);
    const consumers = [...toml.matchAll(/\[\[queues\.consumers\]\]\nqueue = "([^"]+)"[^[]*?dead_letter_queue = "([^"]+)"/g)].map((m) => [m[1], m[2]]);
    expect(consumers).toEqual(producers.map(([, queue]) => [queue, "sliced-ingest-dlq"]));
  });

  it("writes exactly the queues asked for", () => {
    expect(section(3)).toContain('binding = "INGEST_2"');
    expect(section(3)).not.toContain('binding = "INGEST_3"');
  });
});

describe("ingestQueueOf", () => {
  it("keeps every message of a shard on one queue, spreads a database's shards evenly, and databases over the queues", () => {
    for (const queues of [1, 2, 4, 7, 193]) {
      for (const shards of [1, 8, 256]) {
        const load = new Array<number>(queues).fill(0);
        for (let shard = 0; shard < shards; shard++) {
          const q = ingestQueueOf("db-a", shard, queues);
          expect(q).toBe(ingestQueueOf("db-a", shard, queues));
          expect(q).toBeGreaterThanOrEqual(0);
          expect(q).toBeLessThan(queues);
          load[q]!++;
        }
        // consecutive shards take consecutive queues: no queue carries more than one shard above another
        expect(Math.max(...load) - Math.min(...load)).toBeLessThanOrEqual(1);
      }
    }
    const firstQueues = new Set(Array.from({ length: 64 }, (_, i) => ingestQueueOf(`db-${i}`, 0, 16)));
    expect(firstQueues.size).toBeGreaterThan(8); // shard 0 of 64 databases does not all land on queue 0
  });
});
