import { Encoder } from "cbor-x/encode";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeRaftMessage,
  encodeRaftMessage,
  RAFT_WIRE_ENTRIES_MAX,
} from "../../../src/controller/raft/codec.ts";
import type { RaftMessage } from "../../../src/controller/raft/types.ts";
import { TributaryError } from "../../../src/model/errors.ts";

const index = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const small = fc.nat({ max: 1000 });
const data = fc.uint8Array({ maxLength: 64 });

const message: fc.Arbitrary<RaftMessage> = fc.oneof(
  fc.record({
    type: fc.constantFrom("preVote" as const, "vote" as const),
    term: fc.integer({ min: 1000, max: 2000 }),
    lastLogIndex: index,
    lastLogTerm: small,
  }),
  fc.record({
    type: fc.constantFrom("preVoteResponse" as const, "voteResponse" as const),
    term: index,
    granted: fc.boolean(),
  }),
  fc.record({
    type: fc.constant("append" as const),
    term: fc.integer({ min: 1003, max: 2000 }),
    prevLogIndex: index,
    prevLogTerm: small,
    leaderCommit: index,
    entries: fc.array(fc.option(data, { nil: null }), { maxLength: 5 }).map((datas) =>
      datas.map((d, i) => ({ term: 1000 + Math.floor(i / 2), data: d }))
    ),
  }),
  fc.record({
    type: fc.constant("appendResponse" as const),
    term: index,
    success: fc.boolean(),
    matchIndex: index,
    rejectedIndex: index,
    conflictTerm: fc.option(index, { nil: null }),
    conflictIndex: index,
  }),
  fc.record({
    type: fc.constant("installSnapshot" as const),
    term: fc.integer({ min: 1000, max: 2000 }),
    lastIndex: index,
    lastTerm: small,
    data,
  }),
);

const raw = new Encoder({ useRecords: false, tagUint8Array: false });
const cbor = (value: unknown): Uint8Array => new Uint8Array(raw.encode(value));

function decodeError(bytes: Uint8Array): TributaryError {
  try {
    decodeRaftMessage(bytes);
  } catch (err) {
    if (err instanceof TributaryError) return err;
    throw new Error(`decode threw a ${String(err)}, not a TributaryError`, { cause: err });
  }
  throw new Error("decode accepted malformed bytes");
}

describe("raft message codec", () => {
  it("round-trips every message kind", () => {
    fc.assert(
      fc.property(message, (m) => {
        const decoded = decodeRaftMessage(encodeRaftMessage(m));
        expect(decoded).toEqual(m);
        // Payloads come back as plain Uint8Arrays, not views of the frame (or Node Buffers).
        if (decoded.type === "installSnapshot") {
          expect(Object.getPrototypeOf(decoded.data)).toBe(Uint8Array.prototype);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("pins the wire form of a heartbeat", () => {
    const bytes = encodeRaftMessage({
      type: "append",
      term: 3,
      prevLogIndex: 7,
      prevLogTerm: 2,
      leaderCommit: 5,
      entries: [{ term: 3, data: null }, { term: 3, data: new Uint8Array([9]) }],
    });
    // [0, 4, 3, 7, 2, 5, [[3, null], [3, h'09']]]
    expect([...bytes]).toEqual([
      0x87,
      0x00,
      0x04,
      0x03,
      0x07,
      0x02,
      0x05,
      0x82,
      0x82,
      0x03,
      0xf6,
      0x82,
      0x03,
      0x41,
      0x09,
    ]);
  });

  it("refuses malformed messages with INVALID_REQUEST", () => {
    const cases: unknown[] = [
      "not an array",
      [],
      [1, 0, 1, 0, 0], // unknown version
      [0, 7, 1], // unknown kind
      [0, 0, 1, 0], // preVote missing a field
      [0, 0, 1, 0, 0, 0], // one field too many
      [0, 0, -1, 0, 0], // negative term
      [0, 0, 1.5, 0, 0], // fractional term
      [0, 0, 2 ** 53, 0, 0], // unsafe integer
      [0, 1, 1, "yes"], // granted not a boolean
      [0, 4, 2, 0, 0, 0, "entries"],
      [0, 4, 2, 0, 0, 0, [[2]]],
      [0, 4, 2, 0, 0, 0, [[2, "text"]]],
      [0, 4, 2, 0, 0, 0, [[3, null]]], // entry term above the message term (validate.ts)
      [0, 5, 1, true, 0, 0, "x", 0],
      [0, 6, 1, 0, 0, "not bytes"],
      [0, 6, 1, 0, 2, new Uint8Array(1)], // snapshot term above the message term
      [0, 4, 2, 0, 0, 0, Array.from({ length: RAFT_WIRE_ENTRIES_MAX + 1 }, () => [1, null])],
    ];
    for (const value of cases) {
      expect(decodeError(cbor(value)).code, JSON.stringify(value)?.slice(0, 60)).toBe(
        "INVALID_REQUEST",
      );
    }
  });

  it("refuses every truncation and random bytes with a TributaryError", () => {
    const good = encodeRaftMessage({
      type: "installSnapshot",
      term: 4,
      lastIndex: 10,
      lastTerm: 3,
      data: new Uint8Array(20).fill(7),
    });
    for (let end = 0; end < good.length; end++) {
      expect(decodeError(good.subarray(0, end)).code).toBe("INVALID_REQUEST");
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        try {
          decodeRaftMessage(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(TributaryError);
          expect((err as TributaryError).code).toBe("INVALID_REQUEST");
        }
      }),
      { numRuns: 2000 },
    );
  });
});
