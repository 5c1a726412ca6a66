// Per-member deadlines: the session (refreshed by every heartbeat) and the revocation deadline
// (rebalance timeout, armed when a member is asked to give partitions up). They are not in the
// log: a coordinator that loads a group re-arms them from its own clock (onLoaded), as Kafka does,
// which only ever extends a member's life.
import { compareStrings } from "./assignment.ts";

export type DeadlineReason = "session" | "rebalance";

export interface DueMember {
  groupId: string;
  memberId: string;
  reason: DeadlineReason;
}

export class MemberDeadlines {
  readonly #session = new Map<string, Map<string, number>>();
  readonly #revocation = new Map<string, Map<string, number>>();

  session(groupId: string, memberId: string): number | undefined {
    return this.#session.get(groupId)?.get(memberId);
  }

  revocation(groupId: string, memberId: string): number | undefined {
    return this.#revocation.get(groupId)?.get(memberId);
  }

  setSession(groupId: string, memberId: string, atMs: number): void {
    set(this.#session, groupId, memberId, atMs);
  }

  setRevocation(groupId: string, memberId: string, atMs: number | null): void {
    if (atMs === null) remove(this.#revocation, groupId, memberId);
    else set(this.#revocation, groupId, memberId, atMs);
  }

  forget(groupId: string, memberId: string): void {
    remove(this.#session, groupId, memberId);
    remove(this.#revocation, groupId, memberId);
  }

  /** True when the member's session has run out (it is gone even before tick removes it). */
  expired(groupId: string, memberId: string, nowMs: number): boolean {
    const at = this.session(groupId, memberId);
    return at !== undefined && at <= nowMs;
  }

  /** Members past a deadline, in (group, member) order; each member once. */
  due(nowMs: number): DueMember[] {
    const out = new Map<string, DueMember>();
    const collect = (table: Map<string, Map<string, number>>, reason: DeadlineReason) => {
      for (const [groupId, members] of table) {
        for (const [memberId, at] of members) {
          const key = `${groupId.length}:${groupId}${memberId}`;
          if (at <= nowMs && !out.has(key)) out.set(key, { groupId, memberId, reason });
        }
      }
    };
    collect(this.#session, "session");
    collect(this.#revocation, "rebalance");
    return [...out.values()].sort((a, b) =>
      compareStrings(a.groupId, b.groupId) || compareStrings(a.memberId, b.memberId)
    );
  }

  next(): number | null {
    let next: number | null = null;
    for (const table of [this.#session, this.#revocation]) {
      for (const members of table.values()) {
        for (const at of members.values()) if (next === null || at < next) next = at;
      }
    }
    return next;
  }
}

function set(table: Map<string, Map<string, number>>, g: string, m: string, at: number): void {
  let members = table.get(g);
  if (members === undefined) {
    members = new Map();
    table.set(g, members);
  }
  members.set(m, at);
}

function remove(table: Map<string, Map<string, number>>, g: string, m: string): void {
  const members = table.get(g);
  if (members === undefined) return;
  members.delete(m);
  if (members.size === 0) table.delete(g);
}
