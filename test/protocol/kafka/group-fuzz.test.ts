// Random, truncated and mutated group requests never crash the decoders or the handlers:
// dispatch, with the broker's real group service and a scripted classic API behind it, either
// answers or throws a TributaryError (which closes that connection only).
import { afterAll, beforeAll, describe, it } from "vitest";
import fc from "fast-check";
import { createNodeRuntime } from "../../../runtime/node/mod.ts";
import { type RunningBroker, startBroker } from "../../../src/server/start-broker.ts";
import { dispatch } from "../../../src/protocol/kafka/server/dispatch.ts";
import { TributaryError } from "../../../src/model/errors.ts";
import { silentLogger } from "../../../src/logging/logger.ts";
import { KafkaWriter } from "../../../src/protocol/kafka/writer.ts";
import { FakeClassicGroups } from "./support/fake-classic-groups.ts";
import { requestFrame } from "./support/raw-client.ts";

const GROUP_KEYS = [8, 9, 10, 11, 12, 13, 14, 15, 16, 42];
let node: RunningBroker;
const classic = new FakeClassicGroups();

beforeAll(async () => {
  node = await startBroker(createNodeRuntime(), {
    storage: "memory",
    port: 0,
    httpPort: null,
    kafkaPort: 0,
    offsetsTopicPartitions: 1,
  });
  await node.broker.createTopic({ name: "t", partitions: 2 });
});

afterAll(async () => {
  await node?.close();
});

async function survives(frame: Uint8Array): Promise<void> {
  try {
    await dispatch(
      { broker: node.broker, logger: silentLogger, groups: node.groups, classic },
      frame,
    );
  } catch (err) {
    if (!(err instanceof TributaryError)) throw err;
  }
}

/** A valid flexible JoinGroup v6 and OffsetCommit v8, to truncate and mutate. */
function validFrames(): Uint8Array[] {
  const join = new KafkaWriter();
  join.str(true, "g").int32(30_000).int32(60_000).str(true, "").str(true, null)
    .str(true, "consumer")
    .array(true, ["range"], (w, n) => w.str(true, n).bytes(true, new Uint8Array([1])).tags(true))
    .tags(true);
  const commit = new KafkaWriter();
  commit.str(true, "g").int32(-1).str(true, "").str(true, null)
    .array(true, ["t"], (w, t) => {
      w.str(true, t).array(true, [0], (w, p) => {
        w.int32(p).int64(1).int32(-1).str(true, null).tags(true);
      }).tags(true);
    })
    .tags(true);
  return [
    requestFrame(11, 6, 1, join.finish().slice(), { flexible: true }).subarray(4),
    requestFrame(8, 8, 1, commit.finish().slice(), { flexible: true }).subarray(4),
  ];
}

describe("group requests on random input", () => {
  it("random bytes after a real header of each group API and version", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...GROUP_KEYS),
        fc.integer({ min: -1, max: 10 }),
        fc.boolean(),
        fc.uint8Array({ maxLength: 120 }),
        async (key, version, flexible, body) => {
          await survives(requestFrame(key, version, 1, body, { flexible }).subarray(4));
        },
      ),
      { numRuns: 800 },
    );
  });

  it("every truncation and byte change of a JoinGroup v6 and an OffsetCommit v8", async () => {
    for (const frame of validFrames()) {
      for (let n = 0; n <= frame.length; n++) await survives(frame.subarray(0, n));
      for (let i = 0; i < frame.length; i++) {
        for (const b of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
          const mutated = frame.slice();
          mutated[i] = b;
          await survives(mutated);
        }
      }
    }
  });
});
