// Every change to cluster metadata is one of these records. Today they are persisted in a local
// metadata log (metadata-log.ts); later a Raft-replicated controller log carries the same
// records, and MetadataImage.apply stays the single place that interprets them.
//
// Wire form: each record is the value of one record in a record batch v2, encoded as a CBOR map
// { "type": <name>, ...fields, "version": <n> } with the fields in a fixed order per type. A
// batch holds the records of one atomic change (a topic and all its partitions and configs), so
// a crash never leaves half a change. Versions are per record type: a reader refuses a version
// it does not know (UNSUPPORTED_VERSION) and every version ever written stays readable. The
// records before issue 11 are all version 0; PartitionRecord v1 adds isr and partitionEpoch, and
// the cluster records (cluster-records.ts) start at version 0; PartitionRecord v2 and
// PartitionChangeRecord v1 add a reassignment's targetReplicas and addingReplicas. docs/storage.md lists them all.
// cbor-x/decode and cbor-x/encode skip the optional native string extractor (cbor-extract),
// which crashes Deno and Bun when it loads.
import { Decoder } from "cbor-x/decode";
import { Encoder } from "cbor-x/encode";
import { TributaryError } from "../model/errors.ts";
import {
  CLUSTER_RECORD_VERSIONS,
  type ClusterRecord,
  isClusterRecordType,
  partitionChangeVersion,
  readClusterRecord,
} from "./cluster-records.ts";
import { asMap, INT32_MAX, type RecordErrorCode, RecordFields } from "./record-fields.ts";

export type {
  BrokerEndpoint,
  BrokerRegistrationChangeRecord,
  ClusterIdRecord,
  ClusterRecord,
  PartitionChangeRecord,
  RegisterBrokerRecord,
  UnregisterBrokerRecord,
} from "./cluster-records.ts";
export { NO_LEADER } from "./cluster-records.ts";

export interface TopicRecord {
  type: "TopicRecord";
  name: string;
  topicId: string;
  internal: boolean;
}

export interface PartitionRecord {
  type: "PartitionRecord";
  topic: string;
  partition: number;
  replicas: number[];
  leader: number;
  leaderEpoch: number;
  /**
   * Version 1 (both or neither). Without them (version 0, every record written before issue 11)
   * the ISR is the replica list and the partition epoch 0.
   */
  isr?: number[];
  partitionEpoch?: number;
  /**
   * Version 2 (both or neither, and only with version 1's fields): a reassignment in progress, as
   * PartitionChangeRecord's fields of the same names describe it (a snapshot keeps it).
   */
  targetReplicas?: number[];
  addingReplicas?: number[];
}

/** value null removes an explicit config (the default applies again). */
export interface ConfigRecord {
  type: "ConfigRecord";
  topic: string;
  name: string;
  value: string | null;
}

export interface RemoveTopicRecord {
  type: "RemoveTopicRecord";
  name: string;
}

/** Producer ids below nextBlockStart have been handed out (or reserved) and never repeat. */
export interface ProducerIdsRecord {
  type: "ProducerIdsRecord";
  nextBlockStart: number;
}

export type MetadataRecord =
  | TopicRecord
  | PartitionRecord
  | ConfigRecord
  | RemoveTopicRecord
  | ProducerIdsRecord
  | ClusterRecord;

const RECORD_VERSIONS = {
  TopicRecord: [0],
  PartitionRecord: [0, 1, 2],
  ConfigRecord: [0],
  RemoveTopicRecord: [0],
  ProducerIdsRecord: [0],
  ...CLUSTER_RECORD_VERSIONS,
} as const satisfies Record<MetadataRecord["type"], readonly number[]>;

// Plain maps, no cbor-x record extension: the metadata log must stay readable by any CBOR
// decoder (and by a future controller written against docs, not this library).
const encoder = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

/**
 * Checks every field and encodes the record with its fields in canonical order; a record out of
 * shape is refused with INVALID_RECORD and nothing is encoded.
 */
export function encodeMetadataRecord(record: MetadataRecord): Uint8Array {
  const checked = readRecord(asMap(record, "INVALID_RECORD"), "INVALID_RECORD");
  return encoder.encode({ ...checked, version: versionOf(checked) });
}

/** Checks every field of a record a writer built; INVALID_RECORD for anything out of shape. */
export function checkMetadataRecord(record: MetadataRecord): void {
  readRecord(asMap(record, "INVALID_RECORD"), "INVALID_RECORD");
}

/** Decodes and checks one record; anything unexpected is CORRUPT_MESSAGE. */
export function decodeMetadataRecord(bytes: Uint8Array): MetadataRecord {
  let value: unknown;
  try {
    value = decoder.decode(bytes);
  } catch (err) {
    // cbor-x throws plain Errors (and RangeErrors) for truncated or malformed input.
    throw new TributaryError("CORRUPT_MESSAGE", "metadata record: undecodable CBOR", {
      cause: err,
    });
  }
  const v = asMap(value, "CORRUPT_MESSAGE");
  if (!isRecordType(v.type)) {
    throw new TributaryError("CORRUPT_MESSAGE", `metadata record: unknown type ${String(v.type)}`);
  }
  const versions: readonly number[] = RECORD_VERSIONS[v.type];
  if (typeof v.version !== "number" || !versions.includes(v.version)) {
    throw new TributaryError(
      "UNSUPPORTED_VERSION",
      `metadata record ${v.type} version ${String(v.version)} is not supported`,
    );
  }
  const record = readRecord(v, "CORRUPT_MESSAGE");
  if (versionOf(record) !== v.version) {
    throw new TributaryError(
      "CORRUPT_MESSAGE",
      `metadata record ${v.type}: fields do not match version ${v.version}`,
    );
  }
  return record;
}

function isRecordType(type: unknown): type is MetadataRecord["type"] {
  return typeof type === "string" && Object.hasOwn(RECORD_VERSIONS, type);
}

function versionOf(record: MetadataRecord): number {
  if (record.type === "PartitionChangeRecord") return partitionChangeVersion(record);
  if (record.type !== "PartitionRecord") return 0;
  return record.targetReplicas !== undefined ? 2 : record.isr !== undefined ? 1 : 0;
}

function readRecord(v: Record<string, unknown>, code: RecordErrorCode): MetadataRecord {
  const type = v.type;
  if (!isRecordType(type)) {
    throw new TributaryError(code, `metadata record: unknown type ${String(type)}`);
  }
  const f = new RecordFields(v, type, code);
  if (isClusterRecordType(type)) return readClusterRecord(type, f, code);
  // The records before issue 11 are read exactly as they always were (existing data dirs).
  switch (type) {
    case "TopicRecord":
      return {
        type,
        name: f.anyStr("name"),
        topicId: f.anyStr("topicId"),
        internal: f.bool("internal"),
      };
    case "PartitionRecord":
      return partitionRecord(f);
    case "ConfigRecord":
      return {
        type,
        topic: f.anyStr("topic"),
        name: f.anyStr("name"),
        value: f.isNull("value") ? null : f.anyStr("value"),
      };
    case "RemoveTopicRecord":
      return { type, name: f.anyStr("name") };
    case "ProducerIdsRecord":
      return { type, nextBlockStart: f.anyInt("nextBlockStart") };
  }
}

function partitionRecord(f: RecordFields): PartitionRecord {
  const record: PartitionRecord = {
    type: "PartitionRecord",
    topic: f.anyStr("topic"),
    partition: f.anyInt("partition"),
    replicas: f.anyIntList("replicas"),
    leader: f.anyInt("leader"),
    leaderEpoch: f.anyInt("leaderEpoch"),
  };
  if (!f.has("isr") && !f.has("partitionEpoch")) return record;
  // Version 1 is checked as strictly as the cluster records.
  const replicas = f.brokerIds("replicas");
  const isr = f.brokerIds("isr");
  if (isr.some((b) => !replicas.includes(b))) f.fail("isr has a broker that is not a replica");
  const { leader } = record;
  if (leader !== -1 && !isr.includes(leader)) f.fail("leader must be -1 or in the isr");
  f.int("leaderEpoch", 0, INT32_MAX);
  record.isr = isr;
  record.partitionEpoch = f.int("partitionEpoch", 0, INT32_MAX);
  if (!f.has("targetReplicas") && !f.has("addingReplicas")) return record;
  const target = f.brokerIds("targetReplicas");
  const adding = f.optionalBrokerIds("addingReplicas");
  if (target.some((b) => !replicas.includes(b))) f.fail("targetReplicas has a non-replica");
  if (adding.some((b) => !target.includes(b))) f.fail("addingReplicas has a non-target broker");
  record.targetReplicas = target;
  record.addingReplicas = adding;
  return record;
}
