// The local metadata log replays a change with cluster records the way a committed batch applies:
// all of it, or none of it when the image refuses one record; a refused change never stops a
// start. Changes of topic records replay in place exactly as before issue 11.
import { describe, expect, it } from "vitest";
import { SimWorld } from "../../runtime/sim/world.ts";
import { MetadataLog } from "../../src/metadata/metadata-log.ts";
import type { MetadataRecord } from "../../src/metadata/records.ts";

const bounds = { maxSteps: 200_000, maxVirtualMs: 60_000 };

function register(brokerId: number, incarnationId: string): MetadataRecord {
  const endpoints = [{ listener: "cbor", host: "127.0.0.1", port: 9092 }];
  return {
    type: "RegisterBrokerRecord",
    brokerId,
    incarnationId,
    endpoints,
    rack: null,
    fenced: true,
  };
}

describe("MetadataLog replay", () => {
  it("replays cluster records and skips a refused change as a whole", async () => {
    const world = new SimWorld({ seed: 1 });
    const rt = world.runtime("b1");
    await world.run(async () => {
      const first = await MetadataLog.open(rt, "/data");
      await first.log.append([
        { type: "TopicRecord", name: "t", topicId: "tid", internal: false },
        {
          type: "PartitionRecord",
          topic: "t",
          partition: 0,
          replicas: [1],
          leader: 1,
          leaderEpoch: 0,
        },
      ]);
      await first.log.append([register(1, "a")]);
      // Refused (stale incarnation): the config change beside it must not survive either.
      await first.log.append([
        { type: "ConfigRecord", topic: "t", name: "retention.ms", value: "5" },
        {
          type: "BrokerRegistrationChangeRecord",
          brokerId: 1,
          incarnationId: "old",
          fenced: false,
        },
      ]);
      await first.log.append([
        { type: "BrokerRegistrationChangeRecord", brokerId: 1, incarnationId: "a", fenced: false },
        {
          type: "PartitionChangeRecord",
          topicId: "tid",
          partition: 0,
          partitionEpoch: 0,
          isr: [1],
        },
      ]);
      await first.log.close();

      const { log, image } = await MetadataLog.open(rt, "/data");
      expect(image.broker(1)).toMatchObject({ incarnationId: "a", fenced: false });
      expect(image.topic("t")!.configs).toEqual({});
      expect(image.topic("t")!.partitions[0]).toEqual({
        partition: 0,
        replicas: [1],
        isr: [1],
        leader: 1,
        leaderEpoch: 0,
        partitionEpoch: 1,
      });
      // The image it returns is the one later changes go to (the topic store applies to it).
      image.apply({ type: "ProducerIdsRecord", nextBlockStart: 10 });
      expect(image.nextProducerIdBlockStart).toBe(10);
      await log.close();
    }, bounds);
  });

  it("refuses to append a record out of shape, writing nothing", async () => {
    const world = new SimWorld({ seed: 2 });
    const rt = world.runtime("b1");
    await world.run(async () => {
      const { log } = await MetadataLog.open(rt, "/data");
      const bad = { ...register(1, "a"), brokerId: -1 };
      await expect(log.append([bad])).rejects.toMatchObject({ code: "INVALID_RECORD" });
      await log.close();
      const reopened = await MetadataLog.open(rt, "/data");
      expect(reopened.image.brokers()).toEqual([]);
      await reopened.log.close();
    }, bounds);
  });
});
