// Kafka's range assignor: topic by topic, the subscribed members (in member order) get
// contiguous ranges of partitions; when the count does not divide evenly the first members get
// one extra. Members subscribed to the same topics get the same partition numbers of each topic,
// which is what co-partitioned joins want.
import { type Assignment, assignmentFromList, type TopicPartition } from "../assignment.ts";
import {
  type AssignmentSpec,
  type Assignor,
  sortedMembers,
  subscribedTopics,
  subscriptionSets,
} from "./assignor.ts";

export const rangeAssignor: Assignor = {
  name: "range",
  assign(spec: AssignmentSpec): Map<string, Assignment> {
    const members = sortedMembers(spec);
    const subscriptions = subscriptionSets(members);
    const lists = new Map<string, TopicPartition[]>(members.map((m) => [m.memberId, []]));
    for (const topic of subscribedTopics(spec)) {
      const count = spec.partitionCounts.get(topic)!;
      const takers = members.filter((m) => subscriptions.get(m.memberId)!.has(topic));
      const base = Math.floor(count / takers.length);
      const extra = count % takers.length;
      let next = 0;
      takers.forEach((member, i) => {
        const length = base + (i < extra ? 1 : 0);
        const list = lists.get(member.memberId)!;
        for (let partition = next; partition < next + length; partition++) {
          list.push({ topic, partition });
        }
        next += length;
      });
    }
    return new Map([...lists].map(([id, list]) => [id, assignmentFromList(list)]));
  },
};
