// Kafka's round-robin assignor: all subscribed partitions in (topic, partition) order are dealt
// to the members in member order, skipping members not subscribed to a partition's topic.
import { type Assignment, assignmentFromList, type TopicPartition } from "../assignment.ts";
import {
  type AssignmentSpec,
  type Assignor,
  sortedMembers,
  subscribedPartitions,
  subscriptionSets,
} from "./assignor.ts";
import { assert } from "../../model/errors.ts";

export const roundRobinAssignor: Assignor = {
  name: "round-robin",
  assign(spec: AssignmentSpec): Map<string, Assignment> {
    const members = sortedMembers(spec);
    const subscriptions = subscriptionSets(members);
    const lists = new Map<string, TopicPartition[]>(members.map((m) => [m.memberId, []]));
    let cursor = 0;
    for (const tp of subscribedPartitions(spec)) {
      // Some member subscribes to every topic subscribedPartitions lists, so this finds one
      // within members.length steps.
      let step = 0;
      while (
        !subscriptions.get(members[(cursor + step) % members.length].memberId)!.has(tp.topic)
      ) {
        step++;
        assert(step < members.length, `no member subscribes to ${tp.topic}`);
      }
      const member = members[(cursor + step) % members.length];
      lists.get(member.memberId)!.push(tp);
      cursor = (cursor + step + 1) % members.length;
    }
    return new Map([...lists].map(([id, list]) => [id, assignmentFromList(list)]));
  },
};
