// Group epoch bumps: every membership, subscription or partition-count change writes a new
// GroupMetadataRecord with epoch + 1 and recomputes the target assignment with the group's
// assignor in the same batch, so the target is always at the group epoch.
import {
  type Assignment,
  assignmentEquals,
  compareStrings,
  normalizeAssignment,
  PartitionSet,
} from "./assignment.ts";
import type { Assignor, AssignorMember } from "./assignors/index.ts";
import type { CoordinatorContext, RecordWriter } from "./context.ts";
import type { GroupTables } from "./group-store.ts";
import type { TopicPartitionCount } from "./records.ts";
import { assert, TributaryError } from "../model/errors.ts";

export function bumpAndAssign(
  ctx: CoordinatorContext,
  w: RecordWriter,
  g: GroupTables,
  assignorName?: string,
): void {
  const name = assignorName ?? g.metadata?.assignor ?? ctx.config.defaultAssignor;
  const assignor = resolveAssignor(ctx, name);
  const epoch = (g.metadata?.epoch ?? 0) + 1;
  const members: AssignorMember[] = [...g.members.values()].map((m) => ({
    memberId: m.memberId,
    instanceId: m.instanceId,
    subscribedTopics: m.subscribedTopics,
    assignment: g.targets.get(m.memberId)?.partitions ?? [],
  }));
  const topics = subscribedTopicCounts(ctx, g);
  const partitionCounts = new Map(topics.map((t) => [t.topic, t.partitionCount]));
  const targets = assignor.assign({ members, partitionCounts });
  checkTargets(targets, members, partitionCounts);
  w.write({ type: "GroupMetadata", groupId: g.groupId, epoch, assignor: assignor.name, topics });
  for (const m of members) {
    const partitions = normalizeAssignment(targets.get(m.memberId)!);
    const previous = g.targets.get(m.memberId);
    if (previous === undefined || !assignmentEquals(previous.partitions, partitions)) {
      w.write({
        type: "TargetAssignment",
        groupId: g.groupId,
        memberId: m.memberId,
        epoch,
        partitions,
      });
    }
  }
}

/** Creates an empty group (epoch 0) so offsets can be committed to it without members. */
export function ensureGroup(ctx: CoordinatorContext, w: RecordWriter, groupId: string): void {
  if (ctx.store.group(groupId)?.metadata) return;
  // A classic group's offsets need no native metadata (and must not turn it native).
  if (ctx.classic.has(groupId)) return;
  if (ctx.store.group(groupId) === undefined && ctx.store.groupCount >= ctx.config.groupsMax) {
    throw tooManyGroups(ctx);
  }
  const assignor = ctx.config.defaultAssignor;
  w.write({ type: "GroupMetadata", groupId, epoch: 0, assignor, topics: [] });
}

export function tooManyGroups(ctx: CoordinatorContext): TributaryError {
  return new TributaryError(
    "COORDINATOR_NOT_AVAILABLE",
    `this coordinator already holds ${ctx.config.groupsMax} groups (groupsMax)`,
  );
}

/** Existing topics some member subscribes to, with their partition counts, by topic. */
export function subscribedTopicCounts(
  ctx: CoordinatorContext,
  g: GroupTables,
): TopicPartitionCount[] {
  const topics = new Set<string>();
  for (const m of g.members.values()) for (const t of m.subscribedTopics) topics.add(t);
  return [...topics].sort(compareStrings)
    .map((topic) => ({ topic, partitionCount: ctx.partitionCounts.get(topic) ?? 0 }))
    .filter((t) => t.partitionCount > 0);
}

/** True when the partition counts the target was built from are no longer current. */
export function topicsChanged(ctx: CoordinatorContext, g: GroupTables): boolean {
  const recorded = g.metadata?.topics ?? [];
  const now = subscribedTopicCounts(ctx, g);
  return recorded.length !== now.length ||
    recorded.some((t, i) => t.topic !== now[i].topic || t.partitionCount !== now[i].partitionCount);
}

function resolveAssignor(ctx: CoordinatorContext, name: string): Assignor {
  // A group loaded from the log may name an assignor this coordinator no longer offers.
  const assignor = ctx.assignors.get(name) ?? ctx.assignors.get(ctx.config.defaultAssignor);
  assert(assignor !== undefined, `default assignor ${ctx.config.defaultAssignor} is not offered`);
  return assignor;
}

/** An assignor bug must not reach the log: each target partition once, to a subscriber. */
function checkTargets(
  targets: Map<string, Assignment>,
  members: readonly AssignorMember[],
  partitionCounts: ReadonlyMap<string, number>,
): void {
  const seen = new PartitionSet();
  for (const m of members) {
    const target = targets.get(m.memberId);
    assert(target !== undefined, `assignor gave no target to ${m.memberId}`);
    for (const { topic, partitions } of target) {
      assert(m.subscribedTopics.includes(topic), `${m.memberId} got unsubscribed ${topic}`);
      for (const p of partitions) {
        assert(p < (partitionCounts.get(topic) ?? 0), `assignor gave missing ${topic}-${p}`);
        assert(!seen.has(topic, p), `assignor gave ${topic}-${p} twice`);
        seen.add(topic, p);
      }
    }
  }
}
