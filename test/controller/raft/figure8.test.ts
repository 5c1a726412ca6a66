// The Raft paper's Figure 8, played with five real nodes and a hand-driven network: an entry
// of an earlier term that sits on a majority can still be overwritten, so a leader must not
// count it as committed (§5.4.2). Writes are durable at once; time jumps past every lease
// before each election.
import { describe, expect, it } from "vitest";
import type { RaftNode } from "../../../src/controller/raft/node.ts";
import type { Entry, RaftEffect, RaftMessage } from "../../../src/controller/raft/types.ts";
import { ELECTION_MS, makeNode } from "./step-harness.ts";

type Pass = (from: number, to: number, message: RaftMessage) => boolean;
interface InFlight {
  from: number;
  to: number;
  message: RaftMessage;
}

const DELIVERIES_MAX = 10_000;

class HandNetwork {
  readonly nodes = new Map<number, RaftNode>();
  /** Every commit any node made: index -> the entries committed there. */
  readonly committed = new Map<number, Entry[]>();
  #queue: InFlight[] = [];
  nowMs = 0;

  constructor(ids: number[]) {
    // One entry per append: the story needs an entry to arrive without the one after it.
    for (const id of ids) this.nodes.set(id, makeNode(id, { voters: ids, appendEntriesMax: 1 }));
  }

  #run(id: number, effects: RaftEffect[]): void {
    const node = this.nodes.get(id) as RaftNode;
    for (const effect of effects) {
      if (effect.type === "send") {
        this.#queue.push({ from: id, to: effect.to, message: effect.message });
      }
      if (effect.type === "appendLog" || effect.type === "installSnapshot") {
        this.#run(id, node.step({ type: "persisted", writeId: effect.writeId }, this.nowMs));
      }
      if (effect.type === "commit") {
        effect.entries.forEach((entry, i) => {
          const at = this.committed.get(effect.fromIndex + i) ?? [];
          at.push(entry);
          this.committed.set(effect.fromIndex + i, at);
        });
      }
    }
  }

  /** Delivers what `pass` lets through (and what that causes), drops the rest. */
  deliver(pass: Pass): void {
    for (let n = 0; n < DELIVERIES_MAX && this.#queue.length > 0; n++) {
      const { from, to, message } = this.#queue.shift() as InFlight;
      if (!pass(from, to, message)) continue;
      const node = this.nodes.get(to) as RaftNode;
      this.#run(to, node.step({ type: "message", from, message }, this.nowMs));
    }
    expect(this.#queue).toEqual([]);
  }

  /** Past every lease, then `id`'s election timer fires. */
  timeout(id: number, pass: Pass): void {
    this.nowMs += 2 * ELECTION_MS;
    const node = this.nodes.get(id) as RaftNode;
    this.#run(id, node.step({ type: "timer", timer: "election" }, this.nowMs));
    this.deliver(pass);
  }

  heartbeat(id: number, pass: Pass): void {
    this.nowMs += 2 * ELECTION_MS;
    const node = this.nodes.get(id) as RaftNode;
    this.#run(id, node.step({ type: "timer", timer: "heartbeat" }, this.nowMs));
    this.deliver(pass);
  }

  propose(id: number, text: string, pass: Pass): void {
    const node = this.nodes.get(id) as RaftNode;
    this.#run(id, node.step({ type: "propose", data: new TextEncoder().encode(text) }, this.nowMs));
    this.deliver(pass);
  }

  node(id: number): RaftNode {
    return this.nodes.get(id) as RaftNode;
  }
}

const among = (ids: number[]): Pass => (from, to) => ids.includes(from) && ids.includes(to);

describe("raft Figure 8 (§5.4.2)", () => {
  it("an earlier-term entry on a majority is not committed, and a later leader may replace it", () => {
    const net = new HandNetwork([1, 2, 3, 4, 5]);
    const all = among([1, 2, 3, 4, 5]);
    net.timeout(1, all);
    expect(net.node(1).role).toBe("leader");
    const firstTerm = net.node(1).term;

    // (a) S1 leads and appends "x", which reaches no one yet.
    net.propose(1, "x", among([1]));
    expect(net.node(1).log.termAt(2)).toBe(firstTerm);
    expect(net.node(2).log.lastIndex).toBe(1);

    // (b) S5 wins the next term with S3 and S4; its no-op at index 2 reaches no one.
    net.timeout(5, (from, to, m) => among([3, 4, 5])(from, to, m) && m.type !== "append");
    expect(net.node(5).role).toBe("leader");
    expect(net.node(5).log.termAt(2)).toBe(firstTerm + 1);

    // (c) S1 loses its quorum, then wins a later term with S2 and S3 (first learning S3's term)
    // and gets "x" onto both, while its own no-op of the new term stays with it.
    net.heartbeat(1, among([1]));
    expect(net.node(1).role).toBe("follower");
    const fromS1Group = among([1, 2, 3]);
    for (let round = 0; round < 3 && net.node(1).role !== "leader"; round++) {
      net.timeout(1, (from, to, m) => {
        if (!fromS1Group(from, to, m)) return false;
        // Its no-op (the one entry of its new term) is lost, except where it would be refused.
        if (m.type !== "append" || m.entries.every((e) => e.term <= firstTerm)) return true;
        return net.node(to).log.lastIndex < m.prevLogIndex;
      });
    }
    const s1 = net.node(1);
    expect(s1.role).toBe("leader");
    // "x" (of the first term) is now on S1, S2 and S3, and S1 knows it: a majority of five...
    expect([1, 2, 3].map((id) => net.node(id).log.termAt(2))).toEqual([
      firstTerm,
      firstTerm,
      firstTerm,
    ]);
    // ...and still not committed: it is not of S1's term.
    expect(s1.commitIndex).toBeLessThan(2);
    expect(net.committed.get(2)).toBeUndefined();

    // (d) S1 is cut off; S5 wins with S2, S3 and S4 (its last term is later) and replaces "x".
    const rest = among([2, 3, 4, 5]);
    net.heartbeat(5, rest); // S5, still leader of its old term, has lost its quorum meanwhile
    expect(net.node(5).role).toBe("follower");
    for (let round = 0; round < 3 && net.node(5).role !== "leader"; round++) net.timeout(5, rest);
    expect(net.node(5).role).toBe("leader");
    net.heartbeat(5, rest);
    for (const id of [2, 3, 4, 5]) expect(net.node(id).log.termAt(2)).toBe(firstTerm + 1);
    const atTwo = net.committed.get(2) ?? [];
    expect(atTwo.length).toBeGreaterThan(0);
    expect(atTwo.every((entry) => entry.term === firstTerm + 1 && entry.data === null)).toBe(true);
  });
});
