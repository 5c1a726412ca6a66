// A client's route never goes back to an older leader epoch (KIP-320): a broker cut off from the
// controller answers Metadata from its stale image, naming itself leader in an old epoch. The
// route keeps the newer leader it knew, and a fetch carries that epoch so a stale leader refuses
// it (3-node simulation seed 11: the consumer was sent to the stale leader, got
// OFFSET_OUT_OF_RANGE past its short log and reset to earliest).
import { describe, expect, it } from "vitest";
import { createNodeRuntime } from "../../runtime/node/mod.ts";
import { ClusterClient, type Connector } from "../../src/client/cluster.ts";
import type { MetadataResponse } from "../../src/protocol/cbor/ops/metadata.ts";

const rt = createNodeRuntime();

function answer(leader: number, leaderEpoch: number): MetadataResponse {
  return {
    clusterId: "c",
    controllerId: 1,
    brokers: [1, 2, 3].map((nodeId) => ({ nodeId, host: "127.0.0.1", port: 19_100 + nodeId })),
    topics: [{
      name: "t",
      internal: false,
      configs: {},
      error: null,
      partitions: [{
        partition: 0,
        leader,
        leaderEpoch,
        replicas: [1, 2, 3],
        isr: [leader],
        logStartOffset: 0,
        highWatermark: 0,
        sizeBytes: 0,
      }],
    }],
  };
}

function scripted(answers: MetadataResponse[]): Connector {
  return () =>
    Promise.resolve({
      request: (op: string) => {
        const next = answers.shift();
        if (op !== "Metadata" || next === undefined) return Promise.reject(new Error(op));
        return Promise.resolve(next as never);
      },
      send: () => Promise.resolve(),
      close: () => Promise.resolve(),
    });
}

describe("ClusterClient routes and leader epochs", () => {
  it("keeps the newer leader when a stale broker names an older epoch, takes a newer one", async () => {
    const client = new ClusterClient(rt, {
      bootstrap: ["127.0.0.1:19101"],
      retryBackoffMs: 0,
      connector: scripted([answer(1, 2), answer(3, 0), answer(2, 3)]),
    });
    try {
      expect(await client.route("t")).toMatchObject({ leaders: [1], leaderEpochs: [2] });
      client.invalidate("t");
      // Broker 3's stale image: it leads in epoch 0. The route stays with broker 1, epoch 2.
      expect(await client.route("t")).toMatchObject({ leaders: [1], leaderEpochs: [2] });
      client.invalidate("t");
      expect(await client.route("t")).toMatchObject({ leaders: [2], leaderEpochs: [3] });
    } finally {
      await client.close();
    }
  });

  it("starts over when the topic was gone in between", async () => {
    const gone: MetadataResponse = {
      ...answer(1, 0),
      topics: [{
        name: "t",
        internal: false,
        configs: {},
        partitions: [],
        error: { code: "UNKNOWN_TOPIC_OR_PARTITION", message: "gone" },
      } as never],
    };
    const client = new ClusterClient(rt, {
      bootstrap: ["127.0.0.1:19101"],
      retryBackoffMs: 0,
      connector: scripted([answer(1, 5), gone, answer(2, 0)]),
    });
    try {
      expect(await client.route("t")).toMatchObject({ leaders: [1], leaderEpochs: [5] });
      client.invalidate("t");
      await expect(client.route("t")).rejects.toMatchObject({ code: "UNKNOWN_TOPIC_OR_PARTITION" });
      // Created again: its epochs start at 0 and are taken as they are.
      expect(await client.route("t")).toMatchObject({ leaders: [2], leaderEpochs: [0] });
    } finally {
      await client.close();
    }
  });
});
