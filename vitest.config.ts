import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "runtime/**/*.test.ts"],
    // Debian's Kafka clients run in their own command (vitest.kafka-clients.config.ts).
    exclude: ["test/kafka-clients/**", "**/node_modules/**"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: the cross-runtime suites start real broker processes, so keep parallelism low.
    maxWorkers: 2,
    pool: "forks",
  },
});
