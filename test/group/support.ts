// Shared helpers for the group tests: a coordinator with predictable member ids, error codes of
// thrown calls, and a protocol-following member that owns what it is given and releases what
// it is asked to at once.
import {
  type Assignment,
  assignmentToList,
  GroupCoordinator,
  type GroupCoordinatorOptions,
  type GroupRecord,
  type HeartbeatResponse,
} from "../../src/group/mod.ts";
import { TributaryError } from "../../src/model/errors.ts";

export function sequentialIds(prefix = "m"): () => string {
  let next = 1;
  return () => `${prefix}${next++}`;
}

export function newCoordinator(
  partitionCounts: Record<string, number>,
  options: Partial<GroupCoordinatorOptions> = {},
): GroupCoordinator {
  return new GroupCoordinator({
    newMemberId: sequentialIds(),
    partitionCounts: Object.entries(partitionCounts),
    config: { heartbeatIntervalMs: 1_000, sessionTimeoutMsDefault: 10_000 },
    ...options,
  });
}

export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof TributaryError ? err.code : `not a TributaryError: ${String(err)}`;
  }
  return undefined;
}

/** "t-0" style names of a set of partitions, sorted. */
export function names(a: Assignment): string[] {
  return assignmentToList(a).map((tp) => `${tp.topic}-${tp.partition}`);
}

/** Collects every record the coordinator emits, so a test can replay them. */
export class RecordLog {
  readonly records: GroupRecord[] = [];
  add<T extends { records: GroupRecord[] }>(result: T): T {
    this.records.push(...result.records);
    return result;
  }
}

export interface MemberOptions {
  groupId?: string;
  topics: string[];
  instanceId?: string;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  assignor?: string;
}

/** A well-behaved consumer: owns what responses hand it, releases revoked partitions at once. */
export class TestMember {
  memberId = "";
  memberEpoch = 0;
  owned: Assignment = [];
  last: HeartbeatResponse | null = null;
  readonly #c: GroupCoordinator;
  readonly #log: RecordLog;
  readonly #options: MemberOptions;

  constructor(c: GroupCoordinator, log: RecordLog, options: MemberOptions) {
    this.#c = c;
    this.#log = log;
    this.#options = options;
  }

  get groupId(): string {
    return this.#options.groupId ?? "g";
  }

  join(nowMs: number): HeartbeatResponse {
    this.memberEpoch = 0;
    this.owned = [];
    return this.#send(nowMs, {
      subscribedTopics: this.#options.topics,
      sessionTimeoutMs: this.#options.sessionTimeoutMs,
      rebalanceTimeoutMs: this.#options.rebalanceTimeoutMs,
      assignor: this.#options.assignor,
    });
  }

  /** Heartbeat reporting what it owns; then takes the new assignment (releasing the rest). */
  heartbeat(nowMs: number, extra: { subscribedTopics?: string[] } = {}): HeartbeatResponse {
    return this.#send(nowMs, { ownedPartitions: this.owned, ...extra });
  }

  leave(nowMs: number, staticLeave = false): void {
    this.owned = [];
    this.#log.add(this.#c.heartbeat({
      groupId: this.groupId,
      memberId: this.memberId,
      memberEpoch: staticLeave ? -2 : -1,
      instanceId: this.#options.instanceId,
    }, nowMs));
  }

  #send(nowMs: number, fields: Record<string, unknown>): HeartbeatResponse {
    const { response } = this.#log.add(this.#c.heartbeat({
      groupId: this.groupId,
      memberId: this.memberId,
      memberEpoch: this.memberEpoch,
      instanceId: this.#options.instanceId,
      ...fields,
    }, nowMs));
    this.memberId = response.memberId;
    this.memberEpoch = response.memberEpoch;
    this.owned = response.assignment;
    this.last = response;
    return response;
  }
}

/** Heartbeats every member in turn, `rounds` times, advancing time by stepMs per round. */
export function rounds(
  members: TestMember[],
  count: number,
  startMs: number,
  stepMs = 100,
): number {
  let now = startMs;
  for (let i = 0; i < count; i++) {
    now += stepMs;
    for (const m of members) m.heartbeat(now);
  }
  return now;
}

/** No partition is owned by two members (each owns what its last response gave it). */
export function expectDisjoint(members: readonly TestMember[]): void {
  const owner = new Map<string, string>();
  for (const m of members) {
    for (const name of names(m.owned)) {
      const other = owner.get(name);
      if (other !== undefined) throw new Error(`${name} owned by ${other} and ${m.memberId}`);
      owner.set(name, m.memberId);
    }
  }
}
