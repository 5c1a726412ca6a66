// A malformed message from a peer is dropped and reported; it changes nothing and trips no
// invariant of the receiving node.
import { describe, expect, it } from "vitest";
import type { RaftMessage } from "../../../src/controller/raft/types.ts";
import { append, makeNode, receive } from "./step-harness.ts";

const malformed: [string, RaftMessage][] = [
  ["a negative previous index", append(2, -1, 0, [2])],
  ["a fractional term", { ...append(2, 0, 0, []), term: 1.5 }],
  ["entry terms above the message term", append(2, 0, 0, [3])],
  ["entry terms falling along the append", append(3, 0, 0, [3, 2])],
  ["entry terms below the previous entry's term", append(3, 1, 2, [1])],
  ["a negative leader commit", append(2, 0, 0, [], -4)],
  ["a vote for a log of a later term than the request", {
    type: "vote",
    term: 2,
    lastLogIndex: 3,
    lastLogTerm: 5,
  }],
  ["a pre-vote with a NaN index", { type: "preVote", term: 2, lastLogIndex: NaN, lastLogTerm: 0 }],
  ["a response with a negative match", {
    type: "appendResponse",
    term: 1,
    success: true,
    matchIndex: -1,
    rejectedIndex: 0,
    conflictTerm: null,
    conflictIndex: 0,
  }],
  ["an unknown type", { type: "gossip", term: 1 } as unknown as RaftMessage],
];

describe("raft message validation", () => {
  for (const [what, message] of malformed) {
    it(`drops ${what} and keeps its state`, () => {
      const node = makeNode(1, { term: 1, log: [1] });
      const effects = receive(node, 2, message);
      expect(effects).toEqual([{ type: "messageDropped", from: 2, reason: expect.any(String) }]);
      expect(node.term).toBe(1);
      expect(node.leaderId).toBe(null);
      expect(node.log.lastIndex).toBe(1);
    });
  }

  it("drops a message from a node outside the voter set", () => {
    const node = makeNode(1, { term: 1 });
    expect(receive(node, 9, append(5, 0, 0, []))).toEqual([
      { type: "messageDropped", from: 9, reason: "sender is not another voter" },
    ]);
    expect(node.term).toBe(1);
  });
});
