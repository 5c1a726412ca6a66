// In-memory ControllerService and ReplicaService for protocol tests: each records the requests
// it was handed and answers with what the test put in `replies` (or throws what it put in
// `failures`), so a test sees exactly what crossed the wire in both directions.

import type {
  ControllerService,
  RaftEnvelope,
  ReplicaService,
} from "../../../../src/model/cluster.ts";
import { TributaryError } from "../../../../src/model/errors.ts";

type Methods<S> = {
  [K in keyof S]: S[K] extends (...args: never[]) => unknown ? K : never;
}[keyof S];
type Reply<S, K extends keyof S> = S[K] extends (...args: never[]) => Promise<infer R> ? R : never;

export class FakeService<S> {
  readonly calls: { method: Methods<S>; request: unknown }[] = [];
  readonly replies: { [K in Methods<S>]?: Reply<S, K> } = {};
  readonly failures: { [K in Methods<S>]?: TributaryError } = {};

  answer<K extends Methods<S>>(method: K, request: unknown): Promise<Reply<S, K>> {
    this.calls.push({ method, request });
    const failure = this.failures[method];
    if (failure !== undefined) return Promise.reject(failure);
    const reply = this.replies[method];
    if (reply === undefined) {
      return Promise.reject(
        new TributaryError("UNKNOWN_SERVER_ERROR", `no reply for ${String(method)}`),
      );
    }
    return Promise.resolve(reply as Reply<S, K>);
  }
}

export class FakeController extends FakeService<ControllerService> implements ControllerService {
  readonly raft: RaftEnvelope[] = [];
  /** Thrown by receiveRaft when set (a controller that chokes on a message). */
  raftFailure: Error | null = null;
  #raftWaiters: (() => void)[] = [];

  registerBroker = (r: Parameters<ControllerService["registerBroker"]>[0]) =>
    this.answer("registerBroker", r);
  brokerHeartbeat = (r: Parameters<ControllerService["brokerHeartbeat"]>[0]) =>
    this.answer("brokerHeartbeat", r);
  fetchMetadata = (r: Parameters<ControllerService["fetchMetadata"]>[0]) =>
    this.answer("fetchMetadata", r);
  alterPartition = (r: Parameters<ControllerService["alterPartition"]>[0]) =>
    this.answer("alterPartition", r);
  createTopics = (r: Parameters<ControllerService["createTopics"]>[0]) =>
    this.answer("createTopics", r);
  deleteTopics = (r: Parameters<ControllerService["deleteTopics"]>[0]) =>
    this.answer("deleteTopics", r);
  createPartitions = (r: Parameters<ControllerService["createPartitions"]>[0]) =>
    this.answer("createPartitions", r);
  alterTopicConfigs = (r: Parameters<ControllerService["alterTopicConfigs"]>[0]) =>
    this.answer("alterTopicConfigs", r);
  allocateProducerIds = (r: Parameters<ControllerService["allocateProducerIds"]>[0]) =>
    this.answer("allocateProducerIds", r);
  electLeaders = (r: Parameters<ControllerService["electLeaders"]>[0]) =>
    this.answer("electLeaders", r);
  reassignPartitions = (r: Parameters<ControllerService["reassignPartitions"]>[0]) =>
    this.answer("reassignPartitions", r);

  receiveRaft(envelope: RaftEnvelope): void {
    this.calls.push({ method: "receiveRaft", request: envelope });
    const waiters = this.#raftWaiters;
    this.#raftWaiters = [];
    for (const wake of waiters) wake();
    if (this.raftFailure !== null) throw this.raftFailure;
    this.raft.push(envelope);
  }

  /** Resolves once receiveRaft has been called `count` times in all (no polling). */
  async raftCalls(count: number): Promise<void> {
    for (let i = 0; i < 1_000; i++) {
      if (this.calls.filter((c) => c.method === "receiveRaft").length >= count) return;
      await new Promise<void>((resolve) => this.#raftWaiters.push(resolve));
    }
    throw new Error(`receiveRaft not called ${count} times`);
  }
}

export class FakeReplication extends FakeService<ReplicaService> implements ReplicaService {
  replicaFetch = (r: Parameters<ReplicaService["replicaFetch"]>[0]) =>
    this.answer("replicaFetch", r);
  epochEnd = (r: Parameters<ReplicaService["epochEnd"]>[0]) => this.answer("epochEnd", r);
}
