// Raft §5.2 (leader election) and §5.4.1 (election restriction), with pre-vote and check-quorum
// (Ongaro's thesis §9.6), one rule per test, at the level of single step() calls.
import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../../runtime/sim/prng.ts";
import {
  elect,
  ELECTION_MS,
  HEARTBEAT_MS,
  makeNode,
  ofType,
  receive,
  sends,
  sentTo,
  success,
} from "./step-harness.ts";

describe("raft election (§5.2)", () => {
  it("an election timer that fires early does nothing", () => {
    const node = makeNode(1);
    expect(node.step({ type: "timer", timer: "election" }, ELECTION_MS - 1)).toEqual([]);
    expect(node.role).toBe("follower");
  });

  it("pre-vote does not increase the term: a timed-out follower asks for pre-votes first", () => {
    const node = makeNode(1, { term: 3, log: [1, 3] });
    const effects = node.step({ type: "timer", timer: "election" }, ELECTION_MS);
    expect(node.role).toBe("preCandidate");
    expect(node.term).toBe(3);
    expect(ofType(effects, "persistHardState")).toEqual([]);
    for (const to of [2, 3]) {
      expect(sentTo(effects, to, "preVote")).toEqual({
        type: "preVote",
        term: 4,
        lastLogIndex: 2,
        lastLogTerm: 3,
      });
    }
  });

  it("a pre-candidate with a majority of pre-votes campaigns in the next term, vote persisted before it asks", () => {
    const node = makeNode(1, { term: 3 });
    node.step({ type: "timer", timer: "election" }, ELECTION_MS);
    const effects = receive(
      node,
      2,
      { type: "preVoteResponse", term: 4, granted: true },
      ELECTION_MS,
    );
    expect(node.role).toBe("candidate");
    expect(node.term).toBe(4);
    expect(node.votedFor).toBe(1);
    const persistAt = effects.findIndex((e) => e.type === "persistHardState");
    const firstSend = effects.findIndex((e) => e.type === "send");
    expect(effects[persistAt]).toEqual({ type: "persistHardState", term: 4, votedFor: 1 });
    expect(persistAt).toBeLessThan(firstSend);
    expect(sentTo(effects, 3, "vote").term).toBe(4);
  });

  it("a pre-vote refused or granted for another term does not count", () => {
    const node = makeNode(1, { term: 3, voters: [1, 2, 3, 4, 5] });
    node.step({ type: "timer", timer: "election" }, ELECTION_MS);
    receive(node, 2, { type: "preVoteResponse", term: 4, granted: true }, ELECTION_MS);
    receive(node, 2, { type: "preVoteResponse", term: 4, granted: true }, ELECTION_MS);
    receive(node, 3, { type: "preVoteResponse", term: 3, granted: false }, ELECTION_MS);
    expect(node.role).toBe("preCandidate");
    receive(node, 4, { type: "preVoteResponse", term: 4, granted: true }, ELECTION_MS);
    expect(node.role).toBe("candidate");
  });

  it("a candidate with a majority of votes becomes leader and appends a no-op of its term", () => {
    const node = makeNode(1, { term: 1, log: [1] });
    const effects = elect(node, [2]);
    expect(node.role).toBe("leader");
    expect(node.leaderId).toBe(1);
    expect(ofType(effects, "leaderChanged")).toEqual([{
      type: "leaderChanged",
      leaderId: 1,
      term: 2,
    }]);
    expect(ofType(effects, "appendLog")).toEqual([
      expect.objectContaining({ fromIndex: 2, entries: [{ term: 2, data: null }] }),
    ]);
    expect(sentTo(effects, 2, "append")).toMatchObject({
      term: 2,
      prevLogIndex: 1,
      prevLogTerm: 1,
    });
  });

  it("a follower grants at most one vote per term", () => {
    const node = makeNode(1);
    const first = receive(node, 2, { type: "vote", term: 1, lastLogIndex: 0, lastLogTerm: 0 });
    expect(sentTo(first, 2, "voteResponse")).toEqual({
      type: "voteResponse",
      term: 1,
      granted: true,
    });
    expect(ofType(first, "persistHardState")).toEqual([
      { type: "persistHardState", term: 1, votedFor: null },
      { type: "persistHardState", term: 1, votedFor: 2 },
    ]);
    const second = receive(node, 3, { type: "vote", term: 1, lastLogIndex: 5, lastLogTerm: 1 });
    expect(sentTo(second, 3, "voteResponse").granted).toBe(false);
    // The same candidate asking again (a retry) gets the same answer.
    const again = receive(node, 2, { type: "vote", term: 1, lastLogIndex: 0, lastLogTerm: 0 });
    expect(sentTo(again, 2, "voteResponse").granted).toBe(true);
  });

  it("the vote is persisted before the grant is sent, and survives a restart", () => {
    const node = makeNode(1);
    const effects = receive(node, 2, { type: "vote", term: 1, lastLogIndex: 0, lastLogTerm: 0 });
    const persist = effects.findLastIndex((e) => e.type === "persistHardState");
    const grant = effects.findIndex((e) => e.type === "send");
    expect(persist).toBeLessThan(grant);
    const hard = ofType(effects, "persistHardState").at(-1);
    const restarted = makeNode(1, { term: hard?.term, votedFor: hard?.votedFor });
    const after = receive(restarted, 3, { type: "vote", term: 1, lastLogIndex: 0, lastLogTerm: 0 });
    expect(sentTo(after, 3, "voteResponse").granted).toBe(false);
  });

  it("a candidate that hears an append of its own term follows that leader", () => {
    const node = makeNode(1, { term: 1 });
    node.step({ type: "timer", timer: "election" }, ELECTION_MS);
    receive(node, 2, { type: "preVoteResponse", term: 2, granted: true }, ELECTION_MS);
    expect(node.role).toBe("candidate");
    const effects = receive(node, 3, {
      type: "append",
      term: 2,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [],
      leaderCommit: 0,
    }, ELECTION_MS + 1);
    expect(node.role).toBe("follower");
    expect(node.leaderId).toBe(3);
    expect(sentTo(effects, 3, "appendResponse").success).toBe(true);
  });

  it("a candidate that times out tries again with a fresh pre-vote", () => {
    const node = makeNode(1, { term: 1 });
    node.step({ type: "timer", timer: "election" }, ELECTION_MS);
    receive(node, 2, { type: "preVoteResponse", term: 2, granted: true }, ELECTION_MS);
    const effects = node.step({ type: "timer", timer: "election" }, 2 * ELECTION_MS);
    expect(node.role).toBe("preCandidate");
    expect(node.term).toBe(2);
    expect(sentTo(effects, 3, "preVote").term).toBe(3);
  });

  it("election timeouts are drawn from [E, 2E) with the injected random", () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 200; seed++) {
      const node = makeNode(1, { random: new SeededRandom(seed) });
      const effects = node.start(0);
      const timer = ofType(effects, "setTimer")[0];
      expect(timer.timer).toBe("election");
      expect(timer.atMs).toBeGreaterThanOrEqual(ELECTION_MS);
      expect(timer.atMs).toBeLessThan(2 * ELECTION_MS);
      seen.add(timer.atMs);
    }
    expect(seen.size).toBeGreaterThan(50);
  });

  it("a single voter elects itself and commits its proposals once persisted", () => {
    const node = makeNode(1, { voters: [1] });
    const effects = node.step({ type: "timer", timer: "election" }, ELECTION_MS);
    expect(node.role).toBe("leader");
    expect(node.term).toBe(1);
    expect(ofType(effects, "commit")).toEqual([]);
    const write = ofType(effects, "appendLog")[0];
    const committed = node.step({ type: "persisted", writeId: write.writeId }, ELECTION_MS);
    expect(ofType(committed, "commit")).toEqual([
      { type: "commit", fromIndex: 1, entries: [{ term: 1, data: null }] },
    ]);
  });
});

describe("raft election restriction (§5.4.1)", () => {
  it("a candidate with an older last term is refused, even with a longer log", () => {
    const node = makeNode(1, { term: 3, log: [1, 3] });
    const effects = receive(node, 2, { type: "vote", term: 4, lastLogIndex: 5, lastLogTerm: 2 });
    expect(sentTo(effects, 2, "voteResponse")).toEqual({
      type: "voteResponse",
      term: 4,
      granted: false,
    });
    expect(node.votedFor).toBe(null);
  });

  it("a candidate with the same last term but a shorter log is refused", () => {
    const node = makeNode(1, { term: 3, log: [1, 3, 3] });
    const effects = receive(node, 2, { type: "vote", term: 4, lastLogIndex: 2, lastLogTerm: 3 });
    expect(sentTo(effects, 2, "voteResponse").granted).toBe(false);
  });

  it("a candidate whose log is at least as up to date is granted", () => {
    const node = makeNode(1, { term: 3, log: [1, 3, 3] });
    const effects = receive(node, 2, { type: "vote", term: 4, lastLogIndex: 1, lastLogTerm: 4 });
    expect(sentTo(effects, 2, "voteResponse").granted).toBe(true);
  });

  it("a pre-vote for a candidate with an older log is refused", () => {
    const node = makeNode(1, { term: 3, log: [1, 3] });
    const effects = receive(node, 2, { type: "preVote", term: 4, lastLogIndex: 9, lastLogTerm: 2 });
    expect(sentTo(effects, 2, "preVoteResponse")).toEqual({
      type: "preVoteResponse",
      term: 3,
      granted: false,
    });
  });
});

describe("raft pre-vote and check-quorum (thesis §9.6)", () => {
  it("a pre-vote is granted without the granter changing its term or vote", () => {
    const node = makeNode(1, { term: 3 });
    const effects = receive(
      node,
      2,
      { type: "preVote", term: 4, lastLogIndex: 0, lastLogTerm: 0 },
      ELECTION_MS,
    );
    expect(sentTo(effects, 2, "preVoteResponse")).toEqual({
      type: "preVoteResponse",
      term: 4,
      granted: true,
    });
    expect(node.term).toBe(3);
    expect(ofType(effects, "persistHardState")).toEqual([]);
  });

  it("a node rejoining from a partition does not disturb the term of a quorum with a leader", () => {
    // n3 was cut off and timed out repeatedly; n2 follows leader n1 in term 2.
    const follower = makeNode(2, { term: 2, log: [1, 2] });
    receive(follower, 1, {
      type: "append",
      term: 2,
      prevLogIndex: 2,
      prevLogTerm: 2,
      entries: [],
      leaderCommit: 2,
    }, 10);
    const rejoining = makeNode(3, { term: 2, log: [1] });
    let preVote = sentTo(
      rejoining.step({ type: "timer", timer: "election" }, ELECTION_MS),
      2,
      "preVote",
    );
    for (let round = 2; round <= 5; round++) {
      preVote = sentTo(
        rejoining.step({ type: "timer", timer: "election" }, round * ELECTION_MS),
        2,
        "preVote",
      );
    }
    expect(rejoining.term).toBe(2);
    expect(preVote.term).toBe(3);
    const answer = sentTo(receive(follower, 3, preVote, 20), 3, "preVoteResponse");
    expect(answer).toEqual({ type: "preVoteResponse", term: 2, granted: false });
    expect(follower.term).toBe(2);
    receive(rejoining, 2, answer, 5 * ELECTION_MS);
    expect(rejoining.role).toBe("preCandidate");
    expect(rejoining.term).toBe(2);
  });

  it("a follower in contact with its leader refuses pre-votes, even from an up-to-date node", () => {
    const node = makeNode(1, { term: 2 });
    receive(node, 2, {
      type: "append",
      term: 2,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [],
      leaderCommit: 0,
    }, 10);
    const inLease = receive(
      node,
      3,
      { type: "preVote", term: 3, lastLogIndex: 0, lastLogTerm: 0 },
      10 + ELECTION_MS - 1,
    );
    expect(sentTo(inLease, 3, "preVoteResponse").granted).toBe(false);
    const after = receive(
      node,
      3,
      { type: "preVote", term: 3, lastLogIndex: 0, lastLogTerm: 0 },
      10 + ELECTION_MS,
    );
    expect(sentTo(after, 3, "preVoteResponse").granted).toBe(true);
  });

  it("a follower in contact with its leader ignores a vote request of a higher term", () => {
    const node = makeNode(1, { term: 2 });
    receive(node, 2, {
      type: "append",
      term: 2,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [],
      leaderCommit: 0,
    }, 10);
    const effects = receive(
      node,
      3,
      { type: "vote", term: 7, lastLogIndex: 0, lastLogTerm: 0 },
      20,
    );
    expect(effects).toEqual([]);
    expect(node.term).toBe(2);
    expect(node.leaderId).toBe(2);
  });

  it("a leader without a quorum steps down after an election timeout", () => {
    const node = makeNode(1, { voters: [1, 2, 3, 4, 5] });
    elect(node, [2, 3], ELECTION_MS);
    const leaderSince = ELECTION_MS;
    // Only n2 answers: with the leader that is 2 of 5.
    for (let t = leaderSince + HEARTBEAT_MS; t < leaderSince + ELECTION_MS; t += HEARTBEAT_MS) {
      node.step({ type: "timer", timer: "heartbeat" }, t);
      receive(node, 2, success(node.term, 0), t);
      expect(node.role).toBe("leader");
    }
    const effects = node.step({ type: "timer", timer: "heartbeat" }, leaderSince + ELECTION_MS);
    expect(node.role).toBe("follower");
    expect(node.leaderId).toBe(null);
    expect(node.term).toBe(1);
    expect(ofType(effects, "leaderChanged")).toEqual([{
      type: "leaderChanged",
      leaderId: null,
      term: 1,
    }]);
    expect(sends(effects)).toEqual([]);
  });

  it("a leader that hears from a majority stays leader", () => {
    const node = makeNode(1, { voters: [1, 2, 3, 4, 5] });
    elect(node, [2, 3], ELECTION_MS);
    for (let t = ELECTION_MS + HEARTBEAT_MS; t <= ELECTION_MS * 10; t += HEARTBEAT_MS) {
      node.step({ type: "timer", timer: "heartbeat" }, t);
      receive(node, 2, success(node.term, 0), t);
      receive(node, 4, success(node.term, 0), t);
    }
    expect(node.role).toBe("leader");
  });
});

describe("raft pre-vote answers from later terms", () => {
  it("a pre-candidate refused by a node of a later term follows that term", () => {
    const node = makeNode(1, { term: 2 });
    node.step({ type: "timer", timer: "election" }, ELECTION_MS);
    const effects = receive(
      node,
      2,
      { type: "preVoteResponse", term: 5, granted: false },
      ELECTION_MS,
    );
    expect(node.role).toBe("follower");
    expect(node.term).toBe(5);
    expect(ofType(effects, "persistHardState")).toEqual([
      { type: "persistHardState", term: 5, votedFor: null },
    ]);
  });
});
