// Snapshots at the step() level: compaction behind a snapshot, a leader sending its snapshot to
// a follower that needs compacted entries, and a follower installing it durably.
import { describe, expect, it } from "vitest";
import type { SnapshotRequest } from "../../../src/controller/raft/types.ts";
import {
  append,
  elect,
  ELECTION_MS,
  HEARTBEAT_MS,
  makeNode,
  ofType,
  persistAll,
  receive,
  sentTo,
  success,
} from "./step-harness.ts";

const image = new TextEncoder().encode("image@3");

function snapshotRequest(term: number, lastIndex: number, lastTerm: number): SnapshotRequest {
  return { type: "installSnapshot", term, lastIndex, lastTerm, data: image };
}

describe("raft snapshots", () => {
  it("a snapshot of committed entries compacts the log", () => {
    const node = makeNode(2, { term: 1, log: [1, 1, 1, 1] });
    receive(node, 1, append(1, 4, 1, [], 3));
    const effects = node.step({ type: "snapshotTaken", index: 3, data: image }, 2);
    expect(effects).toEqual([{ type: "compactLog", index: 3 }]);
    expect(node.log.startIndex).toBe(3);
    expect(node.log.startTerm).toBe(1);
    expect(node.log.lastIndex).toBe(4);
  });

  it("a leader sends its snapshot to a follower that needs compacted entries", () => {
    const leader = makeNode(1, { term: 1, log: [1, 1, 1] });
    persistAll(leader, elect(leader, [3]));
    receive(leader, 3, success(2, 4));
    expect(leader.commitIndex).toBe(4);
    leader.step({ type: "snapshotTaken", index: 3, data: image }, ELECTION_MS);
    const refusal = sentTo(receive(makeNode(2), 1, append(2, 3, 1, [2])), 1, "appendResponse");
    const effects = receive(leader, 2, refusal, ELECTION_MS);
    expect(sentTo(effects, 2, "installSnapshot")).toEqual(snapshotRequest(2, 3, 1));
  });

  it("a follower installs a snapshot it lacks and acknowledges it once durable", () => {
    const follower = makeNode(2, { term: 1, log: [1] });
    const effects = receive(follower, 1, snapshotRequest(2, 3, 1));
    expect(ofType(effects, "installSnapshot")).toEqual([
      expect.objectContaining({ index: 3, term: 1, data: image }),
    ]);
    expect(follower.commitIndex).toBe(3);
    expect(follower.log.startIndex).toBe(3);
    expect(follower.log.lastIndex).toBe(3);
    // Until the snapshot is durable, nothing past the old commit index counts as held.
    expect(sentTo(effects, 1, "appendResponse")).toMatchObject({ success: true, matchIndex: 0 });
    const install = ofType(effects, "installSnapshot")[0];
    const later = follower.step({ type: "persisted", writeId: install.writeId }, 2);
    expect(sentTo(later, 1, "appendResponse")).toMatchObject({ success: true, matchIndex: 3 });
    // The log goes on from the snapshot.
    const next = receive(follower, 1, append(2, 3, 1, [2]));
    expect(ofType(next, "appendLog")).toEqual([expect.objectContaining({ fromIndex: 4 })]);
  });

  it("a follower whose log holds the snapshot's last entry keeps its log and commits it", () => {
    const follower = makeNode(2, { term: 1, log: [1, 1, 1, 1] });
    const effects = receive(follower, 1, snapshotRequest(2, 3, 1));
    expect(ofType(effects, "installSnapshot")).toEqual([]);
    expect(ofType(effects, "commit")).toEqual([
      expect.objectContaining({
        fromIndex: 1,
        entries: [1, 2, 3].map((i) => follower.log.entryAt(i)),
      }),
    ]);
    expect(follower.log.lastIndex).toBe(4);
  });

  it("a snapshot at or below the commit index changes nothing", () => {
    const follower = makeNode(2, { term: 1, log: [1, 1, 1, 1] });
    receive(follower, 1, append(1, 4, 1, [], 4));
    const effects = receive(follower, 1, snapshotRequest(1, 3, 1));
    expect(ofType(effects, "installSnapshot")).toEqual([]);
    expect(ofType(effects, "commit")).toEqual([]);
    expect(follower.log.lastIndex).toBe(4);
  });

  it("an append that reaches below the log start is taken for the part after it", () => {
    const follower = makeNode(2, { term: 1 });
    const install = ofType(receive(follower, 1, snapshotRequest(1, 3, 1)), "installSnapshot")[0];
    follower.step({ type: "persisted", writeId: install.writeId }, 2);
    const effects = receive(follower, 1, append(1, 1, 1, [1, 1, 1]));
    expect(ofType(effects, "appendLog")).toEqual([
      expect.objectContaining({ fromIndex: 4, entries: [expect.objectContaining({ term: 1 })] }),
    ]);
    expect(follower.log.lastIndex).toBe(4);
  });

  it("a node restarted from a snapshot commits from there and serves the snapshot as leader", () => {
    const leader = makeNode(1, { term: 2, snapshot: { index: 5, term: 2, data: image } });
    expect(leader.commitIndex).toBe(5);
    expect(leader.log.lastIndex).toBe(5);
    const won = elect(leader, [3]);
    expect(sentTo(won, 2, "append")).toMatchObject({ prevLogIndex: 5, prevLogTerm: 2 });
    const refusal = sentTo(receive(makeNode(2), 1, sentTo(won, 2, "append")), 1, "appendResponse");
    const effects = receive(leader, 2, refusal);
    expect(sentTo(effects, 2, "installSnapshot")).toEqual(snapshotRequest(3, 5, 2));
  });

  it("a compacted log without its snapshot is refused at construction", () => {
    expect(() =>
      makeNode(1, { snapshot: { index: 5, term: 2, data: null as unknown as Uint8Array } })
    )
      .toThrow(/compacted log has its snapshot/);
  });

  it("a leader resends its snapshot only after an election timeout, not with every heartbeat", () => {
    const leader = makeNode(1, { term: 1, log: [1, 1, 1] });
    persistAll(leader, elect(leader, [3]), ELECTION_MS);
    receive(leader, 3, success(2, 4), ELECTION_MS);
    leader.step({ type: "snapshotTaken", index: 3, data: image }, ELECTION_MS);
    const refusal = sentTo(receive(makeNode(2), 1, append(2, 3, 1, [2])), 1, "appendResponse");
    sentTo(receive(leader, 2, refusal, ELECTION_MS), 2, "installSnapshot");
    const snapshotsTo2 = (t: number) => {
      receive(leader, 3, success(2, 4), t);
      const effects = leader.step({ type: "timer", timer: "heartbeat" }, t);
      return effects.filter((e) =>
        e.type === "send" && e.to === 2 && e.message.type === "installSnapshot"
      ).length;
    };
    for (let t = ELECTION_MS + HEARTBEAT_MS; t < 2 * ELECTION_MS; t += HEARTBEAT_MS) {
      expect(snapshotsTo2(t)).toBe(0);
    }
    expect(snapshotsTo2(2 * ELECTION_MS)).toBe(1);
    expect(leader.role).toBe("leader");
  });
});
