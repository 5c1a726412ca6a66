// The group APIs on a cluster-mode broker (metadata from FakeClusterWriter, as in
// test/coordinator/cluster-broker.test.ts): FindCoordinator names the leader of a group's
// `__consumer_offsets` partition at that broker's Kafka listener, also when it is another
// broker, and the offsets of a group coordinated elsewhere answer NOT_COORDINATOR, which sends
// a client back to FindCoordinator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Broker } from "../../../src/broker/broker.ts";
import { KAFKA_LISTENER } from "../../../src/broker/cluster-routing.ts";
import { GroupService } from "../../../src/coordinator/group-service.ts";
import { offsetsPartitionFor } from "../../../src/coordinator/offsets-partition.ts";
import { CONSUMER_OFFSETS_TOPIC } from "../../../src/coordinator/offsets-topic.ts";
import { type KafkaServer, serveKafka } from "../../../src/protocol/kafka/server/server.ts";
import type { KafkaReader } from "../../../src/protocol/kafka/reader.ts";
import type { KafkaWriter } from "../../../src/protocol/kafka/writer.ts";
import { FakeClusterWriter } from "../../broker/fake-cluster-writer.ts";
import { type TestEnv, testEnv } from "../../broker/helpers.ts";
import { call } from "./support/group-requests.ts";
import { type RawClient, rawClient } from "./support/raw-client.ts";

// Groups on each of the three `__consumer_offsets` partitions (Kafka's hash).
const ON = ["g2", "g0", "g1"] as const;
const KAFKA_PORT = (id: number) => 19_000 + id;

let env: TestEnv;
let broker: Broker;
let groups: GroupService;
let server: KafkaServer;
let c: RawClient;

beforeAll(async () => {
  env = await testEnv();
  const writer = new FakeClusterWriter();
  writer.commit([1, 2, 3].map((id) => ({
    type: "RegisterBrokerRecord" as const,
    brokerId: id,
    incarnationId: `incarnation-${id}`,
    endpoints: [
      { listener: "cbor", host: `10.0.0.${id}`, port: 9000 + id },
      // Broker 3 serves no Kafka listener.
      ...(id === 3
        ? []
        : [{ listener: KAFKA_LISTENER, host: `10.0.0.${id}`, port: KAFKA_PORT(id) }]),
    ],
    rack: null,
    fenced: false,
  })));
  // Broker 1 leads partition 0; broker 2 leads 1; broker 3 leads 2.
  writer.assignments.set(CONSUMER_OFFSETS_TOPIC, [[1, 2], [2, 3], [3, 1]]);
  writer.assignments.set("t", [[1]]);
  broker = await env.open({
    cluster: { writer, committed: writer.committed, controllerId: () => 1 },
  });
  await broker.createTopic({ name: "t" });
  groups = await GroupService.start(env.rt, broker, {
    offsetsTopicPartitions: 3,
    offsetsTopicReplicationFactor: 2,
  });
  server = await serveKafka(env.rt, broker, { host: "127.0.0.1", port: 0, groups });
  c = await rawClient(server.port);
});

afterAll(async () => {
  c?.destroy();
  await server?.close();
  await groups?.close();
  await env?.cleanup();
});

const findV2 = (key: string) => ({
  key: 10,
  version: 2,
  flexible: false,
  body: (w: KafkaWriter) => w.nullableString(key).int8(0),
});

function coordinator(r: KafkaReader) {
  r.int32();
  const errorCode = r.int16();
  r.nullableString();
  const out = [errorCode, r.int32(), r.string(), r.int32()];
  r.expectEnd("FindCoordinator v2 response");
  return out;
}

/** OffsetFetch v3 of one partition of "t": [offset, partition error, group error]. */
async function fetchV3(group: string) {
  const r = await call(c, {
    key: 9,
    version: 3,
    flexible: false,
    body: (w) => {
      w.nullableString(group).array(false, ["t"], (w, t) => {
        w.nullableString(t).array(false, [0], (w, p) => w.int32(p));
      });
    },
  });
  r.int32();
  const rows = r.array(false, "topics", (r) => {
    r.string();
    return r.array(false, "partitions", (r) => {
      r.int32();
      const offset = r.int64();
      r.nullableString();
      return [offset, r.int16()];
    });
  });
  const errorCode = r.int16();
  r.expectEnd("OffsetFetch v3 response");
  return { rows, errorCode };
}

describe("group APIs in a cluster", () => {
  it("FindCoordinator names each group's coordinator at its Kafka listener", async () => {
    for (const [p, g] of ON.entries()) expect(offsetsPartitionFor(g, 3)).toBe(p);
    expect(coordinator(await call(c, findV2(ON[0])))).toEqual([0, 1, "10.0.0.1", KAFKA_PORT(1)]);
    expect(coordinator(await call(c, findV2(ON[1])))).toEqual([0, 2, "10.0.0.2", KAFKA_PORT(2)]);
    // A coordinator a Kafka client cannot reach is no coordinator for it.
    expect(coordinator(await call(c, findV2(ON[2])))).toEqual([15, -1, "", -1]);
  });

  it("offsets of a group coordinated here are served; elsewhere NOT_COORDINATOR", async () => {
    const commit = (group: string) =>
      call(c, {
        key: 8,
        version: 5,
        flexible: false,
        body: (w) => {
          w.nullableString(group).int32(-1).nullableString("");
          w.array(false, ["t"], (w, t) => {
            w.nullableString(t).array(false, [0], (w, p) => {
              w.int32(p).int64(4).nullableString(null);
            });
          });
        },
      });
    const errorOf = (r: KafkaReader) => {
      r.int32();
      const e = r.array(false, "topics", (r) => {
        r.string();
        return r.array(false, "partitions", (r) => [r.int32(), r.int16()]);
      });
      r.expectEnd("OffsetCommit v5 response");
      return e;
    };
    expect(errorOf(await commit(ON[0]))).toEqual([[[0, 0]]]);
    expect(errorOf(await commit(ON[1]))).toEqual([[[0, 16]]]);
    expect(await fetchV3(ON[0])).toEqual({ rows: [[[4, 0]]], errorCode: 0 });
    expect(await fetchV3(ON[1])).toEqual({ rows: [], errorCode: 16 });
  });
});
