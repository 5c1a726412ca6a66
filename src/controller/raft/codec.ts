// The bytes of a Raft message between controllers (carried inside a RaftEnvelope of
// src/model/cluster.ts). One CBOR array per message, positional so a heartbeat stays small:
//
//   [version=0, kind, term, ...fields]
//   kind 0 preVote          [0, 0, term, lastLogIndex, lastLogTerm]
//   kind 1 preVoteResponse  [0, 1, term, granted]
//   kind 2 vote             [0, 2, term, lastLogIndex, lastLogTerm]
//   kind 3 voteResponse     [0, 3, term, granted]
//   kind 4 append           [0, 4, term, prevLogIndex, prevLogTerm, leaderCommit, [[term, data]...]]
//                           data: a byte string, or null for a leader's no-op
//   kind 5 appendResponse   [0, 5, term, success, matchIndex, rejectedIndex, conflictTerm|null,
//                            conflictIndex]
//   kind 6 installSnapshot  [0, 6, term, lastIndex, lastTerm, data]
//
// Integers are non-negative safe integers. Decoding is strict: a wrong length, an unknown kind or
// version, a field of the wrong type, too many entries or a message the core's shape checks
// (validate.ts) refuse is INVALID_REQUEST, never another kind of throw: the bytes come off the
// network from a peer that may run another build.
// cbor-x/decode and cbor-x/encode skip the optional native extractor (it crashes Deno and Bun).
import { Decoder } from "cbor-x/decode";
import { Encoder } from "cbor-x/encode";
import { TributaryError } from "../../model/errors.ts";
import type { Entry, RaftMessage } from "./types.ts";
import { malformedReason } from "./validate.ts";

export const RAFT_CODEC_VERSION = 0;
/** Entries one append may carry on the wire (the core sends at most appendEntriesMax). */
export const RAFT_WIRE_ENTRIES_MAX = 65_536;

const KINDS = [
  "preVote",
  "preVoteResponse",
  "vote",
  "voteResponse",
  "append",
  "appendResponse",
  "installSnapshot",
] as const satisfies readonly RaftMessage["type"][];

const encoder = new Encoder({ useRecords: false, tagUint8Array: false });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: false });

export function encodeRaftMessage(message: RaftMessage): Uint8Array {
  const kind = KINDS.indexOf(message.type);
  const head = [RAFT_CODEC_VERSION, kind, message.term];
  let value: unknown[];
  switch (message.type) {
    case "preVote":
    case "vote":
      value = [...head, message.lastLogIndex, message.lastLogTerm];
      break;
    case "preVoteResponse":
    case "voteResponse":
      value = [...head, message.granted];
      break;
    case "append":
      value = [
        ...head,
        message.prevLogIndex,
        message.prevLogTerm,
        message.leaderCommit,
        message.entries.map((entry) => [entry.term, entry.data]),
      ];
      break;
    case "appendResponse":
      value = [
        ...head,
        message.success,
        message.matchIndex,
        message.rejectedIndex,
        message.conflictTerm,
        message.conflictIndex,
      ];
      break;
    case "installSnapshot":
      value = [...head, message.lastIndex, message.lastTerm, message.data];
      break;
  }
  // A copy: cbor-x hands out views of its reusable buffer (a Node Buffer under Node).
  return new Uint8Array(encoder.encode(value));
}

function invalid(reason: string, cause?: unknown): TributaryError {
  return new TributaryError("INVALID_REQUEST", `raft message: ${reason}`, { cause });
}

function int(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${name} is not a non-negative integer`);
  }
  return value;
}

function bool(value: unknown, name: string): boolean {
  if (typeof value !== "boolean") throw invalid(`${name} is not a boolean`);
  return value;
}

function bytes(value: unknown, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw invalid(`${name} is not a byte string`);
  // A plain Uint8Array of its own, not a view of the whole frame.
  return new Uint8Array(value);
}

function entries(value: unknown): Entry[] {
  if (!Array.isArray(value)) throw invalid("entries is not an array");
  if (value.length > RAFT_WIRE_ENTRIES_MAX) {
    throw invalid(`${value.length} entries, more than ${RAFT_WIRE_ENTRIES_MAX}`);
  }
  return value.map((item: unknown, i) => {
    if (!Array.isArray(item) || item.length !== 2) throw invalid(`entry ${i} is not [term, data]`);
    const term = int(item[0], `entry ${i} term`);
    const data = item[1] === null ? null : bytes(item[1], `entry ${i} data`);
    return { term, data };
  });
}

const FIELD_COUNT: Record<RaftMessage["type"], number> = {
  preVote: 5,
  preVoteResponse: 4,
  vote: 5,
  voteResponse: 4,
  append: 7,
  appendResponse: 8,
  installSnapshot: 6,
};

/** Decodes and checks one message; INVALID_REQUEST for anything out of shape. */
export function decodeRaftMessage(data: Uint8Array): RaftMessage {
  let value: unknown;
  try {
    value = decoder.decode(data);
  } catch (err) {
    // cbor-x throws plain Errors and RangeErrors for truncated or malformed input.
    throw invalid("undecodable CBOR", err);
  }
  if (!Array.isArray(value) || value.length < 3) throw invalid("not a [version, kind, term] array");
  if (value[0] !== RAFT_CODEC_VERSION) throw invalid(`unknown version ${String(value[0])}`);
  const kind = typeof value[1] === "number" ? KINDS[value[1]] : undefined;
  if (kind === undefined) throw invalid(`unknown kind ${String(value[1])}`);
  if (value.length !== FIELD_COUNT[kind]) {
    throw invalid(`${kind} has ${value.length} fields, not ${FIELD_COUNT[kind]}`);
  }
  const message = readFields(kind, value);
  const malformed = malformedReason(message);
  if (malformed !== null) throw invalid(`${kind}: ${malformed}`);
  return message;
}

function readFields(kind: RaftMessage["type"], v: unknown[]): RaftMessage {
  const term = int(v[2], "term");
  switch (kind) {
    case "preVote":
    case "vote":
      return {
        type: kind,
        term,
        lastLogIndex: int(v[3], "lastLogIndex"),
        lastLogTerm: int(v[4], "lastLogTerm"),
      };
    case "preVoteResponse":
    case "voteResponse":
      return { type: kind, term, granted: bool(v[3], "granted") };
    case "append":
      return {
        type: kind,
        term,
        prevLogIndex: int(v[3], "prevLogIndex"),
        prevLogTerm: int(v[4], "prevLogTerm"),
        leaderCommit: int(v[5], "leaderCommit"),
        entries: entries(v[6]),
      };
    case "appendResponse":
      return {
        type: kind,
        term,
        success: bool(v[3], "success"),
        matchIndex: int(v[4], "matchIndex"),
        rejectedIndex: int(v[5], "rejectedIndex"),
        conflictTerm: v[6] === null ? null : int(v[6], "conflictTerm"),
        conflictIndex: int(v[7], "conflictIndex"),
      };
    case "installSnapshot":
      return {
        type: kind,
        term,
        lastIndex: int(v[3], "lastIndex"),
        lastTerm: int(v[4], "lastTerm"),
        data: bytes(v[5], "data"),
      };
  }
}
