// Random, truncated and mutated requests never crash the decoder or the listener: dispatch
// either answers or throws a TributaryError (which closes that connection only), and after a
// storm of bad frames over real sockets the broker still answers a good client.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { createNodeRuntime } from "../../../runtime/node/mod.ts";
import { type RunningBroker, startBroker } from "../../../src/server/start-broker.ts";
import { dispatch } from "../../../src/protocol/kafka/server/dispatch.ts";
import { TributaryError } from "../../../src/model/errors.ts";
import { silentLogger } from "../../../src/logging/logger.ts";
import { FrameReader } from "../../../src/protocol/kafka/frame.ts";
import { KafkaReader } from "../../../src/protocol/kafka/reader.ts";
import { rawClient, requestFrame } from "./support/raw-client.ts";
import { KCAT_API_VERSIONS_V3 } from "./support/captured.ts";

let node: RunningBroker;

beforeAll(async () => {
  node = await startBroker(createNodeRuntime(), {
    storage: "memory",
    port: 0,
    httpPort: null,
    kafkaPort: 0,
  });
  await node.broker.createTopic({ name: "t", partitions: 3 });
});

afterAll(async () => {
  await node?.close();
});

async function survives(frame: Uint8Array): Promise<void> {
  try {
    await dispatch({ broker: node.broker, logger: silentLogger }, frame);
  } catch (err) {
    if (!(err instanceof TributaryError)) throw err;
  }
}

describe("dispatch on random input", () => {
  it("random bytes after a real header of each served API and version", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(3, 18, 0, 1, 2, 8, 999),
        fc.integer({ min: -1, max: 14 }),
        fc.boolean(),
        fc.uint8Array({ maxLength: 200 }),
        async (key, version, flexible, body) => {
          await survives(requestFrame(key, version, 1, body, { flexible }).subarray(4));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("every truncation and every single-byte change of kcat's ApiVersions v3", async () => {
    const frame = KCAT_API_VERSIONS_V3.subarray(4);
    for (let n = 0; n <= frame.length; n++) await survives(frame.subarray(0, n));
    for (let i = 0; i < frame.length; i++) {
      for (const b of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
        const mutated = frame.slice();
        mutated[i] = b;
        await survives(mutated);
      }
    }
  });

  it("the frame reader refuses or splits any byte stream", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 17 }), (s, step) => {
        const reader = new FrameReader(64);
        let total = 0;
        for (let i = 0; i < s.length; i += step) {
          for (const f of reader.push(s.subarray(i, i + step))) total += 4 + f.length;
        }
        expect(total).toBeLessThanOrEqual(s.length);
      }),
      { numRuns: 500 },
    );
  });
});

describe("the listener under bad frames", () => {
  it("random frames on many connections leave the broker serving", async () => {
    const samples = fc.sample(
      fc.tuple(
        fc.constantFrom(3, 18, 0, 7),
        fc.integer({ min: 0, max: 13 }),
        fc.uint8Array({
          maxLength: 120,
        }),
        fc.integer({ min: 0, max: 3 }),
      ),
      { numRuns: 60, seed: 12 },
    );
    for (const [key, version, body, cut] of samples) {
      const c = await rawClient(node.kafkaPort!);
      const frame = requestFrame(key, version, 5, body);
      // cut 0: whole; 1: truncated mid-frame then closed; 2: a lying size; 3: garbage only.
      if (cut === 1) c.send(frame.subarray(0, Math.max(1, frame.length - 3)));
      else if (cut === 2) c.send(new Uint8Array([0x7f, 0, 0, 0, ...body]));
      else if (cut === 3) c.send(body.length > 0 ? body : new Uint8Array([0xff]));
      else c.send(frame);
      c.destroy();
    }
    const good = await rawClient(node.kafkaPort!);
    good.send(requestFrame(18, 0, 77, new Uint8Array(0)));
    expect(new KafkaReader(await good.next()).int32()).toBe(77);
    good.send(requestFrame(3, 1, 78, new Uint8Array([0xff, 0xff, 0xff, 0xff])));
    expect(new KafkaReader(await good.next()).int32()).toBe(78);
    good.destroy();
    expect(node.broker.describeTopic("t").partitions).toHaveLength(3);
  });
});
