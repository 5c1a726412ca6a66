// Pieces the consumer-module tests share: assignments, records, and a scripted stand-in for the
// ClusterClient that answers the few operations the consumer modules send.
import { createNodeRuntime } from "../../../runtime/node/mod.ts";
import type { ClusterClient, TopicRoute } from "../../../src/client/cluster.ts";
import type { ConsumerRecord, TopicPartition } from "../../../src/client/fetched-records.ts";
import { encodeBatch } from "../../../src/log/record-batch.ts";

export const rt = createNodeRuntime();
export const tp0: TopicPartition = { topic: "t", partition: 0 };
export const tp1: TopicPartition = { topic: "t", partition: 1 };

export function records(tp: TopicPartition, from: number, count: number): ConsumerRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    ...tp,
    offset: from + i,
    timestamp: 0,
    key: null,
    value: null,
    headers: [],
  }));
}

/** One uncompressed batch of `values` whose first record has offset `baseOffset`. */
export function batchAt(baseOffset: number, values: string[]): Uint8Array {
  const enc = new TextEncoder();
  return encodeBatch({
    baseOffset,
    records: values.map((v) => ({ key: null, value: enc.encode(v), timestamp: 1_000 })),
  });
}

export type Answer = (body: unknown, nodeId: number | undefined) => unknown | Promise<unknown>;

/**
 * Answers request(op, ...) with the scripted function of that op; records every call. Only
 * what the consumer modules use (request, route, invalidate, clientId) exists.
 */
export class ScriptedCluster {
  readonly calls: Array<{ op: string; body: unknown; nodeId: number | undefined }> = [];
  readonly invalidated: string[] = [];
  readonly clientId = "test-client";
  readonly answers = new Map<string, Answer>();
  partitions = 2;

  request(op: string, body: unknown, nodeId?: number): Promise<unknown> {
    this.calls.push({ op, body, nodeId });
    const answer = this.answers.get(op);
    if (!answer) return Promise.reject(new Error(`no scripted answer for ${op}`));
    return Promise.resolve().then(() => answer(body, nodeId));
  }

  route(_topic: string): Promise<TopicRoute> {
    return Promise.resolve({
      partitions: this.partitions,
      leaders: Array.from({ length: this.partitions }, () => 1),
      leaderEpochs: [],
      fetchedMs: 0,
    });
  }

  knowsBroker(nodeId: number): boolean {
    return nodeId === 1;
  }

  invalidate(topic: string): void {
    this.invalidated.push(topic);
  }

  asCluster(): ClusterClient {
    return this as unknown as ClusterClient;
  }

  callsOf(op: string) {
    return this.calls.filter((c) => c.op === op);
  }
}
