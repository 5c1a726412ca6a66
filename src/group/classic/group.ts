// A classic group as the coordinator holds it in memory: the durable part (what the
// ClassicGroup record stores) plus what only a rebalance in progress has (who has rejoined,
// who waits for an answer, the deadlines). Kafka's states: Empty -> PreparingRebalance (members
// rejoin) -> CompletingRebalance (waiting for the leader's SyncGroup) -> Stable; a group that
// does not exist is Dead to describe.
import type { ClassicProtocol } from "./api.ts";
import type { ClassicGroupRecord } from "../records.ts";
import { assert } from "../../model/errors.ts";

export type ClassicState = "Empty" | "PreparingRebalance" | "CompletingRebalance" | "Stable";

export interface ClassicMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  /** In the member's order of preference. */
  protocols: ClassicProtocol[];
  /** The leader's assignment for this generation (empty until it syncs). */
  assignment: Uint8Array;
  /** The JoinGroup answer this member waits for, while it waits. */
  joinWaitId: number | null;
  syncWaitId: number | null;
  /** Sent SyncGroup in this generation. */
  synced: boolean;
  /** Not enforced while the member waits for a join or sync answer (Kafka keeps those alive). */
  sessionDeadlineMs: number;
}

export class ClassicGroup {
  readonly groupId: string;
  state: ClassicState = "Empty";
  generationId = 0;
  /** The first member's protocol type; kept while the group is Empty. */
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  stateTimestampMs: number;
  /** In join order (the leader falls to the first one when it leaves). */
  readonly members = new Map<string, ClassicMember>();
  /** group.instance.id -> member id of the static members. */
  readonly instances = new Map<string, string>();
  /** KIP-394: ids handed out with MEMBER_ID_REQUIRED -> when they lapse if not used. */
  readonly pending = new Map<string, number>();
  /** PreparingRebalance: when the join completes whoever has rejoined. */
  joinDeadlineMs: number | null = null;
  /** The initial delay of a group that was Empty: only its deadline completes the join. */
  initialDelay = false;
  initialDelayLeftMs = 0;
  newMemberAdded = false;
  /** CompletingRebalance / Stable: members that have not synced by then are removed. */
  syncDeadlineMs: number | null = null;

  constructor(groupId: string, nowMs: number) {
    this.groupId = groupId;
    this.stateTimestampMs = nowMs;
  }

  transition(state: ClassicState, nowMs: number): void {
    this.state = state;
    this.stateTimestampMs = nowMs;
  }

  /** The longest rebalance timeout of the members: how long a rebalance may wait for them. */
  rebalanceTimeoutMs(): number {
    let ms = 0;
    for (const m of this.members.values()) ms = Math.max(ms, m.rebalanceTimeoutMs);
    return ms;
  }

  allJoined(): boolean {
    if (this.pending.size > 0) return false;
    for (const m of this.members.values()) if (m.joinWaitId === null) return false;
    return true;
  }

  /** Protocol names every member supports (all are candidates while the group is empty). */
  candidateProtocols(): Set<string> | null {
    const members = [...this.members.values()];
    if (members.length === 0) return null;
    const candidates = new Set<string>(members[0].protocols.map((p) => p.name));
    for (const m of members.slice(1)) {
      const names = new Set<string>(m.protocols.map((p) => p.name));
      for (const name of [...candidates]) if (!names.has(name)) candidates.delete(name);
    }
    return candidates;
  }

  supportsProtocols(protocolType: string, names: readonly string[]): boolean {
    if (this.members.size === 0) return protocolType.length > 0 && names.length > 0;
    if (protocolType !== this.protocolType) return false;
    const candidates = this.candidateProtocols()!;
    return names.some((n) => candidates.has(n));
  }

  /**
   * Kafka's choice: among the protocols every member supports, each member votes for the one
   * it prefers most; most votes wins (ties go to the first member's preference order).
   */
  selectProtocol(): string {
    const candidates = this.candidateProtocols();
    assert(
      candidates !== null && candidates.size > 0,
      `group ${this.groupId}: no protocol all members support`,
    );
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.has(p.name))!.name;
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    const first = this.members.values().next().value!;
    let best: string | null = null;
    for (const p of first.protocols) {
      if (!candidates.has(p.name)) continue;
      if (best === null || (votes.get(p.name) ?? 0) > (votes.get(best) ?? 0)) best = p.name;
    }
    return best!;
  }

  metadataOf(m: ClassicMember): Uint8Array {
    return m.protocols.find((p) => p.name === this.protocolName)?.metadata ?? new Uint8Array();
  }

  toRecord(): ClassicGroupRecord {
    return {
      type: "ClassicGroup",
      groupId: this.groupId,
      protocolType: this.protocolType ?? "",
      generationId: this.generationId,
      protocolName: this.members.size > 0 ? this.protocolName : null,
      leaderId: this.members.size > 0 ? this.leaderId : null,
      stateTimestampMs: this.stateTimestampMs,
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimeoutMs: m.sessionTimeoutMs,
        metadata: this.metadataOf(m),
        assignment: m.assignment,
      })),
    };
  }

  /** A loaded group: Stable with its stored members (Empty without), sessions from now. */
  static fromRecord(r: ClassicGroupRecord, nowMs: number): ClassicGroup {
    const g = new ClassicGroup(r.groupId, r.stateTimestampMs);
    g.generationId = r.generationId;
    g.protocolType = r.protocolType.length > 0 ? r.protocolType : null;
    for (const e of r.members) {
      g.members.set(e.memberId, {
        memberId: e.memberId,
        groupInstanceId: e.groupInstanceId,
        clientId: e.clientId,
        clientHost: e.clientHost,
        rebalanceTimeoutMs: e.rebalanceTimeoutMs,
        sessionTimeoutMs: e.sessionTimeoutMs,
        protocols: r.protocolName === null ? [] : [{ name: r.protocolName, metadata: e.metadata }],
        assignment: e.assignment,
        joinWaitId: null,
        syncWaitId: null,
        synced: true,
        sessionDeadlineMs: nowMs + e.sessionTimeoutMs,
      });
      if (e.groupInstanceId !== null) g.instances.set(e.groupInstanceId, e.memberId);
    }
    if (g.members.size > 0) {
      g.state = "Stable";
      g.protocolName = r.protocolName;
      g.leaderId = r.leaderId !== null && g.members.has(r.leaderId)
        ? r.leaderId
        : g.members.keys().next().value!;
    }
    return g;
  }
}
