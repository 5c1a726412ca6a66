// `npm run test:kafka-clients`: the Kafka client matrix with Debian's clients (kcat/librdkafka,
// kafka-python, confluent-kafka), which the suites install with apt-get when missing. The npm
// clients (kafkajs, @platformatic/kafka) run in `npm test` itself.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/kafka-clients/**/*.test.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    pool: "forks",
  },
});
