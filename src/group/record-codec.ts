// Bytes of group records in `__consumer_offsets` (see docs/groups.md, "Records").
//
//   key   = CBOR array [keyVersion=0, type, groupId, ...identity]
//           GroupMetadata:                        [0, "GroupMetadata", groupId]
//           ClassicGroup:                         [0, "ClassicGroup", groupId]
//           Member/TargetAssignment/CurrentAssignment: [0, type, groupId, memberId]
//           OffsetCommit:                         [0, "OffsetCommit", groupId, topic, partition]
//   value = CBOR map { "version": 0, ...the record's fields except type and the key's } | null
//
// Compaction compares keys byte for byte, so a key must have exactly one encoding: it is an
// array of text strings and small unsigned integers, which CBOR writes one way only. Plain maps
// and arrays, no cbor-x extensions, so any CBOR decoder can read the topic. Integers of 2^32 and
// above (offsets, timestamps) are written as CBOR uint64, not as the float64 cbor-x would pick.
//
// cbor-x/decode and cbor-x/encode skip the optional native string extractor, which crashes Deno
// and Bun when it loads.
import { Decoder } from "cbor-x/decode";
import { Encoder } from "cbor-x/encode";
import { type Assignment, isCanonicalAssignment } from "./assignment.ts";
import type {
  ClassicMemberEntry,
  GroupRecord,
  GroupRecordKey,
  GroupValueRecord,
  TopicPartitionCount,
} from "./records.ts";
import { groupRecordKey } from "./records.ts";
import { TributaryError } from "../model/errors.ts";

export const GROUP_RECORD_KEY_VERSION = 0;
export const GROUP_RECORD_VALUE_VERSION = 0;

export interface EncodedGroupRecord {
  key: Uint8Array;
  /** null for a tombstone. */
  value: Uint8Array | null;
}

const encoder = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });
// int64AsNumber (untyped in cbor-x's .d.ts) reads 64-bit integers back as numbers.
const decoderOptions = { useRecords: false, mapsAsObjects: true, int64AsNumber: true };
const decoder = new Decoder(decoderOptions);
const UINT32_LIMIT = 0x1_0000_0000;

export function encodeGroupRecordKey(key: GroupRecordKey): Uint8Array {
  return encoder.encode(keyParts(key));
}

export function encodeGroupRecord(record: GroupRecord): EncodedGroupRecord {
  const key = encodeGroupRecordKey(groupRecordKey(record));
  if (record.type === "Tombstone") return { key, value: null };
  return { key, value: encoder.encode(widenLargeIntegers(valueFields(record))) };
}

/** Decodes and shape-checks one record; anything unexpected is CORRUPT_MESSAGE. */
export function decodeGroupRecord(key: Uint8Array, value: Uint8Array | null): GroupRecord {
  const k = decodeKey(key);
  if (value === null) return { type: "Tombstone", key: k };
  const raw: unknown = decodeCbor(value);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) corrupt("value is not a map");
  const v = raw as Record<string, unknown>;
  if (v.version !== GROUP_RECORD_VALUE_VERSION) {
    throw new TributaryError(
      "UNSUPPORTED_VERSION",
      `group record value version ${String(v.version)} is not supported`,
    );
  }
  return decodeValue(k, v);
}

function keyParts(key: GroupRecordKey): unknown[] {
  const head = [GROUP_RECORD_KEY_VERSION, key.type, key.groupId];
  switch (key.type) {
    case "GroupMetadata":
    case "ClassicGroup":
      return head;
    case "OffsetCommit":
      return [...head, key.topic, key.partition];
    default:
      return [...head, key.memberId];
  }
}

// Field by field, so the byte layout does not depend on how a record object was built.
function valueFields(r: GroupValueRecord): Record<string, unknown> {
  const version = GROUP_RECORD_VALUE_VERSION;
  switch (r.type) {
    case "GroupMetadata":
      return {
        version,
        epoch: r.epoch,
        assignor: r.assignor,
        topics: r.topics.map((t) => ({ topic: t.topic, partitionCount: t.partitionCount })),
      };
    case "Member":
      return {
        version,
        instanceId: r.instanceId,
        clientId: r.clientId,
        subscribedTopics: r.subscribedTopics,
        sessionTimeoutMs: r.sessionTimeoutMs,
        rebalanceTimeoutMs: r.rebalanceTimeoutMs,
      };
    case "TargetAssignment":
      return { version, epoch: r.epoch, partitions: plain(r.partitions) };
    case "CurrentAssignment":
      return {
        version,
        memberEpoch: r.memberEpoch,
        previousMemberEpoch: r.previousMemberEpoch,
        assigned: plain(r.assigned),
        pendingRevocation: plain(r.pendingRevocation),
      };
    case "ClassicGroup":
      return {
        version,
        protocolType: r.protocolType,
        generationId: r.generationId,
        protocolName: r.protocolName,
        leaderId: r.leaderId,
        stateTimestampMs: r.stateTimestampMs,
        members: r.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          rebalanceTimeoutMs: m.rebalanceTimeoutMs,
          sessionTimeoutMs: m.sessionTimeoutMs,
          metadata: m.metadata,
          assignment: m.assignment,
        })),
      };
    case "OffsetCommit":
      return {
        version,
        offset: r.offset,
        leaderEpoch: r.leaderEpoch,
        metadata: r.metadata,
        commitTimestampMs: r.commitTimestampMs,
      };
  }
}

function plain(a: Assignment): unknown[] {
  return a.map((e) => ({ topic: e.topic, partitions: e.partitions }));
}

function widenLargeIntegers(value: unknown): unknown {
  if (typeof value === "number") {
    const large = Number.isSafeInteger(value) && (value >= UINT32_LIMIT || value < -UINT32_LIMIT);
    return large ? BigInt(value) : value;
  }
  if (Array.isArray(value)) return value.map(widenLargeIntegers);
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = widenLargeIntegers(v);
  return out;
}

function decodeKey(bytes: Uint8Array): GroupRecordKey {
  const raw: unknown = decodeCbor(bytes);
  if (!Array.isArray(raw) || raw.length < 3) corrupt("key is not an array");
  if (raw[0] !== GROUP_RECORD_KEY_VERSION) {
    throw new TributaryError(
      "UNSUPPORTED_VERSION",
      `group record key version ${String(raw[0])} is not supported`,
    );
  }
  const groupId = str(raw[2]);
  switch (raw[1]) {
    case "GroupMetadata":
      return raw.length === 3 ? { type: raw[1], groupId } : corrupt("key length");
    case "ClassicGroup":
      return raw.length === 3 ? { type: raw[1], groupId } : corrupt("key length");
    case "Member":
    case "TargetAssignment":
    case "CurrentAssignment":
      return raw.length === 4
        ? { type: raw[1], groupId, memberId: str(raw[3]) }
        : corrupt("key length");
    case "OffsetCommit":
      return raw.length === 5
        ? { type: raw[1], groupId, topic: str(raw[3]), partition: natural(raw[4]) }
        : corrupt("key length");
    default:
      return corrupt(`unknown record type ${String(raw[1])}`);
  }
}

function decodeValue(k: GroupRecordKey, v: Record<string, unknown>): GroupValueRecord {
  switch (k.type) {
    case "GroupMetadata":
      return {
        ...k,
        epoch: natural(v.epoch),
        assignor: str(v.assignor),
        topics: list(v.topics, topicCount),
      };
    case "Member":
      return {
        type: k.type,
        groupId: k.groupId,
        memberId: k.memberId,
        instanceId: nullable(v.instanceId, str),
        clientId: str(v.clientId),
        subscribedTopics: list(v.subscribedTopics, str),
        sessionTimeoutMs: natural(v.sessionTimeoutMs),
        rebalanceTimeoutMs: natural(v.rebalanceTimeoutMs),
      };
    case "TargetAssignment":
      return {
        type: k.type,
        groupId: k.groupId,
        memberId: k.memberId,
        epoch: natural(v.epoch),
        partitions: assignment(v.partitions),
      };
    case "CurrentAssignment":
      return {
        type: k.type,
        groupId: k.groupId,
        memberId: k.memberId,
        memberEpoch: int(v.memberEpoch),
        previousMemberEpoch: int(v.previousMemberEpoch),
        assigned: assignment(v.assigned),
        pendingRevocation: assignment(v.pendingRevocation),
      };
    case "ClassicGroup":
      return {
        ...k,
        protocolType: str(v.protocolType),
        generationId: natural(v.generationId),
        protocolName: nullable(v.protocolName, str),
        leaderId: nullable(v.leaderId, str),
        stateTimestampMs: int(v.stateTimestampMs),
        members: list(v.members, classicMember),
      };
    case "OffsetCommit":
      return {
        ...k,
        offset: natural(v.offset),
        leaderEpoch: nullable(v.leaderEpoch, int),
        metadata: nullable(v.metadata, str),
        commitTimestampMs: int(v.commitTimestampMs),
      };
  }
}

function decodeCbor(bytes: Uint8Array): unknown {
  try {
    return decoder.decode(bytes) as unknown;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new TributaryError("CORRUPT_MESSAGE", `group record: undecodable CBOR: ${why}`, {
      cause: err,
    });
  }
}

function corrupt(why: string): never {
  throw new TributaryError("CORRUPT_MESSAGE", `group record: ${why}`);
}

function str(x: unknown): string {
  return typeof x === "string" ? x : corrupt("expected a string field");
}

function int(x: unknown): number {
  return Number.isSafeInteger(x) ? (x as number) : corrupt("expected an integer field");
}

function natural(x: unknown): number {
  const n = int(x);
  return n >= 0 ? n : corrupt("expected a non-negative integer field");
}

function nullable<T>(x: unknown, read: (x: unknown) => T): T | null {
  return x === null || x === undefined ? null : read(x);
}

function list<T>(x: unknown, read: (x: unknown) => T): T[] {
  return Array.isArray(x) ? x.map(read) : corrupt("expected a list field");
}

function topicCount(x: unknown): TopicPartitionCount {
  if (typeof x !== "object" || x === null) corrupt("expected a topic count");
  const v = x as Record<string, unknown>;
  return { topic: str(v.topic), partitionCount: natural(v.partitionCount) };
}

function classicMember(x: unknown): ClassicMemberEntry {
  if (typeof x !== "object" || x === null) corrupt("expected a classic member");
  const v = x as Record<string, unknown>;
  return {
    memberId: str(v.memberId),
    groupInstanceId: nullable(v.groupInstanceId, str),
    clientId: str(v.clientId),
    clientHost: str(v.clientHost),
    rebalanceTimeoutMs: natural(v.rebalanceTimeoutMs),
    sessionTimeoutMs: natural(v.sessionTimeoutMs),
    metadata: bytes(v.metadata),
    assignment: bytes(v.assignment),
  };
}

// A copy: decoders may hand out views into a larger buffer (or a Node Buffer).
function bytes(x: unknown): Uint8Array {
  return x instanceof Uint8Array ? new Uint8Array(x) : corrupt("expected a byte string field");
}

function assignment(x: unknown): Assignment {
  const entries = list(x, (e) => {
    if (typeof e !== "object" || e === null) corrupt("expected a topic's partitions");
    const v = e as Record<string, unknown>;
    return { topic: str(v.topic), partitions: list(v.partitions, natural) };
  });
  return isCanonicalAssignment(entries) ? entries : corrupt("assignment is not canonical");
}
