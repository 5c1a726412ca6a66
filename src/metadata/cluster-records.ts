// The records a cluster adds (issue 11), after Kafka's RegisterBrokerRecord,
// BrokerRegistrationChangeRecord, UnregisterBrokerRecord and PartitionChangeRecord, in our own
// CBOR encoding (records.ts). Each reader checks every field on its own; what needs the image
// (is the broker registered, is the epoch current) is checked when the image applies the record.
//
// An incarnation id names one start of one broker process (Kafka's incarnationId; a new one at
// every start). Changes to a registration name the incarnation they are meant for, so a change
// meant for a broker's previous life never touches its current one.
import {
  asMap,
  ENDPOINTS_MAX,
  INT32_MAX,
  type RecordErrorCode,
  RecordFields,
} from "./record-fields.ts";

/** Leader -1: the partition has no leader (Kafka's NO_LEADER), e.g. its whole ISR is fenced. */
export const NO_LEADER = -1;

export interface BrokerEndpoint {
  /** The listener's name, unique within the broker (e.g. "cbor", "http", "controller"). */
  listener: string;
  host: string;
  port: number;
}

export interface RegisterBrokerRecord {
  type: "RegisterBrokerRecord";
  brokerId: number;
  incarnationId: string;
  endpoints: BrokerEndpoint[];
  rack: string | null;
  /** Kafka registers brokers fenced; they are unfenced once they have caught up. */
  fenced: boolean;
}

export interface BrokerRegistrationChangeRecord {
  type: "BrokerRegistrationChangeRecord";
  brokerId: number;
  /** The incarnation this change is for; any other registration refuses it. */
  incarnationId: string;
  fenced: boolean;
}

export interface UnregisterBrokerRecord {
  type: "UnregisterBrokerRecord";
  brokerId: number;
  incarnationId: string;
}

/**
 * A change to one partition. Absent fields stay as they are. Applying it bumps partitionEpoch;
 * a present leader (even the same one, a re-election) also bumps leaderEpoch, as Kafka does.
 */
export interface PartitionChangeRecord {
  type: "PartitionChangeRecord";
  topicId: string;
  partition: number;
  /** The partition epoch the change was computed from: a change from an older one is stale. */
  partitionEpoch: number;
  leader?: number;
  isr?: number[];
  replicas?: number[];
  /**
   * Version 1. A list starts (or replaces) a reassignment towards these replicas, and
   * addingReplicas (then required) names the ones it added to the replica list, so a
   * cancellation can return to the replicas from before; null ends it (completed or cancelled).
   */
  targetReplicas?: number[] | null;
  /** Version 1, with a list targetReplicas: possibly empty, each a replica not in the target-free
   * original list. */
  addingReplicas?: number[];
}

/**
 * The cluster's id, which the first active controller of a new cluster proposes before anything
 * else, so every member reads the same one from the image (Kafka keeps it in meta.properties and
 * checks it at registration; here the quorum agrees on it through the log). Written once: the
 * image refuses a second, different one.
 */
export interface ClusterIdRecord {
  type: "ClusterIdRecord";
  clusterId: string;
}

export type ClusterRecord =
  | ClusterIdRecord
  | RegisterBrokerRecord
  | BrokerRegistrationChangeRecord
  | UnregisterBrokerRecord
  | PartitionChangeRecord;

export const CLUSTER_RECORD_VERSIONS = {
  ClusterIdRecord: [0],
  RegisterBrokerRecord: [0],
  BrokerRegistrationChangeRecord: [0],
  UnregisterBrokerRecord: [0],
  PartitionChangeRecord: [0, 1],
} as const satisfies Record<ClusterRecord["type"], readonly number[]>;

export function isClusterRecordType(type: unknown): type is ClusterRecord["type"] {
  return typeof type === "string" && Object.hasOwn(CLUSTER_RECORD_VERSIONS, type);
}

/** Reads a cluster record's fields (in their canonical order), refusing any out of shape. */
export function readClusterRecord(
  type: ClusterRecord["type"],
  f: RecordFields,
  code: RecordErrorCode,
): ClusterRecord {
  switch (type) {
    case "ClusterIdRecord":
      return { type, clusterId: clusterId(f) };
    case "RegisterBrokerRecord":
      return {
        type,
        brokerId: brokerId(f),
        incarnationId: f.text("incarnationId"),
        endpoints: endpoints(f, code),
        rack: f.isNull("rack") ? null : f.text("rack"),
        fenced: f.bool("fenced"),
      };
    case "BrokerRegistrationChangeRecord":
      return {
        type,
        brokerId: brokerId(f),
        incarnationId: f.text("incarnationId"),
        fenced: f.bool("fenced"),
      };
    case "UnregisterBrokerRecord":
      return { type, brokerId: brokerId(f), incarnationId: f.text("incarnationId") };
    case "PartitionChangeRecord":
      return partitionChange(f);
  }
}

/** Kafka's cluster ids are URL-safe base64 (22 characters for 16 random bytes). */
function clusterId(f: RecordFields): string {
  const id = f.text("clusterId");
  if (!/^[A-Za-z0-9_-]+$/.test(id)) f.fail("clusterId must be letters, digits, '_' or '-'");
  return id;
}

function brokerId(f: RecordFields): number {
  return f.int("brokerId", 0, INT32_MAX);
}

function endpoints(f: RecordFields, code: RecordErrorCode): BrokerEndpoint[] {
  const out = f.list("endpoints", ENDPOINTS_MAX).map((item, i) => {
    const e = new RecordFields(asMap(item, code), `endpoints[${i}]`, code);
    const listener = e.text("listener");
    if (!/^[A-Za-z0-9_.-]+$/.test(listener)) {
      e.fail("listener must be letters, digits, '_', '.' or '-'");
    }
    return { listener, host: e.text("host"), port: e.int("port", 1, 65_535) };
  });
  const names = new Set(out.map((e) => e.listener.toLowerCase()));
  if (names.size !== out.length) f.fail("endpoints name a listener twice");
  return out;
}

function partitionChange(f: RecordFields): PartitionChangeRecord {
  const change: PartitionChangeRecord = {
    type: "PartitionChangeRecord",
    topicId: f.text("topicId"),
    partition: f.int("partition", 0, INT32_MAX),
    partitionEpoch: f.int("partitionEpoch", 0, INT32_MAX),
  };
  if (f.has("leader")) change.leader = f.int("leader", NO_LEADER, INT32_MAX);
  if (f.has("isr")) change.isr = f.brokerIds("isr");
  if (f.has("replicas")) change.replicas = f.brokerIds("replicas");
  readTarget(f, change);
  if (
    change.leader === undefined && change.isr === undefined && change.replicas === undefined &&
    change.targetReplicas === undefined
  ) {
    f.fail("changes nothing (no leader, isr, replicas or targetReplicas)");
  }
  const { isr, replicas, leader } = change;
  if (isr !== undefined && replicas !== undefined && isr.some((b) => !replicas.includes(b))) {
    f.fail("isr has a broker that is not a replica");
  }
  if (leader !== undefined && leader !== NO_LEADER && isr !== undefined && !isr.includes(leader)) {
    f.fail("leader is not in the isr");
  }
  return change;
}

/** targetReplicas null, or a list with its addingReplicas (each a member of the target). */
function readTarget(f: RecordFields, change: PartitionChangeRecord): void {
  if (f.isNull("targetReplicas")) {
    change.targetReplicas = null;
    if (f.has("addingReplicas")) f.fail("addingReplicas without a targetReplicas list");
    return;
  }
  if (!f.has("targetReplicas")) {
    if (f.has("addingReplicas")) f.fail("addingReplicas without a targetReplicas list");
    return;
  }
  const target = f.brokerIds("targetReplicas");
  const adding = f.has("addingReplicas") ? f.optionalBrokerIds("addingReplicas") : undefined;
  if (adding === undefined) f.fail("targetReplicas needs addingReplicas");
  if (adding.some((b) => !target.includes(b))) f.fail("addingReplicas has a non-target broker");
  change.targetReplicas = target;
  change.addingReplicas = adding;
}

/** The version a PartitionChangeRecord is written at: 1 once it carries a target. */
export function partitionChangeVersion(record: PartitionChangeRecord): number {
  return record.targetReplicas === undefined ? 0 : 1;
}
