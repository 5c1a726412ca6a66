// Where the replicas of new partitions go, after Kafka's StripedReplicaPlacer / AdminUtils:
//
// - The brokers are put in a fixed order: by id, or, when brokers name racks, alternating between
//   racks (the first broker of each rack, then the second of each, ...), so consecutive positions
//   are on different racks. A broker without a rack counts as one rack of its own kind ("").
// - Partition p's leader (replicas[0]) is the broker at position (startIndex + p) mod n. The
//   caller rotates startIndex across topics (the count of partitions placed so far), so leaders
//   go round-robin over every partition created, not just within one topic.
// - Followers come from the positions after the leader, shifted by a per-round offset so that
//   the same leader does not always get the same followers. A follower on a rack no replica of
//   the partition is on yet is taken first; only once every rack is used are others taken.
//
// Pure: the same brokers, counts and start give the same placement.
import { assert } from "../../model/errors.ts";

export interface PlacementBroker {
  brokerId: number;
  rack: string | null;
}

export interface PlacementRequest {
  /** The brokers replicas may go to (unfenced ones); at least replicationFactor of them. */
  brokers: readonly PlacementBroker[];
  partitions: number;
  replicationFactor: number;
  /** Rotates leaders across topics; any non-negative integer. */
  startIndex: number;
}

/** Replica lists, one per partition, leader first. */
export function placeReplicas(request: PlacementRequest): number[][] {
  const { partitions, replicationFactor, startIndex } = request;
  const ordered = placementOrder(request.brokers);
  const n = ordered.length;
  assert(replicationFactor >= 1 && replicationFactor <= n, "replication factor within brokers");
  assert(Number.isSafeInteger(startIndex) && startIndex >= 0, "start index is a natural");
  const rackCount = new Set(ordered.map(rackOf)).size;
  const out: number[][] = [];
  for (let p = 0; p < partitions; p++) {
    const position = (startIndex + p) % n;
    // Shifts followers once per full round of leaders over the brokers.
    const shift = n > 1 ? Math.floor((startIndex + p) / n) % (n - 1) : 0;
    const candidates: PlacementBroker[] = [];
    // The other n - 1 positions, after the leader's, starting `shift` further on.
    for (let k = 0; k < n - 1; k++) {
      candidates.push(ordered[(position + 1 + ((shift + k) % (n - 1))) % n]);
    }
    const leader = ordered[position];
    const chosen = [leader];
    const racks = new Set([rackOf(leader)]);
    for (const c of candidates) {
      if (chosen.length === replicationFactor || racks.size === rackCount) break;
      if (!racks.has(rackOf(c))) {
        chosen.push(c);
        racks.add(rackOf(c));
      }
    }
    for (const c of candidates) {
      if (chosen.length === replicationFactor) break;
      if (!chosen.includes(c)) chosen.push(c);
    }
    out.push(chosen.map((b) => b.brokerId));
  }
  return out;
}

/** Brokers by id, or alternating between racks (racks by name, brokers by id within each). */
export function placementOrder(brokers: readonly PlacementBroker[]): PlacementBroker[] {
  const byId = [...brokers].sort((a, b) => a.brokerId - b.brokerId);
  assert(new Set(byId.map((b) => b.brokerId)).size === byId.length, "broker ids are distinct");
  if (byId.every((b) => b.rack === null)) return byId;
  const racks = new Map<string, PlacementBroker[]>();
  for (const b of byId) {
    const list = racks.get(rackOf(b)) ?? [];
    list.push(b);
    racks.set(rackOf(b), list);
  }
  const lists = [...racks.keys()].sort().map((r) => racks.get(r)!);
  const out: PlacementBroker[] = [];
  for (let round = 0; out.length < byId.length; round++) {
    for (const list of lists) if (round < list.length) out.push(list[round]);
  }
  return out;
}

function rackOf(b: PlacementBroker): string {
  return b.rack ?? "";
}
