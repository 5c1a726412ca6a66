import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "runtime/**/*.test.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: the cross-runtime suites start real broker processes, so keep parallelism low.
    maxWorkers: 2,
    pool: "forks",
  },
});
