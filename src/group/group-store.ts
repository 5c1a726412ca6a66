// The coordinator's durable state: one table per record type, holding the latest record per key.
// apply() is the only writer, used both by live operations (which apply the records they emit)
// and by replay, so the live state and a replayed one cannot drift apart.
import { compareStrings } from "./assignment.ts";
import type {
  ClassicGroupRecord,
  CurrentAssignmentRecord,
  GroupMetadataRecord,
  GroupRecord,
  GroupRecordKey,
  GroupValueRecord,
  MemberRecord,
  OffsetCommitRecord,
  TargetAssignmentRecord,
} from "./records.ts";

export interface GroupTables {
  readonly groupId: string;
  metadata: GroupMetadataRecord | null;
  /** A classic group's last stored state (src/group/classic/); null for native groups. */
  classic: ClassicGroupRecord | null;
  readonly members: Map<string, MemberRecord>;
  readonly targets: Map<string, TargetAssignmentRecord>;
  readonly currents: Map<string, CurrentAssignmentRecord>;
  /** topic -> partition -> latest commit. */
  readonly offsets: Map<string, Map<number, OffsetCommitRecord>>;
}

export class GroupStore {
  readonly #groups = new Map<string, GroupTables>();

  group(groupId: string): GroupTables | undefined {
    return this.#groups.get(groupId);
  }

  groupIds(): string[] {
    return [...this.#groups.keys()].sort(compareStrings);
  }

  get groupCount(): number {
    return this.#groups.size;
  }

  apply(record: GroupRecord): void {
    if (record.type === "Tombstone") this.#delete(record.key);
    else this.#put(record);
  }

  /** Plain, key-ordered copy of everything, for comparing a live store with a replayed one. */
  snapshot(): unknown {
    return this.groupIds().map((id) => {
      const g = this.#groups.get(id)!;
      const offsets = [...g.offsets.keys()].sort(compareStrings).flatMap((topic) => {
        const byPartition = g.offsets.get(topic)!;
        return [...byPartition.keys()].sort((a, b) => a - b).map((p) => byPartition.get(p)!);
      });
      return {
        groupId: id,
        metadata: g.metadata,
        classic: g.classic,
        members: sortedValues(g.members),
        targets: sortedValues(g.targets),
        currents: sortedValues(g.currents),
        offsets,
      };
    });
  }

  #put(record: GroupValueRecord): void {
    const g = this.#tables(record.groupId);
    switch (record.type) {
      case "GroupMetadata":
        g.metadata = record;
        return;
      case "ClassicGroup":
        g.classic = record;
        return;
      case "Member":
        g.members.set(record.memberId, record);
        return;
      case "TargetAssignment":
        g.targets.set(record.memberId, record);
        return;
      case "CurrentAssignment":
        g.currents.set(record.memberId, record);
        return;
      case "OffsetCommit": {
        let byPartition = g.offsets.get(record.topic);
        if (byPartition === undefined) {
          byPartition = new Map();
          g.offsets.set(record.topic, byPartition);
        }
        byPartition.set(record.partition, record);
        return;
      }
    }
  }

  #delete(key: GroupRecordKey): void {
    const g = this.#groups.get(key.groupId);
    if (g === undefined) return;
    switch (key.type) {
      case "GroupMetadata":
        g.metadata = null;
        break;
      case "ClassicGroup":
        g.classic = null;
        break;
      case "Member":
        g.members.delete(key.memberId);
        break;
      case "TargetAssignment":
        g.targets.delete(key.memberId);
        break;
      case "CurrentAssignment":
        g.currents.delete(key.memberId);
        break;
      case "OffsetCommit": {
        const byPartition = g.offsets.get(key.topic);
        byPartition?.delete(key.partition);
        if (byPartition?.size === 0) g.offsets.delete(key.topic);
        break;
      }
    }
    if (isEmpty(g)) this.#groups.delete(key.groupId);
  }

  #tables(groupId: string): GroupTables {
    let g = this.#groups.get(groupId);
    if (g === undefined) {
      g = {
        groupId,
        metadata: null,
        classic: null,
        members: new Map(),
        targets: new Map(),
        currents: new Map(),
        offsets: new Map(),
      };
      this.#groups.set(groupId, g);
    }
    return g;
  }
}

export function committedOffsetCount(g: GroupTables): number {
  let total = 0;
  for (const byPartition of g.offsets.values()) total += byPartition.size;
  return total;
}

function isEmpty(g: GroupTables): boolean {
  return g.metadata === null && g.classic === null && g.members.size === 0 && g.targets.size === 0 &&
    g.currents.size === 0 && g.offsets.size === 0;
}

function sortedValues<T>(map: Map<string, T>): T[] {
  return [...map.keys()].sort(compareStrings).map((k) => map.get(k)!);
}
