// The broker's admin operations behind the Kafka admin APIs: topic config changes (replace and
// incremental, validate-only, persisted across a restart and applied to the open log), record
// deletion up to the high watermark, and leader-epoch end offsets on a single node.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { batch, codeOf, testEnv, type TestEnv } from "./helpers.ts";
import { editTopicConfigs } from "../../src/broker/topic-config-edit.ts";
import { thrownCode } from "../support/error-codes.ts";

let env: TestEnv;
beforeEach(async () => {
  env = await testEnv();
});
afterEach(async () => {
  await env.cleanup();
});

const sourceOf = (entries: Array<{ name: string; value: string; source: string }>, n: string) =>
  entries.find((e) => e.name === n);

describe("editTopicConfigs", () => {
  const inherited = { "cleanup.policy": "delete" };

  it("sets, deletes, appends to and subtracts from lists, in order", () => {
    expect(editTopicConfigs({ "retention.ms": "5" }, {
      replace: false,
      ops: [
        { name: "segment.bytes", op: "set", value: "4096" },
        { name: "retention.ms", op: "delete", value: null },
        { name: "cleanup.policy", op: "append", value: "compact" },
      ],
    }, inherited)).toEqual({ "segment.bytes": "4096", "cleanup.policy": "compact,delete" });
    expect(editTopicConfigs({ "cleanup.policy": "compact,delete" }, {
      replace: false,
      ops: [{ name: "cleanup.policy", op: "subtract", value: "delete" }],
    }, inherited)).toEqual({ "cleanup.policy": "compact" });
  });

  it("replace drops every config not given", () => {
    expect(editTopicConfigs({ "retention.ms": "5", "segment.bytes": "4096" }, {
      replace: true,
      ops: [{ name: "retention.ms", op: "set", value: "7" }],
    }, inherited)).toEqual({ "retention.ms": "7" });
  });

  it("refuses unknown names, bad values, lists ops on scalars and duplicates", () => {
    const edit = (ops: Parameters<typeof editTopicConfigs>[1]["ops"]) => () =>
      editTopicConfigs({}, { replace: false, ops }, inherited);
    expect(thrownCode(edit([{ name: "nope", op: "set", value: "1" }]))).toBe("INVALID_CONFIG");
    expect(thrownCode(edit([{ name: "retention.ms", op: "set", value: "x" }]))).toBe(
      "INVALID_CONFIG",
    );
    expect(thrownCode(edit([{ name: "retention.ms", op: "append", value: "1" }]))).toBe(
      "INVALID_CONFIG",
    );
    expect(thrownCode(edit([{ name: "cleanup.policy", op: "subtract", value: "delete" }]))).toBe(
      "INVALID_CONFIG",
    );
    expect(
      thrownCode(edit([
        { name: "retention.ms", op: "set", value: "1" },
        { name: "retention.ms", op: "delete", value: null },
      ])),
    ).toBe("INVALID_REQUEST");
  });
});

describe("topic configs on a broker", () => {
  it("describes sources, alters, validates only, survives a restart", async () => {
    let broker = await env.open({ defaultTopicConfigs: { "retention.bytes": "1000000" } });
    await broker.createTopic({ name: "t", configs: { "retention.ms": "60000" } });
    let entries = broker.topicConfigEntries("t");
    expect(sourceOf(entries, "retention.ms")).toEqual({
      name: "retention.ms",
      value: "60000",
      source: "topic",
    });
    expect(sourceOf(entries, "retention.bytes")?.source).toBe("broker");
    expect(sourceOf(entries, "segment.bytes")?.source).toBe("default");

    await broker.alterTopicConfigs("t", {
      replace: false,
      ops: [{ name: "max.message.bytes", op: "set", value: "2048" }],
    }, { validateOnly: true });
    expect(broker.describeTopic("t").configs["max.message.bytes"]).toBe("1048588");

    await broker.alterTopicConfigs("t", {
      replace: false,
      ops: [
        { name: "max.message.bytes", op: "set", value: "2048" },
        { name: "retention.ms", op: "delete", value: null },
      ],
    });
    entries = broker.topicConfigEntries("t");
    expect(sourceOf(entries, "max.message.bytes")).toMatchObject({
      value: "2048",
      source: "topic",
    });
    expect(sourceOf(entries, "retention.ms")).toMatchObject({
      value: "604800000",
      source: "default",
    });
    // The open partition enforces the new limit at once.
    await expect(
      broker.produce({ topic: "t", partition: 0, batches: batch(["x".repeat(4000)]), acks: 1 }),
    ).rejects.toMatchObject({ code: "MESSAGE_TOO_LARGE" });

    await broker.close();
    broker = await env.open({ defaultTopicConfigs: { "retention.bytes": "1000000" } });
    expect(broker.describeTopic("t").configs["max.message.bytes"]).toBe("2048");
    expect(broker.describeTopic("t").configs["retention.ms"]).toBe("604800000");
  });

  it("refuses unknown topics, internal topics and bad values, changing nothing", async () => {
    const broker = await env.open();
    await broker.createTopic({ name: "t" });
    await broker.createInternalTopic({ name: "__internal_x" });
    const set = { replace: false, ops: [{ name: "retention.ms", op: "set" as const, value: "1" }] };
    await expect(broker.alterTopicConfigs("nope", set)).rejects.toMatchObject({
      code: "UNKNOWN_TOPIC_OR_PARTITION",
    });
    await expect(broker.alterTopicConfigs("__internal_x", set)).rejects.toMatchObject({
      code: "INVALID_TOPIC_EXCEPTION",
    });
    await expect(
      broker.alterTopicConfigs("t", {
        replace: false,
        ops: [
          { name: "retention.ms", op: "set", value: "1" },
          { name: "segment.bytes", op: "set", value: "1" },
        ],
      }),
    ).rejects.toMatchObject({ code: "INVALID_CONFIG" });
    expect(broker.describeTopic("t").configs["retention.ms"]).toBe("604800000");
  });
});

describe("deleteRecords", () => {
  it("moves the log start up to the high watermark, -1 meaning the high watermark", async () => {
    const broker = await env.open();
    await broker.createTopic({ name: "t" });
    await broker.produce({ topic: "t", partition: 0, batches: batch(["a", "b", "c"]), acks: 1 });
    await broker.produce({ topic: "t", partition: 0, batches: batch(["d", "e"]), acks: 1 });
    expect(await broker.deleteRecords("t", 0, 3)).toEqual({ lowWatermark: 3 });
    expect((await broker.listOffsets("t", 0, "earliest")).offset).toBe(3);
    const [fetched] = await broker.fetch({
      partitions: [{ topic: "t", partition: 0, offset: 0, maxBytes: 1 << 20 }],
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
    });
    expect(fetched.error).toBe("OFFSET_OUT_OF_RANGE");
    // Below the log start already: nothing to do, the answer is where it is.
    expect(await broker.deleteRecords("t", 0, 1)).toEqual({ lowWatermark: 3 });
    expect(await broker.deleteRecords("t", 0, -1)).toEqual({ lowWatermark: 5 });
  });

  it("refuses offsets past the high watermark and unknown partitions", async () => {
    const broker = await env.open();
    await broker.createTopic({ name: "t" });
    await broker.produce({ topic: "t", partition: 0, batches: batch(["a"]), acks: 1 });
    await expect(broker.deleteRecords("t", 0, 2)).rejects.toMatchObject({
      code: "OFFSET_OUT_OF_RANGE",
    });
    await expect(broker.deleteRecords("t", 0, -2)).rejects.toMatchObject({
      code: "OFFSET_OUT_OF_RANGE",
    });
    await expect(broker.deleteRecords("t", 1, 0)).rejects.toMatchObject({
      code: "UNKNOWN_TOPIC_OR_PARTITION",
    });
    expect((await broker.listOffsets("t", 0, "earliest")).offset).toBe(0);
  });
});

describe("endOffsetForLeaderEpoch on one node", () => {
  it("answers the log end for the current epoch and checks the current epoch", async () => {
    const broker = await env.open();
    await broker.createTopic({ name: "t" });
    await broker.produce({ topic: "t", partition: 0, batches: batch(["a", "b"]), acks: 1 });
    const epoch = broker.describeTopic("t").partitions[0].leaderEpoch;
    expect(broker.endOffsetForLeaderEpoch("t", 0, epoch)).toEqual({
      leaderEpoch: epoch,
      endOffset: 2,
    });
    expect(broker.endOffsetForLeaderEpoch("t", 0, epoch + 1)).toEqual({
      leaderEpoch: -1,
      endOffset: -1,
    });
    expect(thrownCode(() => broker.endOffsetForLeaderEpoch("t", 0, epoch, epoch + 1))).toBe(
      "UNKNOWN_LEADER_EPOCH",
    );
    expect(thrownCode(() => broker.endOffsetForLeaderEpoch("t", 3, epoch))).toBe(
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
  });
});

describe("createPartitions (single node)", () => {
  it("grows a topic, tells topic listeners, serves the new partitions and keeps them across a restart", async () => {
    let broker = await env.open();
    await broker.createTopic({ name: "g", partitions: 2 });
    const heard: Array<[string, number]> = [];
    broker.onTopicChange((topic, count) => heard.push([topic, count]));
    expect(await codeOf(broker.createPartitions("g", 2))).toBe("INVALID_PARTITIONS");
    expect(await codeOf(broker.createPartitions("nope", 3))).toBe(
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
    const grown = await broker.createPartitions("g", 5);
    expect(grown.partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3, 4]);
    expect(heard).toEqual([["g", 5]]);
    await broker.produce({ topic: "g", partition: 4, batches: batch(["new"]), acks: 1 });
    await broker.close();
    broker = await env.open();
    expect(broker.describeTopic("g").partitions).toHaveLength(5);
    const fetched = await broker.fetch({
      partitions: [{ topic: "g", partition: 4, offset: 0, maxBytes: 1 << 20 }],
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
    });
    expect(fetched[0].highWatermark).toBe(1);
    await broker.close();
  });
});
