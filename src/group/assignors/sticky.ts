// The default assignor, in the spirit of KIP-848's "uniform" one: balanced, and sticky, so a
// rebalance moves a partition only when it must.
//
// 1. Keep: every member keeps the partitions of its current target that still exist and that it
//    still subscribes to (the first claimant in member order wins a partition claimed twice).
// 2. Place: each partition nobody kept goes to the least-loaded member subscribed to its topic.
// 3. Balance: while some member holds a partition that a member with at least two fewer
//    partitions could take, move one from the most loaded to the least loaded such pair.
//
// Step 3 ends with members of identical subscriptions within one partition of each other (any
// partition of the richer one is takeable by the poorer), and each move lowers the sum of
// squared loads by at least 2, which bounds the number of moves. With identical subscriptions a
// member only ever loses partitions while it is above every receiver, so it keeps
// min(what it had, its final count): no partition moves that did not have to.
import {
  type Assignment,
  assignmentToList,
  PartitionSet,
  type TopicPartition,
} from "../assignment.ts";
import {
  type AssignmentSpec,
  type Assignor,
  type AssignorMember,
  sortedMembers,
  subscribedPartitions,
  subscriptionSets,
} from "./assignor.ts";
import { assert } from "../../model/errors.ts";

export const stickyAssignor: Assignor = {
  name: "sticky",
  assign(spec: AssignmentSpec): Map<string, Assignment> {
    const plan = new StickyPlan(spec);
    plan.keepCurrent();
    plan.placeUnassigned();
    plan.balance();
    return plan.result();
  },
};

interface Move {
  from: AssignorMember;
  to: AssignorMember;
  tp: TopicPartition;
}

class StickyPlan {
  readonly #spec: AssignmentSpec;
  readonly #members: AssignorMember[];
  readonly #order = new Map<string, number>();
  readonly #subscriptions: Map<string, Set<string>>;
  readonly #owned = new Map<string, PartitionSet>();
  readonly #load = new Map<string, number>();
  readonly #taken = new PartitionSet();

  constructor(spec: AssignmentSpec) {
    this.#spec = spec;
    this.#members = sortedMembers(spec);
    this.#subscriptions = subscriptionSets(this.#members);
    this.#members.forEach((m, i) => {
      this.#order.set(m.memberId, i);
      this.#owned.set(m.memberId, new PartitionSet());
      this.#load.set(m.memberId, 0);
    });
  }

  keepCurrent(): void {
    for (const member of this.#members) {
      const subscribed = this.#subscriptions.get(member.memberId)!;
      for (const { topic, partition } of assignmentToList(member.assignment)) {
        const exists = partition < (this.#spec.partitionCounts.get(topic) ?? 0);
        if (exists && subscribed.has(topic) && !this.#taken.has(topic, partition)) {
          this.#give(member, topic, partition);
        }
      }
    }
  }

  placeUnassigned(): void {
    const takersByTopic = new Map<string, AssignorMember[]>();
    for (const { topic, partition } of subscribedPartitions(this.#spec)) {
      if (this.#taken.has(topic, partition)) continue;
      let takers = takersByTopic.get(topic);
      if (takers === undefined) {
        takers = this.#members.filter((m) => this.#subscriptions.get(m.memberId)!.has(topic));
        takersByTopic.set(topic, takers);
      }
      let best = takers[0];
      for (const m of takers) if (this.#loadOf(m) < this.#loadOf(best)) best = m;
      this.#give(best, topic, partition);
    }
  }

  balance(): void {
    const total = this.#taken.size;
    const movesMax = total * total + 1;
    for (let moves = 0;; moves++) {
      assert(moves <= movesMax, "sticky assignor failed to converge");
      const move = this.#findMove();
      if (move === null) return;
      this.#owned.get(move.from.memberId)!.delete(move.tp.topic, move.tp.partition);
      this.#load.set(move.from.memberId, this.#loadOf(move.from) - 1);
      this.#taken.delete(move.tp.topic, move.tp.partition);
      this.#give(move.to, move.tp.topic, move.tp.partition);
    }
  }

  result(): Map<string, Assignment> {
    return new Map(
      this.#members.map((m) => [m.memberId, this.#owned.get(m.memberId)!.toAssignment()]),
    );
  }

  #findMove(): Move | null {
    if (this.#members.length < 2) return null;
    const byOrder = (a: AssignorMember, b: AssignorMember) =>
      this.#order.get(a.memberId)! - this.#order.get(b.memberId)!;
    const donors = [...this.#members].sort((a, b) =>
      this.#loadOf(b) - this.#loadOf(a) || byOrder(a, b)
    );
    const receivers = [...this.#members].sort((a, b) =>
      this.#loadOf(a) - this.#loadOf(b) || byOrder(a, b)
    );
    const loadMin = this.#loadOf(receivers[0]);
    for (const from of donors) {
      if (this.#loadOf(from) - loadMin < 2) return null;
      for (const to of receivers) {
        if (this.#loadOf(from) - this.#loadOf(to) < 2) break;
        const tp = this.#lastTakeable(from, to);
        if (tp !== null) return { from, to, tp };
      }
    }
    return null;
  }

  /** The donor's highest partition the receiver subscribes to: low partitions stay put. */
  #lastTakeable(from: AssignorMember, to: AssignorMember): TopicPartition | null {
    const wanted = this.#subscriptions.get(to.memberId)!;
    const owned = this.#owned.get(from.memberId)!.toAssignment();
    for (let i = owned.length - 1; i >= 0; i--) {
      const { topic, partitions } = owned[i];
      if (wanted.has(topic)) return { topic, partition: partitions[partitions.length - 1] };
    }
    return null;
  }

  #give(member: AssignorMember, topic: string, partition: number): void {
    this.#owned.get(member.memberId)!.add(topic, partition);
    this.#load.set(member.memberId, this.#loadOf(member) + 1);
    this.#taken.add(topic, partition);
  }

  #loadOf(member: AssignorMember): number {
    return this.#load.get(member.memberId)!;
  }
}
