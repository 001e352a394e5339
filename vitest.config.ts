// Two test projects: "unit" runs the pure modules (engine, query compiler, SQL) in Node, where the
// CRoaring oracle also lives; "workers" runs everything that touches bindings inside workerd.
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/engine/**/*.test.ts", "test/query/**/*.test.ts", "test/sql/**/*.test.ts", "test/unit/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: { ADMIN_TOKEN: "test-admin-token", ALLOW_FAULT_INJECTION: "true", SHARD_DEADLINE_MS: "2000" },
              compatibilityFlags: ["service_binding_extra_handlers"],
              queueConsumers: {
                "sliced-ingest": { maxBatchTimeout: 0.05, maxRetries: 3, retryDelay: 0 },
                "sliced-ingest-fallback": { maxBatchTimeout: 0.05, maxRetries: 3, retryDelay: 0 },
                "sliced-ingest-dlq": { maxBatchTimeout: 0.05 },
              },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/api/**/*.test.ts", "test/durable-objects/**/*.test.ts", "test/workers/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
