// Raft §5.1 (terms), §5.3 (log replication and the log-matching check), §5.4.2 (committing
// entries from earlier terms) and the durability rules of the core (node.ts), one rule per
// test, at the level of single step() calls.
import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../../src/model/errors.ts";
import {
  append,
  elect,
  ELECTION_MS,
  makeNode,
  ofType,
  persistAll,
  receive,
  sentTo,
  success,
} from "./step-harness.ts";

const text = new TextEncoder();

describe("raft terms (§5.1)", () => {
  it("a leader that sees a higher term steps down and persists the term", () => {
    const node = makeNode(1, { term: 1 });
    elect(node, [2]);
    const effects = receive(node, 3, success(5, 0), ELECTION_MS + 1);
    expect(node.role).toBe("follower");
    expect(node.term).toBe(5);
    expect(ofType(effects, "persistHardState")).toEqual([
      { type: "persistHardState", term: 5, votedFor: null },
    ]);
    expect(ofType(effects, "leaderChanged")).toEqual([
      { type: "leaderChanged", leaderId: null, term: 5 },
    ]);
  });

  it("an append from an older term is refused with the current term, and its sender steps down", () => {
    const follower = makeNode(2, { term: 4 });
    const stale = append(3, 0, 0, [3]);
    const answer = sentTo(receive(follower, 1, stale), 1, "appendResponse");
    expect(answer).toMatchObject({ term: 4, success: false });
    expect(follower.log.lastIndex).toBe(0);
    const oldLeader = makeNode(1, { term: 2 });
    elect(oldLeader, [3]);
    receive(oldLeader, 2, answer, ELECTION_MS + 1);
    expect(oldLeader.role).toBe("follower");
    expect(oldLeader.term).toBe(4);
  });

  it("an append of a higher term makes its sender the known leader", () => {
    const node = makeNode(1, { term: 1 });
    const effects = receive(node, 3, append(2, 0, 0, []));
    expect(node.term).toBe(2);
    expect(node.leaderId).toBe(3);
    expect(ofType(effects, "leaderChanged")).toEqual([
      { type: "leaderChanged", leaderId: 3, term: 2 },
    ]);
  });
});

describe("raft log replication (§5.3)", () => {
  it("a follower refuses an append whose previous entry does not match, with a back-off hint", () => {
    const node = makeNode(1, { term: 2, log: [1, 1, 2, 2] });
    const mismatch = sentTo(receive(node, 2, append(3, 4, 3, [3])), 2, "appendResponse");
    expect(mismatch).toMatchObject({
      success: false,
      rejectedIndex: 4,
      conflictTerm: 2,
      conflictIndex: 3,
    });
    const beyond = sentTo(receive(node, 2, append(3, 6, 3, [3])), 2, "appendResponse");
    expect(beyond).toMatchObject({
      success: false,
      rejectedIndex: 6,
      conflictTerm: null,
      conflictIndex: 5,
    });
    expect(node.log.lastIndex).toBe(4);
  });

  it("a follower drops a conflicting suffix and takes the leader's entries", () => {
    const node = makeNode(1, { term: 2, log: [1, 1, 2, 2] });
    const effects = receive(node, 2, append(3, 2, 1, [3, 3]));
    expect(ofType(effects, "appendLog")).toEqual([
      expect.objectContaining({
        fromIndex: 3,
        entries: [expect.objectContaining({ term: 3 }), expect.objectContaining({ term: 3 })],
      }),
    ]);
    expect([1, 2, 3, 4].map((i) => node.log.termAt(i))).toEqual([1, 1, 3, 3]);
  });

  it("a late, shorter copy of an append does not cut entries that match", () => {
    const node = makeNode(1, { term: 1, log: [1, 1, 1] });
    const effects = receive(node, 2, append(1, 0, 0, [1]));
    expect(ofType(effects, "appendLog")).toEqual([]);
    expect(node.log.lastIndex).toBe(3);
    expect(sentTo(effects, 2, "appendResponse")).toMatchObject({ success: true, matchIndex: 1 });
  });

  it("a leader backs off to the follower's hint in one round trip and repairs its log", () => {
    const leader = makeNode(1, { term: 3, log: [1, 1, 3, 3] });
    const won = elect(leader, [3]);
    const follower = makeNode(2, { term: 2, log: [1, 1, 2, 2, 2] });
    const probe = sentTo(won, 2, "append");
    expect(probe).toMatchObject({ prevLogIndex: 4, prevLogTerm: 3 });
    const refusal = sentTo(receive(follower, 1, probe), 1, "appendResponse");
    const retry = sentTo(receive(leader, 2, refusal, ELECTION_MS + 1), 2, "append");
    expect(retry).toMatchObject({ prevLogIndex: 2, prevLogTerm: 1 });
    expect(retry.entries.map((e) => e.term)).toEqual([3, 3, 4]);
    const accepted = receive(follower, 1, retry);
    persistAll(follower, accepted);
    expect([1, 2, 3, 4, 5].map((i) => follower.log.termAt(i))).toEqual([1, 1, 3, 3, 4]);
  });

  it("a leader ignores a refusal older than its last back-off", () => {
    const leader = makeNode(1, { term: 3, log: [1, 1, 3, 3] });
    elect(leader, [3]);
    const refusal = {
      type: "appendResponse",
      term: 4,
      success: false,
      matchIndex: 0,
      rejectedIndex: 4,
      conflictTerm: null,
      conflictIndex: 1,
    } as const;
    expect(sentTo(receive(leader, 2, refusal), 2, "append").prevLogIndex).toBe(0);
    expect(receive(leader, 2, refusal)).toEqual([]);
  });

  it("an append carries at most appendEntriesMax entries", () => {
    const leader = makeNode(1, { term: 1, log: Array(20).fill(1) });
    const won = elect(leader, [3]);
    const first = sentTo(won, 2, "append");
    const refusal = sentTo(receive(makeNode(2), 1, first), 1, "appendResponse");
    const retry = sentTo(receive(leader, 2, refusal), 2, "append");
    expect(retry.prevLogIndex).toBe(0);
    expect(retry.entries.length).toBe(leader.config.appendEntriesMax);
  });

  it("a leader never overwrites its own log", () => {
    const leader = makeNode(1, { term: 1, log: [1, 1] });
    elect(leader, [3]);
    const before = [1, 2, 3].map((i) => leader.log.entryAt(i));
    const writes = [];
    const refusal = (rejectedIndex: number) => ({
      type: "appendResponse" as const,
      term: 2,
      success: false,
      matchIndex: 0,
      rejectedIndex,
      conflictTerm: 7,
      conflictIndex: 1,
    });
    writes.push(...ofType(receive(leader, 2, refusal(3)), "appendLog"));
    writes.push(
      ...ofType(leader.step({ type: "propose", data: text.encode("x") }, 2), "appendLog"),
    );
    writes.push(...ofType(receive(leader, 3, success(2, 4)), "appendLog"));
    expect(writes).toEqual([expect.objectContaining({ fromIndex: 4 })]);
    expect([1, 2, 3].map((i) => leader.log.entryAt(i))).toEqual(before);
    // Another leader in the same term would be a broken election: the node stops, not obeys.
    expect(() => receive(leader, 2, append(2, 0, 0, [2]))).toThrow(InvariantViolation);
  });
});

describe("raft commitment (§5.4.2) and durability", () => {
  it("an entry from an earlier term is not committed by counting replicas", () => {
    // n1 holds (2, term 2) from a term it did not finish; it leads term 3 now.
    const leader = makeNode(1, { term: 2, log: [1, 2] });
    const won = elect(leader, [2]);
    persistAll(leader, won);
    expect(leader.log.termAt(3)).toBe(3);
    // n2 has durably taken index 2 but not yet the no-op: a majority holds the term-2 entry.
    expect(ofType(receive(leader, 2, success(3, 2)), "commit")).toEqual([]);
    expect(leader.commitIndex).toBe(0);
    // Once the leader's own-term entry is on a majority, everything before it commits with it.
    const commits = ofType(receive(leader, 2, success(3, 3)), "commit");
    expect(commits).toEqual([
      {
        type: "commit",
        fromIndex: 1,
        entries: [leader.log.entryAt(1), leader.log.entryAt(2), leader.log.entryAt(3)],
      },
    ]);
  });

  it("the leader counts its own log only once it is persisted", () => {
    const leader = makeNode(1, { term: 1 });
    const won = elect(leader, [2]);
    expect(ofType(receive(leader, 2, success(2, 1)), "commit")).toEqual([]);
    const commits = ofType(persistAll(leader, won), "commit");
    expect(commits).toEqual([{ type: "commit", fromIndex: 1, entries: [{ term: 2, data: null }] }]);
  });

  it("a follower acknowledges only entries that are durable", () => {
    const follower = makeNode(2);
    const effects = receive(follower, 1, append(1, 0, 0, [1, 1]));
    expect(sentTo(effects, 1, "appendResponse")).toMatchObject({ success: true, matchIndex: 0 });
    const later = persistAll(follower, effects);
    expect(sentTo(later, 1, "appendResponse")).toMatchObject({ success: true, matchIndex: 2 });
  });

  it("a write that a later truncation superseded does not count as durable past the cut", () => {
    const follower = makeNode(2);
    const first = ofType(receive(follower, 1, append(2, 0, 0, [1, 2, 2])), "appendLog")[0];
    const second = ofType(receive(follower, 3, append(3, 1, 1, [3])), "appendLog")[0];
    expect(second.fromIndex).toBe(2);
    const afterFirst = follower.step({ type: "persisted", writeId: first.writeId }, 2);
    expect(sentTo(afterFirst, 3, "appendResponse").matchIndex).toBe(1);
    expect(follower.persistedIndex).toBe(1);
    const afterSecond = follower.step({ type: "persisted", writeId: second.writeId }, 3);
    expect(sentTo(afterSecond, 3, "appendResponse").matchIndex).toBe(2);
  });

  it("a follower commits no further than the entries it has checked against this leader", () => {
    // Its log has stale entries 2 and 3; the leader has only vouched for index 1.
    const follower = makeNode(2, { term: 1, log: [1, 1, 1] });
    const effects = receive(follower, 1, append(2, 1, 1, [], 3));
    expect(ofType(effects, "commit")).toEqual([
      { type: "commit", fromIndex: 1, entries: [follower.log.entryAt(1)] },
    ]);
    expect(follower.commitIndex).toBe(1);
  });
});

describe("raft proposals", () => {
  it("a follower refuses a proposal with NOT_CONTROLLER naming the leader it knows", () => {
    const node = makeNode(2, { term: 1 });
    expect(node.step({ type: "propose", data: text.encode("x") }, 1)).toEqual([
      { type: "proposalRefused", code: "NOT_CONTROLLER", leaderId: null, term: 1 },
    ]);
    receive(node, 3, append(1, 0, 0, []));
    expect(node.step({ type: "propose", data: text.encode("x") }, 2)).toEqual([
      { type: "proposalRefused", code: "NOT_CONTROLLER", leaderId: 3, term: 1 },
    ]);
    expect(node.log.lastIndex).toBe(0);
  });

  it("a leader appends a proposal and sends it to the followers that are caught up", () => {
    const leader = makeNode(1, { term: 1 });
    persistAll(leader, elect(leader, [2]));
    receive(leader, 2, success(2, 1));
    const effects = leader.step({ type: "propose", data: text.encode("x") }, 2);
    expect(ofType(effects, "proposed")).toEqual([{ type: "proposed", index: 2, term: 2 }]);
    expect(sentTo(effects, 2, "append")).toMatchObject({ prevLogIndex: 1, leaderCommit: 1 });
    expect(effects.some((e) => e.type === "send" && e.to === 3)).toBe(false);
  });
});
