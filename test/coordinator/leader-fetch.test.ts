// HTTP members' reads in a cluster (leader-fetch.ts): a fetch split by partition leader, local
// partitions read here and the others from their leaders, answered as soon as one part has
// records, and a failed part reported per partition with its code.
import { describe, expect, it } from "vitest";
import type { FetchPartitionResult, FetchRequest } from "../../src/broker/types.ts";
import { leaderRoutedBroker } from "../../src/coordinator/leader-fetch.ts";
import { TributaryError } from "../../src/model/errors.ts";

const LEADERS: Record<string, number> = { "t-0": 1, "t-1": 2, "t-2": 3, "t-3": -1 };

function result(p: { topic: string; partition: number }, records = 0): FetchPartitionResult {
  return {
    topic: p.topic,
    partition: p.partition,
    highWatermark: 10,
    logStartOffset: 0,
    records: new Uint8Array(records),
  };
}

function request(partitions: number[], maxWaitMs = 500): FetchRequest {
  return {
    partitions: partitions.map((partition) => ({ topic: "t", partition, offset: 0, maxBytes: 1 })),
    maxWaitMs,
    minBytes: 1,
    maxBytes: 1024,
  };
}

interface Asked {
  at: number;
  partitions: number[];
  signal: AbortSignal | undefined;
}

function routed(answer: (at: number, r: FetchRequest) => Promise<FetchPartitionResult[]>) {
  const asked: Asked[] = [];
  const record = (at: number, r: FetchRequest) => {
    asked.push({ at, partitions: r.partitions.map((p) => p.partition), signal: r.signal });
    return answer(at, r);
  };
  const broker = leaderRoutedBroker({
    nodeId: 1,
    local: {
      fetch: (r) => record(1, r),
      partitionOffsets: () => ({ logStartOffset: 0, highWatermark: 10 }),
    },
    leaderOf: (topic, partition) => LEADERS[`${topic}-${partition}`] ?? -1,
    remoteFetch: (leader, r) => record(leader, r),
  });
  return { broker, asked };
}

const never = new Promise<FetchPartitionResult[]>(() => {});

describe("HTTP members' reads from partition leaders", () => {
  it("reads partitions led here, or led by nobody, from the local broker alone", async () => {
    const { broker, asked } = routed((_at, r) =>
      Promise.resolve(r.partitions.map((p) => result(p)))
    );
    const answer = await broker.fetch(request([0, 3]));
    expect(answer.map((r) => r.partition)).toEqual([0, 3]);
    expect(asked.map((a) => [a.at, a.partitions])).toEqual([[1, [0, 3]]]);
  });

  it("sends every other partition to its leader and merges the answers", async () => {
    const { broker, asked } = routed((_at, r) =>
      Promise.resolve(r.partitions.map((p) => result(p)))
    );
    const answer = await broker.fetch(request([0, 1, 2, 3]));
    expect(answer.map((r) => r.partition).sort()).toEqual([0, 1, 2, 3]);
    expect(asked.map((a) => [a.at, a.partitions])).toEqual([[1, [0, 3]], [2, [1]], [3, [2]]]);
  });

  it("answers once one part has records, without waiting for a leader that is still polling", async () => {
    const { broker, asked } = routed((at, r) =>
      at === 2 ? Promise.resolve(r.partitions.map((p) => result(p, 5))) : never
    );
    const answer = await broker.fetch(request([0, 1, 2]));
    expect(answer.map((r) => [r.partition, r.records.length])).toEqual([[1, 5]]);
    // The local long poll is called off; the remote ones end by their own wait.
    expect(asked.find((a) => a.at === 1)?.signal?.aborted).toBe(true);
  });

  it("reports a part that failed as that code on each of its partitions", async () => {
    const { broker } = routed((at, r) =>
      at === 2
        ? Promise.reject(new TributaryError("NETWORK_EXCEPTION", "no route to broker 2"))
        : Promise.resolve(r.partitions.map((p) => result(p)))
    );
    const answer = await broker.fetch(request([0, 1]));
    expect(answer.map((r) => [r.partition, r.error ?? null]).sort()).toEqual([
      [0, null],
      [1, "NETWORK_EXCEPTION"],
    ]);
  });
});
