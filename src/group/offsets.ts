// Committed offsets: commit (by a member at its epoch, or by an admin / simple consumer when the
// group has no members), fetch, and reset (admin, only for groups without members).
// Lag is the caller's business: high watermark - committed offset.
import { ensureGroup } from "./assign.ts";
import { compareStrings, PartitionSet } from "./assignment.ts";
import type { CoordinatorContext, RecordWriter } from "./context.ts";
import { committedOffsetCount, type GroupTables } from "./group-store.ts";
import { currentOf } from "./members.ts";
import type { OffsetCommitRecord } from "./records.ts";
import type {
  CommitOffsetsRequest,
  CommittedOffset,
  FetchOffsetsRequest,
  OffsetToCommit,
  ResetOffsetsRequest,
} from "./types.ts";
import { invalid, validateGroupId, validatePartitions, validateTopic } from "./validate.ts";
import { TributaryError } from "../model/errors.ts";

export function commitOffsets(
  ctx: CoordinatorContext,
  w: RecordWriter,
  req: CommitOffsetsRequest,
  nowMs: number,
): void {
  validateGroupId(ctx.config, req.groupId);
  const offsets = validateOffsets(ctx, req.offsets);
  if (typeof req.memberId !== "string" || !Number.isSafeInteger(req.memberEpoch)) {
    invalid("memberId must be a string and memberEpoch an integer");
  }
  const g = ctx.store.group(req.groupId);
  if (req.memberEpoch < 0) {
    if (req.memberId !== "") invalid("an admin commit (epoch -1) carries no member id");
    if ((g !== undefined && g.members.size > 0) || ctx.classic.memberCount(req.groupId) > 0) {
      throw new TributaryError(
        "UNKNOWN_MEMBER_ID",
        `group ${req.groupId} has members: commits must come from one of them`,
      );
    }
  } else {
    if (g === undefined) throw groupNotFound(req.groupId);
    checkMemberEpoch(ctx, g, req.memberId, req.memberEpoch, offsets, nowMs);
  }
  write(ctx, w, req.groupId, offsets, nowMs);
}

/** Admin reset: like an admin commit, but refused with NON_EMPTY_GROUP while members exist. */
export function resetOffsets(
  ctx: CoordinatorContext,
  w: RecordWriter,
  req: ResetOffsetsRequest,
  nowMs: number,
): void {
  validateGroupId(ctx.config, req.groupId);
  const offsets = validateOffsets(ctx, req.offsets);
  const g = ctx.store.group(req.groupId);
  const members = (g?.members.size ?? 0) + ctx.classic.memberCount(req.groupId);
  if (members > 0) {
    throw new TributaryError(
      "NON_EMPTY_GROUP",
      `group ${req.groupId} has ${members} members; stop them before resetting offsets`,
    );
  }
  write(ctx, w, req.groupId, offsets, nowMs);
}

export function fetchOffsets(
  ctx: CoordinatorContext,
  req: FetchOffsetsRequest,
  nowMs: number,
): CommittedOffset[] {
  validateGroupId(ctx.config, req.groupId);
  const g = ctx.store.group(req.groupId);
  if (req.memberId != null && req.memberId !== "") {
    if (g === undefined) throw groupNotFound(req.groupId);
    if (!Number.isSafeInteger(req.memberEpoch)) invalid("a member's fetch carries its memberEpoch");
    checkMemberEpoch(ctx, g, req.memberId, req.memberEpoch!, [], nowMs);
  }
  if (req.partitions == null) return g === undefined ? [] : allCommitted(g);
  const wanted = validatePartitions(ctx.config, req.partitions);
  const out: CommittedOffset[] = [];
  for (const { topic, partitions } of wanted) {
    for (const partition of partitions) {
      const record = g?.offsets.get(topic)?.get(partition);
      out.push(
        record !== undefined ? committed(record) : {
          topic,
          partition,
          offset: null,
          leaderEpoch: null,
          metadata: null,
          commitTimestampMs: null,
        },
      );
    }
  }
  return out;
}

/**
 * A member commits (or fetches) at its current epoch; the previous epoch is accepted for
 * partitions the member still holds, since a heartbeat raising its epoch may have crossed the
 * commit in flight. Anything else is a zombie: FENCED_MEMBER_EPOCH.
 */
function checkMemberEpoch(
  ctx: CoordinatorContext,
  g: GroupTables,
  memberId: string,
  memberEpoch: number,
  offsets: readonly OffsetToCommit[],
  nowMs: number,
): void {
  if (!g.members.has(memberId) || ctx.deadlines.expired(g.groupId, memberId, nowMs)) {
    throw new TributaryError("UNKNOWN_MEMBER_ID", `no member ${memberId} in group ${g.groupId}`);
  }
  const current = currentOf(g, memberId);
  if (memberEpoch === current.memberEpoch) return;
  if (memberEpoch === current.previousMemberEpoch && memberEpoch > 0) {
    const held = PartitionSet.of([...current.assigned, ...current.pendingRevocation]);
    if (offsets.every((o) => held.has(o.topic, o.partition))) return;
  }
  throw new TributaryError(
    "FENCED_MEMBER_EPOCH",
    `member ${memberId} is at epoch ${current.memberEpoch}, not ${memberEpoch}`,
  );
}

function validateOffsets(
  ctx: CoordinatorContext,
  offsets: readonly OffsetToCommit[],
): OffsetToCommit[] {
  if (!Array.isArray(offsets)) invalid("offsets must be a list");
  if (offsets.length > ctx.config.offsetsPerCommitMax) {
    invalid(`more than ${ctx.config.offsetsPerCommitMax} offsets in one commit`);
  }
  for (const o of offsets) {
    if (typeof o !== "object" || o === null) invalid("bad offset entry");
    validateTopic(o.topic);
    if (!Number.isSafeInteger(o.partition) || o.partition < 0) {
      invalid(`bad partition ${String(o.partition)}`);
    }
    if (!Number.isSafeInteger(o.offset) || o.offset < 0) invalid(`bad offset ${String(o.offset)}`);
    if (o.leaderEpoch != null && !Number.isSafeInteger(o.leaderEpoch)) invalid("bad leaderEpoch");
    if (
      o.metadata != null &&
      (typeof o.metadata !== "string" || o.metadata.length > ctx.config.offsetMetadataCharsMax)
    ) {
      throw new TributaryError(
        "INVALID_COMMIT_OFFSET_SIZE",
        `offset metadata must be a string of at most ${ctx.config.offsetMetadataCharsMax} characters`,
      );
    }
    if (o.partition >= (ctx.partitionCounts.get(o.topic) ?? 0)) {
      throw new TributaryError(
        "UNKNOWN_TOPIC_OR_PARTITION",
        `no partition ${o.topic}-${o.partition}`,
      );
    }
  }
  return [...offsets];
}

/** Validates and writes offsets whose committer the caller has checked (classic members). */
export function writeOffsets(
  ctx: CoordinatorContext,
  w: RecordWriter,
  groupId: string,
  offsets: readonly OffsetToCommit[],
  nowMs: number,
): void {
  write(ctx, w, groupId, validateOffsets(ctx, offsets), nowMs);
}

function write(
  ctx: CoordinatorContext,
  w: RecordWriter,
  groupId: string,
  offsets: readonly OffsetToCommit[],
  nowMs: number,
): void {
  const g = ctx.store.group(groupId);
  const fresh = new PartitionSet();
  for (const o of offsets) {
    if (g?.offsets.get(o.topic)?.has(o.partition) !== true) fresh.add(o.topic, o.partition);
  }
  const count = (g === undefined ? 0 : committedOffsetCount(g)) + fresh.size;
  if (count > ctx.config.committedOffsetsPerGroupMax) {
    throw new TributaryError(
      "INVALID_COMMIT_OFFSET_SIZE",
      `group ${groupId} would hold more than ${ctx.config.committedOffsetsPerGroupMax} offsets`,
    );
  }
  ensureGroup(ctx, w, groupId);
  for (const o of offsets) {
    w.write({
      type: "OffsetCommit",
      groupId,
      topic: o.topic,
      partition: o.partition,
      offset: o.offset,
      leaderEpoch: o.leaderEpoch ?? null,
      metadata: o.metadata ?? null,
      commitTimestampMs: nowMs,
    });
  }
}

function allCommitted(g: GroupTables): CommittedOffset[] {
  const out: CommittedOffset[] = [];
  for (const topic of [...g.offsets.keys()].sort(compareStrings)) {
    const byPartition = g.offsets.get(topic)!;
    for (const p of [...byPartition.keys()].sort((a, b) => a - b)) {
      out.push(committed(byPartition.get(p)!));
    }
  }
  return out;
}

function committed(r: OffsetCommitRecord): CommittedOffset {
  return {
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    leaderEpoch: r.leaderEpoch,
    metadata: r.metadata,
    commitTimestampMs: r.commitTimestampMs,
  };
}

function groupNotFound(groupId: string): TributaryError {
  return new TributaryError("GROUP_ID_NOT_FOUND", `no group ${groupId}`);
}
