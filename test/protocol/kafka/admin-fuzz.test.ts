// Random and truncated requests of the admin, producer-id, epoch and SASL APIs, with the admin
// view wired as the listener wires it, never crash dispatch: it answers or throws a
// TributaryError (which closes that connection only). Valid requests truncated at every byte
// are refused rather than half-applied.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { createNodeRuntime } from "../../../runtime/node/mod.ts";
import { type RunningBroker, startBroker } from "../../../src/server/start-broker.ts";
import { dispatch } from "../../../src/protocol/kafka/server/dispatch.ts";
import type { KafkaContext } from "../../../src/protocol/kafka/server/context.ts";
import { kafkaAdmin } from "../../../src/server/kafka-listener.ts";
import { TributaryError } from "../../../src/model/errors.ts";
import { silentLogger } from "../../../src/logging/logger.ts";
import { KafkaWriter } from "../../../src/protocol/kafka/writer.ts";
import { requestFrame } from "./support/raw-client.ts";

const ADMIN_KEYS = [17, 19, 20, 21, 22, 23, 32, 33, 36, 37, 44];
let node: RunningBroker;
let ctx: KafkaContext;

beforeAll(async () => {
  node = await startBroker(createNodeRuntime(), {
    storage: "memory",
    port: 0,
    httpPort: null,
    kafkaPort: null,
  });
  await node.broker.createTopic({ name: "t", partitions: 2 });
  ctx = { broker: node.broker, logger: silentLogger, admin: kafkaAdmin(node.broker, {}) };
});

afterAll(async () => {
  await node?.close();
});

async function survives(frame: Uint8Array): Promise<"answered" | "refused"> {
  try {
    await dispatch(ctx, frame);
    return "answered";
  } catch (err) {
    if (!(err instanceof TributaryError)) throw err;
    return "refused";
  }
}

describe("admin APIs on random input", () => {
  it("random bytes after a real header of each admin API and version", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ADMIN_KEYS),
        fc.integer({ min: 0, max: 8 }),
        fc.boolean(),
        fc.uint8Array({ maxLength: 120 }),
        async (key, version, flexible, body) => {
          await survives(requestFrame(key, version, 1, body, { flexible }).subarray(4));
        },
      ),
      { numRuns: 1500 },
    );
    expect(node.broker.describeTopic("t").partitions).toHaveLength(2);
  });

  it("a valid DeleteTopics v4 truncated anywhere is refused and deletes nothing", async () => {
    const w = new KafkaWriter();
    w.array(true, ["t"], (w, n) => w.compactNullableString(n)).int32(1000).tags(true);
    const frame = requestFrame(20, 4, 1, w.finish().slice(), { flexible: true }).subarray(4);
    for (let n = 0; n < frame.length; n++) {
      expect(await survives(frame.subarray(0, n))).toBe("refused");
    }
    expect(node.broker.listTopics().map((t) => t.name)).toContain("t");
  });
});
