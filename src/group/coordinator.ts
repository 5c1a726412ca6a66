// The group coordinator as a sans-IO state machine. It never touches a clock, a socket or a file:
// the shell passes nowMs in, appends the records an operation returns to `__consumer_offsets`
// (one batch, durably) before sending the response, calls tick() at nextDeadlineMs, and after a
// restart or a move replays the topic into a fresh coordinator and calls onLoaded().
//
// If appending fails, the in-memory state is ahead of the log: the shell must throw this
// coordinator away and load a new one from the log (answering COORDINATOR_LOAD_IN_PROGRESS
// meanwhile), never carry on with it.
import { bumpAndAssign, topicsChanged } from "./assign.ts";
import type { Assignor } from "./assignors/index.ts";
import { builtInAssignors } from "./assignors/index.ts";
import { type GroupCoordinatorConfig, groupCoordinatorConfig } from "./config.ts";
import { type CoordinatorContext, RecordWriter } from "./context.ts";
import { MemberDeadlines } from "./deadlines.ts";
import { describeGroup, groupState, listGroups } from "./describe.ts";
import { GroupStore } from "./group-store.ts";
import { heartbeat } from "./heartbeat.ts";
import { checkGroupInvariants, checkStoreInvariants } from "./invariants.ts";
import { leave, removeMembers } from "./leave.ts";
import { commitOffsets, fetchOffsets, resetOffsets, writeOffsets } from "./offsets.ts";
import { compareStrings } from "./assignment.ts";
import { ClassicGroups, type ClassicStep } from "./classic/classic-groups.ts";
import type { ClassicResult } from "./classic/effects.ts";
import {
  classicDescription,
  classicKafkaDescription,
  classicKafkaListing,
  classicListing,
  deadKafkaDescription,
  nativeKafkaDescription,
  nativeKafkaListing,
} from "./classic/describe.ts";
import type {
  ClassicCommitRequest,
  ClassicHeartbeatRequest,
  ClassicJoinRequest,
  ClassicJoinResponse,
  ClassicLeaveMember,
  ClassicLeaveResult,
  ClassicSyncRequest,
  ClassicSyncResponse,
  KafkaGroupDescription,
  KafkaGroupListing,
} from "./classic/api.ts";
import type { GroupRecord } from "./records.ts";
import { tombstone } from "./records.ts";
import type {
  CommitOffsetsRequest,
  CommittedOffset,
  FetchOffsetsRequest,
  GroupDescription,
  GroupListing,
  GroupStateName,
  HeartbeatRequest,
  HeartbeatResponse,
  LeaveRequest,
  RecordsResult,
  ResetOffsetsRequest,
  TickResult,
  WithRecords,
} from "./types.ts";
import { validateGroupId, validateTopic } from "./validate.ts";
import { assert, type ErrorCodeName, TributaryError } from "../model/errors.ts";

export interface GroupCoordinatorOptions {
  /** Member ids for joining members; inject a seeded one to keep runs reproducible. */
  newMemberId: () => string;
  config?: Partial<GroupCoordinatorConfig>;
  /** Default: sticky, range and round-robin. */
  assignors?: readonly Assignor[];
  /** Partition counts of the existing topics; later changes arrive via onPartitionCountChange. */
  partitionCounts?: Iterable<readonly [string, number]>;
}

export class GroupCoordinator {
  readonly config: GroupCoordinatorConfig;
  readonly #ctx: CoordinatorContext;

  constructor(options: GroupCoordinatorOptions) {
    this.config = groupCoordinatorConfig(options.config);
    const assignors = new Map((options.assignors ?? builtInAssignors()).map((a) => [a.name, a]));
    if (!assignors.has(this.config.defaultAssignor)) {
      throw new TributaryError(
        "INVALID_CONFIG",
        `default assignor ${this.config.defaultAssignor} is not offered`,
      );
    }
    const partitionCounts = new Map<string, number>();
    for (const [topic, count] of options.partitionCounts ?? []) {
      if (count > 0) partitionCounts.set(topic, count);
    }
    const store = new GroupStore();
    this.#ctx = {
      store,
      deadlines: new MemberDeadlines(),
      config: this.config,
      assignors,
      partitionCounts,
      newMemberId: options.newMemberId,
      classic: new ClassicGroups({
        store,
        config: this.config,
        newMemberId: options.newMemberId,
      }),
    };
  }

  /** Join (epoch 0), heartbeat (epoch > 0) or leave (epoch -1, static -2). */
  heartbeat(req: HeartbeatRequest, nowMs: number): WithRecords<HeartbeatResponse> {
    return this.#write(req.groupId, (w) => heartbeat(this.#ctx, w, req, nowMs));
  }

  leave(req: LeaveRequest, nowMs: number): RecordsResult {
    return { records: this.#write(req.groupId, (w) => leave(this.#ctx, w, req, nowMs)).records };
  }

  commitOffsets(req: CommitOffsetsRequest, nowMs: number): RecordsResult {
    return {
      records: this.#write(req.groupId, (w) => commitOffsets(this.#ctx, w, req, nowMs)).records,
    };
  }

  fetchOffsets(req: FetchOffsetsRequest, nowMs: number): CommittedOffset[] {
    return fetchOffsets(this.#ctx, req, nowMs);
  }

  /** Admin: set committed offsets; NON_EMPTY_GROUP while the group has members. */
  resetOffsets(req: ResetOffsetsRequest, nowMs: number): RecordsResult {
    return {
      records: this.#write(req.groupId, (w) => resetOffsets(this.#ctx, w, req, nowMs)).records,
    };
  }

  /** Admin: forget a group and its offsets; NON_EMPTY_GROUP while it has members. */
  deleteGroup(groupId: string): RecordsResult {
    validateGroupId(this.config, groupId);
    const g = this.#ctx.store.group(groupId);
    const classic = this.#ctx.classic;
    if (g === undefined && !classic.has(groupId)) {
      throw new TributaryError("GROUP_ID_NOT_FOUND", `no group ${groupId}`);
    }
    const members = (g?.members.size ?? 0) + classic.memberCount(groupId);
    if (members > 0) {
      throw new TributaryError("NON_EMPTY_GROUP", `group ${groupId} has ${members} members`);
    }
    const w = new RecordWriter(this.#ctx.store);
    classic.dropEmpty(w, groupId);
    if (g === undefined) return { records: w.records };
    for (const [topic, byPartition] of [...g.offsets]) {
      for (const partition of [...byPartition.keys()]) {
        w.write(tombstone({ type: "OffsetCommit", groupId, topic, partition }));
      }
    }
    if (g.metadata !== null) w.write(tombstone({ type: "GroupMetadata", groupId }));
    return { records: w.records };
  }

  /** Removes members whose session or rebalance timeout has passed. */
  tick(nowMs: number): TickResult {
    const w = new RecordWriter(this.#ctx.store);
    const completions = this.#ctx.classic.tick(w, nowMs);
    const byGroup = new Map<string, string[]>();
    for (const due of this.#ctx.deadlines.due(nowMs)) {
      byGroup.set(due.groupId, [...(byGroup.get(due.groupId) ?? []), due.memberId]);
    }
    for (const [groupId, memberIds] of byGroup) {
      const g = this.#ctx.store.group(groupId);
      assert(g !== undefined, `deadline for a member of unknown group ${groupId}`);
      removeMembers(this.#ctx, w, g, memberIds);
      checkGroupInvariants(g);
    }
    return { records: w.records, completions, nextDeadlineMs: this.nextDeadlineMs() };
  }

  /** A topic was created (count > 0), grew, or was deleted (count 0): rebalance its groups. */
  onPartitionCountChange(topic: string, partitionCount: number, _nowMs: number): RecordsResult {
    validateTopic(topic);
    assert(Number.isSafeInteger(partitionCount) && partitionCount >= 0, "bad partition count");
    if (partitionCount > 0) this.#ctx.partitionCounts.set(topic, partitionCount);
    else this.#ctx.partitionCounts.delete(topic);
    return { records: this.#rebalanceStale() };
  }

  /** Applies one record read back from `__consumer_offsets` (in log order). */
  replay(record: GroupRecord): void {
    this.#ctx.store.apply(record);
  }

  /**
   * After replay: arms every member's deadlines from now and rebalances groups whose topics
   * changed while nobody was coordinating them.
   */
  onLoaded(nowMs: number): TickResult {
    checkStoreInvariants(this.#ctx.store);
    const { store, deadlines } = this.#ctx;
    this.#ctx.classic.onLoaded(nowMs);
    for (const groupId of store.groupIds()) {
      const g = store.group(groupId)!;
      for (const m of g.members.values()) {
        deadlines.setSession(groupId, m.memberId, nowMs + m.sessionTimeoutMs);
        const pending = g.currents.get(m.memberId)?.pendingRevocation.length ?? 0;
        deadlines.setRevocation(
          groupId,
          m.memberId,
          pending > 0 ? nowMs + m.rebalanceTimeoutMs : null,
        );
      }
    }
    return { records: this.#rebalanceStale(), nextDeadlineMs: this.nextDeadlineMs() };
  }

  /** Native and classic groups (the latter in native terms: classic/describe.ts). */
  listGroups(): GroupListing[] {
    const classic = this.#ctx.classic;
    const all = [
      ...listGroups(this.#ctx.store),
      ...classic.groupIds().map((id) => classicListing(classic.group(id)!)),
    ];
    return all.sort((a, b) => compareStrings(a.groupId, b.groupId));
  }

  /** GROUP_ID_NOT_FOUND for an unknown group. */
  describeGroup(groupId: string): GroupDescription {
    const classic = this.#ctx.classic.group(groupId);
    if (classic !== undefined) return classicDescription(classic);
    return describeGroup(this.#ctx.store, groupId);
  }

  /** "dead" for an unknown group. */
  groupState(groupId: string): GroupStateName {
    const classic = this.#ctx.classic.group(groupId);
    if (classic !== undefined) return classicListing(classic).state;
    return groupState(this.#ctx.store, groupId);
  }

  /** Both protocols' groups under Kafka's state names (ListGroups). */
  listGroupsKafka(): KafkaGroupListing[] {
    const classic = this.#ctx.classic;
    const all = [
      ...listGroups(this.#ctx.store).map(nativeKafkaListing),
      ...classic.groupIds().map((id) => classicKafkaListing(classic.group(id)!)),
    ];
    return all.sort((a, b) => compareStrings(a.groupId, b.groupId));
  }

  /** Either protocol's group (DescribeGroups); an unknown one is Dead without members. */
  describeGroupKafka(groupId: string): KafkaGroupDescription {
    validateGroupId(this.config, groupId);
    const classic = this.#ctx.classic.group(groupId);
    if (classic !== undefined) return classicKafkaDescription(classic);
    if (groupState(this.#ctx.store, groupId) === "dead") return deadKafkaDescription(groupId);
    return nativeKafkaDescription(describeGroup(this.#ctx.store, groupId));
  }

  /** JoinGroup; the answer may be a waitId that a later step's completion answers. */
  joinClassic(req: ClassicJoinRequest, nowMs: number): ClassicResult<ClassicJoinResponse> {
    return this.#classicStep(req.groupId, (w) => this.#ctx.classic.join(w, req, nowMs));
  }

  syncClassic(req: ClassicSyncRequest, nowMs: number): ClassicResult<ClassicSyncResponse> {
    return this.#classicStep(req.groupId, (w) => this.#ctx.classic.sync(w, req, nowMs));
  }

  /** The error to answer with (REBALANCE_IN_PROGRESS: rejoin), or null; writes nothing. */
  heartbeatClassic(req: ClassicHeartbeatRequest, nowMs: number): ErrorCodeName | null {
    return this.#ctx.classic.heartbeat(req, nowMs);
  }

  leaveClassic(
    groupId: string,
    members: readonly ClassicLeaveMember[],
    nowMs: number,
  ): ClassicResult<ClassicLeaveResult[]> {
    return this.#classicStep(groupId, (w) => this.#ctx.classic.leave(w, groupId, members, nowMs));
  }

  /** OffsetCommit of a classic member (generation-checked) or a simple consumer. */
  commitOffsetsClassic(req: ClassicCommitRequest, nowMs: number): RecordsResult {
    return {
      records: this.#write(req.groupId, (w) => {
        validateGroupId(this.config, req.groupId);
        if (!Number.isSafeInteger(req.generationId) || typeof req.memberId !== "string") {
          throw new TributaryError("INVALID_REQUEST", "bad generation id or member id");
        }
        const kind = this.#ctx.classic.checkCommit(req, nowMs);
        if (kind === "simple") {
          commitOffsets(this.#ctx, w, {
            groupId: req.groupId,
            memberId: "",
            memberEpoch: -1,
            offsets: req.offsets,
          }, nowMs);
        } else {
          writeOffsets(this.#ctx, w, req.groupId, req.offsets, nowMs);
        }
      }).records,
    };
  }

  nextDeadlineMs(): number | null {
    const native = this.#ctx.deadlines.next();
    const classic = this.#ctx.classic.nextDeadlineMs();
    if (native === null) return classic;
    return classic === null ? native : Math.min(native, classic);
  }

  /** Plain copy of the durable state (what replaying the records rebuilds), for comparisons. */
  snapshot(): unknown {
    return this.#ctx.store.snapshot();
  }

  checkInvariants(): void {
    checkStoreInvariants(this.#ctx.store);
    this.#ctx.classic.checkInvariants();
  }

  #write<T>(groupId: string, op: (w: RecordWriter) => T): WithRecords<T> {
    const w = new RecordWriter(this.#ctx.store);
    const response = op(w);
    const g = this.#ctx.store.group(groupId);
    if (g !== undefined) checkGroupInvariants(g);
    this.#ctx.classic.checkGroup(groupId);
    return { response, records: w.records };
  }

  #classicStep<T>(groupId: string, op: (w: RecordWriter) => ClassicStep<T>): ClassicResult<T> {
    const { response, records } = this.#write(groupId, op);
    return { outcome: response.outcome, records, completions: response.completions };
  }

  #rebalanceStale(): GroupRecord[] {
    const w = new RecordWriter(this.#ctx.store);
    for (const groupId of this.#ctx.store.groupIds()) {
      const g = this.#ctx.store.group(groupId)!;
      if (g.members.size === 0) continue;
      const unassigned = [...g.members.keys()].some((id) => !g.targets.has(id));
      if (unassigned || topicsChanged(this.#ctx, g)) {
        bumpAndAssign(this.#ctx, w, g);
        checkGroupInvariants(g);
      }
    }
    return w.records;
  }
}
