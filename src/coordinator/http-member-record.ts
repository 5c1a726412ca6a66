// The record of an HTTP member in `__consumer_offsets` (docs/groups.md, "HTTP members"): what a
// coordinator needs, beyond the group's own records, to carry on serving a member the broker
// consumes for after the group's partition moved to another broker.
//
//   key   = CBOR array [0, "HttpMember", groupId, memberId]   (key version 0, as group records)
//   value = CBOR map { "version": 0, "autoOffsetReset": "earliest" | "latest" | "none" } | null
//
// The member's subscription, instance id, epoch and assignment are not repeated here: they are in
// its Member and CurrentAssignment records, which the new coordinator replays too. Positions are
// not recorded either: a moved member resumes from its group's committed offsets (at-least-once).
// A null value (tombstone) is written when the member leaves or is removed, in the same batch as
// its Member tombstone. The key has exactly one CBOR encoding (text strings and a small unsigned
// integer), so compaction keeps the latest record per member.
import { Decoder } from "cbor-x/decode";
import { Encoder } from "cbor-x/encode";
import { TributaryError } from "../model/errors.ts";

export type AutoOffsetReset = "earliest" | "latest" | "none";
export const AUTO_OFFSET_RESETS: readonly AutoOffsetReset[] = ["earliest", "latest", "none"];

export const HTTP_MEMBER_KEY_TYPE = "HttpMember";
const KEY_VERSION = 0;
const VALUE_VERSION = 0;

export interface HttpMemberRecord {
  type: "HttpMember";
  groupId: string;
  memberId: string;
  /** Where to start in a partition without a committed offset. */
  autoOffsetReset: AutoOffsetReset;
}

/** Deletes an HTTP member's record (null value in the log). */
export interface HttpMemberTombstone {
  type: "HttpMemberTombstone";
  groupId: string;
  memberId: string;
}

export type HttpMemberLogRecord = HttpMemberRecord | HttpMemberTombstone;

const encoder = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

export function encodeHttpMemberRecord(
  record: HttpMemberLogRecord,
): { key: Uint8Array; value: Uint8Array | null } {
  const key = encoder.encode([KEY_VERSION, HTTP_MEMBER_KEY_TYPE, record.groupId, record.memberId]);
  if (record.type === "HttpMemberTombstone") return { key, value: null };
  return {
    key,
    value: encoder.encode({ version: VALUE_VERSION, autoOffsetReset: record.autoOffsetReset }),
  };
}

/**
 * The record if `key` is an HTTP member's key, else null (a group record: record-codec.ts).
 * Malformed bytes are CORRUPT_MESSAGE, an unknown version UNSUPPORTED_VERSION.
 */
export function decodeHttpMemberRecord(
  key: Uint8Array,
  value: Uint8Array | null,
): HttpMemberLogRecord | null {
  const parts = decodeCbor(key);
  if (!Array.isArray(parts) || parts[1] !== HTTP_MEMBER_KEY_TYPE) return null;
  if (parts[0] !== KEY_VERSION) {
    throw new TributaryError(
      "UNSUPPORTED_VERSION",
      `HTTP member record key version ${String(parts[0])} is not supported`,
    );
  }
  if (parts.length !== 4) corrupt("key length");
  const groupId = text(parts[2]);
  const memberId = text(parts[3]);
  if (value === null) return { type: "HttpMemberTombstone", groupId, memberId };
  const v = decodeCbor(value);
  if (typeof v !== "object" || v === null || Array.isArray(v)) corrupt("value is not a map");
  const fields = v as Record<string, unknown>;
  if (fields.version !== VALUE_VERSION) {
    throw new TributaryError(
      "UNSUPPORTED_VERSION",
      `HTTP member record value version ${String(fields.version)} is not supported`,
    );
  }
  const reset = fields.autoOffsetReset;
  if (!(AUTO_OFFSET_RESETS as readonly unknown[]).includes(reset)) corrupt("autoOffsetReset");
  return { type: "HttpMember", groupId, memberId, autoOffsetReset: reset as AutoOffsetReset };
}

function decodeCbor(bytes: Uint8Array): unknown {
  try {
    return decoder.decode(bytes) as unknown;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new TributaryError("CORRUPT_MESSAGE", `HTTP member record: undecodable CBOR: ${why}`, {
      cause: err,
    });
  }
}

function text(x: unknown): string {
  return typeof x === "string" ? x : corrupt("expected a string field");
}

function corrupt(why: string): never {
  throw new TributaryError("CORRUPT_MESSAGE", `HTTP member record: ${why}`);
}
