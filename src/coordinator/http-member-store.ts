// The HTTP member records of one `__consumer_offsets` partition, as its coordinator holds them:
// the latest record per member (a tombstone deletes it), built by replay on load and kept up to
// date by the coordinator's own writes, so a moved group's HTTP members are known on the new
// coordinator (http-member-record.ts).
import type { GroupRecord } from "../group/mod.ts";
import type {
  HttpMemberLogRecord,
  HttpMemberRecord,
  HttpMemberTombstone,
} from "./http-member-record.ts";

export class HttpMemberStore {
  readonly #groups = new Map<string, Map<string, HttpMemberRecord>>();

  get size(): number {
    let count = 0;
    for (const members of this.#groups.values()) count += members.size;
    return count;
  }

  get(groupId: string, memberId: string): HttpMemberRecord | undefined {
    return this.#groups.get(groupId)?.get(memberId);
  }

  apply(record: HttpMemberLogRecord): void {
    const members = this.#groups.get(record.groupId);
    if (record.type === "HttpMemberTombstone") {
      members?.delete(record.memberId);
      if (members?.size === 0) this.#groups.delete(record.groupId);
      return;
    }
    if (members === undefined) {
      this.#groups.set(record.groupId, new Map([[record.memberId, record]]));
    } else {
      members.set(record.memberId, record);
    }
  }

  /** Tombstones for the HTTP members whose Member record these group records delete. */
  removedBy(records: readonly GroupRecord[]): HttpMemberTombstone[] {
    // The last word per member counts: a batch may delete a member and create it again.
    const removed = new Map<string, { groupId: string; memberId: string } | null>();
    for (const r of records) {
      if (r.type === "Member") removed.set(memberKey(r.groupId, r.memberId), null);
      if (r.type !== "Tombstone" || r.key.type !== "Member") continue;
      const { groupId, memberId } = r.key;
      removed.set(memberKey(groupId, memberId), { groupId, memberId });
    }
    const gone: HttpMemberTombstone[] = [];
    for (const member of removed.values()) {
      if (member !== null && this.get(member.groupId, member.memberId) !== undefined) {
        gone.push({ type: "HttpMemberTombstone", ...member });
      }
    }
    return gone;
  }

  /** Tombstones for HTTP members that `exists` says are no longer in their group. */
  orphans(exists: (groupId: string, memberId: string) => boolean): HttpMemberTombstone[] {
    const gone: HttpMemberTombstone[] = [];
    for (const [groupId, members] of this.#groups) {
      for (const memberId of members.keys()) {
        if (!exists(groupId, memberId)) {
          gone.push({ type: "HttpMemberTombstone", groupId, memberId });
        }
      }
    }
    return gone;
  }
}

function memberKey(groupId: string, memberId: string): string {
  return `${groupId}\u0000${memberId}`;
}
