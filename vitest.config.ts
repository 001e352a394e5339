// Three test projects: "unit" runs the pure modules (engine, query compiler, SQL) in Node, where the
// CRoaring oracle also lives; "workers" runs everything that touches bindings inside workerd; "e2e"
// starts real `wrangler dev` servers and talks to them over HTTP (and from a real browser).
import { existsSync, readFileSync } from "node:fs";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** The official examples from ../shared/conformance when that folder exists (tests say so when not). */
function conformanceExamples(): Record<string, unknown> | null {
  const dir = new URL("../shared/conformance/", import.meta.url);
  if (!existsSync(dir)) return null;
  const suites: Record<string, unknown> = {};
  for (const f of ["count_entity", "count_event", "top_values", "aggregation", "result", "score", "delete", "update", "sql", "sql_insert"]) {
    const file = new URL(`${f}.json`, dir);
    if (existsSync(file)) suites[f] = JSON.parse(readFileSync(file, "utf8"));
  }
  return suites;
}

/** The Worker's per-request access lines (src/log.ts) would bury a failure's output; tests that check them capture console themselves. */
function quietAccessLog(log: string): false | undefined {
  return log.includes('"message":"request"') ? false : undefined;
}

/**
 * Test settings for every ingest queue consumer wrangler.toml lists (INGEST's shard-affine queues and
 * the fallback; `npm run queues` writes them): short batch timeouts and no retry delay keep tests fast.
 */
function ingestConsumers(): Record<string, object> {
  const toml = readFileSync(new URL("./wrangler.toml", import.meta.url), "utf8");
  const queues = [...toml.matchAll(/^\[\[queues\.consumers\]\]\s*\nqueue = "([^"]+)"/gm)].map((m) => m[1]!).filter((q) => q !== "sliced-ingest-dlq");
  return Object.fromEntries(queues.map((q) => [q, { maxBatchTimeout: 0.05, maxRetries: 3, retryDelay: 0, deadLetterQueue: "sliced-ingest-dlq" }]));
}

export default defineConfig({
  test: {
    onConsoleLog: quietAccessLog,
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/engine/**/*.test.ts", "test/query/**/*.test.ts", "test/sql/**/*.test.ts", "test/unit/**/*.test.ts", "test/bench/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ADMIN_TOKEN: "test-admin-token-0123456789abcdef01",
                ALLOW_FAULT_INJECTION: "true",
                SHARD_DEADLINE_MS: "2000",
                INSERT_WAIT_MS: "3000",
                DATA_KEY_SECRET: "test-data-key-secret",
              },
              compatibilityFlags: ["service_binding_extra_handlers"],
              queueConsumers: {
                ...ingestConsumers(),
                "sliced-ingest-dlq": { maxBatchTimeout: 0.05 },
              },
            },
          }),
        ],
        test: {
          name: "workers",
          provide: { conformance: conformanceExamples() },
          include: ["test/api/**/*.test.ts", "test/durable-objects/**/*.test.ts", "test/workers/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          // Each file runs its own wrangler dev (workerd): one at a time keeps a 2-core machine usable.
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
