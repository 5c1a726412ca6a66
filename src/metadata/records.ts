// Every change to cluster metadata is one of these records. Today they are persisted in a local
// metadata log (metadata-log.ts); later a Raft-replicated controller log carries the same
// records, and MetadataImage.apply stays the single place that interprets them.
//
// Wire form: each record is the value of one record in a record batch v2, encoded as a CBOR map
// { "type": <name>, "version": 0, ...fields }. A batch holds the records of one atomic change
// (a topic and all its partitions and configs), so a crash never leaves half a change.
// cbor-x/decode and cbor-x/encode skip the optional native string extractor (cbor-extract),
// which crashes Deno and Bun when it loads.
import { Decoder } from "cbor-x/decode";
import { Encoder } from "cbor-x/encode";
import { TributaryError } from "../model/errors.ts";

export const METADATA_RECORD_VERSION = 0;

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
  | ProducerIdsRecord;

// Plain maps, no cbor-x record extension: the metadata log must stay readable by any CBOR
// decoder (and by a future controller written against docs, not this library).
const encoder = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

export function encodeMetadataRecord(record: MetadataRecord): Uint8Array {
  return encoder.encode({ ...record, version: METADATA_RECORD_VERSION });
}

/** Decodes and shape-checks one record; anything unexpected is CORRUPT_MESSAGE. */
export function decodeMetadataRecord(bytes: Uint8Array): MetadataRecord {
  const value: unknown = decoder.decode(bytes);
  if (typeof value !== "object" || value === null) corrupt("not a map");
  const v = value as Record<string, unknown>;
  if (v.version !== METADATA_RECORD_VERSION) {
    throw new TributaryError(
      "UNSUPPORTED_VERSION",
      `metadata record version ${String(v.version)} is not supported`,
    );
  }
  switch (v.type) {
    case "TopicRecord":
      return {
        type: v.type,
        name: str(v.name),
        topicId: str(v.topicId),
        internal: bool(v.internal),
      };
    case "PartitionRecord":
      return {
        type: v.type,
        topic: str(v.topic),
        partition: int(v.partition),
        replicas: intList(v.replicas),
        leader: int(v.leader),
        leaderEpoch: int(v.leaderEpoch),
      };
    case "ConfigRecord":
      return {
        type: v.type,
        topic: str(v.topic),
        name: str(v.name),
        value: v.value === null ? null : str(v.value),
      };
    case "RemoveTopicRecord":
      return { type: v.type, name: str(v.name) };
    case "ProducerIdsRecord":
      return { type: v.type, nextBlockStart: int(v.nextBlockStart) };
    default:
      return corrupt(`unknown record type ${String(v.type)}`);
  }
}

function corrupt(why: string): never {
  throw new TributaryError("CORRUPT_MESSAGE", `metadata record: ${why}`);
}

function str(x: unknown): string {
  return typeof x === "string" ? x : corrupt("expected a string field");
}

function bool(x: unknown): boolean {
  return typeof x === "boolean" ? x : corrupt("expected a boolean field");
}

function int(x: unknown): number {
  return Number.isSafeInteger(x) ? (x as number) : corrupt("expected an integer field");
}

function intList(x: unknown): number[] {
  return Array.isArray(x) ? x.map(int) : corrupt("expected a list of integers");
}
