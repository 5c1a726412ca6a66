// What the cluster routes (routes/cluster.ts, and add-partitions in routes/topics.ts) ask of
// the node, as optional functions the composition hands createHttpApp. Without them the routes
// answer what one broker can: itself as the cluster's only broker and controller, preferred
// leaders that lead already, no reassignment in progress, and no way to add partitions, move a
// leadership or reassign replicas (UNSUPPORTED_VERSION, after checking the request as the real
// thing would).

import type { BrokerApi } from "../broker/types.ts";
import type { BrokerState, TopicDescription } from "../model/descriptions.ts";
import { TributaryError } from "../model/errors.ts";

export interface ClusterBrokerBody {
  id: number;
  host: string;
  port: number;
  httpPort: number | null;
  rack: string | null;
  /** Fenced: registered without a live session (or in controlled shutdown); it leads nothing. */
  state: BrokerState;
}

export interface ClusterBody {
  clusterId: string;
  controllerId: number;
  brokers: ClusterBrokerBody[];
}

/** A whole topic when partition is absent. */
export interface ElectTarget {
  topic: string;
  partition?: number;
}

export interface ElectResult {
  topic: string;
  partition: number;
  leader: number;
  outcome: "elected" | "already-preferred";
}

/** A partition's replicas and the reassignment in progress, if any (KIP-455's view of it). */
export interface ReassignmentBody {
  topic: string;
  partition: number;
  replicas: number[];
  isr: number[];
  leader: number;
  /** The replicas it moves to; null: no reassignment in progress. */
  targetReplicas: number[] | null;
  /** Replicas the reassignment added (still copying or in sync): [] when none is in progress. */
  addingReplicas: number[];
  /** Replicas it drops once the target is in sync: [] when none is in progress. */
  removingReplicas: number[];
}

export interface HttpClusterApi {
  describeCluster(): ClusterBody | Promise<ClusterBody>;
  /** Grows the topic to `count` partitions in all; answers its new description. */
  createPartitions(topic: string, count: number): Promise<TopicDescription>;
  /** Preferred-leader election; null: every partition. */
  electLeaders(targets: readonly ElectTarget[] | null): Promise<ElectResult[]>;
  /** Starts or replaces (replicas) or cancels (null) a reassignment; answers it as committed. */
  reassignPartition(
    topic: string,
    partition: number,
    replicas: readonly number[] | null,
  ): Promise<ReassignmentBody>;
  describeReassignment(topic: string, partition: number): ReassignmentBody;
}

/** The given functions, the single-node answers for the rest. */
export function clusterApiOf(
  broker: BrokerApi,
  given: Partial<HttpClusterApi> = {},
): HttpClusterApi {
  return {
    describeCluster: given.describeCluster ?? (() => singleNodeCluster(broker)),
    createPartitions: given.createPartitions ??
      ((topic, count) => Promise.resolve(refuseCreatePartitions(broker, topic, count))),
    electLeaders: given.electLeaders ??
      ((targets) => Promise.resolve(alreadyPreferred(broker, targets))),
    reassignPartition: given.reassignPartition ??
      ((topic, partition) => Promise.resolve(refuseReassign(broker, topic, partition))),
    describeReassignment: given.describeReassignment ??
      ((topic, partition) => noReassignment(broker, topic, partition)),
  };
}

function noReassignment(broker: BrokerApi, topic: string, partition: number): ReassignmentBody {
  const p = broker.describeTopic(topic).partitions.find((d) => d.partition === partition);
  if (p === undefined) {
    throw new TributaryError(
      "UNKNOWN_TOPIC_OR_PARTITION",
      `topic "${topic}" has no partition ${partition}`,
    );
  }
  return {
    topic,
    partition,
    replicas: [...p.replicas],
    isr: [...p.isr],
    leader: p.leader,
    targetReplicas: null,
    addingReplicas: [],
    removingReplicas: [],
  };
}

function refuseReassign(broker: BrokerApi, topic: string, partition: number): never {
  noReassignment(broker, topic, partition);
  throw new TributaryError(
    "UNSUPPORTED_VERSION",
    `a single broker cannot reassign replicas (no controller quorum); ${topic}-${partition} stays`,
  );
}

function singleNodeCluster(broker: BrokerApi): ClusterBody {
  const metadata = broker.metadata([]);
  return {
    clusterId: metadata.clusterId,
    controllerId: metadata.controllerId,
    brokers: metadata.brokers.map((b) => ({
      id: b.nodeId,
      host: b.host,
      port: b.port,
      httpPort: b.httpPort ?? null,
      rack: null,
      state: "running" as const,
    })).sort((a, b) => a.id - b.id),
  };
}

function refuseCreatePartitions(broker: BrokerApi, topic: string, count: number): never {
  const current = broker.describeTopic(topic).partitions.length;
  if (count <= current) {
    throw new TributaryError(
      "INVALID_PARTITIONS",
      `topic "${topic}" has ${current} partitions; the new count must be higher, got ${count}`,
    );
  }
  throw new TributaryError(
    "UNSUPPORTED_VERSION",
    `this broker cannot add partitions yet; "${topic}" keeps ${current}`,
  );
}

function alreadyPreferred(
  broker: BrokerApi,
  targets: readonly ElectTarget[] | null,
): ElectResult[] {
  const names = targets === null
    ? broker.listTopics().map((t) => t.name)
    : [...new Set(targets.map((t) => t.topic))];
  const results: ElectResult[] = [];
  for (const name of names) {
    const topic = broker.describeTopic(name);
    const wanted = targets?.filter((t) => t.topic === name) ?? [{ topic: name }];
    for (const t of wanted) {
      if (t.partition !== undefined && !topic.partitions.some((p) => p.partition === t.partition)) {
        throw new TributaryError(
          "UNKNOWN_TOPIC_OR_PARTITION",
          `topic "${name}" has no partition ${t.partition}`,
        );
      }
    }
    for (const p of topic.partitions) {
      if (!wanted.some((t) => t.partition === undefined || t.partition === p.partition)) continue;
      if (p.leader !== p.replicas[0]) {
        throw new TributaryError(
          "UNSUPPORTED_VERSION",
          `this broker cannot move leadership yet: ${name}-${p.partition} is led by ` +
            `${p.leader}, its preferred replica is ${p.replicas[0]}`,
        );
      }
      results.push({
        topic: name,
        partition: p.partition,
        leader: p.leader,
        outcome: "already-preferred",
      });
    }
  }
  return results;
}
